"""`python -m grader`: grade labs of a target, or run one of the grader's other commands.

    python -m grader [LAB ...] [--target labs|solutions|PATH] [--student ID] [--json PATH]
    python -m grader sync [--check]

Exit codes: 0 full marks, 1 graded with points missing, 2 the grader itself could not run.
"""

import argparse
import json
import re
import sys
from pathlib import Path

import pytest

from grader import stubgen
from grader.paths import JUDGE_TESTS_DIR
from grader.summary import format_summary
from grader.worker_client import resolve_target

EXIT_FULL_MARKS, EXIT_POINTS_MISSING, EXIT_GRADER_FAILED = 0, 1, 2
COMMANDS = {"sync": stubgen.main}


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
        epilog="Other commands: 'python -m grader sync [--check]' regenerates labs/ from solutions/.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("labs", nargs="*", metavar="LAB", help="labs to grade, e.g. lab1 (default: all)")
    parser.add_argument("--target", default="labs", help="labs, solutions, or the path of a copy of labs/")
    parser.add_argument("--student", default="", help="student id written into the report")
    parser.add_argument("--json", default="grade-report.json", type=Path, help="where to write the report")
    parser.add_argument("--public-only", action="store_true", help="run only the tests students can see")
    parser.add_argument("--details", action="store_true", help="print every failure in full")
    return parser.parse_args(argv)


def pytest_arguments(args: argparse.Namespace, lab_folders: list[Path]) -> list[str]:
    options = [
        "-c", str(JUDGE_TESTS_DIR / "pytest.ini"), "--rootdir", str(JUDGE_TESTS_DIR),
        "-p", "grader.plugin", "-q", "--tb=no", "--no-header", "-rN",
        "--json-report", f"--json-report-file={args.json}", "--json-report-indent=2",
        "--json-report-omit", "traceback", "keywords", "streams",
        f"--grader-target={args.target}", f"--grader-student={args.student}",
    ]
    if args.public_only:
        options.append("--grader-public-only")
    return options + [str(folder) for folder in lab_folders]


def grade(args: argparse.Namespace) -> int:
    try:
        target = resolve_target(args.target)
        lab_folders = choose_labs(args.labs, target.folder)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_GRADER_FAILED
    if not lab_folders:
        print(f"error: {target.folder} has no lab folders the grader knows", file=sys.stderr)
        return EXIT_GRADER_FAILED
    if not args.json.parent.resolve().is_dir():
        print(f"error: cannot write the report: {args.json.parent} is not a folder", file=sys.stderr)
        return EXIT_GRADER_FAILED
    args.json.unlink(missing_ok=True)
    status = pytest.main(pytest_arguments(args, lab_folders))
    return finish(args, int(status))


def finish(args: argparse.Namespace, status: int) -> int:
    """Print the summary and turn pytest's status and the grade into the grader's exit code."""
    if not args.json.exists():
        print(f"error: grading did not run (pytest exit status {status})", file=sys.stderr)
        return EXIT_GRADER_FAILED
    report = json.loads(args.json.read_text())
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
