"""lab2.1 log_softmax: equal to torch.log_softmax on ordinary and extreme logits, along any dim, from scratch."""

import pytest
import torch

from grader.feedback import assert_tensor_close, expect
from grader.tests.lab2_lenet.forbidden import SOFTMAX_OPS
from grader.tests.lab2_lenet.known_mistakes import NOT_STABLE, log_softmax_mistakes

pytestmark = pytest.mark.exercise("lab2.1")


@pytest.fixture(scope="module")
def log_softmax(student):
    return student.function("lab2_lenet.lenet.log_softmax", forbidden_ops=SOFTMAX_OPS)


def check_log_softmax(log_softmax, logits: torch.Tensor, dim: int = -1, atol: float = 1e-5) -> None:
    """Compare the student's log_softmax with torch's, naming overflow and the usual mistakes."""
    got = log_softmax(logits, dim=dim)
    what = f"log_softmax(logits of shape {tuple(logits.shape)}, dim={dim})"
    if type(got) is torch.Tensor and got.is_floating_point():
        expect(bool(torch.isfinite(got).all()), f"{what}: got inf or nan values", NOT_STABLE)
    assert_tensor_close(got, torch.log_softmax(logits, dim), what=what, atol=atol, rtol=1e-5,
                        mistakes=lambda: log_softmax_mistakes(logits, dim % logits.ndim))


@pytest.mark.points(2)
def test_matches_torch(log_softmax):
    """A batch of 8 rows of 10 class scores."""
    logits = torch.randn(8, 10, generator=torch.Generator().manual_seed(0)) * 3
    check_log_softmax(log_softmax, logits)


@pytest.mark.points(2)
def test_extreme_logits_stay_finite(log_softmax):
    """Scores of +-1000: exp(1000) overflows, so only the max-subtracted form gives finite, right answers."""
    logits = torch.tensor([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -999.0], [1000.0, 1000.0, 1000.0]])
    check_log_softmax(log_softmax, logits)


@pytest.mark.points(1)
def test_rows_exponentiate_to_one(log_softmax):
    """exp(log_softmax) is a probability distribution per row."""
    logits = torch.randn(5, 10, generator=torch.Generator().manual_seed(1)) * 10
    got = log_softmax(logits)
    assert_tensor_close(got, torch.log_softmax(logits, -1), what="log_softmax of 5 rows", atol=1e-5,
                        mistakes=lambda: log_softmax_mistakes(logits, 1))
    assert_tensor_close(got.exp().sum(dim=1), torch.ones(5), what="exp(log_softmax(z)).sum(dim=1)", atol=1e-5)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_other_dim(log_softmax):
    """dim=0 on a (10, 4) tensor and dim=1 on a (2, 10, 3) tensor: normalise along the dim asked for."""
    generator = torch.Generator().manual_seed(2)
    check_log_softmax(log_softmax, torch.randn(10, 4, generator=generator), dim=0)
    check_log_softmax(log_softmax, torch.randn(2, 10, 3, generator=generator), dim=1)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_float64(log_softmax):
    """Keeps the input's dtype, to float64 precision."""
    logits = torch.randn(4, 7, generator=torch.Generator().manual_seed(3), dtype=torch.float64) * 50
    check_log_softmax(log_softmax, logits, atol=1e-12)
