"""The slide's vanishing gradient in numbers: the gradient at each block of a deep stack of your BasicBlocks at
initialisation, plain (skip=False) against residual (skip=True), printed and plotted. Complete: run it.

    python -m labs.lab3_pretrained.vanishing_gradient                       # 20 blocks -> runs/vanishing-gradient.png
    python -m labs.lab3_pretrained.vanishing_gradient --blocks 40 --out runs/deeper.png

Each stack maps random 16-channel maps through the blocks to a linear classifier of random labels; one backward
pass of the cross-entropy gives every block's gradient. Two settings of batch norm: "off" runs the stack in eval
mode, where a fresh BatchNorm2d (running mean 0, variance 1, gamma 1, beta 0) passes its input through, as in a
network without normalisation; "train" normalises with the batch's statistics, as training does.
"""

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw
from torch import nn

from ipdl.unfinished import run_script

from .residual import BasicBlock

BATCH_NORM_SETTINGS = ("off", "train")
CURVE_COLOURS = {("plain", "off"): (214, 39, 40), ("residual", "off"): (31, 119, 180),
                 ("plain", "train"): (255, 127, 14), ("residual", "train"): (44, 160, 44)}


@dataclass
class ExperimentConfig:
    blocks: int = 20  # BasicBlocks in each stack
    channels: int = 16  # width of every block (stride 1: no projection anywhere)
    size: int = 16  # height and width of the random input maps
    batch: int = 16  # maps per batch
    seed: int = 0  # the same weights, inputs and labels for every stack


def block_stack(config: ExperimentConfig, skip: bool) -> nn.Sequential:
    """`config.blocks` fresh BasicBlocks of `config.channels` channels, drawn from `config.seed`."""
    torch.manual_seed(config.seed)
    return nn.Sequential(*(BasicBlock(config.channels, config.channels, skip=skip) for _ in range(config.blocks)))


def gradient_norms(config: ExperimentConfig, skip: bool, batch_norm: str) -> list[float]:
    """The norm of the gradient that the backward pass brings to each block's input, d loss / d x_k, first block
    first: what the first layers learn from."""
    blocks = block_stack(config, skip).train(batch_norm == "train")
    generator = torch.Generator().manual_seed(config.seed)
    x = torch.randn(config.batch, config.channels, config.size, config.size, generator=generator)
    labels = torch.randint(10, (config.batch,), generator=generator)
    head = nn.Linear(config.channels, 10)
    inputs = []  # x_k, the input of block k, kept with its gradient
    for block in blocks:
        x.requires_grad_(True).retain_grad()
        inputs.append(x)
        x = block(x)  # (B, channels, size, size)
    F.cross_entropy(head(x.mean(dim=(2, 3))), labels).backward()  # global average pooling, then the classifier
    return [x_k.grad.norm().item() for x_k in inputs]


def run_experiment(config: ExperimentConfig) -> dict[tuple[str, str], list[float]]:
    """(stack, batch norm) -> the gradient norm of every block, for the plain and the residual stack."""
    return {(stack, batch_norm): gradient_norms(config, stack == "residual", batch_norm)
            for batch_norm in BATCH_NORM_SETTINGS for stack in ("plain", "residual")}


def format_table(norms: dict[tuple[str, str], list[float]]) -> str:
    """One row per stack: the gradient norm at the first and at the last block, and their ratio."""
    lines = [f"{'stack':<10} {'batch norm':<11} {'first block':>12} {'last block':>12} {'first / last':>13}"]
    for (stack, batch_norm), values in norms.items():
        lines.append(f"{stack:<10} {batch_norm:<11} {values[0]:>12.3g} {values[-1]:>12.3g} "
                     f"{values[0] / values[-1]:>13.3g}")
    return "\n".join(lines)


def plot(norms: dict[tuple[str, str], list[float]], width: int = 640, height: int = 400) -> Image.Image:
    """Gradient norm (log scale) against block number, one line per stack and batch-norm setting."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    left, right, top, bottom = 60, width - 170, 20, height - 40
    logs = np.log10(np.clip(np.array(list(norms.values())), 1e-30, None))  # (curves, blocks)
    low, high = np.floor(logs.min()), np.ceil(logs.max())
    blocks = logs.shape[1]

    def point(block: int, value: float) -> tuple[float, float]:
        return (left + (right - left) * block / max(blocks - 1, 1),
                bottom - (bottom - top) * (value - low) / max(high - low, 1))

    draw.rectangle((left, top, right, bottom), outline="black")
    step = max(1, int((high - low) // 8))
    for decade in np.arange(low, high + 1, step):
        y = point(0, decade)[1]
        draw.line((left - 4, y, left, y), fill="black")
        draw.text((4, y - 6), f"1e{int(decade)}", fill="black")
    draw.text((left, bottom + 8), "block 1", fill="black")
    draw.text((right - 50, bottom + 8), f"block {blocks}", fill="black")
    draw.text((left, bottom + 22), "norm of the gradient at each block's input (log scale)", fill="black")
    for row, ((stack, batch_norm), curve) in enumerate(zip(norms, logs, strict=True)):
        colour = CURVE_COLOURS[(stack, batch_norm)]
        draw.line([point(block, value) for block, value in enumerate(curve)], fill=colour, width=2)
        draw.line((right + 10, top + 10 + 18 * row, right + 30, top + 10 + 18 * row), fill=colour, width=2)
        draw.text((right + 36, top + 4 + 18 * row), f"{stack}, BN {batch_norm}", fill="black")
    return image


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    defaults = ExperimentConfig()
    parser.add_argument("--blocks", type=int, default=defaults.blocks, help="BasicBlocks in each stack")
    parser.add_argument("--channels", type=int, default=defaults.channels, help="channels of every block")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="seed of the weights, inputs and labels")
    parser.add_argument("--out", type=Path, default=Path("runs/vanishing-gradient.png"), help="where the plot goes")
    args = parser.parse_args(argv)
    if args.blocks < 2 or args.channels < 1:
        parser.error(f"need --blocks >= 2 and --channels >= 1, got {args.blocks} and {args.channels}")
    norms = run_experiment(ExperimentConfig(blocks=args.blocks, channels=args.channels, seed=args.seed))
    print(format_table(norms))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    plot(norms).save(args.out)
    print(f"plot: {args.out}")


if __name__ == "__main__":
    run_script(main)
