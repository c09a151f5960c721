"""lab2.6 evaluate: (accuracy, mean loss) equal to the reference's, in eval mode, without gradients, and the model
left in eval mode; checked on a probe model with dropout that is handed over in training mode."""

import pytest
import torch
import torch.nn.functional as F

from grader.feedback import expect
from grader.tests.lab2_lenet.digits import heldout_digits
from grader.tests.lab2_lenet.known_mistakes import (
    GRAD_ENABLED,
    LEFT_TRAIN_MODE,
    MEAN_OF_BATCH_MEANS,
    NOT_EVAL_MODE,
    PERCENT,
    PYTHON_FLOAT,
    SUMMED_UPSTREAM,
    matching_number,
)
from grader.tests.lab2_lenet.replies import expect_fields
from solutions.lab2_lenet.harness import ProbeNet

pytestmark = pytest.mark.exercise("lab2.6")


@pytest.fixture(scope="module")
def evaluate_probe(student):
    return student.function("lab2_lenet.harness.evaluate_probe", timeout=20)


def probe_case(count: int, seed: int) -> tuple[torch.Tensor, ...]:
    """Probe weights that classify some digits right (a class-mean template matcher), and `count` held-out digits."""
    images, labels = heldout_digits(count, seed=seed)
    flat = images.flatten(1)  # (N, 784)
    templates = torch.stack([flat[labels == digit].mean(dim=0) for digit in range(10)])  # (10, 784)
    return templates * 0.05, torch.zeros(10), images, labels


def expected_result(weight, bias, images, labels, batch_size: int) -> tuple[float, float, dict[str, float]]:
    """(accuracy, mean loss per example, {hint: what a known mistake reports}) with the model in eval mode."""
    model = ProbeNet(weight, bias, dropout=0.5).eval()
    with torch.no_grad():
        log_probs = model(images)  # (N, 10)
    accuracy = float((log_probs.argmax(dim=1) == labels).float().mean())
    losses = F.nll_loss(log_probs, labels, reduction="none")  # (N,)
    batches = losses.split(batch_size)
    batch_means = [float(chunk.mean()) for chunk in batches]
    summed = sum(float(chunk.sum()) * len(chunk) for chunk in batches) / len(losses)  # nll_loss summing, not averaging
    return accuracy, float(losses.mean()), {MEAN_OF_BATCH_MEANS: sum(batch_means) / len(batch_means),
                                            SUMMED_UPSTREAM: summed}


def check_evaluate(evaluate_probe, count: int, batch_size: int, seed: int) -> None:
    weight, bias, images, labels = probe_case(count, seed)
    reply = expect_fields(evaluate_probe(weight, bias, images, labels, batch_size=batch_size),
                          ("result", "calls", "training_after"), "evaluate_probe")
    expect(not any(call["training"] for call in reply["calls"]), "evaluate ran the model in training mode",
           NOT_EVAL_MODE)
    result = reply["result"]
    expect(type(result) is tuple and len(result) == 2,
           f"evaluate should return a tuple (accuracy, mean loss), got {result!r:.80}")
    expect(all(type(value) is float for value in result),
           f"evaluate should return two floats, got {tuple(type(v).__name__ for v in result)}", PYTHON_FLOAT)
    accuracy, loss = result
    expected_accuracy, expected_loss, loss_mistakes = expected_result(weight, bias, images, labels, batch_size)
    expect(abs(accuracy - expected_accuracy) <= 1e-6,
           f"evaluate's accuracy on {count} digits: expected {expected_accuracy:.4f}, got {accuracy:.4f}",
           matching_number(accuracy, expected_accuracy, {PERCENT: expected_accuracy * 100}, 1e-4))
    expect(abs(loss - expected_loss) <= 1e-5,
           f"evaluate's mean loss on {count} digits: expected {expected_loss:.6f}, got {loss:.6f}",
           matching_number(loss, expected_loss, loss_mistakes, 1e-5))


@pytest.mark.points(2)
def test_accuracy_and_loss(evaluate_probe):
    """200 held-out digits in batches of 50."""
    check_evaluate(evaluate_probe, count=200, batch_size=50, seed=0)


@pytest.mark.points(1)
def test_eval_mode_without_gradients(evaluate_probe):
    """The model comes in training mode: evaluate switches to eval mode, turns gradients off, and stays in eval."""
    weight, bias, images, labels = probe_case(40, seed=1)
    reply = expect_fields(evaluate_probe(weight, bias, images, labels, batch_size=20),
                          ("calls", "training_after"), "evaluate_probe")
    calls = reply["calls"]
    expect(len(calls) == 2, f"expected one forward call per batch (2 batches), got {len(calls)}")
    expect(not any(call["training"] for call in calls), "evaluate ran the model in training mode", NOT_EVAL_MODE)
    expect(not any(call["grad_enabled"] for call in calls), "evaluate ran the model with gradients on",
           GRAD_ENABLED)
    expect(reply["training_after"] is False, "the model was back in training mode after evaluate", LEFT_TRAIN_MODE)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_uneven_last_batch(evaluate_probe):
    """100 digits in batches of 30: the last batch has 10, and the mean loss weights it by its size."""
    check_evaluate(evaluate_probe, count=100, batch_size=30, seed=2)
