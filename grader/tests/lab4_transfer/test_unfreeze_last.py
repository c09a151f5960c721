"""lab4.3 unfreeze_last: the head and the last n_blocks stages train, everything else is frozen, whatever was frozen
before; compared parameter by parameter with the reference."""

import pytest

from grader.tests.lab4_transfer.known_mistakes import FIRST_STAGES, NOT_RESET, OFF_BY_ONE
from grader.tests.lab4_transfer.replies import expect_requires_grad
from ipdl.pretrained import backbone_stages, build_model, head_name
from solutions.lab4_transfer.harness import requires_grad_after as reference_requires_grad

pytestmark = pytest.mark.exercise("lab4.3")


@pytest.fixture(scope="module")
def requires_grad_after(student):
    return student.function("lab4_transfer.harness.requires_grad_after", timeout=60)


def trainable_map(arch: str, stage_numbers: list[int], start: str | None) -> dict[str, bool]:
    """{name: requires_grad} when the head and the given stages train (plus everything, if start is trainable)."""
    model = build_model(arch, num_classes=5, seed=0)
    model.requires_grad_(start == "trainable")
    getattr(model, head_name(model)).requires_grad_(True)
    stages = backbone_stages(model)
    for number in stage_numbers:
        stages[number].requires_grad_(True)
    return {name: p.requires_grad for name, p in model.named_parameters()}


def alternatives(arch: str, n_blocks: int, start: str) -> list[tuple[str, dict[str, bool]]]:
    """(hint, what that mistake gives) for the usual unfreeze_last mistakes."""
    count = len(backbone_stages(build_model(arch)))
    last = list(range(count - n_blocks, count))
    wrong = [(NOT_RESET, trainable_map(arch, last, start)),
             (FIRST_STAGES, trainable_map(arch, list(range(n_blocks)), ""))]
    wrong += [(OFF_BY_ONE, trainable_map(arch, list(range(count - n, count)), ""))
              for n in (n_blocks - 1, n_blocks + 1) if 0 <= n <= count]
    return wrong


def check_unfreeze(requires_grad_after, arch: str, n_blocks: int, start: str) -> None:
    what = f"unfreeze_last({arch}, n_blocks={n_blocks}, all parameters {start} before)"
    got = requires_grad_after(arch, "unfreeze", n_blocks, start)
    expected = reference_requires_grad(arch, "unfreeze", n_blocks, start)
    expect_requires_grad(got, expected, what, arch, alternatives(arch, n_blocks, start))


@pytest.mark.points(2)
def test_last_stage_of_resnet18(requires_grad_after):
    """n_blocks=1: layer4 and fc train."""
    check_unfreeze(requires_grad_after, "resnet18", 1, "frozen")


@pytest.mark.points(1)
def test_freezes_the_rest(requires_grad_after):
    """Starting from a fully trainable model, everything but the head and the last two stages ends frozen."""
    check_unfreeze(requires_grad_after, "resnet18", 2, "trainable")


@pytest.mark.points(1)
@pytest.mark.parametrize("n_blocks", [0, 5])
def test_none_and_all(requires_grad_after, n_blocks):
    """0: the head only; all 5 stages: every parameter."""
    check_unfreeze(requires_grad_after, "resnet18", n_blocks, "trainable")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_efficientnet(requires_grad_after):
    """EfficientNet-Lite0's 9 stages: the last 3 are blocks.5, blocks.6 and the head convolution."""
    check_unfreeze(requires_grad_after, "efficientnet_lite0", 3, "trainable")
