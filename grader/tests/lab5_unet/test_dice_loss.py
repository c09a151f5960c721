"""lab5.12 dice_loss: 1 - the mean over classes of the soft Dice of the softmax probabilities, summed over the
batch and the pixels, smoothed with eps; finite for absent classes and differentiable."""

import pytest
import torch

from grader.feedback import assert_tensor_close, expect
from grader.tests.lab5_unet.cases import images, random_masks
from grader.tests.lab5_unet.known_mistakes import NO_EPS, NOT_DIFFERENTIABLE, dice_loss_mistakes, dice_loss_variant
from grader.worker_client import StudentCodeError
from solutions.lab5_unet.losses import dice_loss as reference

pytestmark = pytest.mark.exercise("lab5.12")


@pytest.fixture(scope="module")
def dice_loss(student):
    return student.function("lab5_unet.losses.dice_loss")


def check_loss(dice_loss, logits: torch.Tensor, target: torch.Tensor, what: str) -> None:
    got = dice_loss(logits, target)
    what = f"dice_loss({what})"
    if type(got) is torch.Tensor and got.is_floating_point():
        expect(bool(torch.isfinite(got).all()), f"{what}: got NaN or inf", NO_EPS)
    with torch.no_grad():
        expected = reference(logits, target)
    assert_tensor_close(got, expected, what=what, atol=1e-5, mistakes=lambda: dice_loss_mistakes(logits, target))


@pytest.mark.points(2)
def test_random_logits(dice_loss):
    """Logits (2, 4, 6, 8), every class present in the target."""
    logits = images(2, 4, 6, 8, seed=0) * 2
    check_loss(dice_loss, logits, random_masks((2, 6, 8), 4, seed=1), "logits (2, 4, 6, 8), target (2, 6, 8)")


@pytest.mark.points(1)
def test_absent_class_stays_finite(dice_loss):
    """Class 2 is in no pixel of the target: eps keeps its Dice finite (0 / 0 otherwise, once p_2 is ~0)."""
    logits = images(1, 3, 5, 5, seed=2)
    logits[:, 2] = -50.0  # the model is sure class 2 is nowhere
    target = random_masks((1, 5, 5), 3, seed=3, absent=(2,))
    check_loss(dice_loss, logits, target, "a target without class 2")


@pytest.mark.points(2)
def test_gradient(student):
    """d loss / d logits through your dice_loss equals the reference's: the loss must be differentiable."""
    gradient = student.function("lab5_unet.harness.dice_loss_gradient")
    logits = images(2, 3, 4, 4, seed=4)
    target = random_masks((2, 4, 4), 3, seed=5)
    try:
        got = gradient(logits, target)
    except StudentCodeError as error:
        if error.exc_type == "RuntimeError" and "grad" in error.message:
            expect(False, f"dice_loss could not be differentiated: {error.message}", NOT_DIFFERENTIABLE)
        raise
    expect(got is not None, "dice_loss gave no gradient for the logits", NOT_DIFFERENTIABLE)
    leaf = logits.clone().requires_grad_(True)
    dice_loss_variant(leaf, target).backward()  # the judge's own copy of the formula, differentiated by autograd
    assert_tensor_close(got, leaf.grad, what="the gradient of dice_loss w.r.t. the logits", atol=1e-6)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_confident_right_prediction_costs_almost_nothing(dice_loss):
    """Logits of +-20 that agree with the target give a loss near 0 (not 1)."""
    target = random_masks((1, 6, 6), 4, seed=6)
    logits = torch.nn.functional.one_hot(target, 4).permute(0, 3, 1, 2).float() * 40 - 20
    check_loss(dice_loss, logits, target, "confident, right logits")
