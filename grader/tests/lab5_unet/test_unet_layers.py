"""lab5.5 UNet.__init__: the modules of the table (inc, down1-4, up1-4, head) with the right shapes, and the
parameter counts that follow, for both decoders."""

import math

import pytest

from grader.feedback import assert_value_equal
from grader.tests.lab5_unet.replies import check_shapes
from solutions.lab5_unet import harness

pytestmark = pytest.mark.exercise("lab5.5")

BATCH_NORM_STATISTICS = ("running_mean", "running_var", "num_batches_tracked")
HINTS = {
    "down5.pool": "four Down levels (down1-down4) and four Up levels (up1-up4), no more",
    "outc.weight": "the last layer is called head: nn.Conv2d(base_channels, num_classes, kernel_size=1)",
    "head.bias": None,
}


def check_unet(student, base_channels: int, mode: str, in_channels: int = 1, num_classes: int = 11) -> None:
    shapes = student.function("lab5_unet.harness.parameter_shapes")
    what = f"UNet(in_channels={in_channels}, num_classes={num_classes}, base_channels={base_channels}, {mode!r})"
    check_shapes(shapes(base_channels, mode, in_channels, num_classes),
                 harness.parameter_shapes(base_channels, mode, in_channels, num_classes), what=what,
                 hints={name: hint for name, hint in HINTS.items() if hint})


@pytest.mark.points(2)
def test_transpose_layers(student):
    check_unet(student, 4, "transpose")


@pytest.mark.points(1)
def test_unpool_layers(student):
    check_unet(student, 4, "unpool")


def trainable_values(shapes: dict[str, list[int]]) -> int:
    """Values in the weights and biases of a state_dict's shapes (batch-norm statistics are not trained)."""
    return sum(math.prod(shape) for name, shape in shapes.items() if not name.endswith(BATCH_NORM_STATISTICS))


@pytest.mark.points(1)
@pytest.mark.parametrize("mode", ["transpose", "unpool"])
def test_parameter_count(student, mode):
    """base_channels=8: about half a million trainable values; the unpooling decoder has fewer."""
    count = student.function("lab5_unet.harness.parameter_count")
    assert_value_equal(count(8, mode), trainable_values(harness.parameter_shapes(8, mode)),
                       what=f"the number of trainable parameters of UNet(1, 11, 8, {mode!r})",
                       hint="follow the table in UNet's docstring: channels double at every level down")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_other_channels_and_classes(student):
    """RGB input and 3 classes: in_channels and num_classes reach inc and head."""
    check_unet(student, 6, "transpose", in_channels=3, num_classes=3)
