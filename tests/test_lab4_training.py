"""Lab 4's training script end to end on a tiny Kaggle-layout folder of real sprites: both tasks and both modes run,
the fine-tuned checkpoint stores only what training changed and rebuilds into a classifier, the sidecar reports the
split and the baselines."""

import csv
import json
from pathlib import Path

import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from ipdl.pretrained import build_model
from solutions.lab4_transfer import train
from solutions.lab4_transfer.classifier import load_classifier, predict_classes
from webapp.tabs.pokemon_classifier import gallery, pokedex

TINY = ["--image-size", "32", "--epochs", "1", "--batch-size", "16", "--threads", "1"]
TYPE_TASK = ["--task", "type", "--test-fraction", "0.5"]  # hold out half of each type's gallery Pokémon


@pytest.fixture(scope="module")
def sprites_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The gallery's sprites as pokemon.csv + images/<name>.png, each with a mirrored back view and a palette-swapped
    shiny view."""
    root = tmp_path_factory.mktemp("pokemon")
    (root / "images").mkdir()
    with open(root / "pokemon.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["Name", "Type1", "Type2"])
        for pixels, name in gallery():
            Image.fromarray(pixels).save(root / "images" / f"{name}.png")
            (root / "images" / name).mkdir()
            Image.fromarray(pixels[:, ::-1].copy()).save(root / "images" / name / "back.png")
            shiny = pixels.copy()
            shiny[..., :3] = pixels[..., [2, 0, 1]]  # red -> green -> blue -> red
            Image.fromarray(shiny).save(root / "images" / name / "shiny.png")
            writer.writerow([name, *pokedex()[name]])
    return root


@pytest.fixture(scope="module")
def finetuned(sprites_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "ft.safetensors"
    train.main(["--data", str(sprites_folder), *TINY, "--unfreeze", "1", "--out", str(out)])
    return out


def test_species_sidecar_reports_the_view_split_and_baselines(finetuned: Path) -> None:
    info = json.loads(finetuned.with_suffix(".json").read_text())
    metrics = info["metrics"]
    sprites = len(gallery())
    assert info["config"]["task"] == "species" and len(info["classes"]) == sprites
    assert metrics["train_images"] == 2 * sprites and metrics["test_images"] == sprites  # front + back / shiny
    assert metrics["train_species"] == metrics["test_species"] == sprites
    assert metrics["chance_accuracy"] == pytest.approx(1 / sprites)
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["majority_accuracy"] == pytest.approx(1 / sprites)
    assert "test_species_accuracy" not in metrics and "shiny" in info["data"]["split"]
    assert info["command"].startswith("python -m solutions.lab4_transfer.train --data")
    assert len(metrics["history"]) == 1 and info["config"]["mode"] == "finetune"


def test_type_task_holds_out_whole_pokemon(sprites_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "type.safetensors"
    train.main(["--data", str(sprites_folder), *TINY, *TYPE_TASK, "--out", str(out)])
    info = json.loads(out.with_suffix(".json").read_text())
    metrics = info["metrics"]
    for key in ("test_accuracy", "test_species_accuracy", "majority_accuracy"):
        assert 0.0 <= metrics[key] <= 1.0
    assert metrics["train_species"] + metrics["test_species"] == len(gallery())
    assert set(info["test_species"]) <= {name for _, name in gallery()}
    assert set(info["classes"]) <= {pokedex()[name][0] for _, name in gallery()}
    model, info = load_classifier(out)
    assert set(predict_classes(model, info, gallery()[0][0])) == set(info["classes"])


def test_checkpoint_holds_only_what_training_changed(finetuned: Path) -> None:
    stored = load_file(str(finetuned))
    assert {name.split(".")[0] for name in stored} == {"classifier", "conv_head", "bn2"}
    assert "bn2.running_mean" in stored and "bn1.running_mean" not in stored


def test_checkpoint_rebuilds_the_trained_model(finetuned: Path) -> None:
    model, info = load_classifier(finetuned)
    stored = load_file(str(finetuned))
    torch.testing.assert_close(model.state_dict()["classifier.weight"], stored["classifier.weight"])
    scores = predict_classes(model, info, gallery()[0][0])
    assert list(scores) == info["classes"] and abs(sum(scores.values()) - 1) < 1e-5


def test_scratch_mode_trains_every_layer(sprites_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "scratch.safetensors"
    train.main(["--data", str(sprites_folder), *TINY, *TYPE_TASK, "--mode", "scratch", "--out", str(out)])
    stored = load_file(str(out))
    fresh = build_model("efficientnet_lite0", num_classes=stored["classifier.weight"].shape[0]).state_dict()
    assert set(stored) == set(fresh)
    info = json.loads(out.with_suffix(".json").read_text())
    assert info["start_weights"] == "random (from scratch)"
