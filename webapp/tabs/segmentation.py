"""Lab 5 tab: a U-Net reads a handwritten postcode pixel by pixel. Generate one from held-out digits or upload a
photo; see the predicted classes as a coloured overlay, the postcode read from them, and per-class IoU."""

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
import torch
from PIL import Image
from torch import nn

from ipdl.data.postcodes import CANVAS_HEIGHT, NUM_CLASSES, make_postcodes
from ipdl.data.preview_postcodes import CLASS_COLOURS
from webapp.image_input import read_upload, to_float_image
from webapp.implementations import IMPL_CHOICES, call_lab
from webapp.request_limits import TabCost
from webapp.tab_events import failure_outputs, tab_event
from webapp.weights import Loaded, TrainedWeights, load_trained, missing_message

TITLE = "Segmentation"
UNET = "lab5_unet.unet"
UP_MODES = {"transpose": "transposed convolution", "unpool": "max unpooling"}  # the two decoders, in display order
UNET_WEIGHTS = {
    "transpose": TrainedWeights(
        "U-Net", UNET, "UNet", "unet-postcodes.safetensors",
        "Train one with `python -m labs.lab5_unet.train` (and with `--up-mode unpool` for the other decoder, which "
        "writes runs/unet-postcodes-unpool.safetensors)",
    ),
    "unpool": TrainedWeights("U-Net", UNET, "UNet", "unet-postcodes-unpool.safetensors",
                             "Train one with `python -m labs.lab5_unet.train --up-mode unpool`"),
}
BUNDLED = {mode: weights.bundled_path for mode, weights in UNET_WEIGHTS.items()}
SHOWN_SCALE = 3  # the 64-pixel-high canvas is shown three times larger, with square pixels
INK_HEIGHT = 26  # an uploaded postcode is scaled so its ink is this many pixels high, like the training digits
INK_OUTLIERS = 1.5  # percent of the dark pixels at each side that are taken for specks when finding the writing
MAX_WIDTH = 1024  # widest canvas the model reads (pixels, after scaling)
PAPER, FULL_INK = 0.9, 0.05  # uploads are stretched so paper and the darkest ink get these training-like levels
LABELS = [f"digit {d}" for d in range(10)]  # the overlay's legend, for classes 1-10
COLOUR_MAP = {label: "#{:02x}{:02x}{:02x}".format(*CLASS_COLOURS[d + 1]) for d, label in enumerate(LABELS)}
OVERLAY_OPACITY = 0.55  # of a class colour over the canvas
MIN_INK_PIXELS = 30  # dark pixels an upload needs before it counts as writing (one digit has a few hundred)
UPLOAD_HINT = "Upload a photo of a postcode: one row of digits written dark on light paper (or light on dark)."
COST = TabCost("both U-Nets on one 64-pixel-high canvas (at most 1024 wide), after reducing an upload of at most "
               "1024x1024 pixels", typical_s=0.03, concurrency=2, name=TITLE)


@dataclass(frozen=True)
class Shown:
    """The canvas on show: what the models read, and the truth when it is known."""

    image: np.ndarray  # (64, W) float32 in [0, 1], dark ink on light paper
    truth: np.ndarray | None  # (64, W) int64 true classes, None for an upload
    postcode: str | None  # the true digits, None for an upload
    source: str  # where it came from, in words


def checkpoint_path(impl: str, up_mode: str, folder: Path | None = None) -> Path:
    """Weights of the `up_mode` U-Net: bundled for the reference, the student's from train.py for labs, or the
    file of that name in `folder`."""
    return UNET_WEIGHTS[up_mode].checkpoint(impl, folder)


def available_modes(impl: str, folder: Path | None = None) -> list[str]:
    """The decoders that have weights: bundled ones for the reference, the student's own from train.py."""
    modes = [mode for mode in UP_MODES if checkpoint_path(impl, mode, folder).is_file()]
    if not modes:
        raise gr.Error(missing_message(UNET_WEIGHTS["transpose"], impl, checkpoint_path(impl, "transpose", folder)))
    return modes


def load_unet(impl: str, up_mode: str, folder: Path | None = None) -> Loaded:
    """The U-Net of `impl` with the weights of `up_mode` and its sidecar info."""
    return load_trained(UNET_WEIGHTS[up_mode], impl, checkpoint_path(impl, up_mode, folder))


def random_postcode(seed: int | None = None) -> Shown:
    """A fresh canvas written with held-out test digits (random when seed is None)."""
    seed = int(np.random.default_rng().integers(2**31)) if seed is None else int(seed)
    codes = make_postcodes(1, split="test", seed=seed)
    return Shown(codes.images[0, 0].numpy(), codes.masks[0].numpy(), codes.postcode(0),
                 f"Random postcode #{seed} (held-out digits)")


def postcode_canvas(gray: np.ndarray) -> np.ndarray:
    """A photo's gray (H, W) in [0, 1] -> a (64, W') canvas like the training ones: dark ink on light paper,
    stretched to training-like levels, scaled so the ink is INK_HEIGHT pixels high, W' a multiple of 16."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) < 0.5:
        gray = 1.0 - gray  # light writing on a dark ground
    paper, darkest = float(np.percentile(gray, 75)), float(gray.min())
    if paper - darkest < 0.15:
        raise gr.Error(f"No writing found: the picture is nearly one flat colour. {UPLOAD_HINT}")
    level = np.clip((gray - darkest) / (paper - darkest), 0.0, 1.0)  # 0 = darkest ink, 1 = paper
    rows, cols = np.nonzero(level < 0.5)
    if rows.size < MIN_INK_PIXELS:
        raise gr.Error(f"No writing found: only {rows.size} pixel(s) of the picture are dark, too few for a digit. "
                       f"{UPLOAD_HINT}")
    # the extent of most of the ink: specks of dirt far from the writing must not count
    top, bottom = np.percentile(rows, [INK_OUTLIERS, 100 - INK_OUTLIERS]).round().astype(int) + (0, 1)
    left, right = np.percentile(cols, [INK_OUTLIERS, 100 - INK_OUTLIERS]).round().astype(int) + (0, 1)
    scale = min(INK_HEIGHT / (bottom - top), (MAX_WIDTH - 32) / (right - left))
    size = (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale)))  # PIL: (width, height)
    scaled = np.asarray(Image.fromarray(level.astype(np.float32)).resize(size, Image.Resampling.BILINEAR))
    middle, first, last = round((top + bottom) / 2 * scale), round(left * scale), round(right * scale)
    width = min(MAX_WIDTH, -(-(last - first + 32) // 16) * 16)  # the ink plus margins, rounded up to 16
    canvas = np.ones((CANVAS_HEIGHT, width), dtype=np.float32)
    rows_from, cols_from = middle - CANVAS_HEIGHT // 2, first - (width - (last - first)) // 2
    piece = scaled[max(rows_from, 0) : rows_from + CANVAS_HEIGHT, max(cols_from, 0) : cols_from + width]
    canvas[max(-rows_from, 0) : max(-rows_from, 0) + piece.shape[0],
           max(-cols_from, 0) : max(-cols_from, 0) + piece.shape[1]] = piece
    return FULL_INK + (PAPER - FULL_INK) * canvas  # (64, width)


def uploaded_postcode(path: str | Path | None) -> Shown:
    """Event helper: an uploaded photo as a canvas (no truth)."""
    gray = to_float_image(read_upload(path), grayscale=True)[..., 0]  # gr.Error for non-images
    return Shown(postcode_canvas(gray), None, None, f"Your photo {Path(str(path)).name}")


def predict(shown: Shown, impl: str, model: nn.Module) -> np.ndarray:
    """(64, W) int64 classes of every pixel, from `impl`'s predict_masks with `model`."""
    x = torch.from_numpy(shown.image)[None, None]  # (1, 1, 64, W)
    masks = call_lab(impl, UNET, "predict_masks", model, x)
    if not isinstance(masks, torch.Tensor) or tuple(masks.shape) != (1, *shown.image.shape):
        got = tuple(masks.shape) if isinstance(masks, torch.Tensor) else type(masks).__name__
        raise gr.Error(f"predict_masks returned {got}; expected a (1, H, W) = {(1, *shown.image.shape)} tensor.")
    return masks[0].long().clamp(0, NUM_CLASSES - 1).numpy()


def enlarge(array: np.ndarray) -> np.ndarray:
    """(H, W) or (H, W, C) enlarged SHOWN_SCALE times with square pixels."""
    block = np.ones((SHOWN_SCALE, SHOWN_SCALE) + (1,) * (array.ndim - 2), dtype=array.dtype)
    return np.kron(array, block)


def overlay(shown: Shown, mask: np.ndarray) -> np.ndarray:
    """The enlarged canvas, uint8 RGB (3H, 3W, 3), with each pixel's predicted digit class in its colour (LEGEND)."""
    gray = np.repeat(shown.image[..., None], 3, axis=-1)  # (H, W, 3) in [0, 1]
    colours = CLASS_COLOURS[mask].astype(np.float32) / 255.0  # (H, W, 3)
    alpha = np.where(mask > 0, OVERLAY_OPACITY, 0.0)[..., None]  # background pixels keep the canvas
    blended = (1.0 - alpha) * gray + alpha * colours
    return enlarge(np.round(blended * 255).astype(np.uint8))


def legend_html() -> str:
    """The colour of each digit class, as a line of coloured labels under the overlays."""
    swatches = "".join(f'<span style="background:{colour};color:white;padding:1px 6px;margin-right:4px;'
                       f'border-radius:3px">{label}</span>' for label, colour in COLOUR_MAP.items())
    return f'<div id="seg-legend">Predicted classes: {swatches}</div>'


def reading_text(read: str, shown: Shown, name: str, weights: str) -> str:
    """What the model `name` with `weights` ("bundled weights", ...) read, next to the truth when it is known."""
    reading = f"**{name}** ({weights}) reads **{read or '(nothing)'}**"
    if shown.postcode is None:
        return reading
    verdict = "right" if read == shown.postcode else "wrong"
    return f"{reading}; the truth is **{shown.postcode}** ({verdict})"


def iou_rows(shown: Shown, masks: dict[str, np.ndarray], impl: str) -> list[list[Any]]:
    """Per digit class in the truth: [class, true pixels, IoU of each model] (empty without a truth)."""
    if shown.truth is None:
        return []
    truth = torch.from_numpy(shown.truth)
    scores = {mode: call_lab(impl, "lab5_unet.metrics", "iou", torch.from_numpy(mask), truth, NUM_CLASSES)
              for mode, mask in masks.items()}
    counts = np.bincount(shown.truth.ravel(), minlength=NUM_CLASSES)
    return [[LABELS[c - 1], int(counts[c]), *(round(float(scores[mode][c]), 3) for mode in masks)]
            for c in range(1, NUM_CLASSES) if counts[c] > 0]


def segment(shown: Shown | None, impl: str = "solutions", folder: Path | None = None) -> tuple:
    """Run every available decoder on `shown`: (input, overlay and reading per decoder, IoU table, status, shown).

    folder: where the checkpoints are (default: bundled for the reference, runs/ for labs)."""
    if shown is None:
        raise gr.Error(f"No postcode yet. Click 'New random postcode', or upload a photo. {UPLOAD_HINT}")
    unets = {mode: load_unet(impl, mode, folder) for mode in available_modes(impl, folder)}
    masks = {mode: predict(shown, impl, unet.model) for mode, unet in unets.items()}
    outputs: list[Any] = [np.round(enlarge(shown.image) * 255).astype(np.uint8)]
    for mode, name in UP_MODES.items():
        if mode in masks:
            read = call_lab(impl, "lab5_unet.reading", "read_postcode", torch.from_numpy(masks[mode]))
            text = reading_text(str(read), shown, f"U-Net with {name}", unets[mode].source)
            outputs += [overlay(shown, masks[mode]), text]
        else:
            outputs += [None, f"No U-Net with {name} here ({checkpoint_path(impl, mode, folder)} is missing)."]
    rows = iou_rows(shown, masks, impl)
    headers = ["class", "true pixels", *(f"IoU, {UP_MODES[mode]}" for mode in masks)]
    outputs += [gr.Dataframe(value=rows, headers=headers), f"{shown.source}.", shown]
    return tuple(outputs)


def new_random(impl: str = "solutions") -> tuple:
    """Event: segment a fresh random postcode."""
    return segment(random_postcode(), impl)


def new_upload(path: str | None, impl: str = "solutions", folder: Path | None = None) -> tuple:
    """Event: segment an uploaded photo."""
    if path is None:
        raise gr.Error(f"No file yet. {UPLOAD_HINT}")
    return segment(uploaded_postcode(path), impl, folder)


def new_upload_event(path: str | None, impl: str) -> tuple:
    """Event: an upload; new_upload's outputs, the upload box left as it is (emptied when the photo fails)."""
    return (*new_upload(path, impl), gr.skip())


def build(impl: str) -> None:
    """Lay out the segmentation tab inside the current tab and wire its events."""
    with gr.Row():
        with gr.Column(scale=1):
            generate = gr.Button("New random postcode", variant="primary", elem_id="seg-random")
            upload = gr.File(label="...or upload a photo of a postcode (one row of digits)", height=100,
                             elem_id="seg-upload")
            implementation = gr.Radio(IMPL_CHOICES, value=impl, label="Implementation")
            status = gr.Markdown("Click 'New random postcode' or upload a photo.", elem_id="seg-status")
        with gr.Column(scale=3):
            shown_input = gr.Image(label="Input (64 pixels high, shown 3x)", interactive=False, format="png",
                                   height=200, elem_id="seg-input")
            slots = []
            for mode, name in UP_MODES.items():
                picture = gr.Image(label=f"Predicted classes: U-Net with {name}", format="png", height=200,
                                   interactive=False, elem_id=f"seg-overlay-{mode}")
                slots += [picture, gr.Markdown(elem_id=f"seg-read-{mode}")]
            gr.HTML(legend_html())
            table = gr.Dataframe(headers=["class", "true pixels", "IoU"], label="IoU per digit class (random "
                                 "postcodes only: an upload has no truth)", interactive=False, elem_id="seg-iou")
    shown = gr.State(None)
    outputs = [shown_input, *slots, table, status, shown]
    pictures = (0, *range(1, 1 + len(slots), 2))  # the input and each overlay
    failed = failure_outputs(len(outputs), status_at=len(outputs) - 2)
    options = {"show_progress_on": [shown_input, *slots[::2]], **COST.events()}
    generate.click(tab_event(new_random, failed, pictures), [implementation], outputs,
                   api_name="lab5_random_postcode", **options)
    upload.upload(tab_event(new_upload_event, failure_outputs(len(outputs) + 1, status_at=len(outputs) - 2), pictures),
                  [upload, implementation], [*outputs, upload], api_name="lab5_upload_postcode", **options)
    implementation.input(tab_event(segment, failed, pictures), [shown, implementation], outputs,
                         api_visibility="private", **options)
    if impl == "solutions":  # the reference always works: the tab opens with a postcode already read
        gr.on(None, tab_event(partial(new_random, impl), failed, pictures), None, outputs, api_visibility="private",
              **options)
