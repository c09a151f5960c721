"""The Pokémon classifier tab's functions: the bundled fine-tuned model on the held-out gallery, the true type next
to the guess when the Pokémon is known, and a clear message (never a traceback) for bad input."""

import json
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from webapp.tabs.pokemon_classifier import (
    BUNDLED_CHECKPOINT,
    classify_sprite,
    gallery,
    load_classifier,
    read_sprite_upload,
    verdict,
)


def test_bundled_checkpoint_stores_only_what_training_changed() -> None:
    info = json.loads(BUNDLED_CHECKPOINT.with_suffix(".json").read_text())
    assert info["config"]["mode"] == "finetune" and "command" in info and "date" in info
    model = load_classifier("solutions").model
    from safetensors.torch import load_file

    stored = load_file(str(BUNDLED_CHECKPOINT))
    assert 0 < len(stored) < len(model.state_dict()) // 2
    assert all(name.startswith(("classifier.", "conv_head.", "bn2.", "blocks.")) for name in stored)


def test_gallery_holds_held_out_pokemon() -> None:
    info = load_classifier("solutions").info
    names = [name for _, name in gallery()]
    assert len(names) >= 16 and set(names) <= set(info["test_species"])


def test_gallery_sprite_gets_probabilities_and_the_verdict() -> None:
    scores, status = classify_sprite(gallery()[0])
    assert set(scores) == set(load_classifier("solutions").info["classes"])
    assert abs(sum(scores.values()) - 1) < 1e-4
    name = gallery()[0][1]
    assert status.startswith(f"**{name}**: guess **") and status.split(": ")[2].split(" ")[0] in ("right", "wrong")


def test_gallery_accuracy_matches_the_sidecar_roughly() -> None:
    """The gallery's shiny sprites are a sample of the sprites the sidecar's accuracy is measured on."""
    info = load_classifier("solutions").info
    guesses = [max(scores, key=scores.get) for scores, _ in map(classify_sprite, gallery())]
    right = sum(guess == name for guess, (_, name) in zip(guesses, gallery(), strict=True))
    assert right / len(gallery()) >= info["metrics"]["test_accuracy"] - 0.25
    assert right / len(gallery()) > 50 * info["metrics"]["majority_accuracy"]


def test_upload_named_after_a_pokemon_gets_checked(tmp_path: Path) -> None:
    pixels, name = gallery()[1]
    path = tmp_path / f"{name}.png"
    Image.fromarray(pixels).save(path)
    sprite = read_sprite_upload(path)
    assert sprite[1] == name
    scores, status = classify_sprite(sprite)
    mark = "right" if max(scores, key=scores.get) == name else "wrong"
    assert status.startswith(f"**{name}**: guess **") and f": {mark} (the model names" in status


def test_a_type_checkpoint_still_shows_the_true_type() -> None:
    """A student's own model of the type task: the status line names the true type."""
    info = {"config": {"task": "type"}, "metrics": {"test_accuracy": 0.3}, "test_species": ["pikachu"]}
    line = verdict("pikachu", "Electric", info)
    assert line.startswith("**pikachu** (never seen in training): guess **Electric**, true type **Electric**: right")


def test_unknown_upload_gets_a_guess_only(tmp_path: Path) -> None:
    path = tmp_path / "my drawing.png"
    Image.new("RGB", (40, 30), (30, 90, 220)).save(path)
    _, status = classify_sprite(read_sprite_upload(path))
    assert status.startswith("Guess:")


@pytest.mark.parametrize("case", ["cmyk", "16-bit", "1x1", "8000x8000"])
def test_unusual_images_get_an_answer(tmp_path: Path, case: str) -> None:
    path = tmp_path / f"{case}.png"
    if case == "cmyk":
        path = tmp_path / "cmyk.jpg"
        Image.fromarray(gallery()[0][0]).convert("RGB").convert("CMYK").save(path, format="JPEG")
    elif case == "16-bit":
        Image.fromarray(np.linspace(0, 60000, 32 * 32).reshape(32, 32).astype(np.uint16)).save(path)
    elif case == "1x1":
        Image.new("RGB", (1, 1), (250, 120, 30)).save(path)
    else:
        path = tmp_path / "huge.jpg"
        Image.new("RGB", (8000, 8000), (250, 120, 30)).save(path, quality=50)
    scores, _ = classify_sprite(read_sprite_upload(path))
    assert len(scores) > 2


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    fake = tmp_path / "pikachu.png"
    fake.write_text("not a sprite")
    with pytest.raises(gr.Error, match="pikachu.png is not an image"):
        read_sprite_upload(fake)
    with pytest.raises(gr.Error, match="No sprite yet"):
        classify_sprite(None)


def test_students_code_without_a_checkpoint_says_how_to_train() -> None:
    with pytest.raises(gr.Error, match="labs.lab4_transfer.train|not implemented yet"):
        classify_sprite(gallery()[0], impl="labs")
