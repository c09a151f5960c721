"""lab5.1 DoubleConv: six modules in the documented order (weights load by position), and the same output as the
reference with random weights and batch-norm statistics, in eval mode."""

import pytest

from grader.feedback import assert_tensor_close
from grader.tests.lab5_unet.cases import images, module_state
from grader.tests.lab5_unet.known_mistakes import CONV_BIAS, NOT_SEQUENTIAL_ORDER, double_conv_mistakes
from grader.tests.lab5_unet.replies import check_shapes
from solutions.lab5_unet import harness

pytestmark = pytest.mark.exercise("lab5.1")


@pytest.fixture(scope="module")
def forward(student):
    return student.function("lab5_unet.harness.double_conv_forward")


def check_forward(forward, in_channels: int, out_channels: int, shape: tuple[int, int, int], seed: int) -> None:
    state = module_state("DoubleConv", in_channels, out_channels, seed=seed)
    B, H, W = shape
    x = images(B, in_channels, H, W, seed=seed)
    expected = harness.double_conv_forward(state, x, in_channels, out_channels)
    assert_tensor_close(forward(state, x, in_channels, out_channels), expected, atol=1e-4,
                        what=f"DoubleConv({in_channels}, {out_channels}) on x {tuple(x.shape)}",
                        mistakes=lambda: double_conv_mistakes(state, x))


@pytest.mark.points(1)
def test_layers(student):
    """DoubleConv(3, 8): conv weight (8, 3, 3, 3), no bias, batch norm, ReLU, twice; nothing else."""
    shapes = student.function("lab5_unet.harness.module_shapes")
    hints = {"0.bias": CONV_BIAS, "3.bias": CONV_BIAS, "conv1.weight": NOT_SEQUENTIAL_ORDER,
             "2.weight": NOT_SEQUENTIAL_ORDER}
    check_shapes(shapes("DoubleConv", 3, 8), harness.module_shapes("DoubleConv", 3, 8), what="DoubleConv(3, 8)",
                 hints=hints)


@pytest.mark.points(2)
def test_forward_matches_reference(forward):
    """Random weights and running statistics: conv, BN, ReLU, conv, BN, ReLU; H and W stay the same."""
    check_forward(forward, 3, 8, (2, 10, 12), seed=1)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_odd_sizes_and_one_channel(forward):
    check_forward(forward, 1, 4, (1, 7, 9), seed=2)
