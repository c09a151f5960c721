"""lab4.2 freeze_backbone: every backbone parameter frozen, the head trainable, whatever the starting state."""

import pytest

from grader.tests.lab4_transfer.replies import expect_requires_grad
from solutions.lab4_transfer.harness import requires_grad_after as reference_requires_grad

pytestmark = pytest.mark.exercise("lab4.2")


@pytest.fixture(scope="module")
def requires_grad_after(student):
    return student.function("lab4_transfer.harness.requires_grad_after", timeout=60)


def check_freeze(requires_grad_after, arch: str, start: str) -> None:
    what = f"freeze_backbone({arch}, all parameters {start} before)"
    got = requires_grad_after(arch, "freeze", 0, start)
    expected = reference_requires_grad(arch, "freeze", 0, start)
    expect_requires_grad(got, expected, what, arch)


@pytest.mark.points(2)
def test_resnet18(requires_grad_after):
    check_freeze(requires_grad_after, "resnet18", "trainable")


@pytest.mark.points(1)
def test_head_trainable_even_if_frozen_before(requires_grad_after):
    """A model whose parameters were all frozen before: the head must come out trainable."""
    check_freeze(requires_grad_after, "resnet18", "frozen")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_efficientnet(requires_grad_after):
    check_freeze(requires_grad_after, "efficientnet_lite0", "trainable")
