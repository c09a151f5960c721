"""The Lab 4 judge on real targets: the reference earns full marks, the stubs nothing, and a submission with one
typical mistake per exercise gets that mistake named in the hint."""

from pathlib import Path

import pytest
from grading_helpers import (
    GraderRun,
    check_a_hint_names,
    check_every_hint_names,
    check_reference_gets_full_marks,
    check_stubs_get_nothing,
    grade_reference_with_mistakes,
)

MISTAKES = {  # module -> code appended to the reference module (later definitions win)
    "transfer.py": '''

def replace_head(model, num_classes):
    setattr(model, head_name(model), nn.Linear(512, num_classes))
    return model


def unfreeze_last(model, n_blocks):
    stages = backbone_stages(model)
    for stage in stages[len(stages) - n_blocks:]:
        stage.requires_grad_(True)
    return model


def param_groups(model, lr_head, lr_backbone):
    head = getattr(model, head_name(model))
    ids = {id(p) for p in head.parameters()}
    return [{"params": [p for p in head.parameters() if p.requires_grad], "lr": lr_backbone},
            {"params": [p for p in model.parameters() if p.requires_grad and id(p) not in ids], "lr": lr_head}]
''',
    "finetune.py": '''

_given_freeze = freeze_batchnorm_statistics


def freeze_batchnorm_statistics(model):
    """A finetune that forgot the call: this does nothing."""
''',
}
GRADER_TIMEOUT_S = 400  # the Lab 4 judge takes longer than the others


@pytest.fixture(scope="module")
def mistaken_run(tmp_path_factory: pytest.TempPathFactory) -> GraderRun:
    folder = tmp_path_factory.mktemp("submission")
    return grade_reference_with_mistakes("lab4", "lab4_transfer", MISTAKES, folder, GRADER_TIMEOUT_S)


def test_reference_gets_full_marks(tmp_path: Path) -> None:
    check_reference_gets_full_marks("lab4", tmp_path, GRADER_TIMEOUT_S)


def test_stubs_get_nothing(tmp_path: Path) -> None:
    check_stubs_get_nothing("lab4", tmp_path, GRADER_TIMEOUT_S)


def test_hard_wired_in_features_is_named(mistaken_run: GraderRun) -> None:
    exercises = mistaken_run.report["grade"]["labs"]["lab4"]["exercises"]
    assert 0 < exercises["lab4.1"]["score"] < exercises["lab4.1"]["max_score"]  # right for ResNet only
    check_a_hint_names(mistaken_run, "lab4.1", "in_features")


def test_unfreezing_without_freezing_first_is_named(mistaken_run: GraderRun) -> None:
    check_a_hint_names(mistaken_run, "lab4.3", "freeze the backbone first")


def test_swapped_learning_rates_are_named(mistaken_run: GraderRun) -> None:
    check_a_hint_names(mistaken_run, "lab4.4", "swapped")


def test_finetune_sends_the_student_to_param_groups_first(mistaken_run: GraderRun) -> None:
    """finetune builds on param_groups, which is wrong in this submission too: that is the mistake to fix first."""
    check_every_hint_names(mistaken_run, "lab4.5", "fix lab4.4 param_groups first")


def test_moving_batchnorm_statistics_are_named(tmp_path: Path) -> None:
    """With param_groups right, finetune's own mistake is named (graded alone: lab4.5's tests only)."""
    mistake = {"finetune.py": MISTAKES["finetune.py"]}
    run = grade_reference_with_mistakes("lab4.5", "lab4_transfer", mistake, tmp_path, GRADER_TIMEOUT_S)
    check_a_hint_names(run, "lab4.5", "freeze_batchnorm_statistics")
