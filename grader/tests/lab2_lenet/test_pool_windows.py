"""lab2.8 pool_windows: every window of every channel, its values row by row, for kernel sizes, strides (the
default included), padding with a given value, odd sizes and rectangles; torch's pooling and unfold are off limits."""

import pytest
import torch

from grader.feedback import assert_tensor_close
from grader.tests.lab2_lenet.forbidden import POOL_OPS
from grader.tests.lab2_lenet.known_pooling_mistakes import window_mistakes
from grader.tests.lab2_lenet.pooling_cases import describe, images, random_settings, torch_windows

pytestmark = pytest.mark.exercise("lab2.8")


@pytest.fixture(scope="module")
def pool_windows(student):
    return student.function("lab2_lenet.pooling.pool_windows", forbidden_ops=POOL_OPS)


def check_windows(pool_windows, x: torch.Tensor, kernel_size, stride=None, padding=0, pad_value: float = 0.0) -> None:
    """Compare the student's windows with torch's unfold of the padded input."""
    got = pool_windows(x, kernel_size, stride, padding, pad_value)
    assert_tensor_close(got, torch_windows(x, kernel_size, stride, padding, pad_value),
                        what=describe("pool_windows", x, kernel_size, stride, padding, pad_value=pad_value),
                        mistakes=lambda: window_mistakes(x, kernel_size, stride, padding, pad_value))


@pytest.mark.points(1)
def test_windows_side_by_side(pool_windows):
    """2x2 windows with the default stride (the kernel size): a (2, 3, 8, 8) input gives (2, 3, 4, 4, 4)."""
    check_windows(pool_windows, images(2, 3, 8, 8, seed=0), 2)


@pytest.mark.points(1)
def test_window_values_row_by_row(pool_windows):
    """A ramp 0, 1, 2, ... shows the order: window (m, n) holds x_pad[m*s + i, n*s + j] at i * kW + j."""
    x = torch.arange(2 * 9 * 10, dtype=torch.float32).view(1, 2, 9, 10)
    check_windows(pool_windows, x, 3, 3)


@pytest.mark.points(1)
def test_overlapping_windows_and_padding_value(pool_windows):
    """3x3 windows at stride 2 (they overlap) with one row and column of -inf on each side."""
    check_windows(pool_windows, images(2, 2, 7, 9, seed=1), 3, 2, 1, float("-inf"))


@pytest.mark.points(1)
def test_rectangles(pool_windows):
    """A (2, 3) window at stride (1, 2) with padding (1, 1) of +inf, on a 5x7 map with 4 channels."""
    check_windows(pool_windows, images(1, 4, 5, 7, seed=2), (2, 3), (1, 2), (1, 1), float("inf"))


@pytest.mark.hidden
@pytest.mark.points(1)
def test_random_sweep(pool_windows):
    """Thirty random settings: batch, channels, odd sizes, kernel, stride, padding and its value."""
    generator = torch.Generator().manual_seed(2024)
    for seed in range(30):
        B, C, H, W, kernel_size, stride, padding = random_settings(generator)
        pad_value = (0.0, float("-inf"), float("inf"), 1.5)[seed % 4]
        check_windows(pool_windows, images(B, C, H, W, seed=100 + seed), kernel_size, stride, padding, pad_value)
