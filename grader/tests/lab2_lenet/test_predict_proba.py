"""lab2.7 predict_proba: exp() of the model's log-probabilities, in eval mode, without gradients."""

import pytest
import torch

from grader.feedback import assert_tensor_close, expect
from grader.tests.lab2_lenet.digits import heldout_digits
from grader.tests.lab2_lenet.known_mistakes import GRAD_ENABLED, LOG_PROBS_RETURNED, NOT_EVAL_MODE
from grader.tests.lab2_lenet.replies import expect_fields
from solutions.lab2_lenet.harness import ProbeNet

pytestmark = pytest.mark.exercise("lab2.7")


@pytest.fixture(scope="module")
def predict_probe(student):
    return student.function("lab2_lenet.harness.predict_probe", timeout=20)


def probe_case(count: int, seed: int) -> tuple[torch.Tensor, ...]:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(10, 784, generator=generator) * 0.05, torch.randn(10, generator=generator), \
        heldout_digits(count, seed=seed)[0]


@pytest.mark.points(2)
def test_probabilities(predict_probe):
    """20 digits: (20, 10) float32 probabilities, each row summing to 1, from the model in eval mode."""
    weight, bias, images = probe_case(20, seed=0)
    reply = expect_fields(predict_probe(weight, bias, images), ("probabilities", "calls"), "predict_probe")
    expect(not any(call["training"] for call in reply["calls"]), "predict_proba ran the model in training mode",
           NOT_EVAL_MODE)
    with torch.no_grad():
        log_probs = ProbeNet(weight, bias, dropout=0.5).eval()(images)  # (20, 10)
    assert_tensor_close(reply["probabilities"], log_probs.exp(), what="predict_proba on 20 digits", atol=1e-6,
                        mistakes={LOG_PROBS_RETURNED: log_probs})


@pytest.mark.hidden
@pytest.mark.points(1)
def test_no_gradients(predict_probe):
    weight, bias, images = probe_case(5, seed=1)
    reply = expect_fields(predict_probe(weight, bias, images), ("calls",), "predict_probe")
    expect(len(reply["calls"]) >= 1, "predict_proba never called the model")
    expect(not any(call["grad_enabled"] for call in reply["calls"]), "predict_proba ran the model with gradients on",
           GRAD_ENABLED)
