"""lab5.9 iou: per-class intersection over union counted over the whole batch, NaN for a class that is in neither
the prediction nor the truth (0 / 0), never a division-by-zero error or a made-up 0 or 1."""

import pytest
import torch

from grader.tests.lab5_unet.cases import noisy_copy, random_masks
from grader.tests.lab5_unet.known_mistakes import iou_mistakes
from grader.tests.lab5_unet.replies import assert_scores_close
from solutions.lab5_unet.metrics import iou as reference

pytestmark = pytest.mark.exercise("lab5.9")


@pytest.fixture(scope="module")
def iou(student):
    return student.function("lab5_unet.metrics.iou")


def check_iou(iou, pred: torch.Tensor, target: torch.Tensor, num_classes: int, what: str) -> None:
    assert_scores_close(iou(pred, target, num_classes), reference(pred, target, num_classes),
                        what=f"iou({what}, num_classes={num_classes})",
                        mistakes=iou_mistakes(pred, target, num_classes))


@pytest.mark.points(2)
def test_random_masks(iou):
    """Every class present: (2, 12, 16) masks with 40% of the predicted pixels wrong."""
    target = random_masks((2, 12, 16), 5, seed=0)
    check_iou(iou, noisy_copy(target, 5, 0.4, seed=1), target, 5, "a noisy prediction of (2, 12, 16) masks")


@pytest.mark.points(2)
def test_absent_classes_are_nan(iou):
    """Classes 2 and 4 appear in neither mask: their IoU is NaN (0 / 0), the others are numbers."""
    target = random_masks((1, 10, 10), 6, seed=2, absent=(2, 4))
    pred = noisy_copy(target, 6, 0.3, seed=3)
    pred[(pred == 2) | (pred == 4)] = 0
    check_iou(iou, pred, target, 6, "masks without classes 2 and 4")


@pytest.mark.points(1)
def test_all_background(iou):
    """Both masks all background: class 0 has IoU 1, every digit class NaN."""
    zeros = torch.zeros(2, 8, 8, dtype=torch.long)
    check_iou(iou, zeros, zeros.clone(), 11, "two all-background masks")


@pytest.mark.points(1)
def test_missed_and_invented_classes(iou):
    """A class only in the truth (missed) and one only in the prediction (invented) both have IoU 0, not NaN."""
    target = torch.tensor([[0, 1, 1, 2], [0, 1, 1, 2]])
    pred = torch.tensor([[0, 1, 1, 3], [0, 1, 3, 3]])
    check_iou(iou, pred, target, 4, "a prediction that misses class 2 and invents class 3")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_counts_over_the_whole_batch(iou):
    """Three masks with very different amounts of each class: one IoU per class over all their pixels."""
    target = torch.cat([random_masks((1, 6, 6), 3, seed=4), torch.zeros(1, 6, 6, dtype=torch.long),
                        random_masks((1, 6, 6), 3, seed=5).clamp(max=1)])
    check_iou(iou, noisy_copy(target, 3, 0.5, seed=6), target, 3, "(3, 6, 6) masks")
