"""lab1.1 pad2d: every mode and padding form against the reference, which equals torch.nn.functional.pad."""

import pytest
import torch

from grader.feedback import assert_tensor_close
from grader.tests.lab1_convolution.forbidden import PAD_OPS
from grader.tests.lab1_convolution.known_mistakes import pad2d_mistakes
from solutions.lab1_convolution.convolution import pad2d as reference_pad2d

pytestmark = pytest.mark.exercise("lab1.1")

MODES = ("zeros", "ones", "reflect", "replicate")


@pytest.fixture(scope="module")
def pad2d(student):
    return student.function("lab1_convolution.convolution.pad2d", forbidden_ops=PAD_OPS)


def random_images(shape: tuple[int, ...], seed: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def check_pad(pad2d, x: torch.Tensor, padding, mode: str) -> None:
    """Compare the student's pad2d(x, padding, mode) with the reference."""
    expected = reference_pad2d(x, padding, mode)
    got = pad2d(x, padding, mode)
    assert_tensor_close(
        got,
        expected,
        what=f"pad2d(x of shape {tuple(x.shape)}, padding={padding}, mode={mode!r})",
        atol=0,
        rtol=0,
        mistakes=lambda: pad2d_mistakes(x, padding, mode),
    )


@pytest.mark.points(1)
def test_zeros_with_int_padding(pad2d):
    """padding=2 adds two zero rows/columns on every side; the default mode is zeros."""
    x = random_images((2, 3, 5, 6), seed=0)
    expected = reference_pad2d(x, 2)
    assert_tensor_close(
        pad2d(x, 2),
        expected,
        what="pad2d(x of shape (2, 3, 5, 6), 2)",
        atol=0,
        rtol=0,
        mistakes=lambda: pad2d_mistakes(x, 2, "zeros"),
    )


@pytest.mark.points(1)
@pytest.mark.parametrize("mode", MODES)
def test_each_mode_with_per_side_padding(pad2d, mode):
    """(top, bottom, left, right) = (1, 2, 3, 0): every side different, so the order shows."""
    check_pad(pad2d, random_images((1, 2, 5, 7), seed=1), (1, 2, 3, 0), mode)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_any_leading_dims_and_dtype(pad2d):
    """Works on (H, W) and (B, T, C, H, W) tensors, and keeps float64."""
    check_pad(pad2d, random_images((4, 5), seed=2, dtype=torch.float64), (2, 1, 0, 3), "reflect")
    check_pad(pad2d, random_images((2, 1, 3, 4, 4), seed=3, dtype=torch.float64), 1, "replicate")


@pytest.mark.hidden
@pytest.mark.points(1)
@pytest.mark.parametrize("mode", ["reflect", "replicate"])
def test_sweep_shapes_and_paddings(pad2d, mode):
    """Many shapes and paddings, including padding as large as reflect allows (size - 1)."""
    for seed, (H, W) in enumerate([(1, 1), (2, 3), (6, 4), (9, 9)]):
        x = random_images((2, 2, H, W), seed=10 + seed)
        for padding in [(0, 0, 0, 0), (H - 1, 0, W - 1, 0), (0, H - 1, 0, W - 1), (H - 1, H - 1, W - 1, W - 1)]:
            check_pad(pad2d, x, padding, mode)
        if mode == "replicate":
            check_pad(pad2d, x, (H + 2, 1, 0, W + 3), mode)
