"""lab5.6 UNet.forward: the same logits as the reference for even and odd sizes with both decoders, and a short
training run in the worker whose weights the judge loads into its own U-Net and scores on held-out postcodes."""

import pytest
import torch

from grader.feedback import assert_tensor_close, expect
from grader.tests.lab5_unet.cases import heldout, images, unet_state
from grader.tests.lab5_unet.replies import expect_fields
from grader.tests.lab5_unet.upstream import blame_earlier_exercise
from ipdl.data.postcodes import NUM_CLASSES
from solutions.lab5_unet import harness
from solutions.lab5_unet.unet import UNet

pytestmark = pytest.mark.exercise("lab5.6")

TRAINING_RUN = {"steps": 60, "batch_size": 8, "base_channels": 4, "up_mode": "transpose", "lr": 1e-2,
                "seed": 0}
TRAINING_RUN_CANVASES = 32  # held-out canvases the judge scores the trained weights on (few: a student release
# keeps the reference's logits of every call, here 32 x 11 x 64 x 192 values)
TRAINING_RUN_FOREGROUND_IOU = 0.7  # the reference reaches 0.85-0.92 (seeds 0-5); "all ink" scores 0.06


def ink_found(model: UNet, images: torch.Tensor, masks: torch.Tensor) -> float:
    """Foreground IoU of "P(background) < 0.5": after a short run the model knows where the ink is well before it
    knows which digit it is, so the argmax (one digit class against the background) would undersell it."""
    model.eval()
    with torch.no_grad():
        ink = model(images).softmax(dim=1)[:, 0] < 0.5  # (N, H, W)
    truth = masks > 0
    return float((ink & truth).sum() / (ink | truth).sum())


def check_logits(student, base_channels: int, mode: str, shape: tuple[int, int, int], seed: int) -> None:
    state = unet_state(base_channels, mode, seed=seed)
    B, H, W = shape
    x = images(B, 1, H, W, seed=seed)
    expected = harness.unet_forward(state, x, base_channels, mode)
    forward = student.function("lab5_unet.harness.unet_forward", timeout=20)
    with blame_earlier_exercise(student, "UNet.forward"):
        assert_tensor_close(forward(state, x, base_channels, mode), expected, atol=1e-3, rtol=1e-3,
                            what=f"UNet(1, 11, {base_channels}, {mode!r}) on images {tuple(x.shape)}")


@pytest.mark.points(2)
def test_transpose_even_sizes(student):
    """(2, 1, 32, 48) -> (2, 11, 32, 48) logits."""
    check_logits(student, 4, "transpose", (2, 32, 48), seed=1)


@pytest.mark.points(2)
def test_unpool_even_sizes(student):
    check_logits(student, 4, "unpool", (2, 32, 48), seed=2)


@pytest.mark.points(1)
def test_odd_sizes(student):
    """(1, 1, 37, 45): every level rounds down, every Up matches its skip's size again."""
    check_logits(student, 4, "transpose", (1, 37, 45), seed=3)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_odd_sizes_unpool(student):
    check_logits(student, 4, "unpool", (1, 37, 45), seed=4)


@pytest.mark.points(4)
def test_short_training_run_finds_the_ink(student):
    """60 AdamW steps on fresh training canvases with your U-Net (plain cross-entropy); the judge loads the weights
    into its own U-Net and needs a foreground IoU of at least 0.7 on 32 held-out canvases."""
    train_unet = student.function("lab5_unet.harness.train_unet", timeout=120)
    with blame_earlier_exercise(student, "UNet.forward"):
        result = expect_fields(train_unet(**TRAINING_RUN), ("state_dict",), "train_unet")
    # keyword arguments: in a student release this U-Net is replayed as an exported program of its own, made on
    # canvases of the held-out size (the positional UNet(...) of the harness was exported on smaller images)
    model = UNet(in_channels=1, num_classes=NUM_CLASSES, base_channels=TRAINING_RUN["base_channels"],
                 up_mode=TRAINING_RUN["up_mode"])
    try:
        model.load_state_dict(result["state_dict"])
    except (RuntimeError, TypeError, KeyError, AttributeError) as error:
        expect(False, f"the trained weights do not fit the reference U-Net: {str(error).splitlines()[0]}",
               "keep the module names and shapes of the docstrings (UNet, Up, Down, DoubleConv)")
    codes = heldout(TRAINING_RUN_CANVASES)
    score = ink_found(model, codes.images, codes.masks)
    expect(score >= TRAINING_RUN_FOREGROUND_IOU,
           f"after {TRAINING_RUN['steps']} steps your U-Net's weights, run in the reference U-Net, find the digits' "
           f"ink with a foreground IoU of {score:.3f} on {TRAINING_RUN_CANVASES} held-out canvases; at least "
           f"{TRAINING_RUN_FOREGROUND_IOU} expected",
           "check that every Up concatenates [skip, x] and that UNet.forward passes each level its own skip")
