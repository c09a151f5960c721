"""Lab 2 figures for the README: the bundled LeNet's held-out accuracy, the training seconds LeNet needs to reach
98%, the pytorch/examples MNIST network trained by the same loop for the same time, and prediction latency (the
model's, and the Digit reader tab's from a drawing to its top 3).

    python bench/bench_lab2.py [--threads 1] [--repeats 100]
"""

import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from timing import bench_arguments, median_seconds, parse_bench_arguments
from torch import nn

from ipdl.checkpoints import load_checkpoint
from ipdl.data.augment import RandomAffine
from ipdl.data.mnist import MnistSplit, load_mnist, load_mnist_pixels, make_loader
from solutions.lab2_lenet.lenet import LeNet
from solutions.lab2_lenet.training import evaluate, predict_proba, train_one_epoch
from webapp.tabs.digit_reader import CANVAS_SIDE, blank_canvas, read_sketch

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED = REPO_ROOT / "webapp" / "checkpoints" / "lenet-mnist.safetensors"
TARGET_ACCURACY = 0.98


class ExamplesNet(nn.Module):
    """The network of pytorch/examples' mnist/main.py (2 conv + dropout + 2 fc), with fc1's input size derived."""

    def __init__(self, image_size: int = 28, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)  # 28 -> 26
        self.conv2 = nn.Conv2d(32, 64, 3)  # 26 -> 24
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        side = (image_size - 4) // 2  # two valid 3x3 convolutions, then one 2x2 pooling: 12
        self.fc1 = nn.Linear(64 * side * side, 128)  # 9216 -> 128
        self.fc2 = nn.Linear(128, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.conv2(F.relu(self.conv1(x))))  # (B, 64, 24, 24)
        x = self.dropout1(F.max_pool2d(x, 2)).flatten(1)  # (B, 9216)
        x = self.dropout2(F.relu(self.fc1(x)))  # (B, 128)
        return F.log_softmax(self.fc2(x), dim=1)  # (B, 10)


def train_and_track(make_model: Callable[[], nn.Module], split: MnistSplit, config: dict, epochs: int,
                    budget_s: float = math.inf) -> tuple[nn.Module, list[tuple[float, float]]]:
    """Train a fresh model with the bundled recipe (Adam, cosine schedule, augmentation; seeded and in the order
    train.py uses, so LeNet reproduces the bundled checkpoint) for `epochs` or until the budget is spent; returns
    the model and (training seconds so far, held-out accuracy) after every epoch (evaluation not timed)."""
    torch.manual_seed(config["seed"])
    augment = RandomAffine(config["max_degrees"], config["max_shift"], config["max_scale"])
    train_loader = make_loader(split.train_images, split.train_labels, config["batch_size"], shuffle=True,
                               augment=augment if config["augment"] else None)
    test_loader = make_loader(split.test_images, split.test_labels, 1000)
    model = make_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    seconds, history = 0.0, []
    for _ in range(epochs):
        start = time.perf_counter()
        train_one_epoch(model, train_loader, optimizer, "cpu")
        schedule.step()
        seconds += time.perf_counter() - start
        history.append((seconds, evaluate(model, test_loader)[0]))
        if seconds >= budget_s:
            break
    return model, history


def epochs_within(model: nn.Module, split: MnistSplit, batch_size: int, budget_s: float) -> int:
    """How many epochs of `model` fit in the budget, timed on 10 training steps of a throwaway copy (after one
    untimed warm-up step)."""
    optimizer = torch.optim.Adam(model.parameters())
    images, labels = split.train_images[: 11 * batch_size], split.train_labels[: 11 * batch_size]
    train_one_epoch(model, make_loader(images[:batch_size], labels[:batch_size], batch_size), optimizer, "cpu")
    start = time.perf_counter()
    train_one_epoch(model, make_loader(images[batch_size:], labels[batch_size:], batch_size), optimizer, "cpu")
    epoch_s = (time.perf_counter() - start) / 10 * math.ceil(len(split.train_labels) / batch_size)
    return max(1, round(budget_s / epoch_s))


def median_latency_ms(model: nn.Module, image: torch.Tensor, repeats: int) -> float:
    """Median wall time of predict_proba on one (1, 1, 28, 28) image."""
    return median_seconds(lambda: predict_proba(model, image), repeats) * 1e3


def tab_latency_ms(digit: np.ndarray, repeats: int) -> float:
    """Median wall time of the Digit reader's event for a drawing: `digit` (uint8 28x28) enlarged onto the 280x280
    canvas as the strokes' opacity, then read from the sketch value as the browser sends it."""
    sketch = blank_canvas()
    strokes = Image.fromarray(digit).resize((CANVAS_SIDE, CANVAS_SIDE), Image.Resampling.BILINEAR)
    sketch["layers"][0][..., 3] = np.asarray(strokes)
    return median_seconds(lambda: read_sketch(sketch), repeats) * 1e3


def time_to_reach(history: list[tuple[float, float]], accuracy: float) -> str:
    """'98% reached after 4.4 s' or '98% not reached'."""
    reached = [seconds for seconds, value in history if value >= accuracy]
    return f"{accuracy:.0%} reached after {reached[0]:.1f} s" if reached else f"{accuracy:.0%} not reached"


def main() -> None:
    args = parse_bench_arguments(bench_arguments(__doc__, 100, "timed predictions for the latency"))
    split = load_mnist()
    state_dict, info = load_checkpoint(BUNDLED)
    bundled = LeNet()
    bundled.load_state_dict(state_dict)
    accuracy, loss = evaluate(bundled, make_loader(split.test_images, split.test_labels, 1000))
    print(f"bundled LeNet ({BUNDLED.name}): held-out accuracy {accuracy:.2%} (loss {loss:.4f}) on "
          f"{len(split.test_labels)} digits; sidecar says {info['metrics']['test_accuracy']:.2%}, trained in "
          f"{info['training_seconds']:.1f} s by: {info['command']}")

    config = info["config"]
    print(f"\nretraining with the bundled recipe, {args.threads} thread(s) ...", flush=True)
    _, lenet_history = train_and_track(LeNet, split, config, config["epochs"])
    budget = lenet_history[-1][0]
    print(f"  LeNet (61,706 parameters): {time_to_reach(lenet_history, TARGET_ACCURACY)}; "
          f"{lenet_history[-1][1]:.2%} after {config['epochs']} epochs, {budget:.1f} s")
    epochs = epochs_within(ExamplesNet(), split, config["batch_size"], budget)
    baseline, base_history = train_and_track(ExamplesNet, split, config, epochs, budget_s=budget)
    parameters = sum(p.numel() for p in baseline.parameters())
    print(f"  pytorch/examples net ({parameters:,} parameters), same loop and {budget:.0f} s budget: "
          f"{base_history[-1][1]:.2%} after {len(base_history)} epochs, {base_history[-1][0]:.1f} s; "
          f"{time_to_reach(base_history, TARGET_ACCURACY)}")

    image = split.test_images[:1]  # (1, 1, 28, 28)
    print(f"\npredict_proba latency on one 28x28 digit (median of {args.repeats}, {args.threads} thread(s)): "
          f"LeNet {median_latency_ms(bundled, image, args.repeats):.2f} ms, "
          f"pytorch/examples net {median_latency_ms(baseline, image, args.repeats):.2f} ms")
    digit = load_mnist_pixels().test_images[0]
    print(f"Digit reader tab, a drawing on the 280x280 canvas to its top 3 (median of {args.repeats}): "
          f"{tab_latency_ms(digit, args.repeats):.1f} ms")


if __name__ == "__main__":
    main()
