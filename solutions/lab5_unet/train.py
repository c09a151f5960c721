"""Train the postcode U-Net with your lab code and write a safetensors checkpoint plus a JSON sidecar (held-out
metrics, data, the exact command, seed, date, training seconds). Every step draws fresh canvases, so an "epoch"
is just `--steps-per-epoch` steps between two progress reports.

    python -m labs.lab5_unet.train                        # the workshop slot's run: 500 steps, ~2-3 min of one core
    python -m labs.lab5_unet.train --epochs 30            # the kit's full run (its bundled weights): ~12 min
    python -m labs.lab5_unet.train --up-mode unpool       # the max-unpooling decoder (-unpool.safetensors)
    python -m labs.lab5_unet.train --epochs 2 --steps-per-epoch 50   # a quick check that everything runs
    python -m labs.lab5_unet.train --help                 # every option, with its default
"""

import argparse
import sys
import time
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import torch

from ipdl.checkpoints import save_checkpoint, training_record
from ipdl.data.postcodes import (
    CANVAS_HEIGHT,
    CANVAS_WIDTH,
    HELDOUT_COUNT,
    HELDOUT_SEED,
    NUM_CLASSES,
    heldout_postcodes,
    postcode_batches,
    split_bank,
)
from ipdl.unfinished import run_script

from .training import evaluate, start_at_class_frequencies, train_steps
from .unet import UP_MODES, UNet


@dataclass
class TrainConfig:
    epochs: int  # progress reports; training lasts epochs * steps_per_epoch optimizer steps
    steps_per_epoch: int  # optimizer steps between two reports, each on a batch of fresh canvases
    batch_size: int  # canvases per step
    lr: float  # AdamW's peak learning rate (one-cycle schedule: warm up, then anneal to ~0)
    weight_decay: float  # AdamW's decoupled weight decay
    base_channels: int  # channels of the U-Net's first level (doubling at every level down)
    up_mode: str  # "transpose" or "unpool": how the decoder upsamples
    dice_weight: float  # loss = cross-entropy + dice_weight * Dice loss
    progress_canvases: int  # held-out canvases scored after every epoch
    test_canvases: int  # held-out canvases of the final score (all 1,000 for every reported figure)
    seed: int  # seeds torch (initial weights) and the training canvases
    device: str  # "cpu" or "cuda"
    threads: int  # CPU threads for torch
    out: Path  # where the .safetensors checkpoint goes; its .json sidecar is written next to it


def parse_config(argv: list[str]) -> TrainConfig:
    parser = argparse.ArgumentParser(
        prog="python -m labs.lab5_unet.train", description="Train a U-Net to segment handwritten postcodes.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--epochs", type=int, default=5,
                        help="progress reports (epochs of fresh canvases); 5: the workshop slot's run, 30: the kit's")
    parser.add_argument("--steps-per-epoch", type=int, default=100, help="optimizer steps per epoch")
    parser.add_argument("--batch-size", type=int, default=16, help="canvases per step")
    parser.add_argument("--lr", type=float, default=3e-3, help="peak learning rate (one-cycle schedule)")
    parser.add_argument("--weight-decay", type=float, default=1e-4, help="AdamW weight decay")
    parser.add_argument("--base-channels", type=int, default=8, help="channels of the first U-Net level")
    parser.add_argument("--up-mode", choices=UP_MODES, default="transpose", help="how the decoder upsamples")
    parser.add_argument("--dice-weight", type=float, default=1.0, help="weight of the Dice loss next to cross-entropy")
    parser.add_argument("--progress-canvases", type=int, default=100,
                        help="held-out canvases scored after each epoch")
    parser.add_argument("--test-canvases", type=int, default=HELDOUT_COUNT,
                        help="held-out canvases of the final score in the sidecar (fewer only for quick checks)")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="CPU threads for torch")
    parser.add_argument("--out", type=Path, default=None,
                        help="checkpoint path; the JSON sidecar goes next to it (default: runs/unet-postcodes"
                             ".safetensors, or runs/unet-postcodes-unpool.safetensors for --up-mode unpool)")
    args = parser.parse_args(argv)
    if args.out is None:  # where the web app's Segmentation tab looks for your weights
        args.out = Path("runs") / f"unet-postcodes{'-unpool' if args.up_mode == 'unpool' else ''}.safetensors"
    return TrainConfig(**vars(args))


def progress_line(epoch: int, config: TrainConfig, loss: float, scores: dict, seconds: float,
                  cpu_seconds: float) -> str:
    return (f"epoch {epoch:3d}/{config.epochs}  train loss {loss:.4f}  foreground IoU "
            f"{scores['foreground_iou']:.3f}  mean IoU (digits) {scores['mean_iou_digits']:.3f}  read exactly "
            f"{scores['postcodes_read_exactly']:.1%}  ({seconds:.0f} s training, {cpu_seconds:.0f} s of CPU)")


def train(config: TrainConfig) -> tuple[UNet, dict[str, object]]:
    """Train a fresh U-Net; returns it and the results for the sidecar."""
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    model = UNet(1, NUM_CLASSES, config.base_channels, config.up_mode).to(config.device)
    start_at_class_frequencies(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    total_steps = config.epochs * config.steps_per_epoch
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=total_steps)
    heldout = heldout_postcodes()
    progress = heldout[: config.progress_canvases]
    stream = postcode_batches(total_steps, config.batch_size, seed=config.seed)
    seconds, cpu_seconds, history = 0.0, 0.0, []
    for epoch in range(1, config.epochs + 1):
        start, cpu_start = time.perf_counter(), time.process_time()
        batches = islice(stream, config.steps_per_epoch)
        loss = train_steps(model, batches, optimizer, scheduler, config.device, config.dice_weight)
        seconds += time.perf_counter() - start
        cpu_seconds += time.process_time() - cpu_start
        scores = evaluate(model, progress)
        history.append({"epoch": epoch, "train_loss": round(loss, 5), "seconds": round(seconds, 1),
                        "cpu_seconds": round(cpu_seconds, 1),
                        **{key: scores[key] for key in ("foreground_iou", "mean_iou_digits",
                                                        "postcodes_read_exactly")}})
        print(progress_line(epoch, config, loss, scores, seconds, cpu_seconds), flush=True)
    metrics = evaluate(model, heldout[: config.test_canvases])
    return model, {"metrics": metrics, "training_seconds": round(seconds, 1),
                   "training_cpu_seconds": round(cpu_seconds, 1), "history": history,
                   "canvases_seen": total_steps * config.batch_size}


def describe_data() -> dict[str, object]:
    """What the sidecar records about the canvases."""
    return {
        "canvas": [CANVAS_HEIGHT, CANVAS_WIDTH],
        "train": f"fresh canvases every step, written with the {len(split_bank('train').labels)} one-piece "
                 "training digits of the kit's fixed MNIST split",
        "test": f"{HELDOUT_COUNT} held-out canvases, seed {HELDOUT_SEED}, written with the "
                f"{len(split_bank('test').labels)} one-piece test digits (ipdl.data.postcodes.heldout_postcodes)",
    }


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    config = parse_config(argv)
    model, results = train(config)
    module = __spec__.name if __spec__ is not None else "labs.lab5_unet.train"
    info = {
        "model": f"{module.rpartition('.')[0]}.unet.UNet",
        "model_args": {"in_channels": 1, "num_classes": NUM_CLASSES, "base_channels": config.base_channels,
                       "up_mode": config.up_mode},
        **results,
        "data": describe_data(),
        **training_record(module, argv, config),
    }
    sidecar = save_checkpoint(config.out, model.state_dict(), info)
    metrics = results["metrics"]
    print(f"held-out: foreground IoU {metrics['foreground_iou']:.3f}, mean IoU over the digits "
          f"{metrics['mean_iou_digits']:.3f}, postcodes read exactly {metrics['postcodes_read_exactly']:.1%}; "
          f"wrote {config.out} and {sidecar}")


if __name__ == "__main__":
    run_script(main)
