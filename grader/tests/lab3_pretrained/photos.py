"""Test pictures for Lab 3: scikit-image's photos, a portrait-shaped one, and RGBA versions whose transparent
pixels hide a loud colour (so dropping alpha instead of compositing over white shows)."""

from functools import cache

import numpy as np

from ipdl.sample_photos import sample_photo


@cache
def chelsea() -> np.ndarray:
    """Chelsea the cat, uint8 RGB (300, 451, 3): landscape."""
    return np.ascontiguousarray(sample_photo("chelsea"))


@cache
def portrait() -> np.ndarray:
    """The astronaut's left part, uint8 RGB (400, 260, 3): taller than wide."""
    return np.ascontiguousarray(sample_photo("astronaut")[50:450, 100:360])


@cache
def camera() -> np.ndarray:
    """The cameraman, uint8 gray (512, 512)."""
    return np.ascontiguousarray(sample_photo("camera"))


def with_hidden_magenta(rgb: np.ndarray) -> np.ndarray:
    """RGBA: a transparent frame 40 pixels wide whose colour is magenta, a half-transparent band, the rest opaque."""
    H, W, _ = rgb.shape
    rgba = np.concatenate([rgb, np.full((H, W, 1), 255, dtype=np.uint8)], axis=-1)  # (H, W, 4)
    frame = np.ones((H, W), dtype=bool)
    frame[40:-40, 40:-40] = False
    rgba[frame] = (255, 0, 255, 0)
    rgba[H // 2 - 10 : H // 2 + 10, 40:-40, 3] = 128
    return rgba
