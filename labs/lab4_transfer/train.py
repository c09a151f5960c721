"""Train a Pokémon classifier on the kit's sprites with your Lab 4 code, in one of two modes with the same budget
(data, image size, epochs, batches, augmentation): fine-tune an ImageNet-pretrained network, or train the same
network from random weights. Two tasks:

    species  which Pokémon is it? Trained on each Pokémon's front, back and shiny back sprites (3 per class, 649
             classes), tested on its shiny front sprite, never seen in training.
    type     its primary type (17 classes), tested on Pokémon never seen in training (split by species).

Writes a safetensors checkpoint and a JSON sidecar (held-out metrics, the majority-class baseline, the split, the
exact command, seed, date); skeleton of pytorch/examples' mnist/main.py.

    python -m ipdl.data pokemon --out data/pokemon                              # the sprites, once (offline)
    python -m labs.lab4_transfer.train --data data/pokemon                      # fine-tune: the slot's 3 epochs
    python -m labs.lab4_transfer.train --data data/pokemon --epochs 8           # the kit's full run (bundled)
    python -m labs.lab4_transfer.train --data data/pokemon --mode scratch       # the same network, random init
    python -m labs.lab4_transfer.train --data data/pokemon --task type          # primary type of unseen Pokémon
    python -m labs.lab4_transfer.train --help                                   # every option, with its default
"""

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ipdl.checkpoints import save_checkpoint, training_record
from ipdl.data.pokemon import (
    SPLIT_TEST_FRACTION,
    TEST_VIEWS,
    PokemonImages,
    load_pokemon,
    majority_baseline,
    split_by_species,
    split_by_view,
    sprite_loader,
    square_pixels,
)
from ipdl.pretrained import MODELS, build_model, load_pretrained
from ipdl.unfinished import run_script

from .finetune import finetune
from .transfer import replace_head, trainable_state_dict, unfreeze_last

EVAL_BATCH_SIZE = 128
TASKS = {  # --task -> what the sidecar says the model does
    "species": "which Pokémon a sprite shows (649 classes), on shiny sprites never seen in training",
    "type": "primary type (Type1) of Pokémon never seen in training",
}


@dataclass
class TrainConfig:
    data: Path  # the Pokémon folder (Kaggle layout or ImageFolder), e.g. from `python -m ipdl.data pokemon`
    task: str  # "species" (which Pokémon, shiny sprites held out) or "type" (primary type, Pokémon held out)
    mode: str  # "finetune" (ImageNet weights) or "scratch" (random weights, everything trains)
    model: str  # efficientnet_lite0 (offline weights) or resnet18 (torch.hub)
    image_size: int  # sprites are padded to a white square and resized to this many pixels per side
    epochs: int  # passes over the training sprites
    batch_size: int  # sprites per optimizer step
    unfreeze: int  # finetune: backbone stages trained besides the head, counted from the output end
    test_fraction: float  # type task: share of each type's species held out for testing (split seed fixed at 0)
    lr_head: float  # AdamW learning rate of the new head (scratch: of every layer)
    lr_backbone: float  # AdamW learning rate of the unfrozen pretrained stages (finetune only)
    weight_decay: float  # AdamW's decoupled weight decay
    label_smoothing: float  # cross-entropy label smoothing
    seed: int  # seeds torch: head init, shuffling, augmentation (the species split has its own fixed seed)
    threads: int  # CPU threads for torch
    out: Path  # where the .safetensors checkpoint goes; its .json sidecar is written next to it


def parse_config(argv: list[str]) -> TrainConfig:
    parser = argparse.ArgumentParser(
        prog="python -m labs.lab4_transfer.train",
        description="Fine-tune a pretrained network (or train it from scratch) to name Pokémon or their types.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("data/pokemon"), help="Pokémon folder")
    parser.add_argument("--task", choices=tuple(TASKS), default="species",
                        help="which Pokémon (shiny sprites held out), or its primary type (Pokémon held out)")
    parser.add_argument("--mode", choices=("finetune", "scratch"), default="finetune",
                        help="start from ImageNet weights, or from random weights")
    parser.add_argument("--model", choices=MODELS, default="efficientnet_lite0", help="network")
    parser.add_argument("--image-size", type=int, default=96, help="pixels per side")
    parser.add_argument("--epochs", type=int, default=3,
                        help="passes over the training sprites; 3: the workshop slot's run, 8: the kit's")
    parser.add_argument("--batch-size", type=int, default=32, help="sprites per optimizer step")
    parser.add_argument("--unfreeze", type=int, default=2, help="finetune: stages trained besides the head")
    parser.add_argument("--test-fraction", type=float, default=SPLIT_TEST_FRACTION,
                        help="type task: share of each type's species held out for testing")
    parser.add_argument("--lr-head", type=float, default=1e-3, help="learning rate of the head (scratch: all)")
    parser.add_argument("--lr-backbone", type=float, default=1e-4, help="learning rate of unfrozen stages")
    parser.add_argument("--weight-decay", type=float, default=1e-4, help="AdamW weight decay")
    parser.add_argument("--label-smoothing", type=float, default=0.1, help="cross-entropy label smoothing")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for torch")
    parser.add_argument("--out", type=Path, default=None,
                        help="checkpoint path (default: runs/pokemon-<task>-<mode>.safetensors)")
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = Path(f"runs/pokemon-{args.task}-{args.mode}.safetensors")
    return TrainConfig(**vars(args))


def build_network(config: TrainConfig, num_classes: int) -> tuple[nn.Module, str]:
    """The network to train, with a fresh head, and a description of its starting weights."""
    if config.mode == "scratch":
        model = build_model(config.model, num_classes=num_classes, seed=config.seed)
        return model, "random (from scratch)"
    loaded = load_pretrained(config.model)
    torch.manual_seed(config.seed)
    model = unfreeze_last(replace_head(loaded.model, num_classes), config.unfreeze)
    return model, loaded.description


def species_accuracy(model: nn.Module, loader: torch.utils.data.DataLoader, species: list[str]) -> float:
    """Accuracy per held-out Pokémon: the mean of the softmax over all its images decides its predicted class."""
    model.eval()
    probabilities, labels = [], []
    with torch.no_grad():
        for images, targets in loader:
            probabilities.append(model(images).softmax(dim=1))  # (B, C)
            labels.append(targets)
    probabilities, labels = torch.cat(probabilities), torch.cat(labels)  # (N, C), (N,)
    names = sorted(set(species))
    index = torch.tensor([names.index(name) for name in species])  # (N,) species number of each image
    summed = torch.zeros(len(names), probabilities.shape[1]).index_add_(0, index, probabilities)  # (S, C)
    truth = torch.zeros(len(names), dtype=torch.int64).index_copy_(0, index, labels)  # (S,)
    return (summed.argmax(dim=1) == truth).float().mean().item()


def split(config: TrainConfig, data: PokemonImages) -> tuple[PokemonImages, np.ndarray, np.ndarray, str]:
    """The data labelled for the task, (train indices, test indices), and the split in words for the sidecar."""
    if config.task == "species":
        data = data.by_species()
        train_idx, test_idx = split_by_view(data.views, TEST_VIEWS)
        return data, train_idx, test_idx, f"by view: every Pokémon's {', '.join(TEST_VIEWS)} sprite held out"
    train_idx, test_idx = split_by_species(data.species, data.labels, config.test_fraction)
    if len(test_idx) == 0:
        raise ValueError(f"no species held out: every type in {config.data} has too few Pokémon for a "
                         f"test fraction of {config.test_fraction}")
    return data, train_idx, test_idx, f"by species, {config.test_fraction:.0%} of each type's Pokémon held out, seed 0"


def train(config: TrainConfig, data: PokemonImages) -> tuple[nn.Module, dict[str, object]]:
    """Split for the task, train, and measure on the held-out sprites; returns the model and sidecar fields."""
    torch.set_num_threads(config.threads)
    data, train_idx, test_idx, split_words = split(config, data)
    pixels, targets = square_pixels(data.images, config.image_size), data.targets()
    model, start = build_network(config, len(data.classes))
    torch.manual_seed(config.seed)
    train_loader = sprite_loader(pixels[train_idx], targets[train_idx], config.batch_size, shuffle=True, augment=True)
    test_loader = sprite_loader(pixels[test_idx], targets[test_idx], EVAL_BATCH_SIZE)
    lr_backbone = config.lr_backbone if config.mode == "finetune" else config.lr_head

    def report(row: dict[str, float]) -> None:
        print(f"epoch {row['epoch']:3d}/{config.epochs}  train loss {row['train_loss']:.3f}  train acc "
              f"{row['train_accuracy']:.1%}  test acc {row['val_accuracy']:.1%}  ({row['seconds']:.0f} s)", flush=True)

    history = finetune(model, train_loader, test_loader, config.epochs, config.lr_head, lr_backbone,
                       config.weight_decay, config.label_smoothing, log=report)
    test_species = [data.species[i] for i in test_idx]
    majority, majority_accuracy = majority_baseline([data.labels[i] for i in train_idx],
                                                    [data.labels[i] for i in test_idx])
    metrics = {
        "test_accuracy": history[-1]["val_accuracy"],
        **({"test_species_accuracy": species_accuracy(model, test_loader, test_species)} if config.task == "type"
           else {}),
        "test_loss": history[-1]["val_loss"],
        "majority_class": majority,
        "majority_accuracy": majority_accuracy,
        "chance_accuracy": 1 / len(data.classes),
        "train_images": len(train_idx), "test_images": len(test_idx),
        "train_species": len({data.species[i] for i in train_idx}), "test_species": len(set(test_species)),
        "history": [{key: round(value, 4) for key, value in row.items()} for row in history],
    }
    seconds = round(sum(row["seconds"] for row in history), 1)
    return model, {"metrics": metrics, "training_seconds": seconds, "start_weights": start,
                   "classes": data.classes, "test_species": sorted(set(test_species)),
                   "data": {"source": data.source, "split": split_words}}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    config = parse_config(argv)
    started = time.perf_counter()
    data = load_pokemon(config.data)
    print(f"data: {data.source}", flush=True)
    model, results = train(config, data)
    module = __spec__.name if __spec__ is not None else "labs.lab4_transfer.train"
    info = {
        "model": config.model,
        "task": TASKS[config.task],
        "stored": "trainable parameters and their BatchNorm statistics only" if config.mode == "finetune"
        else "every tensor",
        **results,
        **training_record(module, argv, config),
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    weights = trainable_state_dict(model) if config.mode == "finetune" else model.state_dict()
    sidecar = save_checkpoint(config.out, weights, info)
    metrics = results["metrics"]
    per_pokemon = f", {metrics['test_species_accuracy']:.1%} per Pokémon" if "test_species_accuracy" in metrics else ""
    print(f"held-out sprites: accuracy {metrics['test_accuracy']:.1%}{per_pokemon}; majority class "
          f"({metrics['majority_class']}) {metrics['majority_accuracy']:.1%}, chance {metrics['chance_accuracy']:.1%}; "
          f"wrote {config.out} and {sidecar}")


if __name__ == "__main__":
    run_script(main)
