"""Shared steps of the judge tests on real targets: run `python -m grader` on a folder and read its JSON report,
check the reference and the stubs, grade the reference with typical mistakes appended, and read the hints."""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

from grader.paths import LABS_DIR, REPO_ROOT, SOLUTIONS_DIR

GRADER_TIMEOUT_S = 300


class GraderRun(NamedTuple):
    """What one run of the judge gave: its exit code, its stdout and stderr together, and its JSON report."""

    code: int
    output: str
    report: dict


def run_grader(lab: str, target: Path | str, report: Path, timeout_s: int = GRADER_TIMEOUT_S,
               options: tuple[str, ...] = ()) -> GraderRun:
    """Grade `lab` (or several labs and exercises: "lab1 lab2.3") in `target`, writing the JSON report to `report`;
    `options` go to pytest (`-k ...`)."""
    command = [sys.executable, "-m", "grader", *lab.split(), "--target", str(target), "--json", str(report), *options]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout_s)
    return GraderRun(result.returncode, result.stdout + result.stderr, json.loads(report.read_text()))


def failed_hints(report: dict, exercise: str) -> list[str]:
    """The hint of each failed test of `exercise` ("" for a test that gives none)."""
    return [
        test["metadata"].get("hint") or ""
        for test in report["tests"]
        if test["metadata"]["exercise"] == exercise and test["outcome"] == "failed"
    ]


def check_reference_gets_full_marks(lab: str, tmp_path: Path, timeout_s: int = GRADER_TIMEOUT_S) -> GraderRun:
    """The reference solutions pass: exit 0 and every point of `lab`. Returns the run for further checks."""
    run = run_grader(lab, "solutions", tmp_path / "report.json", timeout_s)
    assert run.code == 0, run.output
    grade = run.report["grade"]["labs"][lab]
    assert grade["score"] == grade["max_score"] > 0
    return run


def check_stubs_get_nothing(lab: str, tmp_path: Path, timeout_s: int = GRADER_TIMEOUT_S) -> GraderRun:
    """The stubs fail: exit 1, no points, and every test's hint names the TODO it stops at. Returns the run."""
    run = run_grader(lab, "labs", tmp_path / "report.json", timeout_s)
    assert run.code == 1, run.output
    assert run.report["grade"]["labs"][lab]["score"] == 0
    assert all(f"TODO({lab}." in (test["metadata"].get("hint") or "") for test in run.report["tests"])
    return run


def reference_with_mistakes(folder: Path, package: str, mistakes: dict[str, str]) -> Path:
    """A copy of the stubs under `folder` whose `package` is the reference with each mistake's code appended to its
    module (later definitions win); returns the copy's labs folder."""
    labs = folder / "labs"
    shutil.copytree(LABS_DIR, labs, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(labs / package)
    shutil.copytree(SOLUTIONS_DIR / package, labs / package, ignore=shutil.ignore_patterns("__pycache__"))
    for module, code in mistakes.items():
        path = labs / package / module
        path.write_text(path.read_text() + code)
    return labs


def grade_reference_with_mistakes(
    lab: str, package: str, mistakes: dict[str, str], folder: Path, timeout_s: int = GRADER_TIMEOUT_S,
    options: tuple[str, ...] = (),
) -> GraderRun:
    """Grade `lab` in a copy of the stubs, under `folder`, whose `package` is the reference with `mistakes` appended."""
    labs = reference_with_mistakes(folder, package, mistakes)
    return run_grader(lab, labs, folder / "report.json", timeout_s, options)


def check_a_hint_names(run: GraderRun, exercise: str, words: str) -> None:
    """At least one failed test of `exercise` says `words` in its hint."""
    hints = failed_hints(run.report, exercise)
    assert any(words in hint for hint in hints), hints


def check_every_hint_names(run: GraderRun, exercise: str, words: str) -> None:
    """`exercise` has failed tests, and every one of them says `words` in its hint."""
    hints = failed_hints(run.report, exercise)
    assert hints and all(words in hint for hint in hints), hints
