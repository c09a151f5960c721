"""lab2.5 train_one_epoch: the same SGD updates and epoch loss as the reference on a probe model, training mode,
and a short real training run whose weights the judge scores itself on held-out digits."""

import secrets

import pytest
import torch

from grader.feedback import assert_tensor_close, expect
from grader.tests.lab2_lenet.digits import heldout_digits, training_digits
from grader.tests.lab2_lenet.known_mistakes import (
    NO_UPDATE,
    NO_ZERO_GRAD,
    NOT_TRAIN_MODE,
    PYTHON_FLOAT,
    SUMMED_UPSTREAM,
    matching_number,
    mean_loss_mistakes,
    sgd_epoch,
)
from grader.tests.lab2_lenet.replies import expect_fields
from solutions.lab2_lenet.lenet import LeNet

pytestmark = pytest.mark.exercise("lab2.5")

LR = 0.05
TRAINING_RUN = {"epochs": 5, "batch_size": 64, "lr": 2e-3, "seed": 0}  # 315 Adam steps on 4,000 digits
TRAINING_RUN_ACCURACY = 0.94  # the reference reaches 0.96-0.97 on the 1,000 held-out digits (seeds 0-4)


@pytest.fixture(scope="module")
def train_probe(student):
    return student.function("lab2_lenet.harness.train_probe_one_epoch", timeout=20)


def probe_case(count: int, seed: int) -> tuple[torch.Tensor, ...]:
    """Small random probe weights and `count` real training digits."""
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(10, 784, generator=generator) * 0.01
    bias = torch.zeros(10)
    return (weight, bias, *training_digits(count, seed=seed))


def check_epoch(train_probe, count: int, batch_size: int, seed: int) -> None:
    """New weights and the returned mean loss against the reference epoch."""
    weight, bias, images, labels = probe_case(count, seed)
    got = expect_fields(train_probe(weight, bias, images, labels, batch_size=batch_size, lr=LR),
                        ("weight", "bias", "mean_loss"), "train_probe_one_epoch")
    expected_weight, expected_bias, batch_losses = sgd_epoch(weight, bias, images, labels, batch_size, LR)
    what = f"weights after one SGD epoch ({count} digits, batches of {batch_size})"

    def mistakes() -> dict[str, torch.Tensor]:
        return {NO_UPDATE: weight,
                NO_ZERO_GRAD: sgd_epoch(weight, bias, images, labels, batch_size, LR, zero_grad=False)[0],
                SUMMED_UPSTREAM: sgd_epoch(weight, bias, images, labels, batch_size, LR, reduction="sum")[0]}

    assert_tensor_close(got["weight"], expected_weight, what=what, atol=1e-5, mistakes=mistakes)
    assert_tensor_close(got["bias"], expected_bias, what=what.replace("weights", "biases"), atol=1e-5)
    mean_loss = got["mean_loss"]
    expect(type(mean_loss) is float, f"train_one_epoch returned a {type(mean_loss).__name__}, not a float",
           PYTHON_FLOAT)
    expected_loss = sum(loss * size for loss, size in batch_losses) / count
    expect(abs(mean_loss - expected_loss) <= 1e-5,
           f"train_one_epoch's mean loss: expected {expected_loss:.6f}, got {mean_loss:.6f}",
           matching_number(mean_loss, expected_loss, mean_loss_mistakes(batch_losses), 1e-5))


@pytest.mark.points(2)
def test_sgd_updates(train_probe):
    """100 digits in 4 batches of 25: zero_grad, loss, backward, step per batch."""
    check_epoch(train_probe, count=100, batch_size=25, seed=0)


@pytest.mark.points(1)
def test_training_mode(train_probe):
    """The model comes in eval mode (as evaluate() leaves it): train_one_epoch must switch it to training mode."""
    weight, bias, images, labels = probe_case(40, seed=1)
    reply = train_probe(weight, bias, images, labels, batch_size=20, lr=LR)
    calls = expect_fields(reply, ("calls",), "train_probe_one_epoch")["calls"]
    expect(len(calls) == 2, f"expected one forward call per batch (2 batches), got {len(calls)}")
    expect(all(call["training"] for call in calls), "the model ran in eval mode during training", NOT_TRAIN_MODE)
    expect(all(call["grad_enabled"] for call in calls), "gradients were disabled during training",
           "do not wrap the training loop in torch.no_grad(): backward() needs the graph")


def fresh_relabelling() -> torch.Tensor:
    """A random permutation of the 10 classes, never the identity, new at every grading: digit d is called
    relabel[d] in this run, so only weights trained on this run's labels can score."""
    generator = torch.Generator().manual_seed(secrets.randbits(63))
    while True:
        relabel = torch.randperm(10, generator=generator)
        if not torch.equal(relabel, torch.arange(10)):
            return relabel


def judge_accuracy(state_dict: dict, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Accuracy of the student's weights, loaded into the judge's own LeNet, in eval mode."""
    model = LeNet()
    try:
        model.load_state_dict(state_dict)
    except (RuntimeError, TypeError, KeyError, AttributeError) as error:
        expect(False, f"the trained weights do not fit the reference LeNet: {error}",
               "keep the layer names and shapes of the LeNet docstring")
    model.eval()
    with torch.no_grad():
        return float((model(images).argmax(dim=1) == labels).float().mean())


@pytest.mark.points(4)
def test_short_training_run_learns_digits(student):
    """5 epochs of Adam on the 4,000 training digits with your LeNet and train_one_epoch; the judge loads the
    weights into its own LeNet and needs >= 94% on the 1,000 held-out digits (the reference gets 96-97%).
    The judge renames the digits for this run (a random permutation of the labels), so weights trained
    anywhere else score about 10%; honest training does not care what the classes are called."""
    train_lenet = student.function("lab2_lenet.harness.train_lenet", timeout=60)
    relabel = fresh_relabelling()
    images, labels = training_digits()
    result = expect_fields(train_lenet(images, relabel[labels], **TRAINING_RUN), ("state_dict",), "train_lenet")
    heldout_images, heldout_labels = heldout_digits()
    accuracy = judge_accuracy(result["state_dict"], heldout_images, relabel[heldout_labels])
    if accuracy < TRAINING_RUN_ACCURACY and judge_accuracy(result["state_dict"], heldout_images,
                                                           heldout_labels) >= TRAINING_RUN_ACCURACY:
        expect(False, f"your weights read the held-out digits under their usual names but only {accuracy:.1%} "
               "under the labels this run trained with: they were not trained by this run",
               "train_lenet must train on the images and labels it is given and return those weights")
    expect(accuracy >= TRAINING_RUN_ACCURACY,
           f"after {TRAINING_RUN['epochs']} epochs your LeNet gets {accuracy:.1%} of the 1,000 held-out digits "
           f"right; at least {TRAINING_RUN_ACCURACY:.0%} expected",
           "check zero_grad/backward/step per batch, nll_loss on log_softmax outputs, and ReLU + max pooling")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_uneven_last_batch(train_probe):
    """110 digits in batches of 25: the last batch has 10, and the mean loss weights it by its size."""
    check_epoch(train_probe, count=110, batch_size=25, seed=2)
