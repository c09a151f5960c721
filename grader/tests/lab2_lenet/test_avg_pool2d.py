"""lab2.10 avg_pool2d: equal to F.avg_pool2d with its default count_include_pad=True (padded zeros count), for
strides, padding, odd sizes, rectangles, channels and batches."""

import pytest
import torch
import torch.nn.functional as F

from grader.feedback import assert_tensor_close
from grader.tests.lab2_lenet.forbidden import POOL_OPS
from grader.tests.lab2_lenet.known_pooling_mistakes import avg_mistakes
from grader.tests.lab2_lenet.pooling_cases import describe, images, random_settings, settings_of

pytestmark = pytest.mark.exercise("lab2.10")


@pytest.fixture(scope="module")
def avg_pool2d(student):
    return student.function("lab2_lenet.pooling.avg_pool2d", forbidden_ops=POOL_OPS)


def check_avg(avg_pool2d, x: torch.Tensor, kernel_size, stride=None, padding=0) -> None:
    got = avg_pool2d(x, kernel_size, stride, padding)
    assert_tensor_close(got, F.avg_pool2d(x, *settings_of(kernel_size, stride, padding)),
                        what=describe("avg_pool2d", x, kernel_size, stride, padding),
                        mistakes=lambda: avg_mistakes(x, kernel_size, stride, padding))


@pytest.mark.points(1)
def test_two_by_two(avg_pool2d):
    """2x2 windows side by side on (2, 3, 8, 8) maps: each output is the mean of four values."""
    check_avg(avg_pool2d, images(2, 3, 8, 8, seed=0), 2)


@pytest.mark.points(1)
def test_padded_zeros_count(avg_pool2d):
    """3x3 windows, stride 2, padding 1: a corner window holds 4 values and 5 padded zeros, and is divided by 9."""
    check_avg(avg_pool2d, images(2, 2, 9, 8, seed=1), 3, 2, 1)


@pytest.mark.points(1)
def test_odd_sizes_and_rectangles(avg_pool2d):
    """A (2, 3) window at stride (1, 2) with padding (1, 1) on a 7x9 map with 4 channels."""
    check_avg(avg_pool2d, images(3, 4, 7, 9, seed=2), (2, 3), (1, 2), (1, 1))


@pytest.mark.hidden
@pytest.mark.points(1)
def test_random_sweep(avg_pool2d):
    """Thirty random settings, and float64 kept."""
    generator = torch.Generator().manual_seed(2026)
    for seed in range(30):
        B, C, H, W, kernel_size, stride, padding = random_settings(generator)
        x = images(B, C, H, W, seed=300 + seed, dtype=torch.float64 if seed % 5 == 0 else torch.float32)
        check_avg(avg_pool2d, x, kernel_size, stride, padding)
