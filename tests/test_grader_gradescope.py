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

from grader.grade import id_numbers
from grader.instructor.gradescope import results
from grader.paths import REPO_ROOT, SOLUTIONS_DIR
from ipdl.catalogue import LABS, find_lab

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


def test_tests_are_ordered_and_numbered_by_exercise() -> None:
    """The report lists tests file by file; Gradescope gets them by exercise, lab1.10 after lab1.9."""
    data = results(report_with([("lab1.10", "passed", 1), ("lab1.3", "failed", 2), ("lab1.2", "passed", 1),
                                ("lab1.3", "passed", 1), ("lab2.1", "passed", 1), ("lab1.9", "passed", 1)]))
    assert [test["number"] for test in data["tests"]] == ["lab1.2.1", "lab1.3.1", "lab1.3.2", "lab1.9.1",
                                                          "lab1.10.1", "lab2.1.1"]
    assert [test["status"] for test in data["tests"][1:3]] == ["failed", "passed"]  # the report's order kept within
    assert data["tests"][4]["name"].startswith("lab1.10 conv2d: ")


def bundle_command(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", "gradescope-bundle", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_bundle_needs_the_assignments_labs(tmp_path: Path) -> None:
    """Without --labs the bundle is not built (it used to grade all six labs for a Lab 1 assignment)."""
    finished = bundle_command(str(tmp_path / "autograder.zip"))
    assert finished.returncode == 2 and "--labs" in finished.stderr
    assert not (tmp_path / "autograder.zip").exists()


def test_a_bundle_for_every_lab_says_so(tmp_path: Path) -> None:
    finished = bundle_command(str(tmp_path / "autograder.zip"), "--labs", "all")
    assert finished.returncode == 0, finished.stdout + finished.stderr
    every = ", ".join(lab.id for lab in LABS)
    assert f"it grades {every} (every lab), {sum(lab.points for lab in LABS)} points" in finished.stdout
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        assert f"-m grader {' '.join(lab.id for lab in LABS)} --target" in archive.read("run_autograder").decode()


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle, unpacked where Gradescope would put it (source/ under the autograder root)."""
    root = tmp_path_factory.mktemp("autograder")
    bundle = root / "autograder.zip"
    finished = bundle_command(str(bundle), "--labs", "1")
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert f"it grades lab1, {find_lab('lab1').points} points" in finished.stdout
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
    exercises = [test["number"].rsplit(".", 1)[0] for test in data["tests"]]
    assert exercises == sorted(exercises, key=id_numbers) and len(set(exercises)) == len(find_lab("lab1").exercises)


def test_run_autograder_explains_an_empty_submission(autograder: Path) -> None:
    data = run_autograder(autograder, None)
    assert data["score"] == 0 and data["tests"] == []
    assert "could not grade" in data["output"]
