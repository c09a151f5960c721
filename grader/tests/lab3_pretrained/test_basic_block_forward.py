"""lab3.6 BasicBlock.forward: with the weights of torchvision's blocks (ResNet-18's, random, no download) loaded
into the student's block, the same output, in eval and in training mode (running statistics included), for odd
sizes, strides and batches."""

import pytest
import torch

from grader.feedback import assert_tensor_close, expect
from grader.tests.lab3_pretrained.blocks import block_size, feature_maps, resnet18_block, torchvision_block
from grader.tests.lab3_pretrained.known_block_mistakes import forward_mistakes
from grader.tests.lab3_pretrained.replies import expect_fields

pytestmark = pytest.mark.exercise("lab3.6")


@pytest.fixture(scope="module")
def block_forward(student):
    return student.function("lab3_pretrained.harness.block_forward", timeout=30)


def check_block(block_forward, block, x: torch.Tensor, training: bool = False) -> None:
    """The student's block with `block`'s weights on x: the output, and after training mode the statistics."""
    in_channels, out_channels, stride = block_size(block)
    what = (f"BasicBlock({in_channels}, {out_channels}, stride={stride}) with given weights on x {tuple(x.shape)} "
            f"in {'training' if training else 'eval'} mode")
    # where the weights do not load, the upstream chain (grader/tests/conftest.py) names lab3.5 first
    reply = expect_fields(block_forward(in_channels, out_channels, stride, block.state_dict(), x, training),
                          ("output", "state_dict"), what)
    mistakes = forward_mistakes(block, x, training)
    block.train(training)
    with torch.no_grad():
        expected = block(x.clone())  # torchvision adds the shortcut in place: x stays the judge's own
    block.eval()
    assert_tensor_close(reply["output"], expected, what=what, atol=1e-4, rtol=1e-4, mistakes=mistakes)
    if training:
        state = reply["state_dict"]
        expect(type(state) is dict, f"{what}: the harness did not return the state_dict")
        for name, tensor in block.state_dict().items():
            expect(name in state, f"{what}: the state_dict lacks {name}")
            assert_tensor_close(state[name], tensor, what=f"{what}: {name} afterwards", atol=1e-5, rtol=1e-5)


@pytest.mark.points(2)
def test_identity_block(block_forward):
    """ResNet-18's layer1.0 (64 -> 64): the shortcut is x itself."""
    check_block(block_forward, resnet18_block("layer1.0"), feature_maps(2, 64, 14, 14, seed=0))


@pytest.mark.points(2)
def test_downsampling_block(block_forward):
    """ResNet-18's layer2.0 (64 -> 128, stride 2) on an odd 15x13 map: the shortcut is the 1x1 strided projection."""
    check_block(block_forward, resnet18_block("layer2.0"), feature_maps(2, 64, 15, 13, seed=1))


@pytest.mark.points(1)
def test_training_mode(block_forward):
    """ResNet-18's layer3.0 in training mode: batch statistics, and the running ones updated, as torchvision's."""
    check_block(block_forward, resnet18_block("layer3.0"), feature_maps(4, 128, 8, 8, seed=2), training=True)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_other_sizes(block_forward):
    """Blocks that change only the channels (3 -> 5) or only the size (stride 2, 6 channels), batches of 1 and 3."""
    check_block(block_forward, torchvision_block(3, 5, 1, seed=3), feature_maps(3, 3, 9, 7, seed=3))
    check_block(block_forward, torchvision_block(6, 6, 2, seed=4), feature_maps(1, 6, 11, 10, seed=4), training=True)
