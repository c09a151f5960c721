"""Unusual and bad files a visitor may upload, written for the web app's tests: huge images written a row at a time
(the test never holds them in memory), float TIFFs with infinite pixels, a YCbCr TIFF, cut-off and fake images."""

import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def big_png(path: Path, side: int = 13_000, deep: bool = True) -> Path:
    """A side x side PNG, 16-bit gray (deep) or 8-bit RGB, written row by row: a mid-grey square with a brighter
    square in its middle third. The file is small (it compresses well); decoded it is side^2 x 2 (or 4) bytes."""
    bit_depth, colour_type, channels = (16, 0, 1) if deep else (8, 2, 3)
    dtype = np.dtype(">u2") if deep else np.uint8
    low, high = (20_000, 50_000) if deep else (80, 200)
    plain = np.full((side, channels), low, dtype).tobytes()
    marked = np.full((side, channels), low, dtype)
    marked[side // 3:2 * side // 3] = high
    marked_row = marked.tobytes()
    packer = zlib.compressobj(1)
    with open(path, "wb") as file:
        file.write(b"\x89PNG\r\n\x1a\n")
        file.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, bit_depth, colour_type, 0, 0, 0)))
        pieces = []
        for row in range(side):
            line = marked_row if side // 3 <= row < 2 * side // 3 else plain
            pieces.append(packer.compress(b"\x00" + line))  # filter type 0, then the row
        pieces.append(packer.flush())
        file.write(_chunk(b"IDAT", b"".join(pieces)))
        file.write(_chunk(b"IEND", b""))
    return path


def float_tiff_with_infinities(path: Path, side: int = 64) -> Path:
    """A float32 TIFF: 0.25 everywhere, 0.75 in the top half of the middle columns, +inf, -inf and NaN squares."""
    pixels = np.full((side, side), 0.25, np.float32)
    pixels[: side // 2, side // 4 : 3 * side // 4] = 0.75
    pixels[:8, :8] = np.inf
    pixels[-8:, :8] = -np.inf
    pixels[-8:, -8:] = np.nan
    Image.fromarray(pixels, mode="F").save(path)
    return path


def ycbcr_tiff(path: Path) -> Path:
    """A valid uncompressed YCbCr TIFF, which Pillow's own TIFF reader decodes wrongly (libtiff reads it)."""
    rgb = np.random.default_rng(0).integers(0, 256, (40, 60, 3), dtype=np.uint8)
    Image.fromarray(rgb).convert("YCbCr").save(path, compression="raw")
    return path


def cut_off_png(path: Path) -> Path:
    """A PNG whose second half is missing."""
    whole = path.with_name("whole-" + path.name)
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (200, 300, 3), dtype=np.uint8)).save(whole)
    data = whole.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def text_as_png(path: Path) -> Path:
    """A text file named like a picture."""
    path.write_text("these are my lecture notes, not a picture")
    return path
