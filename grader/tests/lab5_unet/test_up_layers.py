"""lab5.3 Up.__init__: the layers of both upsampling variants, with the names and shapes of the docstring."""

import pytest

from grader.tests.lab5_unet.replies import check_shapes
from solutions.lab5_unet import harness

pytestmark = pytest.mark.exercise("lab5.3")

TRANSPOSE_HINTS = {
    "reduce.weight": "up_mode='transpose' needs only `up`, an nn.ConvTranspose2d(in, out, kernel_size=2, stride=2)",
    "up.bias": None,
}
UNPOOL_HINTS = {
    "reduce.weight": "up_mode='unpool' first matches the skip's channels: reduce = nn.Conv2d(in, out, kernel_size=1)",
    "up.weight": "up_mode='unpool' has no transposed convolution: `reduce` (1x1 conv) and `unpool` (MaxUnpool2d)",
}
CONV_HINT = "conv = DoubleConv(2 * out_channels, out_channels): it convolves the concatenation [skip, x]"


@pytest.fixture(scope="module")
def shapes(student):
    return student.function("lab5_unet.harness.module_shapes")


def check_up(shapes, in_channels: int, out_channels: int, mode: str, hints: dict) -> None:
    expected = harness.module_shapes("Up", in_channels, out_channels, mode)
    check_shapes(shapes("Up", in_channels, out_channels, mode), expected,
                 what=f"Up({in_channels}, {out_channels}, up_mode={mode!r})",
                 hints={**{name: hint for name, hint in hints.items() if hint}, "conv.0.weight": CONV_HINT})


@pytest.mark.points(2)
def test_transpose_layers(shapes):
    """up: ConvTranspose2d(16, 8, 2, stride=2), weight (16, 8, 2, 2); conv: DoubleConv(16, 8)."""
    check_up(shapes, 16, 8, "transpose", TRANSPOSE_HINTS)


@pytest.mark.points(2)
def test_unpool_layers(shapes):
    """reduce: Conv2d(16, 8, 1), weight (8, 16, 1, 1); unpool has no weights; conv: DoubleConv(16, 8)."""
    check_up(shapes, 16, 8, "unpool", UNPOOL_HINTS)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_other_channel_counts(shapes):
    """in_channels is not always 2 * out_channels: Up(12, 5) in both modes."""
    check_up(shapes, 12, 5, "transpose", TRANSPOSE_HINTS)
    check_up(shapes, 12, 5, "unpool", UNPOOL_HINTS)
