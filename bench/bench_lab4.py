"""Lab 3 and 4 figures for the README: fine-tuned vs from-scratch vs majority-class accuracy on the held-out sprites
(from the training runs' sidecars), the fine-tune's wall time on this CPU, and the latency of each web-app tab.

    python bench/bench_lab4.py [--repeats 20] [--scratch PATH.json]
"""

import argparse
import json
from pathlib import Path

import torch
from timing import median_seconds

from webapp.image_input import load_sample
from webapp.tabs.pokemon_classifier import BUNDLED_CHECKPOINT, classify_sprite, gallery
from webapp.tabs.pretrained_classifier import classify_photo

REPO_ROOT = Path(__file__).resolve().parent.parent
BASELINES = REPO_ROOT / "webapp" / "checkpoints" / "pokemon-species-baselines.json"


def accuracy_table(finetuned: dict, scratch: dict | None) -> None:
    """Accuracy of the three contenders on the same held-out sprites (and per Pokémon, for the type task)."""
    ft = finetuned["metrics"]
    sc = scratch["metrics"] if scratch else {key: float("nan") for key in ft}
    columns = [("per sprite", "test_accuracy")]
    if "test_species_accuracy" in ft:
        columns.append(("per Pokémon (views vote)", "test_species_accuracy"))
    print(f"{finetuned['task']}: {ft['test_images']} held-out sprites of {ft['test_species']} Pokémon, "
          f"{len(finetuned['classes'])} classes, split {finetuned['data']['split']}")
    print(f"| model | {' | '.join(name for name, _ in columns)} | training on this CPU |")
    print(f"|---|{'---|' * len(columns)}---|")
    scratch_minutes = f"{scratch['training_seconds'] / 60:.1f} min" if scratch else "not run yet"
    for name, metrics, minutes in (
        ("EfficientNet-Lite0 fine-tuned from ImageNet", ft, f"{finetuned['training_seconds'] / 60:.1f} min"),
        ("the same network from random weights, same budget", sc, scratch_minutes),
    ):
        print(f"| {name} | {' | '.join(f'{metrics[key]:.1%}' for _, key in columns)} | {minutes} |")
    print(f"| majority class ({ft['majority_class']}) | {ft['majority_accuracy']:.1%} |{' |' * len(columns)}")
    for what, key in columns:
        gap = ft[key] - sc[key]
        ratio = ft[key] / ft["majority_accuracy"]  # every held-out Pokémon has all its views: same majority share
        print(f"{what}: fine-tuned minus from-scratch {gap * 100:+.1f} points; fine-tuned / majority {ratio:.2f}x")


def latency(repeats: int) -> None:
    photo = load_sample("chelsea (cat)")
    sprite = gallery()[0]
    print(f"web-app latency (median of {repeats}, {torch.get_num_threads()} threads):")
    print(f"  Pretrained classifier, classify_photo (300x451 photo): "
          f"{median_seconds(lambda: classify_photo(photo), repeats) * 1e3:.0f} ms")
    print(f"  Pokémon classifier, classify_sprite (one sprite): "
          f"{median_seconds(lambda: classify_sprite(sprite), repeats) * 1e3:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--repeats", type=int, default=20, help="timed runs per tab")
    parser.add_argument("--scratch", type=Path, default=BASELINES, help="sidecar of the from-scratch run")
    args = parser.parse_args()
    finetuned = json.loads(BUNDLED_CHECKPOINT.with_suffix(".json").read_text())
    accuracy_table(finetuned, json.loads(args.scratch.read_text()) if args.scratch.is_file() else None)
    latency(args.repeats)


if __name__ == "__main__":
    main()
