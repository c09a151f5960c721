"""The Lab 3 judge on real targets: the reference earns full marks, the stubs nothing, and a submission with one
typical mistake per exercise gets that mistake named in the hint."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.paths import LABS_DIR, REPO_ROOT, SOLUTIONS_DIR

MISTAKES = {  # module -> code appended to the reference module (later definitions win)
    "preprocess.py": '''

_right_preprocess = imagenet_preprocess


def imagenet_preprocess(img, resize_to=256, crop_to=224):
    if isinstance(img, np.ndarray):
        img = Image.fromarray(img)
    return T.Compose([T.Resize(resize_to), T.CenterCrop(crop_to), T.ToTensor()])(img.convert("RGB"))
''',
    "predictions.py": '''

def topk_labels(logits, k, categories):
    values, indices = logits.topk(k, dim=-1)
    return [(categories[i], v) for v, i in zip(values.tolist(), indices.tolist())]
''',
    "model_summary.py": '''

def count_parameters(model, trainable_only=False):
    return sum(t.numel() for t in model.state_dict().values())
''',
}


def run_grader(target: Path | str, report: Path) -> tuple[int, str, dict]:
    result = subprocess.run([sys.executable, "-m", "grader", "lab3", "--target", str(target), "--json", str(report)],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    return result.returncode, result.stdout + result.stderr, json.loads(report.read_text())


def failed_hints(report: dict, exercise: str) -> list[str]:
    return [test["metadata"].get("hint") or "" for test in report["tests"]
            if test["metadata"]["exercise"] == exercise and test["outcome"] == "failed"]


@pytest.fixture(scope="module")
def mistaken_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, dict]:
    folder = tmp_path_factory.mktemp("submission") / "labs"
    shutil.copytree(LABS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(folder / "lab3_pretrained")
    shutil.copytree(SOLUTIONS_DIR / "lab3_pretrained", folder / "lab3_pretrained")
    for module, code in MISTAKES.items():
        path = folder / "lab3_pretrained" / module
        path.write_text(path.read_text() + code)
    return run_grader(folder, folder.parent / "report.json")


def test_reference_gets_full_marks(tmp_path: Path) -> None:
    code, output, report = run_grader("solutions", tmp_path / "report.json")
    assert code == 0, output
    assert report["grade"]["labs"]["lab3"]["score"] == report["grade"]["labs"]["lab3"]["max_score"] > 0


def test_stubs_get_nothing(tmp_path: Path) -> None:
    code, output, report = run_grader("labs", tmp_path / "report.json")
    assert code == 1, output
    assert report["grade"]["labs"]["lab3"]["score"] == 0
    assert all("TODO(lab3." in (test["metadata"].get("hint") or "") for test in report["tests"])


def test_missing_normalisation_is_named(mistaken_run: tuple[int, str, dict]) -> None:
    hints = failed_hints(mistaken_run[2], "lab3.1")
    assert hints and any("normalisation is missing" in hint for hint in hints), hints


def test_logits_as_probabilities_are_named(mistaken_run: tuple[int, str, dict]) -> None:
    hints = failed_hints(mistaken_run[2], "lab3.2")
    assert hints and any("softmax" in hint for hint in hints), hints


def test_counting_the_state_dict_is_named(mistaken_run: tuple[int, str, dict]) -> None:
    hints = failed_hints(mistaken_run[2], "lab3.3")
    assert hints and all("buffers" in hint for hint in hints), hints


def test_untouched_exercise_keeps_its_points(mistaken_run: tuple[int, str, dict]) -> None:
    exercises = mistaken_run[2]["grade"]["labs"]["lab3"]["exercises"]
    assert exercises["lab3.4"]["score"] == exercises["lab3.4"]["max_score"], exercises
