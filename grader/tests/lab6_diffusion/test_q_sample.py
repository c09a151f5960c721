"""lab6.4 q_sample: the forward process in one jump, equal to DDPMScheduler.add_noise, one t per image."""

import pytest
import torch

from grader.feedback import assert_tensor_close
from grader.tests.lab6_diffusion.known_mistakes import q_sample_mistakes
from grader.tests.lab6_diffusion.references import ddpm_scheduler, random_images

pytestmark = pytest.mark.exercise("lab6.4")


@pytest.fixture(scope="module")
def q_sample(student):
    return student.function("lab6_diffusion.schedules.q_sample")


def check_q_sample(q_sample, shape: tuple[int, ...], t: list[int], seed: int, beta_schedule: str = "linear") -> None:
    scheduler = ddpm_scheduler(1000, beta_schedule)
    x0 = random_images(shape, seed)
    noise = torch.randn(shape, generator=torch.Generator().manual_seed(seed + 1))
    steps = torch.tensor(t, dtype=torch.long)
    expected = scheduler.add_noise(x0, noise, steps)
    assert_tensor_close(q_sample(x0, steps, noise, scheduler.alphas_cumprod), expected, atol=1e-5,
                        what=f"q_sample(x0 {shape}, t={t}, noise, alphas_cumprod of {beta_schedule})",
                        mistakes=lambda: q_sample_mistakes(x0, steps, noise, scheduler.alphas_cumprod))


@pytest.mark.points(2)
def test_ends_and_middle(q_sample):
    """t = 0 (almost clean), a middle step and t = T-1 (almost pure noise) in one batch of 4 images 4 wide."""
    check_q_sample(q_sample, (4, 1, 6, 4), [0, 250, 500, 999], seed=0)


@pytest.mark.points(1)
def test_one_step_per_image(q_sample):
    """Every image of a colour batch is noised to its own step (the factors are not shared)."""
    check_q_sample(q_sample, (3, 3, 5, 7), [999, 10, 500], seed=2)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_cosine_schedule(q_sample):
    check_q_sample(q_sample, (5, 1, 8, 8), [0, 1, 100, 998, 999], seed=4, beta_schedule="squaredcos_cap_v2")
