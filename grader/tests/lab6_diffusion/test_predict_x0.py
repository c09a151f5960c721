"""lab6.5 predict_x0: the clean-image estimate of DDPM and DDIM, equal to their schedulers' pred_original_sample."""

import pytest
import torch

from grader.feedback import assert_tensor_close
from grader.tests.lab6_diffusion.known_mistakes import predict_x0_mistakes
from grader.tests.lab6_diffusion.references import ddim_x0, ddpm_scheduler, random_images

pytestmark = pytest.mark.exercise("lab6.5")


@pytest.fixture(scope="module")
def predict_x0(student):
    return student.function("lab6_diffusion.reverse_step.predict_x0")


def check_predict_x0(predict_x0, t: int, seed: int) -> None:
    scheduler = ddpm_scheduler(1000)
    x_t = random_images((2, 1, 5, 5), seed)
    eps = torch.randn(2, 1, 5, 5, generator=torch.Generator().manual_seed(seed + 1))
    assert_tensor_close(predict_x0(x_t, t, eps, scheduler.alphas_cumprod), ddim_x0(x_t, t, eps), atol=1e-3,
                        rtol=1e-4, what=f"predict_x0(x_t (2, 1, 5, 5), t={t}, eps)",
                        mistakes=lambda: predict_x0_mistakes(x_t, t, eps, scheduler.alphas_cumprod))


@pytest.mark.parametrize("t", [0, 500, pytest.param(999, marks=pytest.mark.hidden)])
@pytest.mark.points(1)
def test_matches_ddim(predict_x0, t: int):
    """At t = 0, 500 and T-1 (where 1/sqrt(alpha_bar) is about 156, hence the looser tolerance)."""
    check_predict_x0(predict_x0, t, seed=t)


@pytest.mark.points(1)
def test_undoes_q_sample(predict_x0):
    """With the true noise as eps, the estimate is the clean image itself."""
    scheduler = ddpm_scheduler(1000)
    x0 = random_images((3, 1, 4, 4), 7)
    noise = torch.randn(3, 1, 4, 4, generator=torch.Generator().manual_seed(8))
    t = 300
    x_t = scheduler.add_noise(x0, noise, torch.full((3,), t))
    assert_tensor_close(predict_x0(x_t, t, noise, scheduler.alphas_cumprod), x0, atol=1e-4,
                        what="predict_x0(q_sample(x0, t=300, noise), 300, noise)",
                        mistakes=lambda: predict_x0_mistakes(x_t, t, noise, scheduler.alphas_cumprod))
