"""lab3.5 BasicBlock.__init__: torchvision's names and shapes, the identity shortcut where the shape stays and the
1x1 strided projection where it changes (stride, channels or both), none in the plain block; and each convolution's
kernel size, stride, padding and dilation (which the shapes do not show: a stride in conv2 instead of conv1)."""

import pytest
from torch import nn

from grader.feedback import GradingFailure, expect
from grader.tests.lab3_pretrained.blocks import (
    block_size,
    convolutions,
    resnet18_block,
    state_shapes,
    torchvision_block,
)
from grader.tests.lab3_pretrained.known_block_mistakes import STRIDE_IN_CONV1, state_mistake
from grader.tests.lab3_pretrained.replies import HARNESS_HINT

pytestmark = pytest.mark.exercise("lab3.5")


@pytest.fixture(scope="module")
def block_state_shapes(student):
    return student.function("lab3_pretrained.harness.block_state_shapes", timeout=30)


@pytest.fixture(scope="module")
def block_convolutions(student):
    return student.function("lab3_pretrained.harness.block_convolutions", timeout=30)


def check_convolutions(block_convolutions, expected: nn.Module) -> None:
    """Each convolution of the student's block has the kernel size, stride, padding and dilation of `expected`'s."""
    in_channels, out_channels, stride = block_size(expected)
    got = block_convolutions(in_channels, out_channels, stride)
    what = f"BasicBlock({in_channels}, {out_channels}, stride={stride})"
    expect(type(got) is dict, f"{what}: expected a dict of name -> settings, got a {type(got).__name__}",
           HARNESS_HINT)
    wrong = [f"{name}.{setting}: expected {value}, got {got.get(name, {}).get(setting)}"
             for name, settings in convolutions(expected).items() for setting, value in settings.items()
             if got.get(name, {}).get(setting) != value]
    expect(not wrong, f"{what}: {'; '.join(wrong)}", STRIDE_IN_CONV1)


def check_state(block_state_shapes, expected: dict[str, list[int]], in_channels: int, out_channels: int,
                stride: int, skip: bool = True) -> None:
    """Same names, same shapes, as `expected`; a known mistake is named."""
    what = f"BasicBlock({in_channels}, {out_channels}, stride={stride}{'' if skip else ', skip=False'}).state_dict()"
    got = block_state_shapes(in_channels, out_channels, stride, skip)
    expect(type(got) is dict, f"{what}: expected a dict of name -> shape, got a {type(got).__name__}", HARNESS_HINT)
    if got == expected:
        return
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    wrong = [f"{name}: expected {shape}, got {got[name]}" for name, shape in expected.items()
             if name in got and got[name] != shape]
    raise GradingFailure(f"{what}: missing {missing}, unexpected {extra}, wrong shapes {wrong}",
                         state_mistake(got, expected, skip))


@pytest.mark.points(1)
def test_identity_block(block_state_shapes):
    """ResNet-18's layer1.0 (64 -> 64, stride 1): two 3x3 convolutions without bias, two batch norms, no projection."""
    expected = resnet18_block("layer1.0")
    check_state(block_state_shapes, state_shapes(expected), *block_size(expected))


@pytest.mark.points(2)
def test_projection_where_the_shape_changes(block_state_shapes, block_convolutions):
    """ResNet-18's layer2.0 (64 -> 128, stride 2), and blocks that change only the channels or only the size; where
    the block strides: conv1 and the projection, not conv2 (3x3 convolutions with padding 1)."""
    for expected in (resnet18_block("layer2.0"), torchvision_block(32, 48, 1), torchvision_block(16, 16, 2)):
        check_state(block_state_shapes, state_shapes(expected), *block_size(expected))
        check_convolutions(block_convolutions, expected)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_plain_block_has_no_projection(block_state_shapes):
    """skip=False: the same two convolutions and batch norms, and no downsample, even where the shape changes."""
    expected = {name: shape for name, shape in state_shapes(torchvision_block(8, 12, 2)).items()
                if not name.startswith("downsample.")}
    check_state(block_state_shapes, expected, 8, 12, 2, skip=False)
