"""What diffusers computes for the Lab 6 exercises: the schedulers' betas, add_noise and step, the judge's reference."""

import torch
from diffusers import DDIMScheduler, DDPMScheduler


def ddpm_scheduler(T: int = 1000, beta_schedule: str = "linear", clip_sample: bool = True,
                   inference_steps: int | None = None, **options: float) -> DDPMScheduler:
    """diffusers' DDPMScheduler with epsilon prediction and the fixed-small variance (its defaults)."""
    scheduler = DDPMScheduler(num_train_timesteps=T, beta_schedule=beta_schedule, clip_sample=clip_sample,
                              variance_type="fixed_small", prediction_type="epsilon", **options)
    scheduler.set_timesteps(inference_steps or T)
    return scheduler


def ddim_x0(x_t: torch.Tensor, t: int, eps: torch.Tensor, T: int = 1000) -> torch.Tensor:
    """DDIMScheduler.step's pred_original_sample at t, without clipping: the same x0 estimate as DDPM's."""
    scheduler = DDIMScheduler(num_train_timesteps=T, clip_sample=False, prediction_type="epsilon")
    scheduler.set_timesteps(T)
    return scheduler.step(eps, t, x_t, eta=0.0).pred_original_sample


def ddpm_step(x_t: torch.Tensor, t: int, eps: torch.Tensor, seed: int, clip_sample: bool = True,
              inference_steps: int | None = None, **options: float) -> torch.Tensor:
    """DDPMScheduler.step(eps, t, x_t).prev_sample with a generator seeded with `seed`."""
    scheduler = ddpm_scheduler(clip_sample=clip_sample, inference_steps=inference_steps, **options)
    generator = torch.Generator().manual_seed(seed)
    return scheduler.step(eps, t, x_t, generator=generator).prev_sample


def random_images(shape: tuple[int, ...], seed: int) -> torch.Tensor:
    """Images in [-1, 1]-ish (standard normal, clipped at 1.5) of `shape` from a fixed seed."""
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed)).clamp(-1.5, 1.5)
