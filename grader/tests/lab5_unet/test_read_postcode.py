"""lab5.13 read_postcode: connected components of the digit pixels (8-connected), small ones dropped, left to right
by centre column, each read as its majority class; checked on true masks of held-out postcodes and made-up ones."""

import pytest
import torch

from grader.feedback import assert_value_equal
from grader.tests.lab5_unet.cases import heldout
from grader.tests.lab5_unet.known_mistakes import read_mistakes
from solutions.lab5_unet.reading import read_postcode as reference

pytestmark = pytest.mark.exercise("lab5.13")


@pytest.fixture(scope="module")
def read_postcode(student):
    return student.function("lab5_unet.reading.read_postcode")


def check_read(read_postcode, mask: torch.Tensor, what: str, **options) -> None:
    got = read_postcode(mask, **options)
    expected = reference(mask, **options)
    mistakes = read_mistakes(mask, **options)
    hint = next((h for h, value in mistakes.items() if value != expected and value == got), None)
    assert_value_equal(got, expected, what=f"read_postcode({what})", hint=hint)


def stamp(mask: torch.Tensor, top: int, left: int, height: int, width: int, value: int) -> None:
    mask[top : top + height, left : left + width] = value


@pytest.mark.points(3)
def test_true_masks_of_heldout_postcodes(read_postcode):
    """The true masks of 20 held-out canvases: 4-6 digits each, some with overlapping columns."""
    codes = heldout(20)
    for index, mask in enumerate(codes.masks):
        check_read(read_postcode, mask, f"the true mask of held-out canvas {index}")


@pytest.mark.points(1)
def test_empty_mask_reads_nothing(read_postcode):
    check_read(read_postcode, torch.zeros(16, 32, dtype=torch.long), "an all-background mask")


@pytest.mark.points(2)
def test_majority_vote_and_specks(read_postcode):
    """Three blobs: a 7 with a few pixels read as 1, a 3, a 2; plus two specks of 4 pixels that must be dropped."""
    mask = torch.zeros(20, 60, dtype=torch.long)
    stamp(mask, 3, 2, 12, 5, 8)  # digit 7 ...
    stamp(mask, 3, 2, 2, 2, 2)  # ... with 4 of its pixels read as digit 1
    stamp(mask, 4, 20, 12, 6, 4)  # digit 3
    stamp(mask, 2, 40, 14, 5, 3)  # digit 2
    stamp(mask, 17, 12, 2, 2, 6)  # a speck
    stamp(mask, 0, 55, 2, 2, 10)  # another one
    check_read(read_postcode, mask, "three digits and two specks")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_diagonal_strokes_stay_one_digit(read_postcode):
    """A digit drawn as a thin diagonal line touches itself only at corners: with 8-connectivity it is one blob."""
    mask = torch.zeros(24, 40, dtype=torch.long)
    for step in range(22):
        mask[1 + step, 2 + step // 2 * 1 + step % 2] = 2  # a slanted one-pixel-wide stroke of digit 1
    stamp(mask, 4, 25, 10, 4, 6)  # digit 5
    check_read(read_postcode, mask, "a thin diagonal 1 and a 5", min_pixels=5)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_min_pixels_argument(read_postcode):
    """min_pixels=30 drops a 24-pixel blob that the default keeps."""
    mask = torch.zeros(12, 40, dtype=torch.long)
    stamp(mask, 2, 2, 8, 3, 5)  # 24 pixels of digit 4
    stamp(mask, 1, 15, 10, 4, 10)  # 40 pixels of digit 9
    check_read(read_postcode, mask, "a 24-pixel and a 40-pixel blob", min_pixels=30)
