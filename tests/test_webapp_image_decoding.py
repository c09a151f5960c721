"""Uploads reduced before they are widened: a 13,000 x 13,000 16-bit PNG comes out at most MAX_SIDE a side, an
upload over the memory budget is refused before it is decoded, large decodes take turns, non-finite pixels are
shown as the notice says, and TIFF variants and cut-off files get the right words. After each bad upload, a good
one still reads."""

import threading
import time
import warnings
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from malformed_uploads import big_png, cut_off_png, float_tiff_with_infinities, text_as_png, ycbcr_tiff
from PIL import Image

from webapp.image_decoding import (
    MAX_SIDE,
    UPLOAD_MEMORY_LIMIT,
    DecodingBudget,
    reduce_in_strips,
)
from webapp.image_input import read_upload


@pytest.fixture
def good_photo(tmp_path: Path) -> Path:
    path = tmp_path / "good.png"
    Image.fromarray(np.arange(60 * 80, dtype=np.uint32).reshape(60, 80).astype(np.uint8)).save(path)
    return path


def reads_well(path: Path) -> None:
    """A good upload after a bad one: read exactly."""
    np.testing.assert_array_equal(read_upload(path), np.asarray(Image.open(path)))


def test_a_13000_pixel_16_bit_png_is_reduced_with_a_notice(tmp_path: Path, good_photo: Path) -> None:
    path = big_png(tmp_path / "scan.png", 13_000, deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with pytest.warns(UserWarning, match=f"13000x13000 pixels; it was downscaled to {MAX_SIDE}x{MAX_SIDE}"):
            image = read_upload(path)
    assert image.shape == (MAX_SIDE, MAX_SIDE) and image.dtype == np.uint8
    third = MAX_SIDE // 3
    assert image[MAX_SIDE // 2, MAX_SIDE // 2] == 255 and image[third // 2, third // 2] == 0  # stretched 16 bits
    reads_well(good_photo)


def test_an_upload_over_the_memory_budget_is_refused_before_decoding(tmp_path: Path, good_photo: Path) -> None:
    path = big_png(tmp_path / "poster.png", 12_000, deep=False)  # RGB: Pillow keeps 4 bytes a pixel, 549 MiB
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with pytest.raises(gr.Error) as error:
            read_upload(path)
    assert error.value.message == (
        f"poster.png is 12000x12000 pixels (RGB): opening it would take 549 MB, more than the "
        f"{UPLOAD_MEMORY_LIMIT // 2**20} MB one upload may use on this shared server. Downscale it to at most "
        f"11585x11585 pixels (the demo shows at most {MAX_SIDE} per side anyway).")
    reads_well(good_photo)


def test_non_finite_pixels_are_shown_as_the_notice_says(tmp_path: Path, good_photo: Path) -> None:
    path = float_tiff_with_infinities(tmp_path / "depth.tif")
    with pytest.warns(UserWarning, match=r"192 of the image's 4096 pixel values \(after downscaling\) are not finite "
                                         r"numbers: NaN and -inf are shown black, \+inf white"):
        image = read_upload(path)
    assert (image[:8, :8] == 255).all() and (image[-8:, :8] == 0).all() and (image[-8:, -8:] == 0).all()
    assert image[40, 2] == 0 and image[2, 32] == 255  # the finite pixels are stretched, not flattened
    reads_well(good_photo)


def test_a_picture_with_no_finite_pixel_is_refused(tmp_path: Path, good_photo: Path) -> None:
    path = tmp_path / "void.tif"
    Image.fromarray(np.full((8, 8), np.nan, np.float32), mode="F").save(path)
    with pytest.raises(gr.Error, match="No pixel of the image is a finite number"):
        read_upload(path)
    reads_well(good_photo)


def test_a_ycbcr_tiff_is_read_through_libtiff(tmp_path: Path) -> None:
    path = ycbcr_tiff(tmp_path / "scan.tif")
    image = read_upload(path)
    assert image.shape == (40, 60, 3) and image.dtype == np.uint8


def test_cut_off_and_fake_images_get_different_words(tmp_path: Path, good_photo: Path) -> None:
    with pytest.raises(gr.Error) as error:
        read_upload(cut_off_png(tmp_path / "cut.png"))
    assert error.value.message.startswith("cut.png looks like an image, but it could not be decoded")
    assert "Save it as PNG or JPEG and upload that." in error.value.message
    with pytest.raises(gr.Error, match="notes.png is not an image this demo can read"):
        read_upload(text_as_png(tmp_path / "notes.png"))
    reads_well(good_photo)


def test_exif_rotation_survives_the_reduction(tmp_path: Path) -> None:
    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to show upright"
    Image.new("RGB", (3000, 2000), (200, 30, 30)).save(path, exif=exif.tobytes())
    with pytest.warns(UserWarning, match="3000x2000 pixels"):
        image = read_upload(path)
    assert image.shape[:2] == (MAX_SIDE, round(MAX_SIDE * 2000 / 3000))  # portrait, as the phone meant it


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "PA", "RGB", "RGBA", "CMYK", "I", "I;16", "F"])
def test_reduce_in_strips_averages_blocks_in_every_mode(mode: str) -> None:
    image = Image.new(mode, (1000, 700))
    small = reduce_in_strips(image, 4)
    assert small.size == (250, 175) and small.mode in ("L", "LA", "RGB", "RGBA", "I", "F")


def test_large_decodes_take_turns() -> None:
    budget = DecodingBudget(total=100)
    budget.acquire(70)
    order: list[str] = []

    def second() -> None:
        budget.acquire(60)  # does not fit beside the first
        order.append("second decodes")
        budget.release(60)

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.2)
    order.append("first done")
    budget.release(70)
    thread.join(timeout=10)
    assert order == ["first done", "second decodes"] and budget.used == 0
