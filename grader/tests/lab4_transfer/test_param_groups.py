"""lab4.4 param_groups: the trainable head parameters with lr_head first, the trainable backbone parameters with
lr_backbone second (left out when empty), nothing frozen, nothing twice; torch.optim.AdamW accepts them."""

import pytest

from grader.feedback import expect
from grader.tests.lab4_transfer.known_mistakes import (
    EMPTY_GROUP,
    FROZEN_IN_GROUP,
    GROUP_ORDER,
    HEAD_IN_BOTH,
    LR_SWAPPED,
)
from grader.tests.lab4_transfer.replies import expect_fields
from solutions.lab4_transfer.harness import groups_of as reference_groups_of

pytestmark = pytest.mark.exercise("lab4.4")

LR_HEAD, LR_BACKBONE = 1e-3, 1e-4


@pytest.fixture(scope="module")
def groups_of(student):
    return student.function("lab4_transfer.harness.groups_of", timeout=60)


def group_hint(got: list[dict], expected: list[dict]) -> str | None:
    """Name the mistake when the groups' parameter names or learning rates differ from the reference."""
    got_names = [set(group["names"]) for group in got]
    expected_names = [set(group["names"]) for group in expected]
    all_expected = set().union(*expected_names)
    if len(got) == 2 and len(expected) == 1 and not got_names[1]:
        return EMPTY_GROUP
    if any(name not in all_expected for names in got_names for name in names):
        return FROZEN_IN_GROUP
    if len(got) == len(expected) == 2 and got_names == expected_names[::-1]:
        return GROUP_ORDER
    if sum(len(group["names"]) for group in got) > len(all_expected):
        return HEAD_IN_BOTH
    if got_names == expected_names and [g["lr"] for g in got] == [g["lr"] for g in expected][::-1]:
        return LR_SWAPPED
    return None


def check_groups(groups_of, arch: str, n_blocks: int) -> None:
    what = f"param_groups({arch} with the head and {n_blocks} stage(s) trainable, lr_head={LR_HEAD}, " \
           f"lr_backbone={LR_BACKBONE})"
    got = expect_fields(groups_of(arch, n_blocks, LR_HEAD, LR_BACKBONE), ("groups", "optimizer_error"), what)
    expected = reference_groups_of(arch, n_blocks, LR_HEAD, LR_BACKBONE)["groups"]
    refused = got["optimizer_error"]
    expect(refused == "", f"{what}: torch.optim.AdamW refused the groups: {refused}",
           HEAD_IN_BOTH if "more than one parameter group" in str(refused)
           else "each group is a dict {'params': [parameters], 'lr': learning rate}")
    groups = got["groups"]
    expect(len(groups) == len(expected), f"{what}: expected {len(expected)} group(s), got {len(groups)}",
           group_hint(groups, expected))
    for index, (group, reference) in enumerate(zip(groups, expected, strict=True)):
        same_names = sorted(group["names"]) == sorted(reference["names"])
        expect(same_names and group["lr"] == reference["lr"],
               f"{what}: group {index} should hold {len(reference['names'])} parameters (e.g. "
               f"{reference['names'][:2]}) with lr {reference['lr']}, got {len(group['names'])} (e.g. "
               f"{group['names'][:2]}) with lr {group['lr']}", group_hint(groups, expected))


@pytest.mark.points(2)
def test_head_and_last_stage(groups_of):
    check_groups(groups_of, "resnet18", 1)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_head_only(groups_of):
    """A frozen backbone: one group, the head's."""
    check_groups(groups_of, "resnet18", 0)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_efficientnet(groups_of):
    check_groups(groups_of, "efficientnet_lite0", 2)
