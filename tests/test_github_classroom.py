"""GitHub Classroom: the student release's autograding workflow, run step by step in a fresh clone of a release (no
GitHub: the steps that need the network or root are checked, not run), reports the points its grader gave."""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grader.github_classroom import classroom_result, error_result, read_result
from grader.instructor.release import WORKFLOW_PATH
from grader.paths import REPO_ROOT, SOLUTIONS_DIR

LAB = "lab1_convolution"
NOT_RUN_HERE = {"install": "download.pytorch.org/whl/cpu", "sandbox": "sysctl"}  # step id -> what it must hold
REPORTER = "classroom-resources/autograding-grading-reporter@"


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=student", "-c", "user.email=student@example.org", *args], cwd=cwd,
                   check=True, capture_output=True)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Lab 1 release, committed as the template repository an assignment is made from."""
    out = tmp_path_factory.mktemp("release") / "ipdl-lab"
    finished = subprocess.run([sys.executable, "-m", "grader", "release", str(out), "--labs", LAB], cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    git("init", "-q", cwd=out)
    git("add", "-A", cwd=out)
    git("commit", "-q", "-m", "assignment", cwd=out)
    return out


def student_clone(release: Path, folder: Path) -> Path:
    """A fresh clone of the release in which the student solved convolution.py (lab1.1 to lab1.4) and pushed."""
    clone = folder / "student-repo"
    git("clone", "-q", str(release), str(clone), cwd=folder)
    shutil.copy2(SOLUTIONS_DIR / LAB / "convolution.py", clone / "labs" / LAB / "convolution.py")
    git("commit", "-q", "-am", "solve convolution.py", cwd=clone)
    return clone


def run_steps(workflow: dict, clone: Path, scratch: Path) -> dict[str, dict[str, str]]:
    """Run the job's `run` steps as GitHub's runner does (bash -e, $GITHUB_OUTPUT, $RUNNER_TEMP, the Python on the
    PATH), skipping those in NOT_RUN_HERE; returns each step's outputs by id."""
    (job,) = workflow["jobs"].values()
    environment = {**os.environ, "RUNNER_TEMP": str(scratch),
                   "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    outputs: dict[str, dict[str, str]] = {}
    for number, step in enumerate(job["steps"]):
        if "run" not in step or step.get("id") in NOT_RUN_HERE:
            continue
        output_file = scratch / f"output-{number}"
        output_file.touch()
        finished = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=clone,
                                  env={**environment, "GITHUB_OUTPUT": str(output_file)}, capture_output=True,
                                  text=True, timeout=900)
        assert finished.returncode == 0, f"step {step['name']!r} failed:\n{finished.stdout}{finished.stderr}"
        outputs[step.get("id", str(number))] = dict(line.split("=", 1) for line in output_file.read_text().splitlines())
    return outputs


def reported_points(step: dict, outputs: dict[str, dict[str, str]]) -> tuple[float, float]:
    """What the grading reporter posts to GitHub Classroom from its runners' results: the tests' scores added up,
    out of the runners' max_score."""
    environment = {}
    for name, value in step["env"].items():
        step_id, output = re.fullmatch(r"\$\{\{\s*steps\.(\w+)\.outputs\.(\w+)\s*\}\}", value).groups()
        environment[name] = outputs[step_id][output]
    score = max_score = 0.0
    for runner in step["with"]["runners"].split(","):
        results = json.loads(base64.b64decode(environment[f"{runner.strip().upper()}_RESULTS"]))
        max_score += results["max_score"]
        score += sum(test["score"] for test in results["tests"])
    return score, max_score


def test_the_workflow_reports_the_points_of_the_students_repository(release: Path, tmp_path: Path) -> None:
    clone = student_clone(release, tmp_path)
    workflow = yaml.safe_load((clone / WORKFLOW_PATH).read_text())
    (job,) = workflow["jobs"].values()
    steps = {step.get("id"): step for step in job["steps"]}
    for step_id, needed in NOT_RUN_HERE.items():
        assert needed in steps[step_id]["run"]
    outputs = run_steps(workflow, clone, tmp_path)
    (reporter,) = [step for step in job["steps"] if step.get("uses", "").startswith(REPORTER)]
    score, max_score = reported_points(reporter, outputs)
    lab = json.loads((clone / "ipdl" / "release.json").read_text())["labs"]["lab1"]
    solved = sum(lab["exercises"][f"lab1.{number}"]["public_points"] for number in (1, 2, 3, 4))
    assert (score, max_score) == (solved, lab["public_points"])
    assert 0 < solved < lab["public_points"]


def test_a_report_becomes_the_reporters_result() -> None:
    report = {"grade": {"score": 3, "max_score": 5},
              "tests": [{"nodeid": "t.py::test_b", "outcome": "failed", "call": {"duration": 0.5},
                         "metadata": {"exercise": "lab1.2", "function": "f", "points": 0, "max_points": 2,
                                      "feedback": "wrong", "hint": "flip it"}},
                        {"nodeid": "t.py::test_a", "outcome": "passed",
                         "metadata": {"exercise": "lab1.1", "function": "g", "points": 3, "max_points": 3}}]}
    result = classroom_result(report)
    assert (result["status"], result["max_score"]) == ("fail", 5)
    assert [(t["name"], t["status"], t["score"]) for t in result["tests"]] == [
        ("lab1.1 g: test_a", "pass", 3), ("lab1.2 f: test_b", "fail", 0)]
    assert result["tests"][1]["message"] == "wrong\nHint: flip it"


def test_no_report_is_an_error_worth_nothing(tmp_path: Path) -> None:
    result = read_result(tmp_path / "missing.json")
    assert result["status"] == "error" and [t["score"] for t in result["tests"]] == [0]
    assert "wrote no report" in result["tests"][0]["message"]
    (tmp_path / "broken.json").write_text("{")
    assert "could not be read" in read_result(tmp_path / "broken.json")["tests"][0]["message"]
    assert error_result("x")["max_score"] == 0  # the kit itself records no public points
