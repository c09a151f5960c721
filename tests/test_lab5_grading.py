"""The Lab 5 judge on real targets: the reference earns full marks, the stubs nothing (each failure naming its
TODO), and a submission with one typical mistake in several exercises gets that mistake named in the hint."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from grading_helpers import (
    check_reference_gets_full_marks,
    check_stubs_get_nothing,
    failed_hints,
    grade_reference_with_mistakes,
)

from grader.paths import REPO_ROOT, SOLUTIONS_DIR
from grader.tests.lab5_unet.known_mistakes import (
    ARGMAX_LAST_DIM,
    CAT_ORDER,
    EMPTY_AS_ZERO,
    RIGHT_TO_LEFT,
    SOFTMAX_DIM,
)

ARGMAX_OVER_WIDTH = '''

def predict_masks(model, images):
    model.eval()
    with torch.no_grad():
        return model(images).argmax(dim=-1)
'''
MISTAKES = {  # module -> code appended to the reference module (later definitions win)
    "unet.py": '''

def _forward_skip_last(self, x, skip, indices=None):
    H, W = skip.shape[-2:]
    if self.up_mode == "unpool":
        x = self.unpool(self.reduce(x), indices, output_size=(H, W))
    else:
        x = self.up(x)
        x = F.pad(x, (0, W - x.shape[-1], 0, H - x.shape[-2]))
    return self.conv(torch.cat([x, skip], dim=1))


Up.forward = _forward_skip_last
''' + ARGMAX_OVER_WIDTH,
    "metrics.py": '''

def iou(pred, target, num_classes):
    intersection = torch.bincount(target[pred == target], minlength=num_classes).float()
    union = torch.bincount(pred.flatten(), minlength=num_classes) + torch.bincount(target.flatten(),
                                                                                   minlength=num_classes)
    return intersection / (union - intersection + 1e-6)
''',
    "losses.py": '''

def dice_loss(logits, target, eps=1.0):
    probs = logits.softmax(dim=-1)
    onehot = F.one_hot(target, logits.shape[1]).permute(0, 3, 1, 2).float()
    intersection = (probs * onehot).sum(dim=(0, 2, 3))
    sizes = probs.sum(dim=(0, 2, 3)) + onehot.sum(dim=(0, 2, 3))
    return 1 - ((2 * intersection + eps) / (sizes + eps)).mean()
''',
    "reading.py": '''

_read_left_to_right = read_postcode


def read_postcode(mask, min_pixels=MIN_PIXELS):
    return _read_left_to_right(mask, min_pixels)[::-1]
''',
}
EXPECTED_HINTS = {"lab5.4": CAT_ORDER, "lab5.9": EMPTY_AS_ZERO, "lab5.12": SOFTMAX_DIM, "lab5.13": RIGHT_TO_LEFT}


GRADER_TIMEOUT_S = 400  # the short training run (lab5.6) may take its full 120 s on a loaded machine


@pytest.fixture(scope="module")
def mistaken_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    run = grade_reference_with_mistakes("lab5", "lab5_unet", MISTAKES, tmp_path_factory.mktemp("submission"),
                                        GRADER_TIMEOUT_S, options=("-k", "not short_training_run"))
    assert run.code == 1, run.output
    return run.report


def test_reference_gets_full_marks(tmp_path: Path) -> None:
    report = check_reference_gets_full_marks("lab5", tmp_path, GRADER_TIMEOUT_S).report
    assert len(report["grade"]["labs"]["lab5"]["exercises"]) == 13
    hidden = [test for test in report["tests"] if test["metadata"]["visibility"] == "hidden"]
    assert 0.2 <= len(hidden) / len(report["tests"]) <= 0.45


def test_stubs_get_nothing_and_every_failure_names_a_todo(tmp_path: Path) -> None:
    report = check_stubs_get_nothing("lab5", tmp_path, GRADER_TIMEOUT_S).report
    assert all("NotImplementedError" in test["metadata"]["feedback"] for test in report["tests"])


@pytest.mark.parametrize("exercise", sorted(EXPECTED_HINTS))
def test_typical_mistake_is_named(mistaken_report: dict, exercise: str) -> None:
    hints = failed_hints(mistaken_report, exercise)
    assert EXPECTED_HINTS[exercise] in hints, hints


def test_predict_masks_sends_the_student_to_up_forward_first(mistaken_report: dict) -> None:
    """predict_masks builds on Up.forward, which is wrong in this submission too: that is the mistake to fix first."""
    hints = failed_hints(mistaken_report, "lab5.7")
    assert hints and all(hint.startswith("fix lab5.4 Up.forward first: ") for hint in hints), hints


def test_argmax_over_the_width_is_named(tmp_path: Path) -> None:
    """With Up.forward right, predict_masks' own mistake is named (graded alone: lab5.7's tests only)."""
    run = grade_reference_with_mistakes("lab5.7", "lab5_unet", {"unet.py": ARGMAX_OVER_WIDTH}, tmp_path,
                                        GRADER_TIMEOUT_S)
    hints = failed_hints(run.report, "lab5.7")
    assert ARGMAX_LAST_DIM in hints, hints


def test_untouched_exercises_keep_their_points(mistaken_report: dict) -> None:
    """DoubleConv, Down, the Up and UNet layers, pixel accuracy, Dice and mean IoU were left right."""
    exercises = mistaken_report["grade"]["labs"]["lab5"]["exercises"]
    for exercise in ("lab5.1", "lab5.2", "lab5.3", "lab5.5", "lab5.8", "lab5.10"):
        assert exercises[exercise]["score"] == exercises[exercise]["max_score"], exercise


ANOTHER_START = '''

class UNet(UNet):
    """The reference UNet, started from other random weights than the recorded run's."""

    def __init__(self, *args, **kwargs):
        torch.manual_seed(torch.initial_seed() + 1)
        super().__init__(*args, **kwargs)
'''


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "ipdl-lab"
    finished = subprocess.run([sys.executable, "-m", "grader", "release", str(out), "--labs", "lab5_unet"],
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return out


def test_student_release_grades_a_solved_lab_from_golden_fixtures(release: Path, tmp_path: Path) -> None:
    """In a release (no solution code) the reference, its short training run seeded differently, earns every public
    point: the judge scores those unseen weights on the exported U-Net, at the held-out canvases' size."""
    folder = tmp_path / "labs"
    shutil.copytree(release / "labs", folder)
    shutil.copytree(SOLUTIONS_DIR / "lab5_unet", folder / "lab5_unet", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    unet = folder / "lab5_unet" / "unet.py"  # the seed changes here: the grader runs the kit's own harness.py
    unet.write_text(unet.read_text() + ANOTHER_START)
    finished = subprocess.run([sys.executable, "-m", "grader", "lab5", "--target", str(folder), "--json",
                               str(tmp_path / "report.json")], cwd=release, capture_output=True, text=True,
                              timeout=600)
    report = json.loads((tmp_path / "report.json").read_text())
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert report["grade"]["score"] == report["grade"]["max_score"] > 0
