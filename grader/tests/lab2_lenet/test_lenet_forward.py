"""lab2.4 LeNet.forward: the reference architecture's output for given weights, as log-probabilities."""

import pytest
import torch

from grader.feedback import assert_tensor_close, expect
from grader.tests.lab2_lenet.digits import heldout_digits
from grader.tests.lab2_lenet.known_mistakes import PROBABILITIES, RAW_LOGITS, lenet_forward_mistakes
from solutions.lab2_lenet.lenet import LeNet

pytestmark = pytest.mark.exercise("lab2.4")


@pytest.fixture(scope="module")
def lenet_forward(student):
    return student.function("lab2_lenet.harness.lenet_forward", timeout=20)


def reference_model(seed: int) -> LeNet:
    torch.manual_seed(seed)
    return LeNet().eval()


def check_forward(lenet_forward, images: torch.Tensor, seed: int) -> None:
    """The student's forward with the reference's (seeded) weights must give the reference's output."""
    model = reference_model(seed)
    with torch.no_grad():
        expected = model(images)
    got = lenet_forward(images, state_dict=model.state_dict())
    assert_tensor_close(got, expected, what=f"LeNet.forward on {len(images)} digits with given weights",
                        atol=1e-4, rtol=1e-4, mistakes=lambda: lenet_forward_mistakes(model, images))


@pytest.mark.points(3)
def test_matches_reference(lenet_forward):
    """16 real digits through the reference weights."""
    check_forward(lenet_forward, heldout_digits(20)[0][:16], seed=0)


@pytest.mark.points(1)
def test_outputs_log_probabilities(lenet_forward):
    """With your own initial weights: (B, 10) float32 rows whose exp() sums to 1 (logsumexp 0)."""
    images = heldout_digits(10)[0]
    got = lenet_forward(images, seed=1)
    expect(type(got) is torch.Tensor and tuple(got.shape) == (10, 10) and got.dtype == torch.float32,
           f"LeNet output: expected a float32 tensor of shape (10, 10), got "
           f"{type(got).__name__} {tuple(getattr(got, 'shape', ()))} {getattr(got, 'dtype', '')}")
    log_sums = torch.logsumexp(got, dim=1)  # (10,): 0 for log-probabilities
    hint = PROBABILITIES if torch.allclose(got.sum(dim=1), torch.ones(10), atol=1e-4) else RAW_LOGITS
    expect(bool(torch.allclose(log_sums, torch.zeros(10), atol=1e-4)),
           f"LeNet output rows are not log-probabilities: their logsumexp should be 0, got "
           f"{[round(v, 4) for v in log_sums[:3].tolist()]} for the first three", hint)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_batch_of_one_and_odd_batch(lenet_forward):
    """Flatten per example: a batch of 1 and a batch of 7 work like any other."""
    images = heldout_digits(10, seed=1)[0]
    check_forward(lenet_forward, images[:1], seed=2)
    check_forward(lenet_forward, images[:7], seed=3)
