"""Rebuild a fine-tuned Pokémon classifier (species or type) from its checkpoint (which stores only what fine-tuning
changed) and classify one sprite. Complete: nothing to do here; the web app's "Pokémon classifier" tab calls it.

    model, info = load_classifier("webapp/checkpoints/pokemon-species-efficientnet_lite0.safetensors")
    predict_classes(model, info, sprite)      # {"pikachu": 0.93, "raichu": 0.02, ...}
"""

from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from ipdl.checkpoints import load_checkpoint
from ipdl.data.pokemon import normalize, square_pixels
from ipdl.pretrained import load_pretrained

from .transfer import replace_head, unfreeze_last


def load_classifier(checkpoint: Path | str) -> tuple[nn.Module, dict[str, object]]:
    """The pretrained network with your replace_head, loaded with the checkpoint's tensors, in eval mode; and the
    sidecar info (classes, image size, metrics)."""
    state_dict, info = load_checkpoint(checkpoint)
    if "classes" not in info or "config" not in info:
        raise ValueError(f"{checkpoint}'s sidecar lacks 'classes' or 'config': was it written by lab4's train.py?")
    model = replace_head(load_pretrained(info["model"]).model, len(info["classes"]))
    unfreeze_last(model, info["config"]["unfreeze"])  # which tensors the checkpoint should hold
    result = model.load_state_dict(state_dict, strict=False)
    trained = {name for name, p in model.named_parameters() if p.requires_grad}
    missing = trained & set(result.missing_keys)
    if result.unexpected_keys or missing:
        raise ValueError(f"{checkpoint} does not fit this network: unexpected tensors {result.unexpected_keys[:5]}, "
                         f"missing trained tensors {sorted(missing)[:5]}")
    return model.eval(), info


def sprite_rgb(image: Image.Image | np.ndarray) -> np.ndarray:
    """Any sprite as uint8 (H, W, 3): the first frame, transparency composited on white (as in training)."""
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    image.seek(0)
    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"))


def predict_classes(model: nn.Module, info: dict[str, object], image: Image.Image | np.ndarray) -> dict[str, float]:
    """Probability of every class (Pokémon or type) for one sprite (padded to a white square, resized as in
    training)."""
    pixels = square_pixels([sprite_rgb(image)], info["config"]["image_size"])  # (1, 3, S, S) uint8
    with torch.no_grad():
        probabilities = model(normalize(pixels)).softmax(dim=1)[0]  # (num_classes,)
    return {name: float(p) for name, p in zip(info["classes"], probabilities.tolist(), strict=True)}
