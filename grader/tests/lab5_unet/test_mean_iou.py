"""lab5.11 mean_iou: the mean of the per-class IoUs that exist (NaN classes left out), with or without the
background class, as a Python float."""

import math

import pytest
import torch

from grader.feedback import expect
from grader.tests.lab5_unet.cases import noisy_copy, random_masks
from grader.tests.lab5_unet.known_mistakes import PYTHON_FLOAT, mean_iou_mistakes
from solutions.lab5_unet.metrics import iou, mean_iou

pytestmark = pytest.mark.exercise("lab5.11")


@pytest.fixture(scope="module")
def student_mean_iou(student):
    return student.function("lab5_unet.metrics.mean_iou")


def check_mean(student_mean_iou, pred, target, num_classes: int, include_background: bool, what: str) -> None:
    got = student_mean_iou(pred, target, num_classes, include_background=include_background)
    what = f"mean_iou({what}, num_classes={num_classes}, include_background={include_background})"
    expect(type(got) is float, f"{what}: expected a Python float, got a {type(got).__name__} ({got!r:.60})",
           PYTHON_FLOAT)
    expected = mean_iou(pred, target, num_classes, include_background)
    mistakes = mean_iou_mistakes(iou(pred, target, num_classes), include_background)
    hint = next((h for h, v in mistakes.items() if not same(v, expected) and same(got, v)), None)
    if math.isnan(expected):
        expect(math.isnan(got), f"{what}: no class has an IoU, so the mean is NaN; got {got:.6g}", hint)
        return
    expect(same(got, expected), f"{what}: expected {expected:.6f}, got {got:.6g}", hint)


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-6


@pytest.mark.points(2)
def test_every_class_present(student_mean_iou):
    target = random_masks((2, 12, 16), 5, seed=0)
    check_mean(student_mean_iou, noisy_copy(target, 5, 0.4, seed=1), target, 5, True, "a noisy (2, 12, 16) batch")


@pytest.mark.points(2)
def test_absent_classes_left_out(student_mean_iou):
    """Classes 3 and 7 are in neither mask: the mean is over the other classes only."""
    target = random_masks((1, 12, 12), 11, seed=2, absent=(3, 7))
    pred = noisy_copy(target, 11, 0.3, seed=3)
    pred[(pred == 3) | (pred == 7)] = 0
    check_mean(student_mean_iou, pred, target, 11, True, "masks without classes 3 and 7")


@pytest.mark.points(1)
def test_without_background(student_mean_iou):
    """include_background=False: the mean over the digit classes 1-10, as the lab reports it."""
    target = random_masks((2, 10, 10), 11, seed=4, absent=(5,))
    pred = noisy_copy(target, 11, 0.2, seed=5)
    pred[pred == 5] = 0
    check_mean(student_mean_iou, pred, target, 11, False, "masks without class 5")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_nothing_to_average(student_mean_iou):
    """All background and include_background=False: no digit class has an IoU, the mean is NaN."""
    zeros = torch.zeros(1, 6, 6, dtype=torch.long)
    check_mean(student_mean_iou, zeros, zeros.clone(), 11, False, "two all-background masks")
