"""Train the Lab 6 denoiser (a class-conditional UNet2DModel) on the kit's MNIST training digits with your
diffusion_loss, keep an EMA of its weights, and export them with save_pretrained; Lab 2's train.py skeleton.

    python -m labs.lab6_diffusion.train                       # the 4,000 training digits of the fixed split:
                                                              # homework, ~80 min of one core (the workshop's
                                                              # slot samples the bundled model instead)
    python -m labs.lab6_diffusion.train --resume              # go on from the last resume state in --out
    python -m labs.lab6_diffusion.train --steps 200 --out runs/quick   # a quick look
    python -m labs.lab6_diffusion.train --help                # every option, with its default

Every --checkpoint-every steps it writes <out>/resume.safetensors + resume.json (weights, EMA, Adam state,
step, seconds) and exports the EMA weights to <out>/unet and <out>/scheduler (from_pretrained layout),
with <out>/training.json: the exact command (and any --resume commands that continued it), config, losses and
training seconds.
"""

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from diffusers import DDPMScheduler

from ipdl.checkpoints import script_command, training_record
from ipdl.data.mnist import load_mnist_pixels
from ipdl.unfinished import run_script

from .denoiser import NULL_CLASS, DenoiserConfig, NoisePredictor, build_unet, digits_to_model
from .loss import diffusion_loss
from .resume_state import load_resume_state, save_resume_state
from .schedules import alphas_cumprod, linear_beta_schedule


@dataclass
class TrainConfig:
    steps: int  # optimizer steps in all (a resumed run counts the steps already done)
    batch_size: int  # digits per step
    lr: float  # AdamW's peak learning rate: linear warm-up, then cosine down to a tenth
    warmup: int  # warm-up steps
    ema_decay: float  # decay of the exponential moving average of the weights that gets exported
    p_uncond: float  # share of labels replaced by NULL_CLASS (unconditional samples, classifier-free guidance)
    timesteps: int  # T, diffusion steps of the linear schedule (1e-4 .. 0.02)
    channels: tuple[int, ...]  # UNet feature channels per resolution
    seed: int  # seeds the initial weights; batch, t and noise of step k come from seed and k (resumable)
    threads: int  # CPU threads for torch
    checkpoint_every: int  # steps between resume states and exports
    log_every: int  # steps between progress lines
    resume: bool  # continue from <out>/resume.safetensors
    out: Path  # output folder


def parse_config(argv: list[str]) -> TrainConfig:
    parser = argparse.ArgumentParser(
        prog="python -m labs.lab6_diffusion.train", description="Train a class-conditional DDPM on MNIST.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--steps", type=int, default=14000, help="optimizer steps in all")
    parser.add_argument("--batch-size", type=int, default=64, help="digits per step")
    parser.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (AdamW)")
    parser.add_argument("--warmup", type=int, default=100, help="linear warm-up steps")
    parser.add_argument("--ema-decay", type=float, default=0.999, help="EMA decay of the exported weights")
    parser.add_argument("--p-uncond", type=float, default=0.2, help="share of labels dropped to 'no class'")
    parser.add_argument("--timesteps", type=int, default=1000, help="diffusion steps T")
    parser.add_argument("--channels", type=int, nargs="+", default=[32, 64, 64], help="UNet channels per level")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for torch")
    parser.add_argument("--checkpoint-every", type=int, default=250, help="steps between checkpoints")
    parser.add_argument("--log-every", type=int, default=20, help="steps between progress lines")
    parser.add_argument("--resume", action="store_true", help="continue from <out>/resume.safetensors")
    parser.add_argument("--out", type=Path, default=Path("runs/ddpm-mnist"), help="output folder")
    args = parser.parse_args(argv)
    args.channels = tuple(args.channels)
    return TrainConfig(**vars(args))


def learning_rate(config: TrainConfig, step: int) -> float:
    """Linear warm-up to config.lr, then a cosine down to config.lr / 10 at config.steps."""
    if step < config.warmup:
        return config.lr * (step + 1) / config.warmup
    progress = min((step - config.warmup) / max(config.steps - config.warmup, 1), 1.0)
    return config.lr * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress)))


def training_batch(images: torch.Tensor, labels: torch.Tensor, config: TrainConfig,
                   generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """A random batch (with replacement across steps) and its labels, a p_uncond share set to NULL_CLASS."""
    index = torch.randint(0, len(labels), (config.batch_size,), generator=generator)  # (B,)
    batch_labels = labels[index].clone()
    dropped = torch.rand(config.batch_size, generator=generator) < config.p_uncond
    batch_labels[dropped] = NULL_CLASS
    return images[index], batch_labels


@torch.no_grad()
def update_ema(ema: torch.nn.Module, model: torch.nn.Module, step: int, decay: float) -> None:
    """ema <- d·ema + (1 - d)·model, with d warming up as (1 + step) / (10 + step) so early weights fade fast."""
    d = min(decay, (1 + step) / (10 + step))
    for ema_param, param in zip(ema.parameters(), model.parameters(), strict=True):
        ema_param.lerp_(param, 1.0 - d)


def earlier_commands(config: TrainConfig) -> list[str]:
    """The commands of the run so far when resuming (from the last export's training.json), else none."""
    sidecar = config.out / "training.json"
    if not config.resume or not sidecar.is_file():
        return []
    info = json.loads(sidecar.read_text())
    return [info["command"], *info.get("resumed_with", [])]


def export(ema: NoisePredictor, config: TrainConfig, info: dict[str, object]) -> None:
    """Write the EMA UNet and the DDPM scheduler with save_pretrained, and training.json next to them."""
    ema.unet.save_pretrained(config.out / "unet", safe_serialization=True)
    DDPMScheduler(num_train_timesteps=config.timesteps, beta_schedule="linear").save_pretrained(
        config.out / "scheduler")
    (config.out / "training.json").write_text(json.dumps(info, indent=2) + "\n")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    config = parse_config(argv)
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    pixels = load_mnist_pixels()
    denoiser_config = DenoiserConfig(channels=config.channels)
    images = digits_to_model(torch.from_numpy(pixels.train_images), denoiser_config.image_size)  # (N, 1, 24, 24)
    labels = torch.from_numpy(pixels.train_labels)  # (N,)
    model = NoisePredictor(build_unet(denoiser_config))
    ema = NoisePredictor(build_unet(denoiser_config))
    ema.load_state_dict(model.state_dict())
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.0)
    schedule = alphas_cumprod(linear_beta_schedule(config.timesteps))
    step, seconds, history = 0, 0.0, []
    if config.resume:
        step, seconds, history = load_resume_state(config.out, model, ema, optimizer)
        print(f"resumed at step {step} ({seconds:.0f} s of training so far)")
    print(f"data: {pixels.source}; {len(labels)} training digits, {images.shape[-1]}x{images.shape[-1]} crops; "
          f"{sum(p.numel() for p in model.parameters()):,} parameters", flush=True)
    module = __spec__.name if __spec__ is not None else "labs.lab6_diffusion.train"
    commands = earlier_commands(config) + [script_command(module, argv)]
    model.train()
    running, start = 0.0, time.perf_counter()
    while step < config.steps:
        generator = torch.Generator().manual_seed(config.seed * 1_000_003 + step)
        x0, batch_labels = training_batch(images, labels, config, generator)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(config, step)
        loss = diffusion_loss(model, x0, schedule, generator, batch_labels)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        update_ema(ema, model, step, config.ema_decay)
        step += 1
        running += loss.item()
        if step % config.log_every == 0 or step == config.steps:
            seconds += time.perf_counter() - start
            start = time.perf_counter()
            mean_loss = running / (step % config.log_every or config.log_every)
            history.append({"step": step, "loss": round(mean_loss, 5), "seconds": round(seconds, 1)})
            print(f"step {step:5d}/{config.steps}  loss {mean_loss:.4f}  lr {learning_rate(config, step):.2e}  "
                  f"({seconds:.0f} s, {seconds / step:.2f} s/step)", flush=True)
            running = 0.0
        if step % config.checkpoint_every == 0 or step == config.steps:
            save_resume_state(config.out, model, ema, optimizer, step, seconds, history)
            info = {
                "model": "diffusers.UNet2DModel (class-conditional, NULL_CLASS = 10), EMA weights",
                "steps": step, "training_seconds": round(seconds, 1), "history": history,
                "data": {"source": pixels.source, "train": len(labels), "crop": denoiser_config.image_size},
                **training_record(module, argv, config),
                "command": commands[0], "resumed_with": commands[1:],
            }
            export(ema, config, info)
    print(f"done: {step} steps, {seconds:.0f} s; EMA weights in {config.out / 'unet'}")


if __name__ == "__main__":
    run_script(main)
