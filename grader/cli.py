"""`python -m grader`: grade labs of a target, or run one of the grader's other commands.

    python -m grader [LAB ...] [--target labs|solutions|PATH] [--student ID] [--json PATH] [--gradescope PATH]
    python -m grader sync [--check]
    python -m grader batch SUBMISSIONS --out REPORTS [--workers N] [--labs LAB ...] [--force]
    python -m grader gradebook REPORTS --csv grades.csv
    python -m grader gradescope-bundle OUT.zip
    python -m grader release OUT

Exit codes: 0 full marks, 1 graded with points missing, 2 the grader itself could not run.
"""

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from grader.budget import Budget
from grader.instructor import batch, gradebook, gradescope, release, stubgen
from grader.paths import JUDGE_TESTS_DIR
from grader.summary import format_summary
from grader.target import has_lab_folders, resolve_target
from grader.worker.limits import GB, Limits

EXIT_FULL_MARKS, EXIT_POINTS_MISSING, EXIT_GRADER_FAILED = 0, 1, 2
COMMANDS = {"sync": stubgen.main, "batch": batch.main, "gradebook": gradebook.main,
            "gradescope-bundle": gradescope.bundle_main, "release": release.main}


def judge_labs() -> dict[str, Path]:
    """`lab1` -> grader/tests/lab1_convolution, for every lab the grader has test cases for."""
    folders = sorted(p for p in JUDGE_TESTS_DIR.iterdir() if p.is_dir() and re.match(r"lab\d+_", p.name))
    return {folder.name.split("_")[0]: folder for folder in folders}


def choose_labs(requested: list[str], target_folder: Path) -> list[Path]:
    """Judge folders for the labs asked for (`lab1`, `1` or `lab1_convolution`); default: every lab the
    target has a folder for."""
    available = judge_labs()
    if not requested:
        return [folder for folder in available.values() if (target_folder / folder.name).is_dir()]
    chosen = []
    for name in requested:
        key = name.split("_")[0] if name.startswith("lab") else f"lab{name}"
        if key not in available:
            raise ValueError(f"unknown lab {name!r}; the grader knows {', '.join(available)}")
        chosen.append(available[key])
    return chosen


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m grader", description="Grade the labs of a target against the reference solutions.",
        epilog="Other commands: sync, batch, gradebook, gradescope-bundle, release "
               "('python -m grader COMMAND --help').",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("labs", nargs="*", metavar="LAB", help="labs to grade, e.g. lab1 (default: all)")
    parser.add_argument("--target", default="labs", help="labs, solutions, or the path of a copy of labs/")
    parser.add_argument("--student", default="", help="student id written into the report")
    parser.add_argument("--json", default="grade-report.json", type=Path, help="where to write the report")
    parser.add_argument("--gradescope", type=Path, help="also write Gradescope's results.json here")
    parser.add_argument("--public-only", action="store_true", help="run only the tests students can see")
    parser.add_argument("--details", action="store_true", help="print every failure in full")
    parser.add_argument("-k", dest="keyword", help="only the tests whose names match (pytest's -k expression)")
    limits = parser.add_argument_group("limits on the student's code")
    limits.add_argument("--budget", type=float, default=Budget.total_s, help="seconds for all calls together")
    limits.add_argument("--test-timeout", type=float, default=Budget.per_test_s, help="seconds for one test")
    limits.add_argument("--memory-gb", type=float, default=Limits.memory_bytes / GB, help="worker memory")
    limits.add_argument("--threads", type=int, default=0, help="torch threads in the worker (0: torch's default)")
    limits.add_argument("--no-sandbox", action="store_true", help="no namespaces and no separate user")
    limits.add_argument("--hide", action="append", default=[], help="another folder the worker must not see")
    parser.add_argument("--record", type=Path, help=argparse.SUPPRESS)  # golden fixtures, for `release`
    return parser.parse_args(argv)


def pytest_arguments(args: argparse.Namespace, lab_folders: list[Path]) -> list[str]:
    options = [
        "-c", str(JUDGE_TESTS_DIR / "pytest.ini"), "--rootdir", str(JUDGE_TESTS_DIR),
        "-p", "grader.plugin", "-q", "--tb=no", "--no-header", "-rN",
        "--json-report", "--json-report-file=none", "--json-report-omit", "traceback", "keywords", "streams",
        f"--grader-target={args.target}", f"--grader-student={args.student}",
        f"--grader-budget={args.budget}", f"--grader-test-timeout={args.test_timeout}",
        f"--grader-memory-gb={args.memory_gb}", f"--grader-threads={args.threads}",
        *[f"--grader-hide={folder}" for folder in args.hide],
    ]
    if args.public_only:
        options.append("--grader-public-only")
    if args.no_sandbox:
        options.append("--grader-no-sandbox")
    if args.keyword:
        options += ["-k", args.keyword]
    if args.record:
        options.append(f"--grader-record={args.record}")
    return options + [str(folder) for folder in lab_folders]


class ReportCollector:
    """Keeps the JSON report in the judge's memory: the file on disk is written from it, never read back
    (so nothing the student's code wrote to that path can stand in for it)."""

    def __init__(self) -> None:
        self.report: dict[str, Any] | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_json_modifyreport(self, json_report: dict[str, Any]) -> None:
        self.report = json_report


def grade(args: argparse.Namespace) -> int:
    try:
        target = resolve_target(args.target)
        lab_folders = choose_labs(args.labs, target.folder)
    except ValueError as error:
        return fail(args, str(error))
    if not lab_folders or not has_lab_folders(target.folder):
        return fail(args, f"{target.folder} has no lab folders the grader knows ({', '.join(judge_labs())})")
    if not args.json.parent.resolve().is_dir():
        return fail(args, f"cannot write the report: {args.json.parent} is not a folder")
    args.json.unlink(missing_ok=True)
    collector = ReportCollector()
    status = pytest.main(pytest_arguments(args, lab_folders), plugins=[collector])
    return finish(args, int(status), collector.report)


def fail(args: argparse.Namespace, message: str) -> int:
    """Exit 2 with a message; a Gradescope results.json says the same, so the student sees why."""
    print(f"error: {message}", file=sys.stderr)
    if args.gradescope:
        gradescope.write_failure(args.gradescope, message)
    return EXIT_GRADER_FAILED


def finish(args: argparse.Namespace, status: int, report: dict[str, Any] | None) -> int:
    """Write the report, print the summary, and turn pytest's status and the grade into the exit code."""
    if report is None or "grade" not in report:
        return fail(args, f"grading did not run (pytest exit status {status})")
    args.json.write_text(json.dumps(report, indent=2))
    if args.gradescope:
        gradescope.write_results(args.gradescope, report)
    print(format_summary(report, details=args.details))
    print(f"Report written to {args.json}")
    errors = report["summary"].get("error", 0)
    if status not in (0, 1) or errors:
        print(f"error: the grader itself failed ({errors} errors, pytest status {status})", file=sys.stderr)
        return EXIT_GRADER_FAILED
    full = report["grade"]["score"] == report["grade"]["max_score"]
    return EXIT_FULL_MARKS if full else EXIT_POINTS_MISSING


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    return grade(parse_args(argv))
