"""Lab 6 figures for the README: how well the bundled diffusion model draws digits, judged by the bundled LeNet
(share read with confidence >= 0.9, share read as the digit asked for, share of each digit among unconditional
samples), seconds per batch for DDPM-1000, DDIM-50 and DDIM-20, and the training time its sidecar records.

    python bench/bench_lab6.py [--samples 500] [--sampler DDIM --steps 50] [--guidance 2] [--write-metrics]
"""

import argparse
import json
import time
from pathlib import Path

import torch

from solutions.lab6_diffusion.denoiser import model_to_digits
from solutions.lab6_diffusion.sampling import (
    DEFAULT_GUIDANCE,
    class_labels,
    load_denoiser,
    make_scheduler,
    sample_digits,
)
from webapp.tabs.diffusion import lenet_readings

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED = REPO_ROOT / "webapp" / "checkpoints" / "ddpm-mnist"
CONFIDENT = 0.9
TIMINGS = (("DDPM", 1000), ("DDIM", 50), ("DDIM", 20))


def draw(unet, config: dict, digits: list[int | None], sampler: str, steps: int, guidance: float, seed: int,
         batch_size: int) -> torch.Tensor:
    """uint8 (N, 28, 28) samples for the asked digits, in batches (seed + batch index)."""
    batches = []
    for index, start in enumerate(range(0, len(digits), batch_size)):
        labels = class_labels(digits[start:start + batch_size])
        *_, last = sample_digits(unet, make_scheduler(sampler, config, steps), labels, seed + index, guidance,
                                 report_every=steps)
        batches.append(model_to_digits(last.images))
    return torch.cat(batches)


def judge(digits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """LeNet's (best class, its probability) for each uint8 (N, 28, 28) sample, as the Diffusion tab reads them."""
    readings = lenet_readings(digits)
    return torch.tensor([best for best, _ in readings]), torch.tensor([confidence for _, confidence in readings])


def share(hits: torch.Tensor) -> float:
    """The share of True in a bool tensor, rounded to 0.1%."""
    return round(float(hits.float().mean()), 3)


def quality(unet, config: dict, args: argparse.Namespace) -> dict[str, object]:
    """The sample-quality figures on args.samples conditional (0-9 in turn) and as many unconditional samples."""
    asked = [k % 10 for k in range(args.samples)]
    best, confidence = judge(draw(unet, config, asked, args.sampler, args.steps, args.guidance, 0, 100))
    conditional = {"confident": share(confidence >= CONFIDENT), "read_as_asked": share(best == torch.tensor(asked))}
    free = draw(unet, config, [None] * args.samples, args.sampler, args.steps, 1.0, 1000, 100)
    best, confidence = judge(free)
    shares = torch.bincount(best, minlength=10).float() / args.samples
    unconditional = {"confident": share(confidence >= CONFIDENT),
                     "digit_shares": [round(float(s), 3) for s in shares],
                     "smallest_share": round(float(shares.min()), 3)}
    return {"sampler": f"{args.sampler}-{args.steps}", "guidance": args.guidance, "samples": args.samples,
            "conditional": conditional, "unconditional": unconditional}


def timings(unet, config: dict, batch: int, guidance: float) -> dict[str, float]:
    """Seconds to draw one batch of `batch` class-conditional, guided samples with each sampler."""
    seconds = {}
    for sampler, steps in TIMINGS:
        start = time.perf_counter()
        draw(unet, config, [k % 10 for k in range(batch)], sampler, steps, guidance, 0, batch)
        seconds[f"{sampler}-{steps}"] = round(time.perf_counter() - start, 2)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--folder", type=Path, default=BUNDLED, help="train.py export to judge")
    parser.add_argument("--samples", type=int, default=500, help="samples per quality figure")
    parser.add_argument("--sampler", default="DDIM", help="sampler for the quality figures")
    parser.add_argument("--steps", type=int, default=50, help="its steps")
    parser.add_argument("--guidance", type=float, default=DEFAULT_GUIDANCE, help="classifier-free guidance scale")
    parser.add_argument("--timing-batch", type=int, default=16, help="images per timed batch (0: skip timing)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for torch")
    parser.add_argument("--write-metrics", action="store_true", help="record the figures in the training.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    unet, scheduler = load_denoiser(args.folder)
    config = dict(scheduler.config)
    info = json.loads((args.folder / "training.json").read_text())
    figures = quality(unet, config, args)
    if args.timing_batch:
        figures["seconds_per_batch"] = timings(unet, config, args.timing_batch, args.guidance)
        figures["timing_batch"] = args.timing_batch
    figures["threads"] = args.threads
    figures["training_seconds"] = info.get("training_seconds")
    figures["training_steps"] = info.get("steps")
    print(json.dumps(figures, indent=2))
    if args.write_metrics:
        info["metrics"] = figures
        (args.folder / "training.json").write_text(json.dumps(info, indent=2) + "\n")
        print(f"wrote the figures into {args.folder / 'training.json'}")


if __name__ == "__main__":
    main()
