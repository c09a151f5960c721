"""The image picker every tab shares: sample photos or an upload, checked, converted and size-limited."""

from collections.abc import Callable
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from skimage import data

MAX_SIDE = 1024  # longest side in pixels; larger images are downscaled so every tab answers quickly
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
UPLOAD_HINT = "Upload a photo as PNG, JPEG, BMP, GIF, TIFF or WebP, or pick a sample photo."


def load_sample(name: str) -> np.ndarray:
    """A sample photo shipped with scikit-image: uint8 (H, W) or (H, W, 3)."""
    if name not in SAMPLE_PHOTOS:
        raise gr.Error(f"Unknown sample photo {name!r}: pick one of {', '.join(SAMPLE_PHOTOS)}.")
    return as_uint8_image(SAMPLE_PHOTOS[name]())


def read_upload(path: str | Path | None) -> np.ndarray:
    """Open an uploaded file as a uint8 (H, W) or (H, W, 3) image, at most MAX_SIDE pixels per side."""
    if path is None:
        raise gr.Error(f"No image yet. {UPLOAD_HINT}")
    name = Path(path).name
    try:
        with Image.open(path) as im:
            original_size = im.size
            im.draft(im.mode, (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale, much faster
            im = ImageOps.exif_transpose(im)  # phone photos: apply the rotation stored in EXIF
            array = np.asarray(_to_gray_or_rgb(im))
    except Image.DecompressionBombError as error:
        raise gr.Error(
            f"{name} has more pixels than Pillow opens safely (about 179 megapixels). Downscale it first."
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise gr.Error(f"{name} is not an image this demo can read. {UPLOAD_HINT}") from error
    return fit_image(array, original_size=original_size)


def _to_gray_or_rgb(im: Image.Image) -> Image.Image:
    """Convert any PIL mode to "L" or "RGB"; transparent pixels become white."""
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if im.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        return Image.fromarray(as_uint8_image(np.asarray(im, dtype=np.float64)))
    if im.mode in ("1", "L"):
        return im.convert("L")
    return im.convert("RGB")


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
    """Pixel values as float64 in [0, 1]."""
    if image.dtype == np.uint8:
        return image / 255.0
    x = np.nan_to_num(image.astype(np.float64))
    low, high = float(x.min()), float(x.max())
    if image.dtype == bool or (image.dtype.kind == "f" and low >= 0.0 and high <= 1.0):
        return x
    return (x - low) / (high - low) if high > low else np.zeros_like(x)


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


def pick_sample(name: str) -> tuple[np.ndarray, np.ndarray, None]:
    """Event: a sample was chosen; returns (state, preview, upload box emptied)."""
    image = load_sample(name)
    return image, image, None


def pick_upload(path: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Event: a file was uploaded; returns (state, preview)."""
    image = read_upload(path)
    return image, image


def build_image_picker(default_sample: str, prefix: str) -> gr.State:
    """Lay out sample dropdown, upload box and preview; return the State holding the chosen uint8 image.

    prefix makes the elem_ids unique per tab ("conv" -> "conv-sample", "conv-upload", "conv-input").
    """
    first = load_sample(default_sample)
    image = gr.State(first)
    sample = gr.Dropdown(list(SAMPLE_PHOTOS), value=default_sample, label="Sample photo", elem_id=f"{prefix}-sample")
    upload = gr.File(
        label=f"...or upload an image (downscaled to {MAX_SIDE} px if larger)", height=120, elem_id=f"{prefix}-upload"
    )
    preview = gr.Image(first, label="Input", interactive=False, format="png", height=300, elem_id=f"{prefix}-input")
    sample.input(pick_sample, inputs=sample, outputs=[image, preview, upload], api_visibility="private")
    upload.upload(pick_upload, inputs=upload, outputs=[image, preview], api_visibility="private")
    return image
