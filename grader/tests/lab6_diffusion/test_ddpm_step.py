"""lab6.6 ddpm_step: one reverse step, equal to DDPMScheduler.step (epsilon prediction, fixed-small variance)
with the same seeded generator, at t = 0, t = T-1 and between, with and without clipping, and strided."""

import pytest
import torch

from grader.feedback import assert_tensor_close
from grader.tests.lab6_diffusion.known_mistakes import ddpm_step_mistakes
from grader.tests.lab6_diffusion.references import ddpm_scheduler, ddpm_step, random_images

pytestmark = pytest.mark.exercise("lab6.6")


@pytest.fixture(scope="module")
def ddpm_step_seeded(student):
    return student.function("lab6_diffusion.harness.ddpm_step_seeded")


def check_step(ddpm_step_seeded, t: int, seed: int, clip: bool = True, inference_steps: int | None = None,
               shape: tuple[int, ...] = (3, 1, 6, 6)) -> None:
    alphas_cumprod = ddpm_scheduler(1000).alphas_cumprod
    x_t = random_images(shape, seed) * 1.2
    eps = torch.randn(shape, generator=torch.Generator().manual_seed(seed + 100))
    stride = 1000 // (inference_steps or 1000)
    prev_t = t - stride
    expected = ddpm_step(x_t, t, eps, seed, clip_sample=clip, inference_steps=inference_steps)
    got = ddpm_step_seeded(x_t, t, eps, alphas_cumprod, seed=seed, clip_x0=clip,
                           prev_t=None if stride == 1 else prev_t)
    what = (f"ddpm_step(x_t {shape}, t={t}, eps, clip_x0={clip}"
            f"{'' if stride == 1 else f', prev_t={prev_t}'}), generator seeded with {seed}")
    assert_tensor_close(got, expected, what=what, atol=1e-4, rtol=1e-4,
                        mistakes=lambda: ddpm_step_mistakes(x_t, t, eps, alphas_cumprod, seed, clip, prev_t))


@pytest.mark.parametrize("t", [999, 500, 0])
@pytest.mark.points(1)
def test_matches_diffusers(ddpm_step_seeded, t: int):
    """T-1, a middle step and the last step (t = 0: the mean, no noise), x0_hat clipped."""
    check_step(ddpm_step_seeded, t, seed=t + 1)


@pytest.mark.points(1)
def test_without_clipping(ddpm_step_seeded):
    check_step(ddpm_step_seeded, 700, seed=3, clip=False)


@pytest.mark.points(1)
def test_strided_sampling(ddpm_step_seeded):
    """50 sampling steps on the 1000-step schedule: from t = 980 straight to prev_t = 960."""
    check_step(ddpm_step_seeded, 980, seed=4, inference_steps=50)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_strided_end_and_no_clip_at_zero(ddpm_step_seeded):
    """The last strided step (t = 0) and t = 1 unclipped, on colour images."""
    check_step(ddpm_step_seeded, 0, seed=5, inference_steps=50, shape=(2, 3, 4, 4))
    check_step(ddpm_step_seeded, 1, seed=6, clip=False, shape=(2, 3, 4, 4))
