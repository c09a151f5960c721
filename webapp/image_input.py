"""The image picker every tab shares: sample photos or an upload, checked, converted and size-limited."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
from PIL import Image
from skimage import data

from webapp.image_decoding import MAX_SIDE, UPLOAD_HINT, as_array, open_reduced
from webapp.result_files import as_files
from webapp.tab_events import failure_outputs, tab_event

SAMPLE_PHOTOS: dict[str, Callable[[], np.ndarray]] = {
    "camera": data.camera,
    "astronaut": data.astronaut,
    "coffee": data.coffee,
    "chelsea (cat)": data.chelsea,
    "rocket": data.rocket,
    "coins": data.coins,
    "text": data.text,
    "checkerboard": data.checkerboard,
}


def load_sample(name: str) -> np.ndarray:
    """A sample photo shipped with scikit-image: uint8 (H, W) or (H, W, 3)."""
    if name not in SAMPLE_PHOTOS:
        raise gr.Error(f"Unknown sample photo {name!r}: pick one of {', '.join(SAMPLE_PHOTOS)}.")
    return as_uint8_image(SAMPLE_PHOTOS[name]())


def read_upload(path: str | Path | None) -> np.ndarray:
    """Open an uploaded file as a uint8 (H, W) or (H, W, 3) image, at most MAX_SIDE pixels per side; the file is
    reduced while it is decoded (webapp/image_decoding.py), never widened at full size."""
    if path is None:
        raise gr.Error(f"No image yet. {UPLOAD_HINT}")
    small, original_size = open_reduced(Path(path))
    return fit_image(as_array(small), original_size=original_size)


def as_uint8_image(image: np.ndarray) -> np.ndarray:
    """Any numpy image (bool, uint8/16, float; (H, W), (H, W, 1|3|4)) -> uint8 (H, W) or (H, W, 3).

    Alpha is composited onto white; floats in [0, 1] are scaled by 255, other ranges stretched to [0, 255].
    """
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]  # (H, W, 1) -> (H, W)
    if image.size == 0 or not (image.ndim == 2 or (image.ndim == 3 and image.shape[-1] in (3, 4))):
        raise gr.Error(f"Expected a gray or colour image, got an array of shape {image.shape}. {UPLOAD_HINT}")
    if image.dtype == np.uint8 and (image.ndim == 2 or image.shape[-1] == 3):
        return image
    x = _to_unit_range(image)  # float64 in [0, 1]
    if x.ndim == 3 and x.shape[-1] == 4:
        x = x[..., :3] * x[..., 3:] + (1.0 - x[..., 3:])  # (H, W, 4) -> (H, W, 3), alpha over white
    return np.round(x * 255).astype(np.uint8)


def _to_unit_range(image: np.ndarray) -> np.ndarray:
    """Pixel values as float64 in [0, 1]; pixels that are not finite are shown, with a notice, as described in
    finite_pixels."""
    if image.dtype == np.uint8:
        return image / 255.0
    x = image.astype(np.float64)
    finite = bool(np.isfinite(x).all())
    x = x if finite else finite_pixels(x)  # stretched below, so that NaN and -inf are black and +inf white
    low, high = float(x.min()), float(x.max())
    if finite and (image.dtype == bool or (image.dtype.kind == "f" and low >= 0.0 and high <= 1.0)):
        return x
    return (x - low) / (high - low) if high > low else np.zeros_like(x)


def finite_pixels(x: np.ndarray) -> np.ndarray:
    """`x` with NaN and -inf set to the lowest finite value (black) and +inf to the highest (white), with a notice
    that says so; a gr.Error when no pixel is finite."""
    finite = np.isfinite(x)
    if not finite.any():
        raise gr.Error(f"No pixel of the image is a finite number (all are NaN or infinite): there is nothing to show. "
                       f"{UPLOAD_HINT}")
    low, high = float(x[finite].min()), float(x[finite].max())
    bad = int((~finite).sum())
    gr.Warning(f"{bad} of the image's {x.size} pixel values (after downscaling) are not finite numbers: NaN and -inf "
               f"are shown black, +inf white; the other pixels are stretched from {low:g} to {high:g}.")
    return np.where(np.isposinf(x), high, np.where(finite, x, low))


def fit_image(image: np.ndarray, original_size: tuple[int, int] | None = None) -> np.ndarray:
    """Downscale so the longest side is at most MAX_SIDE, with a notice to the user when it happens.

    original_size: (width, height) of the file, when decoding already shrank it (JPEG draft mode).
    """
    image = as_uint8_image(image)
    H, W = image.shape[:2]
    width, height = original_size or (W, H)
    if max(width, height) <= MAX_SIDE:
        return image
    if max(H, W) > MAX_SIDE:
        scale = MAX_SIDE / max(H, W)
        new_size = (max(1, round(W * scale)), max(1, round(H * scale)))  # PIL sizes are (width, height)
        image = np.asarray(Image.fromarray(image).resize(new_size, Image.Resampling.LANCZOS))
    gr.Warning(
        f"The image is {width}x{height} pixels; it was downscaled to {image.shape[1]}x{image.shape[0]} "
        f"(at most {MAX_SIDE} pixels per side) so the demo stays fast."
    )
    return image


def to_float_image(image: np.ndarray, grayscale: bool = False) -> np.ndarray:
    """uint8 image -> float32 (H, W, C) in [0, 1]; grayscale mixes RGB with BT.601 luma weights (C = 1)."""
    x = as_uint8_image(image).astype(np.float32) / 255.0
    if x.ndim == 2:
        x = x[..., None]  # (H, W) -> (H, W, 1)
    if grayscale and x.shape[-1] == 3:
        x = x @ np.array([0.299, 0.587, 0.114], dtype=np.float32)[:, None]  # (H, W, 3) @ (3, 1) -> (H, W, 1)
    return x


def pick_sample(name: str) -> tuple[np.ndarray, np.ndarray, None, str]:
    """Event: a sample was chosen; returns (state, preview, upload box emptied, status)."""
    image = load_sample(name)
    return image, image, None, f"Sample photo: {name}."


def pick_upload(path: str | None) -> tuple[np.ndarray, np.ndarray, Any, str]:
    """Event: a file was uploaded; returns (state, preview, upload box as it is, status)."""
    image = read_upload(path)
    return image, image, gr.skip(), f"Your upload {Path(str(path)).name}, {image.shape[1]}x{image.shape[0]} pixels."


def build_image_picker(default_sample: str, prefix: str) -> gr.State:
    """Lay out sample dropdown, upload box, preview and a status line; return the State holding the chosen uint8
    image. A failed upload empties the box, the preview and the State: no hidden photo is used afterwards.

    prefix makes the elem_ids unique per tab ("conv" -> "conv-sample", "conv-upload", "conv-input", "conv-picked").
    """
    first = load_sample(default_sample)
    image = gr.State(first)
    sample = gr.Dropdown(list(SAMPLE_PHOTOS), value=default_sample, label="Sample photo", elem_id=f"{prefix}-sample")
    upload = gr.File(
        label=f"...or upload an image (downscaled to {MAX_SIDE} px if larger)", height=120, elem_id=f"{prefix}-upload"
    )
    preview = gr.Image(as_files(first), label="Input", interactive=False, format="png", height=300,
                       elem_id=f"{prefix}-input")
    status = gr.Markdown(f"Sample photo: {default_sample}.", elem_id=f"{prefix}-picked")
    outputs = [image, preview, upload, status]
    failed = failure_outputs(len(outputs), status_at=3)  # State, preview and upload box emptied
    sample.input(tab_event(pick_sample, failed, pictures=(1,)), inputs=sample, outputs=outputs,
                 api_visibility="private", show_progress_on=[preview])
    upload.upload(tab_event(pick_upload, failed, pictures=(1,)), inputs=upload, outputs=outputs,
                  api_visibility="private", show_progress_on=[preview])
    return image
