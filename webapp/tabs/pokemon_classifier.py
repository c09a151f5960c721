"""Lab 4 tab: "Who's that Pokémon?" EfficientNet-Lite0, fine-tuned on three sprites of each of the 649 Pokémon, names
the one on a sprite; the gallery holds shiny sprites it never saw. A student's own checkpoint may answer the other
task of the lab, the primary type. The truth is shown next to the guess whenever the Pokémon is known."""

import csv
import json
from functools import cache, partial
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
from safetensors.torch import load_file

from ipdl.data.make_pokedex_csv import POKEDEX_CSV, slug
from webapp.image_input import read_upload
from webapp.implementations import IMPL_CHOICES, call_lab
from webapp.request_limits import TabCost
from webapp.result_files import as_files
from webapp.tab_events import failure_outputs, tab_event
from webapp.weights import BUNDLED_DIR, Loaded, TrainedWeights, load_trained

TITLE = "Pokémon classifier"
CLASSIFIER = "lab4_transfer.classifier"
CLASSIFIER_WEIGHTS = TrainedWeights(
    "Pokémon classifier", CLASSIFIER, "load_classifier", "pokemon-species-efficientnet_lite0.safetensors",
    "Build the data with `python -m ipdl.data pokemon --out data/pokemon` and train with `python -m "
    "labs.lab4_transfer.train --data data/pokemon`",
    runs=("pokemon-species-finetune.safetensors", "pokemon-type-finetune.safetensors"),  # --task species, type
    reads_file=True,  # the lab's load_classifier builds the network and loads the file
)
BUNDLED_CHECKPOINT = CLASSIFIER_WEIGHTS.bundled_path
GALLERY = BUNDLED_DIR / "pokemon-gallery.safetensors"
TOP_K = 5
Sprite = tuple[np.ndarray, str]  # RGBA or RGB pixels and the Pokémon's name ("" when unknown)
COST = TabCost("one forward pass of the fine-tuned EfficientNet-Lite0 on a sprite; the first request loads the model "
               "(about 2 s)", typical_s=0.01, concurrency=2, name=TITLE)


@cache
def pokedex() -> dict[str, tuple[str, str]]:
    """Pokémon name (file-name style, e.g. "mr-mime") -> (Type1, Type2), from ipdl/data/pokedex.csv."""
    with open(POKEDEX_CSV, newline="", encoding="utf-8") as file:
        return {row["Name"]: (row["Type1"], row["Type2"]) for row in csv.DictReader(file)}


@cache
def gallery() -> list[Sprite]:
    """The bundled held-out sprites: (RGBA uint8 (H, W, 4), name), in the order of the gallery's sidecar."""
    if not GALLERY.is_file():
        raise gr.Error(f"The bundled sprite gallery is missing ({GALLERY}): restore it with "
                       "`git checkout -- webapp/checkpoints`.")
    tensors = load_file(str(GALLERY))
    entries = json.loads(GALLERY.with_suffix(".json").read_text())["pokemon"]
    return [(tensors[entry["name"]].numpy(), entry["name"]) for entry in entries]


def load_classifier(impl: str) -> Loaded:
    """The fine-tuned model of `impl`: bundled weights, or the student's from labs.lab4_transfer.train."""
    return load_trained(CLASSIFIER_WEIGHTS, impl)


def read_sprite_upload(path: str | Path | None) -> Sprite:
    """An uploaded file as pixels (first frame, transparency on white; gr.Error for non-images, large ones
    downscaled) and the Pokémon its file name names, if any ("" otherwise)."""
    pixels = read_upload(path)
    stem = slug(Path(str(path)).stem)
    return pixels, stem if stem in pokedex() else ""


def classify_sprite(sprite: Sprite | None, impl: str = "solutions") -> tuple[dict[str, float], str]:
    """Type probabilities of a sprite, and a line with the true type when the Pokémon is known."""
    if sprite is None:
        raise gr.Error("No sprite yet. Pick one from the gallery or upload one.")
    pixels, name = sprite
    classifier = load_classifier(impl)
    scores = call_lab(impl, CLASSIFIER, "predict_classes", classifier.model, classifier.info, pixels)
    if not isinstance(scores, dict) or not scores:
        raise gr.Error(f"predict_classes returned {type(scores).__name__}; expected {{class: probability}}.")
    best = max(scores, key=scores.__getitem__)
    return scores, f"{verdict(name, best, classifier.info)} Using {classifier.source}."


def verdict(name: str, best: str, info: dict[str, Any]) -> str:
    """The status line: the guess, the truth when known, and how good the model is on held-out sprites."""
    accuracy = info.get("metrics", {}).get("test_accuracy")
    if info.get("config", {}).get("task", "type") == "species":
        return species_verdict(name, best, accuracy)
    return type_verdict(name, best, accuracy, set(info.get("test_species", ())))


def species_verdict(name: str, best: str, accuracy: float | None) -> str:
    quality = f" (the model names {accuracy:.0%} of the shiny sprites it never saw right)" if accuracy else ""
    if not name:
        return (f"Guess: **{best}**{quality}. Name the file after the Pokémon (e.g. pikachu.png) to see whether "
                "it is right.")
    return f"**{name}**: guess **{best}**: {'right' if best == name else 'wrong'}{quality}."


def type_verdict(name: str, best: str, accuracy: float | None, held_out: set[str]) -> str:
    quality = f" (the model gets {accuracy:.0%} of held-out Pokémon sprites right)" if accuracy else ""
    if not name:
        return f"Guess: **{best}**{quality}. Name the file after the Pokémon (e.g. pikachu.png) to see its true type."
    type1, type2 = pokedex()[name]
    truth = type1 + (f" / {type2}" if type2 else "")
    seen = "never seen in training" if name in held_out else "seen in training"
    mark = "right" if best == type1 else ("its second type" if best == type2 else "wrong")
    return f"**{name}** ({seen}): guess **{best}**, true type **{truth}**: {mark}{quality}."


def pick_from_gallery(evt: gr.SelectData, impl: str = "solutions") -> tuple[dict[str, float], str, Sprite]:
    """Event: a gallery sprite was clicked."""
    sprites = gallery()
    if not isinstance(evt.index, int) or not 0 <= evt.index < len(sprites):
        raise gr.Error(f"The gallery has sprites 0 to {len(sprites) - 1}, not {evt.index!r}: click one of them.")
    sprite = sprites[evt.index]
    return (*classify_sprite(sprite, impl), sprite)


def pick_upload(path: str | None, impl: str = "solutions") -> tuple[dict[str, float], str, Sprite, None]:
    """Event: a file was uploaded; the upload box is emptied again, ready for the next sprite."""
    sprite = read_sprite_upload(path)
    return (*classify_sprite(sprite, impl), sprite, None)


def display(pixels: np.ndarray, scale: int = 3) -> np.ndarray:
    """A sprite enlarged with square pixels, transparency on white, for the gallery."""
    rgba = pixels.astype(np.float32) / 255.0  # (H, W, 4)
    rgb = rgba[..., :3] * rgba[..., 3:] + (1.0 - rgba[..., 3:])  # alpha over white
    return np.kron(np.round(rgb * 255).astype(np.uint8), np.ones((scale, scale, 1), dtype=np.uint8))


@cache
def first_reading(impl: str) -> tuple[dict[str, float] | None, str]:
    """What the tab shows on arrival (computed when the first visitor opens the page, then kept): the reference's
    answer for the first gallery sprite, or why there is none."""
    if impl != "solutions":
        return None, "Pick a sprite from the gallery or upload one."  # students' code runs only when they ask
    try:
        return classify_sprite(gallery()[0], impl)
    except gr.Error as error:  # e.g. a missing checkpoint: the app still starts, and says what to do
        return None, error.message


def build(impl: str) -> None:
    """Lay out the Pokémon classifier inside the current tab and wire its events."""
    sprites = gallery()
    with gr.Row():
        with gr.Column(scale=2):
            shown = gr.Gallery(as_files([(display(p), n) for p, n in sprites]),
                               label="Shiny sprites the model never saw (click one)",
                               columns=7, height=360, allow_preview=False, elem_id="pokemon-gallery")
            upload = gr.File(label="...or upload a sprite (named after the Pokémon to check the answer)", height=100,
                             elem_id="pokemon-upload")
            implementation = gr.Radio(IMPL_CHOICES, value=impl, label="Implementation")
        with gr.Column(scale=1):
            types = gr.Label(num_top_classes=TOP_K, label="Who's that Pokémon?", elem_id="pokemon-types")
            status = gr.Markdown("Loading the model...", elem_id="pokemon-status")
    on_show = gr.State(sprites[0])
    options = {"show_progress_on": [types], **COST.events()}
    shown.select(tab_event(pick_from_gallery, failure_outputs(3, status_at=1)), inputs=implementation,
                 outputs=[types, status, on_show], api_visibility="private", **options)
    upload.upload(tab_event(pick_upload, failure_outputs(4, status_at=1)), inputs=[upload, implementation],
                  outputs=[types, status, on_show, upload], api_name="lab4_classify_sprite", **options)
    implementation.input(tab_event(classify_sprite, failure_outputs(2, status_at=1)), inputs=[on_show, implementation],
                         outputs=[types, status], api_visibility="private", **options)
    gr.on(None, partial(first_reading, impl), None, [types, status], api_visibility="private", **options)
