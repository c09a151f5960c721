"""lab6.2 cosine_beta_schedule: Nichol & Dhariwal's schedule, equal to diffusers' "squaredcos_cap_v2" betas."""

import pytest

from grader.feedback import assert_tensor_close
from grader.tests.lab6_diffusion.known_mistakes import cosine_mistakes
from grader.tests.lab6_diffusion.references import ddpm_scheduler

pytestmark = pytest.mark.exercise("lab6.2")


@pytest.fixture(scope="module")
def cosine_beta_schedule(student):
    return student.function("lab6_diffusion.schedules.cosine_beta_schedule")


def check_cosine(cosine_beta_schedule, T: int) -> None:
    assert_tensor_close(cosine_beta_schedule(T), ddpm_scheduler(T, "squaredcos_cap_v2").betas, atol=1e-6,
                        rtol=1e-5, what=f"cosine_beta_schedule({T})", mistakes=lambda: cosine_mistakes(T))


@pytest.mark.points(2)
def test_thousand_steps(cosine_beta_schedule):
    """T = 1000, including the capped last step."""
    check_cosine(cosine_beta_schedule, 1000)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_short_schedule(cosine_beta_schedule):
    check_cosine(cosine_beta_schedule, 50)
