"""Turn a drawing or a photo of one digit into a 28x28 image made the way MNIST's digits were (LeCun et al. 1998):
white ink on black, the ink's bounding box scaled to fit 20x20 keeping its aspect, centred by its centre of mass.
"""

from typing import Any

import numpy as np
from PIL import Image

from webapp.image_input import to_float_image

MNIST_SIDE = 28  # the network reads MNIST_SIDE x MNIST_SIDE images
BOX_SIDE = 20  # MNIST scaled each digit so that the longer side of its bounding box is 20 pixels
MNIST_CENTRE = 14.0  # where the centre of mass of an MNIST digit sits (row and column index; the data's mean)
INK_LEVEL = 0.1  # pixels fainter than this (0 = background, 1 = full ink) do not count for the bounding box
MIN_CONTRAST = 0.15  # a photo whose strokes are less than this much brighter than its paper holds no digit
PAPER_SPREAD = 4.0  # photos: pixels within this many standard deviations of the paper's brightness are paper


class NoInkError(ValueError):
    """The image holds no ink: there is no digit to read."""


def sketch_ink(sketch: dict[str, Any] | None) -> np.ndarray | None:
    """Ink of a gr.Sketchpad value as float32 (H, W) in [0, 1]; None when there is no image at all.

    The value is {"background", "layers", "composite"} with uint8 RGBA arrays. Strokes live in the layers, on a
    transparent (alpha 0) ground: their opacity is the ink, whatever the brush colour. A value without layers
    (e.g. sent through the API) is read from its composite, or its background, like a photo.
    """
    if not sketch:
        return None
    layers = [np.asarray(layer) for layer in sketch.get("layers") or [] if layer is not None]
    alphas = [layer[..., 3] for layer in layers if layer.ndim == 3 and layer.shape[-1] == 4]  # each (H, W)
    if alphas:
        return np.maximum.reduce(alphas).astype(np.float32) / 255.0  # (H, W): ink of all layers together
    for key in ("composite", "background"):
        if sketch.get(key) is not None:
            return photo_ink(np.asarray(sketch[key]))
    return None


def photo_ink(image: np.ndarray) -> np.ndarray:
    """Ink of a photo, scan or drawing as float32 (H, W) in [0, 1]: the strokes bright, the paper 0.

    Dark ink on light paper (a bright border) is inverted into MNIST's white on black. The border tells the
    paper's brightness and grain: everything within PAPER_SPREAD robust standard deviations of the border's
    median becomes 0, and the brightest stroke becomes 1.
    """
    gray = to_float_image(image, grayscale=True)[..., 0]  # (H, W) in [0, 1]
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 0.5:
        gray, border = 1.0 - gray, 1.0 - border
    median = float(np.median(border))
    spread = 1.4826 * float(np.median(np.abs(border - median)))  # the standard deviation, if the grain is Gaussian
    paper = median + PAPER_SPREAD * spread
    peak = float(gray.max())
    if peak - paper < MIN_CONTRAST:
        return np.zeros_like(gray)
    return np.clip((gray - paper) / (peak - paper), 0.0, 1.0)


def ink_bounding_box(ink: np.ndarray) -> np.ndarray:
    """The part of `ink` (H, W) inside the bounding box of its pixels brighter than INK_LEVEL."""
    rows = np.flatnonzero((ink > INK_LEVEL).any(axis=1))
    cols = np.flatnonzero((ink > INK_LEVEL).any(axis=0))
    if rows.size == 0:
        raise NoInkError("There is no ink in the image: draw a digit first, or upload a photo of one.")
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]  # (h, w)


def fit_in_box(crop: np.ndarray, side: int = BOX_SIDE) -> np.ndarray:
    """Scale `crop` (h, w) so that its longer side is `side` pixels, keeping the aspect ratio (antialiased)."""
    h, w = crop.shape
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))  # PIL sizes are (width, height)
    resized = Image.fromarray(crop.astype(np.float32)).resize(size, Image.Resampling.BILINEAR)  # mode "F"
    return np.clip(np.asarray(resized), 0.0, 1.0)  # (h', w'), max(h', w') == side


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the brightness-weighted mean position in `image` (h, w)."""
    rows, cols = np.indices(image.shape)  # (h, w) each
    mass = image.sum()
    return float((rows * image).sum() / mass), float((cols * image).sum() / mass)


def centre_by_mass(box: np.ndarray, side: int = MNIST_SIDE) -> np.ndarray:
    """Paste `box` (h, w) into a black (side, side) image so that its centre of mass lands on MNIST_CENTRE.

    The shift is rounded to whole pixels and limited so that no ink falls off the edge.
    """
    h, w = box.shape
    row, col = centre_of_mass(box)
    top = int(np.clip(np.floor(MNIST_CENTRE - row + 0.5), 0, side - h))
    left = int(np.clip(np.floor(MNIST_CENTRE - col + 0.5), 0, side - w))
    digit = np.zeros((side, side), dtype=np.float32)
    digit[top : top + h, left : left + w] = box
    return digit


def mnist_digit(ink: np.ndarray) -> np.ndarray:
    """MNIST-style uint8 (28, 28) digit, white on black, from ink (H, W) in [0, 1]; NoInkError if it is blank.

    Crop to the ink's bounding box, scale its longer side to 20 pixels, stretch so the brightest pixel is 255,
    and centre it by its centre of mass in 28x28, as the MNIST digits were made.
    """
    box = fit_in_box(ink_bounding_box(ink))  # (h, w), longer side BOX_SIDE
    peak = float(box.max())
    if peak <= 0.0:
        raise NoInkError("The ink is too faint or too thin to read: draw the digit larger, with bolder strokes.")
    box = box / peak  # thin strokes fade when scaled down; MNIST strokes peak at full brightness
    return np.round(centre_by_mass(box) * 255).astype(np.uint8)
