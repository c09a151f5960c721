"""lab1.5 to_grayscale: BT.601 luma of gray, RGB and RGBA photos, uint8 or float, as float32 in [0, 1]."""

import numpy as np
import pytest
import torch

from grader.feedback import assert_tensor_close
from grader.tests.lab1_convolution.known_mistakes import grayscale_mistakes
from grader.tests.lab1_convolution.photos import as_float, astronaut, camera, coffee, with_alpha
from solutions.lab1_convolution.sobel import to_grayscale as reference_gray

pytestmark = pytest.mark.exercise("lab1.5")


@pytest.fixture(scope="module")
def to_grayscale(student):
    return student.function("lab1_convolution.sobel.to_grayscale")


def check_gray(to_grayscale, img: np.ndarray, what: str, as_tensor: bool = False) -> None:
    got = to_grayscale(torch.from_numpy(img) if as_tensor else img)
    assert_tensor_close(got, reference_gray(img), what=f"to_grayscale({what})",
                        mistakes=lambda: grayscale_mistakes(img))


@pytest.mark.points(1)
def test_rgb_uint8_photo(to_grayscale):
    check_gray(to_grayscale, astronaut(), "astronaut, uint8 RGB (64, 64, 3)")


@pytest.mark.points(1)
def test_rgba_ignores_alpha(to_grayscale):
    check_gray(to_grayscale, with_alpha(coffee()), "coffee, uint8 RGBA (50, 75, 4) with a varying alpha")


@pytest.mark.points(1)
def test_gray_and_float_inputs(to_grayscale):
    """A (H, W) image only needs scaling; a float image is already in [0, 1]; tensors work like arrays."""
    check_gray(to_grayscale, camera(), "camera, uint8 gray (64, 64)")
    check_gray(to_grayscale, as_float(camera()), "camera, float32 gray (64, 64) in [0, 1]")
    check_gray(to_grayscale, as_float(astronaut()), "astronaut as a torch.Tensor, float32 RGB", as_tensor=True)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_float64_gives_float32(to_grayscale):
    check_gray(to_grayscale, as_float(with_alpha(astronaut()), np.float64), "astronaut, float64 RGBA")
    check_gray(to_grayscale, with_alpha(camera()[..., None].repeat(3, -1)), "gray RGBA uint8", as_tensor=True)
