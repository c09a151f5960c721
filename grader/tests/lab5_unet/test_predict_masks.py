"""lab5.7 predict_masks: the argmax over the class dimension, in eval mode, without gradients; checked on a probe
model with dropout that is handed over in training mode."""

import pytest
import torch

from grader.feedback import assert_tensor_close, expect
from grader.tests.lab5_unet.cases import images
from grader.tests.lab5_unet.known_mistakes import GRAD_ENABLED, NOT_EVAL_MODE, argmax_mistakes
from grader.tests.lab5_unet.replies import expect_fields
from solutions.lab5_unet.harness import ProbeSegmenter

pytestmark = pytest.mark.exercise("lab5.7")


@pytest.fixture(scope="module")
def predict_probe(student):
    return student.function("lab5_unet.harness.predict_probe", timeout=20)


def probe_case(B: int, C: int, H: int, W: int, seed: int) -> tuple[torch.Tensor, ...]:
    """Probe weights mapping C channels to 11 classes, and (B, C, H, W) images."""
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(11, C, generator=generator)
    bias = torch.randn(11, generator=generator) * 0.1
    return weight, bias, images(B, C, H, W, seed)


@pytest.mark.points(2)
def test_class_of_every_pixel(predict_probe):
    """(3, 2, 8, 12) images -> (3, 8, 12) int64 classes, the argmax over dim 1 of the eval-mode logits."""
    weight, bias, x = probe_case(3, 2, 8, 12, seed=0)
    reply = expect_fields(predict_probe(weight, bias, x), ("masks", "calls"), "predict_probe")
    expect(not any(call["training"] for call in reply["calls"]), "predict_masks ran the model in training mode",
           NOT_EVAL_MODE)
    with torch.no_grad():
        logits = ProbeSegmenter(weight, bias).eval()(x)  # (3, 11, 8, 12)
    assert_tensor_close(reply["masks"], logits.argmax(dim=1), what="predict_masks on (3, 2, 8, 12) images",
                        mistakes=lambda: argmax_mistakes(logits))


@pytest.mark.points(1)
def test_eval_mode(predict_probe):
    """The model comes in training mode (dropout on): predict_masks must switch it to eval mode."""
    weight, bias, x = probe_case(1, 1, 4, 4, seed=1)
    reply = expect_fields(predict_probe(weight, bias, x), ("calls",), "predict_probe")
    expect(len(reply["calls"]) >= 1, "predict_masks never called the model")
    expect(not any(call["training"] for call in reply["calls"]), "predict_masks ran the model in training mode",
           NOT_EVAL_MODE)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_no_gradients(predict_probe):
    weight, bias, x = probe_case(2, 1, 4, 6, seed=2)
    reply = expect_fields(predict_probe(weight, bias, x), ("calls",), "predict_probe")
    expect(not any(call["grad_enabled"] for call in reply["calls"]), "predict_masks ran the model with gradients on",
           GRAD_ENABLED)
