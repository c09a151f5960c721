"""Gradescope: results.json with the spec's field names, and an autograder zip whose run_autograder works."""

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.instructor.gradescope import results
from grader.paths import REPO_ROOT, SOLUTIONS_DIR

TEST_FIELDS = {"name", "number", "score", "max_score", "output", "visibility", "status"}


def report_with(outcomes: list[tuple[str, str, int]]) -> dict:
    """A minimal grade report: (exercise, outcome, points) per test."""
    tests = [{"nodeid": f"lab1_convolution/test_x.py::test_{i}", "outcome": outcome,
              "metadata": {"exercise": exercise, "function": "conv2d", "max_points": points,
                           "points": points if outcome == "passed" else 0, "visibility": "hidden" if i else "public",
                           "feedback": None if outcome == "passed" else "expected 1, got 2", "hint": "flip it"}}
             for i, (exercise, outcome, points) in enumerate(outcomes)]
    score = sum(t["metadata"]["points"] for t in tests)
    return {"tests": tests, "duration": 12.4, "versions": {"judge": "abc"},
            "grade": {"score": score, "max_score": sum(p for _, _, p in outcomes), "labs": {}}}


def test_results_json_uses_the_spec_field_names() -> None:
    data = results(report_with([("lab1.3", "passed", 2), ("lab1.3", "failed", 1)]))
    assert data["score"] == 2 and data["max_score"] == 3 and data["execution_time"] == 12
    first, second = data["tests"]
    assert set(first) == set(second) == TEST_FIELDS
    assert (first["status"], first["score"], first["visibility"]) == ("passed", 2, "visible")
    assert first["number"] == "lab1.3.1"
    assert (second["status"], second["score"], second["max_score"]) == ("failed", 0, 1)
    assert second["visibility"] == "after_published"
    assert "expected 1, got 2" in second["output"] and "Hint: flip it" in second["output"]


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle, unpacked where Gradescope would put it (source/ under the autograder root)."""
    root = tmp_path_factory.mktemp("autograder")
    bundle = root / "autograder.zip"
    finished = subprocess.run([sys.executable, "-m", "grader", "gradescope-bundle", str(bundle), "--labs", "lab1"],
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        assert {"setup.sh", "run_autograder", "source/pyproject.toml", "source/grader/cli.py",
                "source/solutions/lab1_convolution/convolution.py"} <= set(names)
        assert all(archive.getinfo(name).external_attr >> 16 & stat.S_IXUSR for name in ("setup.sh", "run_autograder"))
        assert not [name for name in names if "__pycache__" in name or name.startswith("source/tests/")]
        archive.extractall(root)
    (root / "run_autograder").chmod(0o755)
    return root


def run_autograder(root: Path, submission_files: Path | None) -> dict:
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    (root / "submission").mkdir()
    if submission_files is not None:
        shutil.copytree(submission_files, root / "submission" / "lab1_convolution")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "IPDL_PYTHON": sys.executable}
    finished = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True, text=True,
                              timeout=300)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_run_autograder_grades_the_submission(autograder: Path) -> None:
    data = run_autograder(autograder, SOLUTIONS_DIR / "lab1_convolution")
    assert data["score"] == data["max_score"] > 0
    assert all(set(test) == TEST_FIELDS and test["status"] == "passed" for test in data["tests"])
    assert {test["visibility"] for test in data["tests"]} == {"visible", "after_published"}


def test_run_autograder_explains_an_empty_submission(autograder: Path) -> None:
    data = run_autograder(autograder, None)
    assert data["score"] == 0 and data["tests"] == []
    assert "could not grade" in data["output"]
