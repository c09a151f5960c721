"""lab6.3 alphas_cumprod: the running product of 1 - beta, equal to DDPMScheduler.alphas_cumprod."""

import pytest

from grader.feedback import assert_tensor_close
from grader.tests.lab6_diffusion.known_mistakes import cumprod_mistakes
from grader.tests.lab6_diffusion.references import ddpm_scheduler

pytestmark = pytest.mark.exercise("lab6.3")


@pytest.fixture(scope="module")
def alphas_cumprod(student):
    return student.function("lab6_diffusion.schedules.alphas_cumprod")


@pytest.mark.parametrize("beta_schedule", ["linear", pytest.param("squaredcos_cap_v2", marks=pytest.mark.hidden)])
@pytest.mark.points(1)
def test_matches_diffusers(alphas_cumprod, beta_schedule: str):
    """The linear and the cosine schedule of T = 1000 steps."""
    scheduler = ddpm_scheduler(1000, beta_schedule)
    assert_tensor_close(alphas_cumprod(scheduler.betas), scheduler.alphas_cumprod, atol=1e-6, rtol=1e-5,
                        what=f"alphas_cumprod(betas of the {beta_schedule} schedule)",
                        mistakes=lambda: cumprod_mistakes(scheduler.betas))
