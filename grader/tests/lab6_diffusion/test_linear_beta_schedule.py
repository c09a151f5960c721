"""lab6.1 linear_beta_schedule: the DDPM paper's betas, equal to DDPMScheduler(beta_schedule="linear").betas."""

import pytest

from grader.feedback import assert_tensor_close
from grader.tests.lab6_diffusion.known_mistakes import linear_mistakes
from grader.tests.lab6_diffusion.references import ddpm_scheduler

pytestmark = pytest.mark.exercise("lab6.1")


@pytest.fixture(scope="module")
def linear_beta_schedule(student):
    return student.function("lab6_diffusion.schedules.linear_beta_schedule")


def check_linear(linear_beta_schedule, T: int, beta_start: float, beta_end: float) -> None:
    expected = ddpm_scheduler(T, "linear", beta_start=beta_start, beta_end=beta_end).betas
    assert_tensor_close(linear_beta_schedule(T, beta_start, beta_end), expected, atol=1e-7, rtol=1e-5,
                        what=f"linear_beta_schedule({T}, {beta_start}, {beta_end})",
                        mistakes=lambda: linear_mistakes(T, beta_start, beta_end))


@pytest.mark.points(2)
def test_paper_schedule(linear_beta_schedule):
    """T = 1000 from 1e-4 to 0.02, as in the DDPM paper and diffusers' default."""
    check_linear(linear_beta_schedule, 1000, 1e-4, 0.02)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_other_lengths(linear_beta_schedule):
    """A short schedule with other end points, and T = 2 (just the two ends)."""
    check_linear(linear_beta_schedule, 10, 1e-3, 0.05)
    check_linear(linear_beta_schedule, 2, 1e-4, 0.02)
