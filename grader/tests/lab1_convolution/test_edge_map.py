"""lab1.8 edge_map: a bool map of sobel_edges >= threshold."""

import numpy as np
import pytest
import torch

from grader.feedback import assert_tensor_close, expect
from grader.tests.lab1_convolution.forbidden import CONV_OPS, PAD_OPS
from grader.tests.lab1_convolution.photos import astronaut, bright_square, camera
from grader.tests.lab1_convolution.upstream import blame_earlier_exercise
from solutions.lab1_convolution.sobel import sobel_edges as reference_edges

pytestmark = pytest.mark.exercise("lab1.8")

TIE = 1e-5  # pixels this close to the threshold may land on either side by rounding
GREATER_THAN = "use >= threshold, not > threshold: threshold 0 must keep every pixel"


@pytest.fixture(scope="module")
def edge_map(student):
    return student.function("lab1_convolution.sobel.edge_map", forbidden_ops=CONV_OPS + PAD_OPS)


def check_edge_map(student, edge_map, img: np.ndarray, what: str, threshold: float | None = None) -> None:
    """Compare with the reference edges >= threshold, accepting either answer at near-ties."""
    with blame_earlier_exercise(student, "edge_map", given=img):
        got = edge_map(img) if threshold is None else edge_map(img, threshold=threshold)
        threshold = 0.2 if threshold is None else threshold
        what = f"edge_map({what}, threshold={threshold})"
        expect(
            isinstance(got, torch.Tensor) and got.dtype == torch.bool,
            f"{what} must return a bool torch.Tensor, got {type(got).__name__} {getattr(got, 'dtype', '')}",
            hint="compare with >=: the result of a comparison is already a bool tensor",
        )
        strength = reference_edges(img)  # (H, W)
        expected = strength >= threshold
        if got.shape == expected.shape and threshold > 0:  # at 0, >= keeps every pixel whatever the rounding
            ties = (strength - threshold).abs() < TIE
            expected[ties] = got[ties]
        mistakes = {
            "the map is inverted: True marks edges, where the strength is >= threshold": ~expected,
            GREATER_THAN: strength > threshold,
        }
        assert_tensor_close(got, expected, what=what, mistakes=mistakes)


@pytest.mark.points(1)
def test_default_threshold(student, edge_map):
    check_edge_map(student, edge_map, camera(), "camera, uint8 gray (64, 64)")


@pytest.mark.points(1)
def test_thresholds_at_the_ends(student, edge_map):
    """Threshold 0 keeps every pixel, flat ones included; threshold 1 keeps only the strongest edges."""
    check_edge_map(student, edge_map, bright_square(), "a bright square on black, uint8 (24, 24)", threshold=0.0)
    check_edge_map(student, edge_map, astronaut(), "astronaut, uint8 RGB (64, 64, 3)", threshold=1.0)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_other_thresholds(student, edge_map):
    for threshold in (0.05, 0.5, 0.9):
        check_edge_map(student, edge_map, camera(), "camera, uint8 gray (64, 64)", threshold=threshold)
