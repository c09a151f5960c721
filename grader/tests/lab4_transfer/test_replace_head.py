"""lab4.1 replace_head: a fresh nn.Linear with num_classes outputs in the head's attribute, for ResNet-18 (fc) and
EfficientNet-Lite0 (classifier); the backbone untouched."""

import math

import pytest

from grader.feedback import expect
from grader.tests.lab4_transfer.known_mistakes import (
    BACKBONE_CHANGED,
    IN_FEATURES,
    NOT_RETURNED,
    OUT_FEATURES,
    WRONG_ATTRIBUTE,
)
from grader.tests.lab4_transfer.replies import HEADS, expect_fields
from solutions.lab4_transfer.harness import replaced_head as reference_replaced_head

pytestmark = pytest.mark.exercise("lab4.1")


@pytest.fixture(scope="module")
def replaced_head(student):
    return student.function("lab4_transfer.harness.replaced_head", timeout=60)


def check_head(replaced_head, arch: str, num_classes: int) -> None:
    what = f"replace_head({arch}, num_classes={num_classes})"
    got = expect_fields(replaced_head(arch, num_classes), ("returned_model", "shapes", "sums", "types"), what)
    expected = reference_replaced_head(arch, num_classes)
    head = HEADS[arch]
    expect(got["returned_model"] is True, f"{what} did not return the model", NOT_RETURNED)
    extra = sorted(set(got["types"]) - set(expected["types"]))
    expect(not extra, f"{what}: the model has new attributes {extra}", WRONG_ATTRIBUTE)
    expect(got["types"].get(head) == "Linear", f"{what}: model.{head} must be an nn.Linear, got "
           f"{got['types'].get(head)}")
    expected_shape, got_shape = expected["shapes"][f"{head}.weight"], got["shapes"].get(f"{head}.weight")
    if got_shape != expected_shape:
        hint = OUT_FEATURES if got_shape and got_shape[1] == expected_shape[1] else IN_FEATURES
        expect(False, f"{what}: model.{head}.weight should have shape {expected_shape} "
               f"(num_classes, in_features), got {got_shape}", hint)
    # A sum of millions of floats depends on the order the threads add them in (the worker's threads, not the
    # judge's one): equal within 1e-9 of its size, where any changed tensor is far off.
    changed = [name for name, total in expected["sums"].items() if not name.startswith(f"{head}.")
               and not math.isclose(got["sums"].get(name, math.nan), total, rel_tol=1e-9, abs_tol=1e-9)]
    expect(not changed, f"{what}: backbone tensors changed: {changed[:5]}", BACKBONE_CHANGED)
    expect(got["sums"][f"{head}.weight"] != 0.0, f"{what}: the new head's weight is all zeros",
           "use nn.Linear's own random initialisation")


@pytest.mark.points(2)
def test_resnet18(replaced_head):
    check_head(replaced_head, "resnet18", 17)


@pytest.mark.points(2)
def test_efficientnet(replaced_head):
    """EfficientNet's head is `classifier`, with 1280 inputs: nothing may be hard-wired to ResNet."""
    check_head(replaced_head, "efficientnet_lite0", 17)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_two_classes(replaced_head):
    check_head(replaced_head, "resnet18", 2)
