"""lab2.2 nll_loss: the mean of -log_probs[b, targets[b]], equal to F.nll_loss, differentiable, from scratch."""

import pytest
import torch
import torch.nn.functional as F

from grader.feedback import assert_tensor_close
from grader.tests.lab2_lenet.forbidden import NLL_OPS
from grader.tests.lab2_lenet.known_mistakes import NLL_SIGN, NLL_SUM, nll_loss_mistakes

pytestmark = pytest.mark.exercise("lab2.2")


@pytest.fixture(scope="module")
def nll_loss(student):
    return student.function("lab2_lenet.lenet.nll_loss", forbidden_ops=NLL_OPS)


def random_batch(B: int, C: int, seed: int, normalised: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """(log_probs (B, C), targets (B,)) from a fixed seed."""
    generator = torch.Generator().manual_seed(seed)
    scores = torch.randn(B, C, generator=generator) * 2
    targets = torch.randint(C, (B,), generator=generator)
    return (torch.log_softmax(scores, dim=1) if normalised else scores), targets


def check_nll(nll_loss, log_probs: torch.Tensor, targets: torch.Tensor, what: str) -> None:
    assert_tensor_close(nll_loss(log_probs, targets), F.nll_loss(log_probs, targets), what=what, atol=1e-5,
                        mistakes=lambda: nll_loss_mistakes(log_probs, targets))


@pytest.mark.points(2)
def test_matches_torch(nll_loss):
    """A batch of 16 log-probability rows over 10 classes."""
    check_nll(nll_loss, *random_batch(16, 10, seed=0), what="nll_loss(log_probs (16, 10), targets (16,))")


@pytest.mark.points(1)
def test_gradient(student):
    """The loss must be differentiable: d loss / d log_probs is -1/B at each target, 0 elsewhere."""
    gradient = student.function("lab2_lenet.harness.nll_loss_gradient", forbidden_ops=NLL_OPS)
    log_probs, targets = random_batch(4, 5, seed=1)
    expected = torch.zeros(4, 5)
    expected[torch.arange(4), targets] = -1 / 4
    assert_tensor_close(gradient(log_probs, targets), expected, what="the gradient of nll_loss w.r.t. log_probs",
                        mistakes={NLL_SUM: expected * 4, NLL_SIGN: -expected})


@pytest.mark.points(1)
def test_perfect_prediction_costs_nothing(nll_loss):
    """Probability 1 on the right class (log-probability 0) gives loss 0; uniform over C classes gives log C."""
    certain = torch.full((3, 4), -30.0)
    targets = torch.tensor([2, 0, 3])
    certain[torch.arange(3), targets] = 0.0
    check_nll(nll_loss, certain, targets, what="nll_loss of certain, right predictions")
    uniform = torch.full((2, 10), -float(torch.log(torch.tensor(10.0))))
    check_nll(nll_loss, uniform, torch.tensor([7, 1]), what="nll_loss of uniform predictions over 10 classes")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_takes_values_as_given(nll_loss):
    """On scores that are not log-probabilities it still just picks and averages, like F.nll_loss."""
    check_nll(nll_loss, *random_batch(6, 10, seed=2, normalised=False), what="nll_loss(raw scores (6, 10), targets)")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_batch_of_one_and_many_classes(nll_loss):
    check_nll(nll_loss, *random_batch(1, 10, seed=3), what="nll_loss on a batch of one")
    check_nll(nll_loss, *random_batch(50, 100, seed=4), what="nll_loss(log_probs (50, 100), targets (50,))")
