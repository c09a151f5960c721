"""lab5.4 Up.forward: upsample (unpool with the encoder's indices, or transposed convolution), match the skip's
size (odd sizes too), concatenate [skip, x] on the channels, convolve. The judge also looks at what reaches
`conv`, so a concatenation in the wrong order or dimension, or unpooling without the indices, is named."""

import pytest
import torch
import torch.nn.functional as F

from grader.feedback import assert_tensor_close, expect
from grader.tests.lab5_unet.cases import images, module_state
from grader.tests.lab5_unet.known_mistakes import concatenation_mistakes, upsampled
from grader.tests.lab5_unet.upstream import blame_earlier_exercise
from solutions.lab5_unet import harness

pytestmark = pytest.mark.exercise("lab5.4")


def up_case(in_channels: int, out_channels: int, mode: str, H: int, W: int, seed: int):
    """Random weights for the reference's Up, x from the level below, the skip, and the indices of pooling it."""
    state = module_state("Up", in_channels, out_channels, mode, seed=seed)
    skip = images(2, out_channels, H, W, seed=seed)
    _, indices = F.max_pool2d(skip, 2, return_indices=True)  # (2, out, H // 2, W // 2)
    x = images(2, in_channels, H // 2, W // 2, seed=seed + 1)
    return state, x, skip, indices


def check_output(student, mode: str, H: int, W: int, seed: int) -> None:
    state, x, skip, indices = up_case(8, 4, mode, H, W, seed)
    expected = harness.up_forward(state, x, skip, indices, 8, 4, mode)
    what = f"Up(8, 4, {mode!r}) with x {tuple(x.shape)} and skip {tuple(skip.shape)}"
    with blame_earlier_exercise(student, "Up.forward"):
        check_concatenation(student, state, (x, skip, indices, 8, 4, mode), what)
        got = student.function("lab5_unet.harness.up_forward")(state, x, skip, indices, 8, 4, mode)
        assert_tensor_close(got, expected, what=what, atol=1e-4)


def check_concatenation(student, state, arguments: tuple, what: str) -> None:
    """What the student's Up hands to its conv: [skip, upsampled x] on the channels.

    arguments: (x, skip, indices, in_channels, out_channels, up_mode) as up_concatenation takes them."""
    x, skip, indices, mode = *arguments[:3], arguments[5]
    got = student.function("lab5_unet.harness.up_concatenation")(state, *arguments)
    expect(got is not None, f"{what}: Up.forward never called self.conv",
           "after the concatenation, return self.conv(torch.cat([skip, x], dim=1))")
    expected = torch.cat([skip, upsampled(state, mode, x, skip, indices)], dim=1)
    assert_tensor_close(got, expected, what=f"{what}: the input of self.conv", atol=1e-4,
                        mistakes=lambda: concatenation_mistakes(state, mode, x, skip, indices))


@pytest.mark.points(2)
def test_transpose(student):
    """x (2, 8, 4, 5), skip (2, 4, 8, 10): transposed convolution doubles x, then [skip, x], then DoubleConv."""
    check_output(student, "transpose", 8, 10, seed=1)


@pytest.mark.points(2)
def test_unpool(student):
    """The same sizes, unpooling with the indices of pooling the skip."""
    check_output(student, "unpool", 8, 10, seed=2)


@pytest.mark.points(2)
def test_unpooling_restores_values_to_the_pooled_positions(student):
    """With `reduce` the identity, the upsampled half of conv's input holds x's values exactly where the skip had
    its 2x2 maxima, and zeros everywhere else."""
    state, x, skip, indices = up_case(4, 4, "unpool", 6, 8, seed=3)
    identity = torch.eye(4)[:, :, None, None]  # (4, 4, 1, 1)
    state = {**state, "reduce.weight": identity, "reduce.bias": torch.zeros(4)}
    got = student.function("lab5_unet.harness.up_concatenation")(state, x, skip, indices, 4, 4, "unpool")
    expect(got is not None, "Up.forward never called self.conv",
           "after the concatenation, return self.conv(torch.cat([skip, x], dim=1))")
    placed = torch.zeros(2, 4, 6 * 8).scatter_(2, indices.flatten(2), x.flatten(2)).view(2, 4, 6, 8)
    with blame_earlier_exercise(student, "Up.forward"):
        assert_tensor_close(got, torch.cat([skip, placed], dim=1), atol=1e-6,
                            what="the input of self.conv (skip, then x unpooled to the maxima's positions)",
                            mistakes=lambda: concatenation_mistakes(state, "unpool", x, skip, indices))


@pytest.mark.points(1)
def test_odd_sizes_transpose(student):
    """skip (2, 4, 9, 11), x (2, 8, 4, 5): the doubled x is 8 x 10; pad a row at the bottom, a column at the right."""
    check_output(student, "transpose", 9, 11, seed=4)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_odd_sizes_unpool(student):
    """skip (2, 4, 9, 11): unpool straight to the skip's size with output_size."""
    check_output(student, "unpool", 9, 11, seed=5)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_one_pixel_to_two(student):
    """The smallest level: x (2, 8, 1, 1) and skip (2, 4, 2, 3), in both modes."""
    check_output(student, "transpose", 2, 3, seed=6)
    check_output(student, "unpool", 2, 3, seed=7)
