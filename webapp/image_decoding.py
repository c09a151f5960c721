"""Open an uploaded picture reduced before it is widened: Pillow decodes it (JPEG straight at a reduced scale), the
decoded image is averaged down by a whole factor in strips of rows, and only that small image is ever converted or
turned into floats. One upload may take at most UPLOAD_MEMORY_LIMIT to decode, and large decodes take turns.

Measured on the 13,000 x 13,000 16-bit PNG of the classroom test (388 KB on disk): the server's peak went from
5.3-5.8 GB above idle (full-size float64 copies) to the 338 MB of Pillow's decoded pixels; see the README.
"""

import math
import threading
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image, TiffImagePlugin, UnidentifiedImageError

MAX_SIDE = 1024  # longest side in pixels; larger images are downscaled so every tab answers quickly
UPLOAD_MEMORY_LIMIT = 512 * 2**20  # bytes Pillow may hold for one decoded upload; larger ones are refused
DECODING_MEMORY = 1024 * 2**20  # bytes all uploads being decoded at once may hold; the next one waits its turn
STRIP_BYTES = 16 * 2**20  # a strip of rows converted at a time while reducing
UPLOAD_HINT = "Upload a photo as PNG, JPEG, BMP, GIF, TIFF or WebP, or pick a sample photo."
# Pillow's storage per pixel; every other mode keeps 4 bytes (RGB too)
BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
# the mode a strip is converted to before it is averaged (Image.reduce needs one of these); others become RGB
WORKING_MODE = {"1": "L", "L": "L", "LA": "LA", "La": "LA", "PA": "RGBA", "RGBA": "RGBA", "RGBa": "RGBA", "I": "I",
                "I;16": "I", "I;16L": "I", "I;16B": "I", "I;16N": "I", "F": "F"}
# EXIF orientation -> the transpose that shows the picture upright, as ImageOps.exif_transpose applies it
UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
           5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_90}


class DecodingBudget:
    """Bytes of decoded uploads in memory at once: a decode waits until its bytes fit under the total."""

    def __init__(self, total: int) -> None:
        self.total, self.used = total, 0
        self._changed = threading.Condition()

    def acquire(self, nbytes: int) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self.used + nbytes <= self.total)
            self.used += nbytes

    def release(self, nbytes: int) -> None:
        with self._changed:
            self.used -= nbytes
            self._changed.notify_all()


BUDGET = DecodingBudget(DECODING_MEMORY)
_libtiff_switch = threading.Lock()  # TiffImagePlugin.READ_LIBTIFF is one setting for the whole process


def decoded_bytes(im: Image.Image) -> int:
    """What Pillow will hold for the decoded pixels of `im` (its size after any draft)."""
    width, height = im.size
    return width * height * BYTES_PER_PIXEL.get(im.mode, 4)


def memory_message(name: str, im: Image.Image, nbytes: int) -> str:
    """Why an upload is refused for its memory, and how small to make it."""
    width, height = im.size
    scale = math.sqrt(UPLOAD_MEMORY_LIMIT / nbytes)
    return (f"{name} is {width}x{height} pixels ({im.mode}): opening it would take {nbytes / 2**20:.0f} MB, more than "
            f"the {UPLOAD_MEMORY_LIMIT // 2**20} MB one upload may use on this shared server. Downscale it to at most "
            f"{int(width * scale)}x{int(height * scale)} pixels (the demo shows at most {MAX_SIDE} per side anyway).")


def open_reduced(path: Path) -> tuple[Image.Image, tuple[int, int]]:
    """The upload's first frame, reduced to at most about 2 * MAX_SIDE per side, and the file's (width, height).

    The result is in one of the WORKING_MODE modes or RGB, upright (EXIF orientation applied), and small."""
    name = path.name
    try:
        return _open_reduced(path)
    except gr.Error:
        raise  # already says what to do
    except Image.DecompressionBombError as error:
        raise gr.Error(f"{name} has more pixels than Pillow opens safely (about 179 megapixels). Downscale it "
                       "first.") from error
    except (UnidentifiedImageError, SyntaxError) as error:
        raise gr.Error(f"{name} is not an image this demo can read. {UPLOAD_HINT}") from error
    except (OSError, ValueError) as error:
        raise gr.Error(f"{name} looks like an image, but it could not be decoded ({error}): it may be cut off, or "
                       "use a variant this demo does not read. Save it as PNG or JPEG and upload that.") from error


def _open_reduced(path: Path) -> tuple[Image.Image, tuple[int, int]]:
    with Image.open(path) as im:
        original_size = im.size
        im.draft(im.mode, (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale (1/2, 1/4, 1/8), much faster
        nbytes = decoded_bytes(im)
        if nbytes > UPLOAD_MEMORY_LIMIT:
            raise gr.Error(memory_message(path.name, im, nbytes))
        orientation = im.getexif().get(0x0112)  # read before the pixels: the reduced copy has no EXIF
        BUDGET.acquire(nbytes)
        try:
            small = reduce_in_strips(decoded(im, path), max(1, max(im.size) // MAX_SIDE))
        finally:
            BUDGET.release(nbytes)
    return (small.transpose(UPRIGHT[orientation]) if orientation in UPRIGHT else small), original_size


def decoded(im: Image.Image, path: Path) -> Image.Image:
    """`im` with its pixels decoded; a TIFF that Pillow's own reader gets wrong (YCbCr without subsampling, ...)
    is decoded through libtiff instead."""
    try:
        im.load()
        return im
    except OSError:
        if im.format != "TIFF":
            raise
    with _libtiff_switch:
        TiffImagePlugin.READ_LIBTIFF = True
        try:
            again = Image.open(path)
        finally:
            TiffImagePlugin.READ_LIBTIFF = False
    again.load()
    return again


def reduce_in_strips(im: Image.Image, factor: int) -> Image.Image:
    """`im` averaged over `factor` x `factor` blocks, converted to its working mode a strip of rows at a time, so
    that no full-size converted copy exists; factor 1 converts the (then small) image whole."""
    mode = working_mode(im)
    if factor == 1:
        return im.convert(mode)
    width, height = im.size
    rows = factor * max(1, STRIP_BYTES // (width * factor * 4))  # image rows per strip, a multiple of factor
    out = Image.new(mode, (-(-width // factor), -(-height // factor)))
    for top in range(0, height, rows):
        strip = im.crop((0, top, width, min(top + rows, height))).convert(mode)
        out.paste(strip.reduce(factor), (0, top // factor))
    return out


def working_mode(im: Image.Image) -> str:
    """The mode `im` is reduced in: gray, gray + alpha, RGB(A), 32-bit integers or floats, keeping what it has."""
    if im.mode == "P":
        return "RGBA" if "transparency" in im.info else "RGB"
    return WORKING_MODE.get(im.mode, "RGB")


def as_array(im: Image.Image) -> np.ndarray:
    """A reduced image (see open_reduced) as numpy: uint8 (H, W), (H, W, 3) or (H, W, 4) with alpha, or the int32 or
    float32 (H, W) of a deep image, for as_uint8_image to bring to uint8."""
    return np.asarray(im.convert("RGBA") if im.mode == "LA" else im)
