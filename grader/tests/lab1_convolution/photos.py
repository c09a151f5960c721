"""Small copies of scikit-image's sample photos for the Sobel tests (every 8th pixel: fast worker calls)."""

from functools import cache

import numpy as np

from ipdl.sample_photos import sample_photo


@cache
def camera() -> np.ndarray:
    """The cameraman, uint8 (64, 64)."""
    return np.ascontiguousarray(sample_photo("camera")[::8, ::8])


@cache
def astronaut() -> np.ndarray:
    """Eileen Collins, uint8 RGB (64, 64, 3)."""
    return np.ascontiguousarray(sample_photo("astronaut")[::8, ::8])


@cache
def coffee() -> np.ndarray:
    """A cup of coffee, uint8 RGB (50, 75, 3)."""
    return np.ascontiguousarray(sample_photo("coffee")[::8, ::8])


def bright_square() -> np.ndarray:
    """A synthetic uint8 (24, 24) picture: a 200-gray square on black, so most pixels have no edge at all."""
    img = np.zeros((24, 24), dtype=np.uint8)
    img[8:16, 6:14] = 200
    return img


def with_alpha(rgb: np.ndarray) -> np.ndarray:
    """The same picture as RGBA, with a non-constant alpha channel that must be ignored."""
    H, W, _ = rgb.shape
    alpha = np.linspace(0, 255, H * W).reshape(H, W, 1).astype(np.uint8)
    return np.concatenate([rgb, alpha], axis=-1)  # (H, W, 4)


def as_float(img: np.ndarray, dtype=np.float32) -> np.ndarray:
    """uint8 [0, 255] -> float [0, 1]."""
    return (img / 255.0).astype(dtype)
