"""The Segmentation tab's functions: random postcodes with their truth, the overlays and readings of both bundled
U-Nets, per-class IoU, uploads (either polarity), and polite errors for bad input and for missing student code."""

from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from ipdl.data.preview_postcodes import CLASS_COLOURS
from webapp.tabs.segmentation import (
    BUNDLED,
    LABELS,
    SHOWN_SCALE,
    UP_MODES,
    enlarge,
    legend_html,
    new_upload,
    postcode_canvas,
    random_postcode,
    segment,
)

READ_RIGHT = 0.8  # share of fresh held-out-digit postcodes each bundled U-Net must read right here (it reads ~0.9+)


@pytest.fixture(scope="module")
def outputs() -> tuple:
    return segment(random_postcode(5))


def enlarged_png(image: np.ndarray, path: Path, scale: int = 3, invert: bool = False) -> Path:
    """Save a (64, W) canvas in [0, 1] as an enlarged gray PNG, as a scan of it would look."""
    pixels = np.round(np.kron(image, np.ones((scale, scale))) * 255).astype(np.uint8)
    Image.fromarray(255 - pixels if invert else pixels).save(path)
    return path


def test_random_postcode_is_reproducible_and_has_its_truth() -> None:
    first, again = random_postcode(11), random_postcode(11)
    assert np.array_equal(first.image, again.image) and first.postcode == again.postcode
    assert first.image.shape == first.truth.shape == (64, 192)
    assert set(np.unique(first.truth)) - {0} == {int(d) + 1 for d in first.postcode}


def test_both_bundled_models_are_shown_in_the_legends_colours(outputs: tuple) -> None:
    shown_input, *slots = outputs[:1 + 2 * len(UP_MODES)]
    assert shown_input.shape == (64 * SHOWN_SCALE, 192 * SHOWN_SCALE)
    truth = enlarge(random_postcode(5).truth)
    for picture, text in zip(slots[::2], slots[1::2], strict=True):
        assert picture.shape == (*shown_input.shape, 3) and picture.dtype == np.uint8
        untinted = (picture == shown_input[..., None]).all(axis=-1)  # gray: the canvas as it is
        assert untinted[truth == 0].mean() > 0.95  # the paper (but for a few pixels the model takes for ink)
        for c in set(np.unique(truth)) - {0}:  # most pixels of each digit are tinted towards its colour
            tinted = np.abs(picture[truth == c].astype(int) - CLASS_COLOURS[c]).sum(axis=-1) < 200
            assert tinted.mean() > 0.8, LABELS[c - 1]
        assert "reads **" in text and f"the truth is **{random_postcode(5).postcode}**" in text
    assert all(label in legend_html() for label in LABELS)


def test_iou_table_has_a_row_per_digit_class_in_the_truth(outputs: tuple) -> None:
    table = outputs[-3]
    truth = random_postcode(5).truth
    classes = sorted({int(c) for c in np.unique(truth)} - {0})
    assert [row[0] for row in table.value["data"]] == [LABELS[c - 1] for c in classes]
    assert table.value["headers"] == ["class", "true pixels", *(f"IoU, {name}" for name in UP_MODES.values())]
    assert all(0.0 <= value <= 1.0 for row in table.value["data"] for value in row[2:])


def test_bundled_models_read_most_postcodes_right() -> None:
    results = [segment(random_postcode(seed)) for seed in range(100, 110)]
    for slot in range(len(UP_MODES)):
        right = sum("(right)" in outputs[2 + 2 * slot] for outputs in results)
        assert right >= READ_RIGHT * len(results), f"{list(UP_MODES)[slot]}: {right} of {len(results)} read right"


@pytest.mark.parametrize("invert", [False, True], ids=["dark-on-light", "light-on-dark"])
def test_an_upload_of_a_postcode_is_read(tmp_path: Path, invert: bool) -> None:
    shown = random_postcode(5)
    outputs = new_upload(str(enlarged_png(shown.image, tmp_path / "scan.png", invert=invert)))
    assert f"reads **{shown.postcode}**" in outputs[2]
    assert "truth" not in outputs[2] and outputs[-3].value["data"] == []


def test_upload_canvas_is_64_high_with_training_like_levels() -> None:
    gray = np.ones((300, 900))
    gray[100:200, 150:160] = 0.1  # a tall stroke
    gray[100:200, 600:640] = 0.2
    canvas = postcode_canvas(gray)
    assert canvas.shape[0] == 64 and canvas.shape[1] % 16 == 0
    assert canvas.max() == pytest.approx(0.9) and canvas.min() == pytest.approx(0.05, abs=0.02)


def test_flat_picture_is_a_polite_error(tmp_path: Path) -> None:
    path = tmp_path / "grey.png"
    Image.fromarray(np.full((40, 120), 128, dtype=np.uint8)).save(path)
    with pytest.raises(gr.Error, match="No writing found"):
        new_upload(str(path))


def test_one_dark_pixel_is_no_postcode_then_a_real_one_is_read(tmp_path: Path) -> None:
    speck = np.full((64, 192), 230, np.uint8)
    speck[30, 90] = 0
    Image.fromarray(speck).save(tmp_path / "speck.png")
    with pytest.raises(gr.Error) as error:
        new_upload(str(tmp_path / "speck.png"))
    assert error.value.message.startswith("No writing found: only 1 pixel(s) of the picture are dark, too few for")
    shown = random_postcode(5)
    assert f"reads **{shown.postcode}**" in new_upload(str(enlarged_png(shown.image, tmp_path / "scan.png")))[2]


def test_non_image_and_missing_input_are_polite_errors(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("40213")
    with pytest.raises(gr.Error, match="not an image"):
        new_upload(str(path))
    with pytest.raises(gr.Error, match="No file yet"):
        new_upload(None)
    with pytest.raises(gr.Error, match="No postcode yet"):
        segment(None)


def test_labs_without_trained_weights_explains_how_to_train(tmp_path: Path) -> None:
    with pytest.raises(gr.Error) as error:
        segment(random_postcode(1), impl="labs", folder=tmp_path)
    assert "`python -m labs.lab5_unet.train`" in error.value.message


def test_labs_stub_gives_the_polite_error() -> None:
    with pytest.raises(gr.Error) as error:
        segment(random_postcode(1), impl="labs", folder=BUNDLED["transpose"].parent)
    assert error.value.message == ("Your UNet.__init__ is not implemented yet (TODO lab5.5 in labs/lab5_unet/unet.py). "
                                   "Switch the implementation to 'reference' to see the expected result.")
