"""lab5.10 dice: per-class 2 |P and T| / (|P| + |T|) over the whole batch, NaN for a class in neither mask."""

import pytest
import torch

from grader.tests.lab5_unet.cases import noisy_copy, random_masks
from grader.tests.lab5_unet.known_mistakes import dice_mistakes
from grader.tests.lab5_unet.replies import assert_scores_close
from solutions.lab5_unet.metrics import dice as reference

pytestmark = pytest.mark.exercise("lab5.10")


@pytest.fixture(scope="module")
def dice(student):
    return student.function("lab5_unet.metrics.dice")


def check_dice(dice, pred: torch.Tensor, target: torch.Tensor, num_classes: int, what: str) -> None:
    assert_scores_close(dice(pred, target, num_classes), reference(pred, target, num_classes),
                        what=f"dice({what}, num_classes={num_classes})",
                        mistakes=dice_mistakes(pred, target, num_classes))


@pytest.mark.points(2)
def test_random_masks(dice):
    target = random_masks((2, 12, 16), 5, seed=0)
    check_dice(dice, noisy_copy(target, 5, 0.4, seed=1), target, 5, "a noisy prediction of (2, 12, 16) masks")


@pytest.mark.points(1)
def test_absent_classes_are_nan(dice):
    target = random_masks((1, 10, 10), 6, seed=2, absent=(1, 5))
    pred = noisy_copy(target, 6, 0.3, seed=3)
    pred[(pred == 1) | (pred == 5)] = 0
    check_dice(dice, pred, target, 6, "masks without classes 1 and 5")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_all_background(dice):
    zeros = torch.zeros(1, 5, 7, dtype=torch.long)
    check_dice(dice, zeros, zeros.clone(), 11, "two all-background masks")
