"""lab2.11 min_pool2d: equal to -F.max_pool2d(-x), padding that never wins included, for strides, odd sizes,
rectangles, channels and batches."""

import pytest
import torch
import torch.nn.functional as F

from grader.feedback import assert_tensor_close
from grader.tests.lab2_lenet.forbidden import POOL_OPS
from grader.tests.lab2_lenet.known_pooling_mistakes import min_mistakes
from grader.tests.lab2_lenet.pooling_cases import describe, images, random_settings, settings_of

pytestmark = pytest.mark.exercise("lab2.11")


@pytest.fixture(scope="module")
def min_pool2d(student):
    return student.function("lab2_lenet.pooling.min_pool2d", forbidden_ops=POOL_OPS)


def check_min(min_pool2d, x: torch.Tensor, kernel_size, stride=None, padding=0) -> None:
    got = min_pool2d(x, kernel_size, stride, padding)
    assert_tensor_close(got, -F.max_pool2d(-x, *settings_of(kernel_size, stride, padding)),
                        what=describe("min_pool2d", x, kernel_size, stride, padding),
                        mistakes=lambda: min_mistakes(x, kernel_size, stride, padding))


@pytest.mark.points(1)
def test_two_by_two(min_pool2d):
    """2x2 windows side by side on (2, 3, 8, 10) maps."""
    check_min(min_pool2d, images(2, 3, 8, 10, seed=0), 2)


@pytest.mark.points(1)
def test_padding_never_wins(min_pool2d):
    """3x3 windows, stride 2, padding 1, on positive maps: padding holds +inf, so a border window keeps its min."""
    x = images(2, 3, 9, 8, seed=1).abs() + 0.25
    check_min(min_pool2d, x, 3, 2, 1)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_random_sweep(min_pool2d):
    """Thirty random settings, odd sizes and rectangles included, and float64 kept."""
    generator = torch.Generator().manual_seed(2027)
    for seed in range(30):
        B, C, H, W, kernel_size, stride, padding = random_settings(generator)
        x = images(B, C, H, W, seed=400 + seed, dtype=torch.float64 if seed % 5 == 0 else torch.float32)
        check_min(min_pool2d, x, kernel_size, stride, padding)
