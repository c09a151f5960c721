"""The Digit reader: MNIST-style preprocessing of drawings and photos, LeNet's readings, and its polite errors."""

from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from ipdl.data.mnist import load_mnist_pixels
from solutions.lab2_lenet.train import parse_config
from webapp.digit_preprocessing import (
    BOX_SIDE,
    MNIST_CENTRE,
    NoInkError,
    centre_of_mass,
    mnist_digit,
    photo_ink,
    sketch_ink,
)
from webapp.tabs.digit_reader import (
    BUNDLED_CHECKPOINT,
    CANVAS_SIDE,
    DRAW_HINT,
    STUDENT_CHECKPOINT,
    blank_canvas,
    read_photo,
    read_sketch,
    read_test_digit,
    reread,
)


@pytest.fixture(scope="module")
def checkpoint() -> Path:
    """The bundled LeNet weights the tab serves."""
    assert BUNDLED_CHECKPOINT.is_file(), f"{BUNDLED_CHECKPOINT} is missing: the Digit reader has no weights to serve"
    return BUNDLED_CHECKPOINT


@pytest.fixture(scope="module")
def test_digits() -> tuple[np.ndarray, np.ndarray]:
    """The first 10 held-out test digits of each class: uint8 (100, 28, 28) and labels (100,)."""
    pixels = load_mnist_pixels()
    chosen = np.concatenate([np.flatnonzero(pixels.test_labels == k)[:10] for k in range(10)])
    return pixels.test_images[chosen], pixels.test_labels[chosen]


def drawn(digit: np.ndarray) -> dict:
    """A sketchpad value with `digit` drawn as strokes: its pixels, enlarged to the canvas, as the layer's opacity."""
    value = blank_canvas()
    enlarged = Image.fromarray(digit).resize((CANVAS_SIDE, CANVAS_SIDE), Image.Resampling.BILINEAR)
    value["layers"][0][..., 3] = np.asarray(enlarged)
    return value


def enlarged(digit: np.ndarray, size: tuple[int, int] = (600, 450)) -> np.ndarray:
    """`digit` enlarged into a black (size[1], size[0]) picture, left of centre: float32 ink in [0, 1]."""
    H, W = size[1], size[0]
    ink = np.zeros((H, W), dtype=np.float32)
    side = H // 2
    digit_image = Image.fromarray(digit).resize((side, side), Image.Resampling.BILINEAR)
    ink[H // 4 : H // 4 + side, W // 3 : W // 3 + side] = np.asarray(digit_image, dtype=np.float32) / 255
    return ink


def on_paper(digit: np.ndarray, size: tuple[int, int] = (600, 450), seed: int = 0) -> np.ndarray:
    """`digit` as a gray photo: dark ink (40) on grainy light paper (200, std 8), uint8 (size[1], size[0])."""
    paper = 200 + np.random.default_rng(seed).normal(0, 8, (size[1], size[0]))
    return np.clip(paper - enlarged(digit, size) * 160, 0, 255).astype(np.uint8)


def stroke_l(H: int = 200, W: int = 300, top: int = 30, left: int = 60) -> np.ndarray:
    """An "L": a 160-pixel vertical bar and a 100-pixel foot, 20 pixels thick, as ink (H, W) in [0, 1]."""
    ink = np.zeros((H, W), dtype=np.float32)
    ink[top : top + 160, left : left + 20] = 1.0
    ink[top + 140 : top + 160, left : left + 100] = 1.0
    return ink


def box_of(digit: np.ndarray) -> tuple[slice, slice]:
    rows, cols = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def test_stroke_is_scaled_to_20_pixels_and_centred_by_its_mass() -> None:
    digit = mnist_digit(stroke_l())
    assert digit.shape == (28, 28) and digit.dtype == np.uint8 and digit.max() == 255
    rows, cols = box_of(digit)
    assert rows.stop - rows.start == BOX_SIDE  # 160 -> 20
    assert cols.stop - cols.start in (12, 13)  # 100 * 20 / 160 = 12.5: the aspect ratio is kept
    row, col = centre_of_mass(digit.astype(np.float64))
    assert abs(row - MNIST_CENTRE) <= 0.5 and abs(col - MNIST_CENTRE) <= 0.5
    # the heavy vertical bar pulls the mass left of the box's middle, so the box sits right of the centre
    assert (cols.start + cols.stop - 1) / 2 > MNIST_CENTRE + 1


def test_where_the_stroke_was_drawn_does_not_matter() -> None:
    np.testing.assert_array_equal(mnist_digit(stroke_l(top=5, left=10)), mnist_digit(stroke_l(top=35, left=190)))


def test_mnist_digits_come_through_almost_unchanged(test_digits: tuple[np.ndarray, np.ndarray]) -> None:
    images, _ = test_digits
    again = np.stack([mnist_digit(photo_ink(image)) for image in images])
    assert np.abs(again.astype(int) - images).mean() < 1.0  # gray levels out of 255, over 100 digits


def test_dark_ink_on_light_paper_is_inverted(test_digits: tuple[np.ndarray, np.ndarray]) -> None:
    images, _ = test_digits
    similarities = []
    for image in images[::10]:
        from_paper = mnist_digit(photo_ink(on_paper(image))).astype(np.float64)
        from_screen = mnist_digit(photo_ink(np.round(enlarged(image) * 255).astype(np.uint8))).astype(np.float64)
        assert from_paper[[0, -1]].max() == 0 and from_paper[:, [0, -1]].max() == 0  # black border: inverted
        similarities.append(np.corrcoef(from_paper.ravel(), from_screen.ravel())[0, 1])
    # not inverted, the paper would be the "ink" and fill the box (similarity near 0); the grain floor trims
    # the faintest stroke edges, which can move a digit by a pixel
    assert min(similarities) > 0.7 and np.mean(similarities) > 0.9


def test_strokes_are_their_opacity_whatever_their_colour() -> None:
    value = blank_canvas()
    layer = value["layers"][0]
    layer[10:20, 10:20] = (255, 255, 255, 255)  # a white stroke
    layer[30:40, 30:40] = (0, 0, 0, 128)  # a half-transparent black stroke
    layer[50:60, 50:60] = (90, 30, 200, 0)  # colour under full transparency is no ink
    ink = sketch_ink(value)
    assert ink[15, 15] == 1.0 and ink[35, 35] == pytest.approx(128 / 255) and ink[55, 55] == 0.0
    assert ink.sum() == pytest.approx(100 + 100 * 128 / 255)


def test_a_sketch_without_layers_is_read_from_its_composite() -> None:
    composite = np.full((50, 40, 4), 255, dtype=np.uint8)
    composite[10:40, 18:22, :3] = 0  # a black "1" on white
    ink = sketch_ink({"background": None, "layers": [], "composite": composite})
    assert ink[20, 20] == 1.0 and ink[5, 5] == 0.0


@pytest.mark.parametrize("image", [np.full((30, 40), 255, np.uint8), np.zeros((30, 40, 3), np.uint8)])
def test_blank_photos_have_no_ink(image: np.ndarray) -> None:
    with pytest.raises(NoInkError, match="draw a digit first"):
        mnist_digit(photo_ink(image))


def test_blank_canvas_has_no_ink() -> None:
    assert sketch_ink(None) is None
    with pytest.raises(NoInkError, match="draw a digit first"):
        mnist_digit(sketch_ink(blank_canvas()))


@pytest.mark.parametrize("sketch", [None, blank_canvas()])
def test_empty_canvas_guesses_nothing_and_leaves_the_page_alone(sketch: dict | None, checkpoint: Path) -> None:
    """Nothing on show: the page as it opened (which asks for a digit), or a failed request's message, stays."""
    assert read_sketch(sketch, checkpoint=checkpoint) == (gr.skip(),) * 4


def test_canvas_emptied_late_leaves_a_test_digit_on_show(checkpoint: Path) -> None:
    """The canvas' reset after "Clear" can arrive after a sample button was pressed: that reading stays; a drawing
    on show is cleared as usual."""
    *_, test_digit = read_test_digit("4", pick=0, checkpoint=checkpoint)
    assert read_sketch(blank_canvas(), shown=test_digit, checkpoint=checkpoint) == (gr.skip(),) * 4
    *_, drawing = read_sketch(drawn(load_mnist_pixels().test_images[0]), checkpoint=checkpoint)
    assert read_sketch(blank_canvas(), shown=drawing, checkpoint=checkpoint) == (None, None, DRAW_HINT, None)


def test_reads_held_out_digits_drawn_on_the_canvas(
    test_digits: tuple[np.ndarray, np.ndarray], checkpoint: Path
) -> None:
    images, labels = test_digits
    right = 0
    for image, label in zip(images, labels, strict=True):
        shown, top3, status, _ = read_sketch(drawn(image), checkpoint=checkpoint)
        right += max(top3, key=top3.get) == str(label)
        assert sum(top3.values()) == pytest.approx(1.0, abs=1e-4)
    assert shown.shape == (280, 280) and status.startswith("Your drawing: LeNet")
    assert right >= 95, f"read {right} of 100 held-out digits right"  # LeNet reads 98.7% of them as they are


def test_reads_photos_of_digits_on_paper(
    tmp_path: Path, test_digits: tuple[np.ndarray, np.ndarray], checkpoint: Path
) -> None:
    images, labels = test_digits
    right = 0
    for n, (image, label) in enumerate(zip(images[::10], labels[::10], strict=True)):
        path = tmp_path / f"digit{n}.jpg"
        Image.fromarray(on_paper(image, seed=n)).convert("RGB").save(path, quality=85)
        _, top3, status, _ = read_photo(path, checkpoint=checkpoint)
        right += max(top3, key=top3.get) == str(label)
    assert right >= 9, f"read {right} of 10 photos right"
    assert status.startswith("Your photo digit9.jpg: LeNet")


def test_twenty_megapixel_photo_is_downscaled_with_a_notice(
    tmp_path: Path, test_digits: tuple[np.ndarray, np.ndarray], checkpoint: Path
) -> None:
    images, labels = test_digits
    path = tmp_path / "huge.jpg"
    photo = Image.fromarray(on_paper(images[30], size=(1368, 912))).resize((5472, 3648))  # a 3, 20 megapixels
    photo.save(path, quality=90)
    with pytest.warns(UserWarning, match="5472x3648 pixels; it was downscaled"):
        _, top3, _, _ = read_photo(path, checkpoint=checkpoint)
    assert max(top3, key=top3.get) == str(labels[30]) == "3"


def test_non_image_upload_says_what_to_upload(tmp_path: Path, checkpoint: Path) -> None:
    notes = tmp_path / "digit.png"
    notes.write_text("not a picture")
    with pytest.raises(gr.Error, match="digit.png is not an image"):
        read_photo(notes, checkpoint=checkpoint)


def test_blank_photo_says_no_digit_was_found(tmp_path: Path, checkpoint: Path) -> None:
    path = tmp_path / "paper.png"
    Image.fromarray(np.full((300, 400), 230, np.uint8)).save(path)
    with pytest.raises(gr.Error) as error:
        read_photo(path, checkpoint=checkpoint)
    assert error.value.message.startswith("No digit found in paper.png: nothing in it stands out from the paper")


def test_sketch_layers_of_different_sizes_are_refused_then_a_drawing_is_read(checkpoint: Path) -> None:
    odd = blank_canvas()
    odd["layers"] = [np.zeros((100, 100, 4), np.uint8)]
    with pytest.raises(gr.Error, match="The sketch's background and layers have different sizes"):
        read_sketch(odd, checkpoint=checkpoint)
    huge = {"background": np.zeros((3000, 3000, 3), np.uint8), "layers": [], "composite": None}
    with pytest.raises(gr.Error, match="The sketch is 3000 pixels wide or high; keep it at most 2048"):
        read_sketch(huge, checkpoint=checkpoint)
    pixels = load_mnist_pixels()
    _, top3, status, _ = read_sketch(drawn(pixels.test_images[0]), checkpoint=checkpoint)
    assert max(top3, key=top3.get) == str(pixels.test_labels[0]) and status.startswith("Your drawing")


@pytest.mark.parametrize("label", ["11", "-1", "seven", ""])
def test_test_digits_exist_for_classes_0_to_9_only(label: str, checkpoint: Path) -> None:
    with pytest.raises(gr.Error, match="There are test digits of the classes 0 to 9"):
        read_test_digit(label, checkpoint=checkpoint)
    assert read_test_digit("9", pick=0, checkpoint=checkpoint)[2].startswith("Test digit #")


def test_sample_buttons_read_held_out_test_digits(checkpoint: Path) -> None:
    pixels = load_mnist_pixels()
    right = 0
    for k in range(10):
        shown, top3, status, (digit, _) = read_test_digit(str(k), pick=3, checkpoint=checkpoint)
        index = int(np.flatnonzero(pixels.test_labels == k)[3])
        assert status.startswith(f"Test digit #{index} (a {k} never seen in training)")
        np.testing.assert_array_equal(digit, pixels.test_images[index])
        np.testing.assert_array_equal(shown[::10, ::10], digit)  # shown 10x larger, square pixels
        right += max(top3, key=top3.get) == str(k)
    assert right >= 9


def test_implementation_switch_rereads_the_digit_on_show(checkpoint: Path) -> None:
    assert reread(None, "solutions") == (None, None, DRAW_HINT, None)
    first = read_test_digit("5", pick=0, checkpoint=checkpoint)
    again = reread(first[3], "solutions", checkpoint)
    assert again[1] == first[1] and again[2] == first[2]


def test_student_checkpoint_is_where_the_training_script_writes_it() -> None:
    assert parse_config([]).out == STUDENT_CHECKPOINT


def test_labs_without_a_trained_checkpoint_explains_how_to_train(tmp_path: Path) -> None:
    missing = tmp_path / "runs" / "lenet-mnist.safetensors"
    with pytest.raises(gr.Error) as error:
        read_sketch(drawn(load_mnist_pixels().test_images[0]), impl="labs", checkpoint=missing)
    assert error.value.message.startswith(f"No trained LeNet of yours yet: {missing} does not exist.")
    assert "`python -m labs.lab2_lenet.train`" in error.value.message


def test_labs_stub_gives_the_polite_error(checkpoint: Path) -> None:
    with pytest.raises(gr.Error) as error:
        read_test_digit("4", impl="labs", pick=0, checkpoint=checkpoint)
    assert error.value.message.startswith(
        "Your LeNet.__init__ is not implemented yet (TODO lab2.3 in labs/lab2_lenet/lenet.py)."
    )


def test_missing_bundled_weights_are_explained(tmp_path: Path) -> None:
    with pytest.raises(gr.Error, match="The bundled LeNet weights are missing"):
        read_test_digit("4", pick=0, checkpoint=tmp_path / "lenet-mnist.safetensors")
