"""lab1.7 sobel_edges: gradient magnitude divided by its maximum, on photos and a flat image."""

import numpy as np
import pytest
import torch

from grader.feedback import assert_tensor_close, expect
from grader.tests.lab1_convolution.forbidden import CONV_OPS, PAD_OPS
from grader.tests.lab1_convolution.known_mistakes import edges_mistakes
from grader.tests.lab1_convolution.photos import astronaut, camera, coffee
from grader.tests.lab1_convolution.upstream import blame_earlier_exercise
from solutions.lab1_convolution.sobel import sobel_edges as reference_edges

pytestmark = pytest.mark.exercise("lab1.7")


@pytest.fixture(scope="module")
def sobel_edges(student):
    return student.function("lab1_convolution.sobel.sobel_edges", forbidden_ops=CONV_OPS + PAD_OPS)


def check_edges(student, sobel_edges, img: np.ndarray, what: str) -> None:
    with blame_earlier_exercise(student, "sobel_edges", given=img):
        got = sobel_edges(img)
        assert_tensor_close(
            got, reference_edges(img), what=f"sobel_edges({what})", atol=1e-4, mistakes=lambda: edges_mistakes(img)
        )


@pytest.mark.points(1)
def test_coffee_photo(student, sobel_edges):
    check_edges(student, sobel_edges, coffee(), "coffee, uint8 RGB (50, 75, 3)")


@pytest.mark.points(1)
def test_flat_image_gives_zeros(student, sobel_edges):
    """No edges anywhere: the maximum is 0, so return zeros (not NaN from 0 / 0)."""
    flat = np.full((9, 11), 0.5, dtype=np.float32)
    got = sobel_edges(flat)
    if isinstance(got, torch.Tensor) and got.is_floating_point():
        expect(
            not bool(got.isnan().any()),
            "sobel_edges(a flat gray (9, 11) image) returned NaN",
            hint="0 / 0 gives NaN: return all zeros when the maximum magnitude is 0",
        )
    with blame_earlier_exercise(student, "sobel_edges"):
        assert_tensor_close(got, torch.zeros(9, 11), what="sobel_edges(a flat gray (9, 11) image)")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_more_photos(student, sobel_edges):
    check_edges(student, sobel_edges, camera(), "camera, uint8 gray (64, 64)")
    check_edges(student, sobel_edges, astronaut(), "astronaut, uint8 RGB (64, 64, 3)")
