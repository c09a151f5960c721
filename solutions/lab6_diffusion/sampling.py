"""Draw digits from the trained denoiser with diffusers' DDPMScheduler or DDIMScheduler, class-conditional with
classifier-free guidance (Ho & Salimans 2022), as a generator that reports progress along the way.

    unet, scheduler = load_denoiser("webapp/checkpoints/ddpm-mnist")
    for progress in sample_digits(unet, make_scheduler("DDIM", scheduler.config, 50), labels=[7] * 16, seed=0):
        ...  # progress.done of progress.total steps; progress.images (16, 1, 24, 24) in [-1, 1]
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from diffusers import DDIMScheduler, DDPMScheduler, UNet2DModel

from .denoiser import NULL_CLASS, NUM_DIGITS

SAMPLERS = ("DDPM", "DDIM")
DEFAULT_GUIDANCE = 2.0  # classifier-free guidance scale; 1 = none (the conditional prediction alone)
# step(x_t, t, eps, prev_t, generator) -> x_{t-1}: a DDPM update to use instead of the scheduler's own
StepFunction = Callable[[torch.Tensor, int, torch.Tensor, int, torch.Generator], torch.Tensor]


@dataclass
class Progress:
    """Where sampling stands: `done` of `total` denoising steps; `images` are x_t, or the samples at the end."""

    done: int
    total: int
    images: torch.Tensor  # (N, 1, S, S), the model's [-1, 1] pixel space


def load_denoiser(folder: Path | str) -> tuple[UNet2DModel, DDPMScheduler]:
    """The trained UNet (eval mode) and its training scheduler from a train.py export, offline."""
    folder = Path(folder)
    if not (folder / "unet" / "config.json").is_file():
        raise FileNotFoundError(f"no trained denoiser in {folder}: expected {folder / 'unet'} from train.py")
    unet = UNet2DModel.from_pretrained(folder, subfolder="unet", local_files_only=True, low_cpu_mem_usage=False)
    scheduler = DDPMScheduler.from_pretrained(folder, subfolder="scheduler", local_files_only=True)
    return unet.eval(), scheduler


def make_scheduler(sampler: str, config: dict, steps: int) -> DDPMScheduler | DDIMScheduler:
    """A fresh DDPM or DDIM scheduler on the training schedule `config`, set to `steps` denoising steps."""
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {SAMPLERS}, got {sampler!r}")
    T = config["num_train_timesteps"]
    if not 1 <= steps <= T:
        raise ValueError(f"steps must be between 1 and the schedule's {T} steps, got {steps}")
    scheduler_class = DDPMScheduler if sampler == "DDPM" else DDIMScheduler
    scheduler = scheduler_class.from_config(config)
    scheduler.set_timesteps(steps)
    return scheduler


def class_labels(digits: list[int | None]) -> torch.Tensor:
    """(N,) int64 labels for the model: each digit, or NULL_CLASS where no digit is asked for (None)."""
    for digit in digits:
        if digit is not None and not 0 <= digit < NUM_DIGITS:
            raise ValueError(f"digits are 0-9 (or None for any digit), got {digit}")
    return torch.tensor([NULL_CLASS if d is None else d for d in digits], dtype=torch.long)


@torch.no_grad()
def guided_noise(unet: UNet2DModel, x_t: torch.Tensor, t: torch.Tensor, labels: torch.Tensor,
                 guidance: float) -> torch.Tensor:
    """The predicted noise, pushed `guidance` times from the unconditional towards the conditional prediction."""
    N = x_t.shape[0]
    conditional = labels != NULL_CLASS
    if guidance == 1.0 or not conditional.any():
        return unet(x_t, t, labels).sample
    both = unet(torch.cat([x_t, x_t]), t, torch.cat([labels, torch.full_like(labels, NULL_CLASS)])).sample
    eps_conditional, eps_unconditional = both[:N], both[N:]  # (N, 1, S, S) each
    guided = eps_unconditional + guidance * (eps_conditional - eps_unconditional)
    return torch.where(conditional.view(N, 1, 1, 1), guided, eps_conditional)


def sample_digits(unet: UNet2DModel, scheduler: DDPMScheduler | DDIMScheduler, labels: torch.Tensor | list,
                  seed: int = 0, guidance: float = DEFAULT_GUIDANCE, report_every: int = 5,
                  step_function: StepFunction | None = None) -> Iterator[Progress]:
    """Denoise pure noise into len(labels) digits; yields Progress every `report_every` steps and at the end.

    `step_function`, if given, replaces scheduler.step (the DDPM sampler driven by a student's ddpm_step).
    """
    labels = labels if isinstance(labels, torch.Tensor) else class_labels(list(labels))
    size = unet.config.sample_size
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(len(labels), 1, size, size, generator=generator)  # (N, 1, S, S), x_T
    timesteps = scheduler.timesteps
    # DDIM clips its estimate of x_0 to [-1, 1] (clip_sample) but by default still steps along the unclipped noise:
    # the two disagree, and guidance pushes them far apart (at guidance 2, 15% of digits came out as the digit
    # asked for). Re-deriving the noise from the clipped x_0, as GLIDE does, keeps the step consistent (100%).
    step_options = {"use_clipped_model_output": True} if isinstance(scheduler, DDIMScheduler) else {}
    for index, t in enumerate(timesteps):
        eps = guided_noise(unet, x, t, labels, guidance)
        if step_function is not None:
            prev_t = int(timesteps[index + 1]) if index + 1 < len(timesteps) else -1
            x = step_function(x, int(t), eps, prev_t, generator)
        else:
            x = scheduler.step(eps, t, x, generator=generator, **step_options).prev_sample
        done = index + 1
        if done == len(timesteps) or done % report_every == 0:
            yield Progress(done, len(timesteps), x.clamp(-1.0, 1.0))
