"""Uploads and samples become uint8 gray or RGB images of at most MAX_SIDE pixels, or a helpful gr.Error."""

import warnings
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from webapp.image_input import (
    MAX_SIDE,
    SAMPLE_PHOTOS,
    as_uint8_image,
    fit_image,
    load_sample,
    read_upload,
    to_float_image,
)


def save(array: np.ndarray, path: Path, **kwargs: object) -> Path:
    """Write an array with Pillow and return the path."""
    Image.fromarray(array).save(path, **kwargs)
    return path


@pytest.mark.parametrize("name", list(SAMPLE_PHOTOS))
def test_every_sample_loads_offline(name: str) -> None:
    image = load_sample(name)
    assert image.dtype == np.uint8
    assert image.ndim == 2 or image.shape[-1] == 3
    assert max(image.shape[:2]) <= MAX_SIDE


def test_unknown_sample_is_a_gr_error() -> None:
    with pytest.raises(gr.Error, match="pick one of"):
        load_sample("mona lisa")


def test_non_image_file_says_what_to_upload(tmp_path: Path) -> None:
    fake = tmp_path / "notes.png"
    fake.write_text("these are my lecture notes, not a picture")
    with pytest.raises(gr.Error) as error:
        read_upload(fake)
    assert "notes.png is not an image" in error.value.message
    assert "PNG, JPEG" in error.value.message


def test_no_upload_is_a_gr_error() -> None:
    with pytest.raises(gr.Error, match="No image yet"):
        read_upload(None)


def test_rgb_png_round_trips_exactly(tmp_path: Path) -> None:
    rgb = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    np.testing.assert_array_equal(read_upload(save(rgb, tmp_path / "rgb.png")), rgb)


def test_grayscale_png_stays_two_dimensional(tmp_path: Path) -> None:
    gray = np.arange(200, dtype=np.uint8).reshape(10, 20)
    np.testing.assert_array_equal(read_upload(save(gray, tmp_path / "gray.png")), gray)


def test_transparent_pixels_become_white(tmp_path: Path) -> None:
    rgba = np.zeros((4, 4, 4), dtype=np.uint8)  # black
    rgba[:2, :, 3] = 255  # top half opaque, bottom half transparent
    image = read_upload(save(rgba, tmp_path / "rgba.png"))
    assert image.shape == (4, 4, 3)
    assert (image[:2] == 0).all() and (image[2:] == 255).all()


def test_sixteen_bit_png_is_stretched_to_uint8(tmp_path: Path) -> None:
    deep = np.linspace(1000, 3000, 64, dtype=np.uint16).reshape(8, 8)
    image = read_upload(save(deep, tmp_path / "deep.png"))
    assert image.dtype == np.uint8 and image.min() == 0 and image.max() == 255


@pytest.mark.parametrize("suffix", ["png", "jpg"])
def test_large_upload_is_downscaled_with_a_notice(tmp_path: Path, suffix: str) -> None:
    big = np.random.default_rng(1).integers(0, 256, (1500, 2000, 3), dtype=np.uint8)
    with pytest.warns(UserWarning, match="2000x1500 pixels; it was downscaled to 1024x768"):
        image = read_upload(save(big, tmp_path / f"big.{suffix}"))
    assert image.shape == (768, 1024, 3)


def test_small_image_is_left_alone_without_a_notice() -> None:
    small = np.full((MAX_SIDE, 10), 7, dtype=np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fit_image(small) is small


@pytest.mark.parametrize(
    ("array", "expected"),
    [
        (np.array([[0.0, 0.5, 1.0]]), np.array([[0, 128, 255]])),  # floats in [0, 1] scale by 255
        (np.array([[-1.0, 0.0, 1.0]]), np.array([[0, 128, 255]])),  # other ranges stretch
        (np.array([[True, False]]), np.array([[255, 0]])),
        (np.array([[[10], [20]]], dtype=np.uint8), np.array([[10, 20]])),  # (H, W, 1) -> (H, W)
    ],
)
def test_as_uint8_image_converts_dtypes_and_ranges(array: np.ndarray, expected: np.ndarray) -> None:
    image = as_uint8_image(array)
    assert image.dtype == np.uint8
    np.testing.assert_array_equal(image, expected)


def test_array_that_is_no_image_is_a_gr_error() -> None:
    with pytest.raises(gr.Error, match="shape"):
        as_uint8_image(np.zeros((4, 4, 2)))


def test_to_float_image_grayscale_uses_luma_weights() -> None:
    red = np.zeros((2, 2, 3), dtype=np.uint8)
    red[..., 0] = 255
    np.testing.assert_allclose(to_float_image(red, grayscale=True), np.full((2, 2, 1), 0.299), rtol=1e-6)
    assert to_float_image(red).shape == (2, 2, 3)
