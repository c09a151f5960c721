"""lab2.9 max_pool2d: equal to F.max_pool2d, the indices of the maxima included (first one on ties, as U-Net's
unpooling needs them), for LeNet's 2x2, strides, padding (which never wins), odd sizes, channels and batches."""

import pytest
import torch
import torch.nn.functional as F

from grader.feedback import assert_tensor_close, expect
from grader.tests.lab2_lenet.forbidden import POOL_OPS
from grader.tests.lab2_lenet.known_pooling_mistakes import max_index_mistakes, max_value_mistakes
from grader.tests.lab2_lenet.pooling_cases import describe, images, random_settings, settings_of

pytestmark = pytest.mark.exercise("lab2.9")
RETURN_PAIR = "with return_indices=True return a pair (values, indices), as F.max_pool2d does"


@pytest.fixture(scope="module")
def max_pool2d(student):
    return student.function("lab2_lenet.pooling.max_pool2d", forbidden_ops=POOL_OPS)


def check_values(max_pool2d, x: torch.Tensor, kernel_size, stride=None, padding=0) -> None:
    got = max_pool2d(x, kernel_size, stride, padding)
    assert_tensor_close(got, F.max_pool2d(x, *settings_of(kernel_size, stride, padding)),
                        what=describe("max_pool2d", x, kernel_size, stride, padding),
                        mistakes=lambda: max_value_mistakes(x, kernel_size, stride, padding))


def check_indices(max_pool2d, x: torch.Tensor, kernel_size, stride=None, padding=0) -> None:
    what = describe("max_pool2d", x, kernel_size, stride, padding, return_indices=True)
    got = max_pool2d(x, kernel_size, stride, padding, return_indices=True)
    expect(type(got) is tuple and len(got) == 2, f"{what}: expected a pair (values, indices), got a "
                                                 f"{type(got).__name__}", RETURN_PAIR)
    values, indices = F.max_pool2d(x, *settings_of(kernel_size, stride, padding), return_indices=True)
    assert_tensor_close(got[0], values, what=f"the values of {what}",
                        mistakes=lambda: max_value_mistakes(x, kernel_size, stride, padding))
    assert_tensor_close(got[1], indices, what=f"the indices of {what}",
                        mistakes=lambda: max_index_mistakes(x, kernel_size, stride, padding))


@pytest.mark.points(2)
def test_lenets_two_by_two(max_pool2d):
    """LeNet's pooling: 2x2 windows side by side (the default stride) on (4, 6, 28, 28) feature maps."""
    check_values(max_pool2d, images(4, 6, 28, 28, seed=0), 2)


@pytest.mark.points(1)
def test_padding_never_wins(max_pool2d):
    """3x3 windows, stride 2, padding 1, on negative maps: padding holds -inf, so a border window keeps its max."""
    x = -images(2, 3, 9, 8, seed=1).abs() - 0.25
    check_values(max_pool2d, x, 3, 2, 1)


@pytest.mark.points(1)
def test_odd_sizes_and_rectangles(max_pool2d):
    """A (3, 2) window at stride (2, 1) with padding (1, 0) on a 7x9 map with 5 channels; and 3x3 windows side by
    side on an 11x10 map (the last row and column that do not fill a window are dropped)."""
    check_values(max_pool2d, images(3, 5, 7, 9, seed=2), (3, 2), (2, 1), (1, 0))
    check_values(max_pool2d, images(1, 2, 11, 10, seed=3), 3)


@pytest.mark.points(2)
def test_indices(max_pool2d):
    """return_indices=True: the values and where each maximum sits, row * W + column in its own input plane."""
    check_indices(max_pool2d, images(2, 3, 8, 10, seed=4), 2)


@pytest.mark.points(1)
def test_indices_with_padding_stride_and_ties(max_pool2d):
    """Overlapping padded windows on maps with many equal values: the first maximum (row by row) wins."""
    x = images(2, 2, 9, 7, seed=5).clamp(min=0)  # a ReLU's output: zeros tie everywhere
    check_indices(max_pool2d, x, 3, 2, 1)
    check_indices(max_pool2d, x, (2, 3), (1, 2), (1, 1))


@pytest.mark.hidden
@pytest.mark.points(1)
def test_random_sweep(max_pool2d):
    """Thirty random settings, values and indices, and float64 kept."""
    generator = torch.Generator().manual_seed(2025)
    for seed in range(30):
        B, C, H, W, kernel_size, stride, padding = random_settings(generator)
        x = images(B, C, H, W, seed=200 + seed, dtype=torch.float64 if seed % 5 == 0 else torch.float32)
        check_indices(max_pool2d, x, kernel_size, stride, padding)
