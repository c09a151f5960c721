"""lab5.8 pixel_accuracy: the share of pixels whose predicted class is right, as a Python float."""

import pytest

from grader.feedback import expect
from grader.tests.lab5_unet.cases import noisy_copy, random_masks
from grader.tests.lab5_unet.known_mistakes import COUNT_NOT_SHARE, FOREGROUND_ONLY, PERCENT, PYTHON_FLOAT
from solutions.lab5_unet.metrics import pixel_accuracy as reference

pytestmark = pytest.mark.exercise("lab5.8")


@pytest.fixture(scope="module")
def pixel_accuracy(student):
    return student.function("lab5_unet.metrics.pixel_accuracy")


def check_accuracy(pixel_accuracy, pred, target, what: str) -> None:
    got = pixel_accuracy(pred, target)
    expect(type(got) is float, f"{what}: expected a Python float, got a {type(got).__name__} ({got!r:.60})",
           PYTHON_FLOAT)
    expected = reference(pred, target)
    right = (pred == target)
    foreground = target > 0
    mistakes = {PERCENT: expected * 100, COUNT_NOT_SHARE: float(right.sum()),
                FOREGROUND_ONLY: float((right & foreground).sum() / foreground.sum().clamp(min=1))}
    hint = next((h for h, v in mistakes.items() if abs(v - expected) > 1e-6 and abs(got - v) <= 1e-6), None)
    expect(abs(got - expected) <= 1e-6, f"{what}: expected {expected:.6f}, got {got:.6f}", hint)


@pytest.mark.points(2)
def test_mostly_right_prediction(pixel_accuracy):
    """A batch of (4, 16, 24) masks, 30% of the pixels changed to random classes."""
    target = random_masks((4, 16, 24), 11, seed=0)
    check_accuracy(pixel_accuracy, noisy_copy(target, 11, 0.3, seed=1), target, "pixel_accuracy of 4 masks")


@pytest.mark.points(1)
def test_perfect_and_hopeless(pixel_accuracy):
    target = random_masks((2, 8, 8), 11, seed=2)
    check_accuracy(pixel_accuracy, target.clone(), target, "pixel_accuracy of a perfect prediction")
    check_accuracy(pixel_accuracy, (target + 1) % 11, target, "pixel_accuracy of a prediction wrong everywhere")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_mostly_background(pixel_accuracy):
    """90% background, as on a postcode: predicting background everywhere is right 90% of the time."""
    target = random_masks((1, 10, 10), 11, seed=3).clamp(max=0)
    target[0, :, :1] = 4
    check_accuracy(pixel_accuracy, target * 0, target, "pixel_accuracy of all-background on a 90% background mask")
