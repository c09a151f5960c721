"""The Lab 4 judge on real targets: the reference earns full marks, the stubs nothing, and a submission with one
typical mistake per exercise gets that mistake named in the hint."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.paths import LABS_DIR, REPO_ROOT, SOLUTIONS_DIR

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


def run_grader(target: Path | str, report: Path) -> tuple[int, str, dict]:
    result = subprocess.run([sys.executable, "-m", "grader", "lab4", "--target", str(target), "--json", str(report)],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=400)
    return result.returncode, result.stdout + result.stderr, json.loads(report.read_text())


def failed_hints(report: dict, exercise: str) -> list[str]:
    return [test["metadata"].get("hint") or "" for test in report["tests"]
            if test["metadata"]["exercise"] == exercise and test["outcome"] == "failed"]


@pytest.fixture(scope="module")
def mistaken_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, dict]:
    folder = tmp_path_factory.mktemp("submission") / "labs"
    shutil.copytree(LABS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(folder / "lab4_transfer")
    shutil.copytree(SOLUTIONS_DIR / "lab4_transfer", folder / "lab4_transfer")
    for module, code in MISTAKES.items():
        path = folder / "lab4_transfer" / module
        path.write_text(path.read_text() + code)
    return run_grader(folder, folder.parent / "report.json")


def test_reference_gets_full_marks(tmp_path: Path) -> None:
    code, output, report = run_grader("solutions", tmp_path / "report.json")
    assert code == 0, output
    assert report["grade"]["labs"]["lab4"]["score"] == report["grade"]["labs"]["lab4"]["max_score"] > 0


def test_stubs_get_nothing(tmp_path: Path) -> None:
    code, output, report = run_grader("labs", tmp_path / "report.json")
    assert code == 1, output
    assert report["grade"]["labs"]["lab4"]["score"] == 0
    assert all("TODO(lab4." in (test["metadata"].get("hint") or "") for test in report["tests"])


def test_hard_wired_in_features_is_named(mistaken_run: tuple[int, str, dict]) -> None:
    exercises = mistaken_run[2]["grade"]["labs"]["lab4"]["exercises"]
    assert 0 < exercises["lab4.1"]["score"] < exercises["lab4.1"]["max_score"]  # right for ResNet only
    assert any("in_features" in hint for hint in failed_hints(mistaken_run[2], "lab4.1"))


def test_unfreezing_without_freezing_first_is_named(mistaken_run: tuple[int, str, dict]) -> None:
    hints = failed_hints(mistaken_run[2], "lab4.3")
    assert hints and any("freeze the backbone first" in hint for hint in hints), hints


def test_swapped_learning_rates_are_named(mistaken_run: tuple[int, str, dict]) -> None:
    hints = failed_hints(mistaken_run[2], "lab4.4")
    assert hints and any("swapped" in hint for hint in hints), hints


def test_moving_batchnorm_statistics_are_named(mistaken_run: tuple[int, str, dict]) -> None:
    hints = failed_hints(mistaken_run[2], "lab4.5")
    assert any("freeze_batchnorm_statistics" in hint for hint in hints), hints
