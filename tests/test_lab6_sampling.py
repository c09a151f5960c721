"""Lab 6's given code: the pixel conversions, scheduler set-up, and sampling driven by the reference ddpm_step
(which must reproduce diffusers' DDPMScheduler sample for sample)."""

import pytest
import torch

from grader.paths import REPO_ROOT
from solutions.lab6_diffusion.denoiser import DenoiserConfig, build_unet, digits_to_model, model_to_digits
from solutions.lab6_diffusion.reverse_step import ddpm_step
from solutions.lab6_diffusion.sampling import class_labels, load_denoiser, make_scheduler, sample_digits
from solutions.lab6_diffusion.schedules import alphas_cumprod, linear_beta_schedule
from webapp.tabs.diffusion import lenet_readings

CONFIG = {"num_train_timesteps": 1000, "beta_schedule": "linear", "beta_start": 1e-4, "beta_end": 0.02}


def tiny_unet() -> torch.nn.Module:
    torch.manual_seed(0)
    return build_unet(DenoiserConfig(channels=(8, 16, 16))).eval()


def test_crop_and_pad_round_trip() -> None:
    digits = torch.zeros(2, 28, 28, dtype=torch.uint8)
    digits[:, 2:26, 2:26] = torch.randint(0, 256, (2, 24, 24), generator=torch.Generator().manual_seed(0),
                                          dtype=torch.uint8)
    x = digits_to_model(digits)  # (2, 1, 24, 24)
    assert x.shape == (2, 1, 24, 24) and x.min() >= -1 and x.max() <= 1
    assert torch.equal(model_to_digits(x), digits)


def test_digits_to_model_rejects_normalised_images() -> None:
    with pytest.raises(ValueError, match="uint8"):
        digits_to_model(torch.zeros(2, 1, 28, 28))


@pytest.mark.parametrize("steps", [0, 1001])
def test_make_scheduler_rejects_impossible_steps(steps: int) -> None:
    with pytest.raises(ValueError, match="between 1 and"):
        make_scheduler("DDIM", CONFIG, steps)


def test_class_labels() -> None:
    assert class_labels([3, None, 0]).tolist() == [3, 10, 0]
    with pytest.raises(ValueError, match="0-9"):
        class_labels([10])


@pytest.mark.parametrize("steps", [1000, 20])
def test_reference_ddpm_step_reproduces_diffusers(steps: int) -> None:
    """The whole sampling loop, once with DDPMScheduler.step and once with the lab's ddpm_step."""
    unet = tiny_unet()
    schedule = alphas_cumprod(linear_beta_schedule(1000))

    def step(x_t, t, eps, prev_t, generator):
        return ddpm_step(x_t, t, eps, schedule, generator, prev_t=prev_t)

    labels = [7, None]
    *_, by_diffusers = sample_digits(unet, make_scheduler("DDPM", CONFIG, steps), labels, seed=3, report_every=steps)
    *_, by_lab = sample_digits(unet, make_scheduler("DDPM", CONFIG, steps), labels, seed=3, report_every=steps,
                               step_function=step)
    torch.testing.assert_close(by_lab.images, by_diffusers.images, atol=1e-5, rtol=1e-5)


def test_progress_is_reported_every_few_steps() -> None:
    reports = list(sample_digits(tiny_unet(), make_scheduler("DDIM", CONFIG, 10), [1, 2, 3], report_every=4))
    assert [(p.done, p.total) for p in reports] == [(4, 10), (8, 10), (10, 10)]
    assert reports[-1].images.shape == (3, 1, 24, 24)


def test_guidance_makes_the_bundled_model_draw_the_digit_asked_for() -> None:
    """Classifier-free guidance at 3 with DDIM: LeNet reads nearly every sample as the digit asked for. (With DDIM's
    x_0 clipping but the unclipped noise, none of them was.)"""
    unet, scheduler = load_denoiser(REPO_ROOT / "webapp" / "checkpoints" / "ddpm-mnist")
    asked = [k % 10 for k in range(20)]
    *_, last = sample_digits(unet, make_scheduler("DDIM", dict(scheduler.config), 20), asked, seed=0, guidance=3.0,
                             report_every=20)
    read = [best for best, _ in lenet_readings(model_to_digits(last.images))]
    assert sum(best == wanted for best, wanted in zip(read, asked, strict=True)) >= 0.9 * len(asked), read
