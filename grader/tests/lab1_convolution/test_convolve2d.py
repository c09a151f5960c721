"""lab1.4 convolve2d: true convolution (flipped kernel), equal to scipy.signal.convolve2d(mode="valid") (the
reference's agreement with scipy is checked by the project's tests: importing scipy.signal here would cost every
grading 1.4 s)."""

import pytest
import torch

from grader.feedback import assert_tensor_close, expect
from grader.tests.lab1_convolution.forbidden import CONV_OPS, PAD_OPS
from grader.tests.lab1_convolution.known_mistakes import NOT_FLIPPED, convolve2d_mistakes
from grader.tests.lab1_convolution.upstream import blame_earlier_exercise
from solutions.lab1_convolution.convolution import convolve2d as reference_convolve2d

pytestmark = pytest.mark.exercise("lab1.4")


@pytest.fixture(scope="module")
def convolve2d(student):
    return student.function("lab1_convolution.convolution.convolve2d", forbidden_ops=CONV_OPS + PAD_OPS)


def random_pair(H: int, W: int, kH: int, kW: int, seed: int, dtype=torch.float32) -> tuple:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(H, W, generator=generator, dtype=dtype), torch.randn(kH, kW, generator=generator, dtype=dtype)


def check_convolve(student, convolve2d, image: torch.Tensor, kernel: torch.Tensor, atol: float = 1e-4) -> None:
    """Compare with the reference (which equals scipy.signal.convolve2d: tests/test_reference_convolve2d.py)."""
    expected = reference_convolve2d(image, kernel)
    with blame_earlier_exercise(student, "convolve2d", given=(image, kernel)):
        got = convolve2d(image, kernel)
        assert_tensor_close(
            got,
            expected,
            atol=atol,
            rtol=1e-4,
            what=f"convolve2d(image {tuple(image.shape)}, kernel {tuple(kernel.shape)})",
            mistakes=lambda: convolve2d_mistakes(image, kernel),
        )


@pytest.mark.points(1)
@pytest.mark.parametrize(("H", "W", "kH", "kW"), [(6, 6, 3, 3), (7, 9, 2, 4)], ids=["square", "rectangular"])
def test_matches_scipy(student, convolve2d, H, W, kH, kW):
    check_convolve(student, convolve2d, *random_pair(H, W, kH, kW, seed=H * W))


@pytest.mark.points(2)
def test_differs_from_cross_correlation(student, convolve2d):
    """With an asymmetric kernel, convolution and cross-correlation (conv2d) give different images."""
    image = torch.tensor(
        [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]], dtype=torch.float32
    )
    kernel = torch.tensor([[0, 1, 2], [2, 2, 0], [0, 1, 2]], dtype=torch.float32)
    got = convolve2d(image, kernel)
    correlation = convolve2d_mistakes(image, kernel)[NOT_FLIPPED]
    expect(
        not (isinstance(got, torch.Tensor) and got.shape == correlation.shape and torch.equal(got, correlation)),
        "convolve2d returned the cross-correlation [[12, 12, 17], [10, 17, 19], [9, 6, 14]] of the slide's example",
        hint=NOT_FLIPPED,
    )
    check_convolve(student, convolve2d, image, kernel)


@pytest.mark.hidden
@pytest.mark.points(2)
def test_sweep_float64(student, convolve2d):
    """Many image/kernel sizes in float64, down to a kernel as large as the image."""
    for seed, (H, W, kH, kW) in enumerate([(5, 5, 5, 5), (8, 3, 3, 3), (10, 12, 1, 4), (16, 9, 5, 2), (4, 7, 4, 1)]):
        image, kernel = random_pair(H, W, kH, kW, seed=50 + seed, dtype=torch.float64)
        check_convolve(student, convolve2d, image, kernel, atol=1e-10)
