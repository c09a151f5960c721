"""lab5.2 Down.forward: max-pool with indices, then DoubleConv; the pooling indices come back for unpooling."""

import pytest
import torch

from grader.feedback import assert_tensor_close, expect
from grader.tests.lab5_unet.cases import images, module_state
from grader.tests.lab5_unet.known_mistakes import NO_INDICES, down_mistakes
from grader.tests.lab5_unet.upstream import blame_earlier_exercise
from solutions.lab5_unet import harness

pytestmark = pytest.mark.exercise("lab5.2")


@pytest.fixture(scope="module")
def forward(student):
    return student.function("lab5_unet.harness.down_forward")


def check_down(student, forward, in_channels: int, out_channels: int, shape: tuple[int, int, int], seed: int) -> None:
    state = module_state("Down", in_channels, out_channels, seed=seed)
    B, H, W = shape
    x = images(B, in_channels, H, W, seed=seed)
    features, indices = harness.down_forward(state, x, in_channels, out_channels)
    what = f"Down({in_channels}, {out_channels}) on x {tuple(x.shape)}"
    with blame_earlier_exercise(student, "Down"):
        got = forward(state, x, in_channels, out_channels)
        expect(type(got) is tuple and len(got) == 2,
               f"{what}: expected a pair (features, indices), got a {type(got).__name__}", NO_INDICES)
        assert_tensor_close(got[0], features, what=f"{what}: features", atol=1e-4,
                            mistakes=lambda: down_mistakes(state, x))
        assert_tensor_close(got[1], indices, what=f"{what}: pooling indices")


@pytest.mark.points(2)
def test_features_and_indices(student, forward):
    """Even sizes: (B, 3, 8, 10) -> features (B, 6, 4, 5) and the indices of pooling x, (B, 3, 4, 5)."""
    check_down(student, forward, 3, 6, (2, 8, 10), seed=1)


@pytest.mark.points(1)
def test_odd_sizes_round_down(student, forward):
    """(1, 2, 9, 7) -> (1, 4, 4, 3): the last row and column are dropped, as nn.MaxPool2d(2) does."""
    check_down(student, forward, 2, 4, (1, 9, 7), seed=2)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_indices_point_into_the_input(student, forward):
    """Each index is the flat position (row * W + column) of the maximum in x, per channel."""
    state = module_state("Down", 1, 2, seed=3)
    x = torch.arange(36, dtype=torch.float32).view(1, 1, 6, 6).flip(-1)  # maxima at the left of every 2x2 block
    _, indices = forward(state, x, 1, 2)
    expected = torch.tensor([[[[6, 8, 10], [18, 20, 22], [30, 32, 34]]]])  # bottom-left of every 2x2 block
    assert_tensor_close(indices, expected, what="Down's indices on a ramp that grows to the left and down")
