"""`python -m grader`: grade labs of a target, or run one of the grader's other commands.

    python -m grader [LAB|EXERCISE ...] [--target labs|solutions|PATH] [--student ID] [--json PATH] [--gradescope PATH]
    python -m grader sync [--check] [--force]
    python -m grader batch SUBMISSIONS --out REPORTS [--workers N] [--labs LAB ...] [--force]
    python -m grader gradebook REPORTS --csv grades.csv [--format plain|canvas|moodle] [--roster roster.csv]
    python -m grader stats REPORTS --html class.html [--json class.json]
    python -m grader gradescope-bundle OUT.zip --labs LAB ...|all
    python -m grader release OUT

Exit codes: 0 full marks, 1 graded with points missing, 2 the grader itself could not run.
"""

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_jsonreport.plugin

from grader import lab_groups, report_page
from grader.budget import SharedSeconds
from grader.instructor import batch, gradebook, gradescope, release, stats, stubgen
from grader.paths import JUDGE_TESTS_DIR
from grader.refusals import INSTRUCTOR_COMMANDS, command_refusal, target_refusal
from grader.selection import selected_labs
from grader.settings import GivenSettings, GradingSettings, add_cli_options
from grader.summary import format_summary, hidden_tests
from grader.target import Target, has_lab_folders, resolve_target
from ipdl.catalogue import LABS
from ipdl.kit import is_student_release

EXIT_FULL_MARKS, EXIT_POINTS_MISSING, EXIT_GRADER_FAILED = 0, 1, 2
# Of the pytest plugins installed, the judge loads only the report's (handed over as a module, `JUDGE_PLUGINS`:
# naming it with -p would read every installed package's entry points), it does not collect the whole heap
# (torch's) after each session in search of unraisable exceptions (a fifth of a warm Lab 1 grading), nor capture
# log records (the judge logs nothing; the student's code runs in the worker).
LIGHT_PYTEST = ("--disable-plugin-autoload", "-p", "no:unraisableexception", "-p", "no:threadexception",
                "-p", "no:logging")
JUDGE_PLUGINS = (pytest_jsonreport.plugin,)
COMMANDS = {"sync": stubgen.main, "batch": batch.main, "gradebook": gradebook.main, "stats": stats.main,
            "gradescope-bundle": gradescope.bundle_main, "release": release.main}


def judge_folders(selection: tuple[str, ...], target_folder: Path) -> list[Path]:
    """The judge's test folders of the labs selected; default: every lab the target has a folder for."""
    if not selection:
        return [JUDGE_TESTS_DIR / lab.folder for lab in LABS
                if (JUDGE_TESTS_DIR / lab.folder).is_dir() and (target_folder / lab.folder).is_dir()]
    missing = [lab.id for lab in selected_labs(selection) if not (JUDGE_TESTS_DIR / lab.folder).is_dir()]
    if missing:
        raise ValueError(f"this grader has no tests for {', '.join(missing)} (a release without them?)")
    return [JUDGE_TESTS_DIR / lab.folder for lab in selected_labs(selection)]


def parse_args(argv: list[str]) -> argparse.Namespace:
    commands = [name for name in COMMANDS if not (is_student_release() and name in INSTRUCTOR_COMMANDS)]
    parser = argparse.ArgumentParser(
        prog="python -m grader", description="Grade the labs of a target against the reference solutions.",
        epilog=f"Other commands: {', '.join(commands)} ('python -m grader COMMAND --help').")
    add_cli_options(parser)
    parser.add_argument("--json", default="grade-report.json", type=Path,
                        help="where to write the report (default: %(default)s)")
    parser.add_argument("--gradescope", type=Path, help="also write Gradescope's results.json here")
    parser.add_argument("--html", type=Path, help="also write a self-contained HTML page of the report here "
                                                  "(table, failures with hints and pictures)")
    parser.add_argument("--details", action="store_true", help="print every failure in full")
    parser.add_argument("-k", dest="keyword", help="only the tests whose names match (pytest's -k expression)")
    return parser.parse_args(argv)


def prepare(args: argparse.Namespace) -> tuple[GradingSettings, Target, list[Path]]:
    """The run's settings, its target resolved, and the judge folders to collect; ValueError says what is wrong
    (an unknown lab or exercise, a target that is not a folder or holds no lab folder)."""
    settings = GradingSettings.from_values(vars(args))
    target = resolve_target(settings.target)
    folders = judge_folders(settings.select, target.folder)
    if not folders or not has_lab_folders(target.folder):
        raise ValueError(f"{target.folder} has no lab folders the grader knows ({', '.join(lab.id for lab in LABS)})")
    return settings, target, folders


def pytest_arguments(args: argparse.Namespace, lab_folders: list[Path]) -> list[str]:
    """pytest's command line for the judge session (the grader's own settings go to the plugin as an object)."""
    options = [
        *LIGHT_PYTEST, "-c", str(JUDGE_TESTS_DIR / "pytest.ini"), "--rootdir", str(JUDGE_TESTS_DIR),
        "--json-report", "--json-report-file=none", "--json-report-omit", "traceback", "keywords", "streams",
        "-p", "grader.plugin", "-q", "--tb=no", "--no-header", "-rN",  # an option ends the list of omissions
    ]
    if args.keyword:
        options += ["-k", args.keyword]
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
        settings, target, lab_folders = prepare(args)
    except ValueError as error:
        return fail(args, str(error))
    try:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.unlink(missing_ok=True)
    except OSError as error:
        return fail(args, f"cannot write the report to {args.json}: {error.strerror or error}")
    groups = lab_groups.split(lab_folders, 1 if settings.record else lab_groups.default_jobs(settings.jobs))
    if len(groups) > 1 and not settings.threads:  # the cores shared out among the judges' workers
        settings = dataclasses.replace(settings, threads=max(1, len(os.sched_getaffinity(0)) // len(groups)))

    def session(folders: list[Path], shared: SharedSeconds | None = None) -> tuple[int, dict[str, Any] | None]:
        collector = ReportCollector()
        status = pytest.main(pytest_arguments(args, folders),
                             plugins=[*JUDGE_PLUGINS, collector, GivenSettings(settings, target, shared)])
        return int(status), collector.report

    if len(groups) == 1:
        status, report = session(lab_folders)
    else:
        print(f"Grading {lab_names(groups[0])} here and, at the same time, "
              f"{'; '.join(lab_names(group) for group in groups[1:])} in another judge (one at a time: --jobs 1)")
        status, report = lab_groups.grade_in_groups(groups, session)
    return finish(args, status, report, graded_path(settings.target, target))


def lab_names(folders: list[Path]) -> str:
    return ", ".join(lab.id for lab in LABS if lab.folder in {folder.name for folder in folders})


def graded_path(spec: str, target: Target) -> Path:
    """The absolute path of what was graded: the kit's labs/ or solutions/, or the submission as given."""
    return target.folder if spec in ("labs", "solutions") else Path(spec).expanduser().resolve()


def fail(args: argparse.Namespace, message: str) -> int:
    """Exit 2 with a message; a Gradescope results.json says the same, so the student sees why."""
    print(f"error: {message}", file=sys.stderr)
    if args.gradescope:
        gradescope.write_failure(args.gradescope, message)
    return EXIT_GRADER_FAILED


def finish(args: argparse.Namespace, status: int, report: dict[str, Any] | None, graded: Path) -> int:
    """Write the report, print the summary, and turn pytest's status and the grade into the exit code."""
    if report is None or "grade" not in report:
        return fail(args, f"grading did not run (pytest exit status {status})")
    report["target_path"] = str(graded)
    report["hidden_tests"] = hidden_tests(report)
    args.json.write_text(json.dumps(report, indent=2))
    if args.gradescope:
        gradescope.write_results(args.gradescope, report)
    if args.html:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(report_page.render(report), encoding="utf-8")
    print(format_summary(report, details=args.details))
    print(f"Report written to {args.json.resolve()}")
    errors = report["summary"].get("error", 0)
    if status not in (0, 1) or errors:
        print(f"error: the grader itself failed ({errors} errors, pytest status {status})", file=sys.stderr)
        return EXIT_GRADER_FAILED
    full = report["grade"]["score"] == report["grade"]["max_score"]
    return EXIT_FULL_MARKS if full else EXIT_POINTS_MISSING


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    refused = command_refusal(argv)
    if refused:
        return refuse(refused)
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    args = parse_args(argv)
    refused = target_refusal(args.target)
    return refuse(refused) if refused else grade(args)


def refuse(reason: str) -> int:
    """Exit 2 with the reason, having written nothing (not even a report)."""
    print(f"error: {reason}", file=sys.stderr)
    return EXIT_GRADER_FAILED
