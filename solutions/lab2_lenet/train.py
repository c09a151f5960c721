"""Train LeNet on MNIST with your lab code and write a safetensors checkpoint plus a JSON sidecar (metrics, data
split, the exact command, seed, date, training seconds); the skeleton of pytorch/examples' mnist/main.py.

    python -m labs.lab2_lenet.train                          # the kit's fixed 4,000/1,000 split, offline
    python -m labs.lab2_lenet.train --data-dir ~/data/mnist  # full MNIST from IDX files (add --download online)
    python -m labs.lab2_lenet.train --help                   # every option, with its default
"""

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from ipdl.checkpoints import save_checkpoint, training_record
from ipdl.data.augment import RandomAffine
from ipdl.data.mnist import MnistSplit, load_mnist, make_loader, stratified_subset
from ipdl.unfinished import run_script

from .lenet import LeNet
from .training import evaluate, train_one_epoch

EVAL_BATCH_SIZE = 1000


@dataclass
class TrainConfig:
    epochs: int  # passes over the training digits
    batch_size: int  # examples per optimizer step
    lr: float  # Adam's learning rate at the start, cosine-annealed to 0 over the epochs
    seed: int  # seeds torch: initial weights, shuffling, augmentation
    augment: bool  # random rotations, shifts and zooms of each training batch
    max_degrees: float  # augmentation: largest rotation
    max_shift: float  # augmentation: largest shift, in pixels
    max_scale: float  # augmentation: largest relative zoom in or out
    train_subset: int | None  # train on N training digits only, stratified (quick checks); None = all
    data_dir: Path | None  # folder with full MNIST (IDX files); None = the bundled 5,000-digit subset
    download: bool  # fetch MNIST into data_dir with torchvision first
    device: str  # "cpu" or "cuda"
    threads: int  # CPU threads for torch; LeNet is too small to gain from more, and they slow down on a busy CPU
    out: Path  # where the .safetensors checkpoint goes; its .json sidecar is written next to it


def parse_config(argv: list[str]) -> TrainConfig:
    parser = argparse.ArgumentParser(
        prog="python -m labs.lab2_lenet.train", description="Train LeNet on MNIST.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--epochs", type=int, default=60, help="passes over the training digits")
    parser.add_argument("--batch-size", type=int, default=64, help="examples per optimizer step")
    parser.add_argument("--lr", type=float, default=2e-3, help="Adam's initial learning rate (cosine schedule)")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--no-augment", dest="augment", action="store_false",
                        help="train on the digits as they are (no random rotations, shifts, zooms)")
    parser.add_argument("--max-degrees", type=float, default=10.0, help="augmentation: largest rotation")
    parser.add_argument("--max-shift", type=float, default=2.0, help="augmentation: largest shift in pixels")
    parser.add_argument("--max-scale", type=float, default=0.1, help="augmentation: largest relative zoom")
    parser.add_argument("--train-subset", type=int, default=None, metavar="N",
                        help="train on N of the training digits only, the same share of each digit (default: all)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder with full MNIST IDX files, or torchvision's root with MNIST/raw/ "
                             "(default: the bundled 5,000-digit subset, split 4,000/1,000)")
    parser.add_argument("--download", action="store_true", help="download MNIST into --data-dir first")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for torch")
    parser.add_argument("--out", type=Path, default=Path("runs/lenet-mnist.safetensors"),
                        help="checkpoint path; the JSON sidecar goes next to it")
    args = parser.parse_args(argv)
    if args.download and args.data_dir is None:
        parser.error("--download needs --data-dir: the folder to put MNIST in")
    return TrainConfig(**vars(args))


def train(config: TrainConfig, split: MnistSplit) -> tuple[LeNet, dict[str, object]]:
    """Train a fresh LeNet; returns it and the metrics for the sidecar."""
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    images, labels = split.train_images, split.train_labels
    if config.train_subset is not None:  # the same share of every digit
        keep = stratified_subset(labels.numpy(), min(config.train_subset / len(labels), 1.0), config.seed)
        images, labels = images[keep], labels[keep]
    augment = RandomAffine(config.max_degrees, config.max_shift, config.max_scale) if config.augment else None
    train_loader = make_loader(images, labels, config.batch_size, shuffle=True, augment=augment)
    test_loader = make_loader(split.test_images, split.test_labels, EVAL_BATCH_SIZE)
    model = LeNet().to(config.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs)
    seconds, history = 0.0, []
    for epoch in range(1, config.epochs + 1):
        start = time.perf_counter()
        train_loss = train_one_epoch(model, train_loader, optimizer, config.device)
        schedule.step()
        seconds += time.perf_counter() - start
        accuracy, test_loss = evaluate(model, test_loader)
        history.append({"epoch": epoch, "train_loss": round(train_loss, 5), "test_loss": round(test_loss, 5),
                        "test_accuracy": accuracy, "seconds": round(seconds, 2)})
        print(f"epoch {epoch:3d}/{config.epochs}  train loss {train_loss:.4f}  test loss {test_loss:.4f}  "
              f"test accuracy {accuracy:.2%}  ({seconds:.1f} s training)", flush=True)
    metrics = {"test_accuracy": accuracy, "test_loss": test_loss, "train_loss": train_loss,
               "train_examples": len(labels), "test_examples": len(split.test_labels), "history": history}
    return model, {"metrics": metrics, "training_seconds": round(seconds, 2)}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    config = parse_config(argv)
    try:
        split = load_mnist(config.data_dir, download=config.download)
    except (FileNotFoundError, ValueError) as error:  # a missing or malformed --data-dir: say what to do
        raise SystemExit(f"error: {error}") from None
    print(f"data: {split.source}; {len(split.train_labels)} train, {len(split.test_labels)} test digits")
    model, results = train(config, split)
    module = __spec__.name if __spec__ is not None else "labs.lab2_lenet.train"
    info = {
        "model": f"{module.rpartition('.')[0]}.lenet.LeNet",
        **results,
        "data": split.describe(),
        **training_record(module, argv, config),
    }
    sidecar = save_checkpoint(config.out, model.state_dict(), info)
    print(f"test accuracy {results['metrics']['test_accuracy']:.2%}; wrote {config.out} and {sidecar}")


if __name__ == "__main__":
    run_script(main)
