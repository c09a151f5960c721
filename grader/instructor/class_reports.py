"""A class's grade reports, read from a folder: each file either becomes a report or a problem that names the file
and says what to do, so that nothing is dropped silently; and which grader graded each lab of each report.

Used by `gradebook` and `stats`.
"""

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VERSION_KEYS = ("ipdl-lab", "torch", "python")  # besides the judge's fingerprint
STATS_FORMAT = "ipdl-lab class statistics"  # the `format` of a `stats --json` file, which is not a report


@dataclass(frozen=True)
class Problem:
    """A report file that could not be used, or a doubt about one that was."""

    file: str
    message: str


@dataclass
class ClassReports:
    folder: Path
    reports: list[dict[str, Any]] = field(default_factory=list)  # each with "student" set (the file name if empty)
    problems: list[Problem] = field(default_factory=list)


class NoReports(ValueError):
    """The folder holds no grade report at all; the message says what to run."""


def load_class(folder: Path) -> ClassReports:
    """Every `*.json` grade report in `folder`, one per student, sorted by file name; unreadable ones become
    problems. Raises NoReports for a folder that is missing or holds no `.json` file."""
    if not folder.is_dir():
        raise NoReports(f"{folder} is not a folder of reports: give the folder that `python -m grader batch "
                        f"SUBMISSIONS --out REPORTS` wrote")
    paths = sorted(folder.glob("*.json"))
    if not paths:
        raise NoReports(f"{folder} holds no .json reports: run `python -m grader batch SUBMISSIONS --out {folder}` "
                        f"first")
    loaded = ClassReports(folder)
    used: dict[str, tuple[Path, dict[str, Any]]] = {}  # student -> the report kept for them
    for path in paths:
        report, problem = read_report(path)
        if problem is not None:
            loaded.problems.append(problem)
        elif report is not None:  # (None, None): the class statistics, written next to the reports
            kept = used.setdefault(report["student"], (path, report))
            if kept[0] != path:
                used[report["student"]] = keep_one(kept, (path, report), loaded.problems)
    loaded.reports = [report for _, report in used.values()]
    return loaded


def usable_class(folder: Path) -> ClassReports:
    """load_class, with a warning on stderr for each problem; NoReports also where no report is usable."""
    loaded = load_class(folder)
    for problem in loaded.problems:
        print(f"warning: skipping {problem.file}: {problem.message}", file=sys.stderr)
    if not loaded.reports:
        raise NoReports(f"no usable grade report in {folder} (see the warnings above)")
    return loaded


def keep_one(first: tuple[Path, dict[str, Any]], second: tuple[Path, dict[str, Any]],
             problems: list[Problem]) -> tuple[Path, dict[str, Any]]:
    """Of two reports for the same student, the one named `<student>.json` (as the batch names them), else the
    first; the other becomes a problem."""
    student = first[1]["student"]
    kept, dropped = (second, first) if second[0].stem == student else (first, second)
    problems.append(Problem(dropped[0].name, f"a second report for student {student} ({kept[0].name} is used); "
                                             f"keep one report per student"))
    return kept


def read_report(path: Path) -> tuple[dict[str, Any] | None, Problem | None]:
    """(report, None), (None, the problem with it), or (None, None) for a class statistics file."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        return None, Problem(path.name, f"not valid JSON ({error.msg} at line {error.lineno}; cut short while it "
                                        f"was written?): grade this student again")
    except (OSError, UnicodeDecodeError) as error:
        return None, Problem(path.name, f"cannot be read ({error}); grade this student again")
    if isinstance(report, dict) and report.get("format") == STATS_FORMAT:
        return None, None
    if not isinstance(report, dict) or "grade" not in report:
        return None, Problem(path.name, "has no `grade`: not a grade report, or grading did not finish; grade this "
                                        "student again")
    problem = grade_problem(report["grade"])
    if problem:
        return None, Problem(path.name, f"its `grade` is not this kit's ({problem}): a report of another grader?")
    report["student"] = str(report.get("student") or path.stem)
    return report, None


def grade_problem(grade: Any) -> str:
    """'' for a `grade` object of the shape this kit writes, else what is wrong with it."""
    if not isinstance(grade, dict) or not isinstance(grade.get("labs", {}), dict):
        return "expected {score, max_score, labs: {...}}"
    for lab, entry in grade.get("labs", {}).items():
        if not isinstance(entry, dict) or not all(isinstance(entry.get(key), (int, float))
                                                  for key in ("score", "max_score")):
            return f"lab {lab} lacks a numeric score and max_score"
    return ""


def lab_grader(report: dict[str, Any], lab: str) -> str:
    """`judge=… ipdl-lab=… torch=… python=…` for the grader that graded `lab` in this report: the judge's
    fingerprint of that lab alone (reports written before it was recorded give the fingerprint of all the labs they
    graded); '' for a report with no versions (a submission that could not be graded)."""
    versions = report.get("versions") or {}
    judge = (versions.get("judge_labs") or {}).get(lab) or versions.get("judge")
    parts = [f"judge={judge}"] if judge else []
    parts += [f"{key}={versions[key]}" for key in VERSION_KEYS if key in versions]
    return " ".join(parts)


def graders_by_lab(reports: list[dict[str, Any]]) -> dict[str, dict[str, list[str]]]:
    """lab -> grader (see lab_grader) -> the students whose report graded that lab with it."""
    found: dict[str, dict[str, list[str]]] = {}
    for report in reports:
        for lab in report["grade"].get("labs", {}):
            grader = lab_grader(report, lab)
            if grader:
                found.setdefault(lab, {}).setdefault(grader, []).append(report["student"])
    return found


def mixed_graders(reports: list[dict[str, Any]]) -> dict[str, dict[str, list[str]]]:
    """The labs graded by more than one grader, with the students of each."""
    return {lab: graders for lab, graders in graders_by_lab(reports).items() if len(graders) > 1}
