"""`python -m grader batch`: grade a folder of submissions, one grader process per student, in parallel.

    python -m grader batch SUBMISSIONS --out REPORTS [--workers N] [--labs LAB ...] [--force]

SUBMISSIONS holds one folder or .zip file per student, named by student id, each in a shape the grader takes
(grader.target.SHAPES: a copy of labs/, a folder of lab folders, one lab folder, or a zip of one of these).
REPORTS receives one JSON report per student (`<id>.json`), and each grader's output in `logs/<id>.txt`.
Reports already there are kept (the batch resumes) unless --force; a submission that cannot be graded gets a
report with an `error` and is tried again on the next run.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.budget import Budget
from grader.paths import REPO_ROOT

STARTUP_MARGIN_S = 180  # a grader process may take this much longer than its students' time budget
STUDENT_ID = re.compile(r"^[\w.@+-]+$")


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path  # a folder or a .zip file


@dataclass
class Outcome:
    student: str
    status: str  # graded | skipped | error
    score: float = 0.0
    max_score: float = 0.0
    message: str = ""
    seconds: float = 0.0


def find_submissions(folder: Path) -> list[Submission]:
    """Every student folder and .zip file in `folder`, sorted by student id."""
    found = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not (path.is_dir() or path.suffix.lower() == ".zip"):
            continue
        student = path.stem if path.suffix.lower() == ".zip" else path.name
        if not STUDENT_ID.match(student):
            print(f"warning: skipping {path.name}: a student id may hold letters, digits and . _ @ + - only",
                  file=sys.stderr)
            continue
        found.append(Submission(student, path))
    return found


def finished_report(path: Path) -> dict[str, Any] | None:
    """The report at `path` if it is a complete grade report (not an error), else None."""
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return report if isinstance(report, dict) and "grade" in report and "error" not in report else None


class Batch:
    """One batch run: where things go, and how each grader process is started."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.out: Path = args.out
        self.logs = self.out / "logs"
        self.budget_s = args.budget
        self.threads = max(1, (os.cpu_count() or 1) // args.workers)

    def grade(self, submission: Submission) -> Outcome:
        """Grade one submission in its own grader process, which unpacks and stages it as `python -m grader
        --target` does for any submission; never raises for a broken submission."""
        started = time.monotonic()
        report_path = self.out / f"{submission.student}.json"
        try:
            outcome = self.run_grader(submission.student, submission.path.resolve(), report_path)
        except OSError as error:
            outcome = Outcome(submission.student, "error", message=f"{type(error).__name__}: {error}")
        except Exception as error:  # (one broken submission never stops the batch)
            outcome = Outcome(submission.student, "error", message=f"unexpected {type(error).__name__}: {error}")
        if outcome.status == "error":
            write_error_report(report_path, submission, outcome.message)
        outcome.seconds = time.monotonic() - started
        return outcome

    def command(self, student: str, target: Path, report: Path) -> list[str]:
        hidden = [self.args.submissions.resolve(), self.out.resolve()]
        return [sys.executable, "-m", "grader", *self.args.labs, "--target", str(target), "--student", student,
                "--json", str(report), "--budget", str(self.budget_s), "--threads", str(self.threads),
                *[f"--hide={folder}" for folder in hidden]]

    def run_grader(self, student: str, target: Path, report_path: Path) -> Outcome:
        partial = report_path.with_name(f".{student}.partial.json")
        log = self.logs / f"{student}.txt"
        with open(log, "w") as output:
            try:
                finished = subprocess.run(self.command(student, target, partial), cwd=REPO_ROOT, stdout=output,
                                          stderr=subprocess.STDOUT, timeout=self.budget_s + STARTUP_MARGIN_S)
            except subprocess.TimeoutExpired:
                return Outcome(student, "error", message=f"the grader ran over {self.budget_s:g} s + "
                                                         f"{STARTUP_MARGIN_S} s and was stopped")
        report = finished_report(partial) if finished.returncode in (0, 1) else None
        if report is None:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] or [""]
            return Outcome(student, "error", message=f"grader exit code {finished.returncode}: {tail[0]}")
        partial.replace(report_path)
        return Outcome(student, "graded", report["grade"]["score"], report["grade"]["max_score"])


def write_error_report(path: Path, submission: Submission, message: str) -> None:
    """A report that records why a submission was not graded (the gradebook lists it with 0 points)."""
    path.write_text(json.dumps({"student": submission.student, "target": str(submission.path), "error": message,
                                "grade": {"score": 0, "max_score": 0, "labs": {}}}, indent=2))


class Progress:
    """A one-line progress bar on stderr (a line per submission when stderr is not a terminal)."""

    def __init__(self, total: int):
        self.total, self.done, self.lock = total, 0, threading.Lock()
        self.started = time.monotonic()
        self.live = sys.stderr.isatty()

    def step(self, outcome: Outcome) -> None:
        with self.lock:
            self.done += 1
            width = 30
            filled = width * self.done // max(self.total, 1)
            result = (f"{outcome.score:g}/{outcome.max_score:g}" if outcome.status == "graded"
                      else outcome.status)
            line = (f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                    f"{time.monotonic() - self.started:4.0f} s  {outcome.student}: {result}")
            print(f"\r{line:<100}" if self.live else line, end="" if self.live else "\n", file=sys.stderr,
                  flush=True)

    def close(self) -> None:
        if self.live:
            print(file=sys.stderr)


def summary(outcomes: list[Outcome], seconds: float) -> str:
    """The table printed at the end of a batch."""
    lines = ["", f"{'student':<24}{'status':<10}{'points':>14}"]
    for outcome in sorted(outcomes, key=lambda o: o.student):
        points = f"{outcome.score:g} / {outcome.max_score:g}" if outcome.status != "error" else ""
        lines.append(f"{outcome.student:<24}{outcome.status:<10}{points:>14}  {outcome.message[:80]}")
    counts = {status: sum(o.status == status for o in outcomes) for status in ("graded", "skipped", "error")}
    lines += ["", f"{counts['graded']} graded, {counts['skipped']} already graded (skipped), "
                  f"{counts['error']} could not be graded; {seconds:.0f} s"]
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m grader batch", description="Grade a folder of submissions (folders or .zip files).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("submissions", type=Path, help="a folder with one folder or .zip per student id")
    parser.add_argument("--out", type=Path, required=True, help="folder for the reports (<id>.json)")
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) // 2),
                        help="submissions graded at the same time")
    parser.add_argument("--labs", nargs="*", default=[], help="labs to grade (default: all a submission has)")
    parser.add_argument("--force", action="store_true", help="grade again even where a report exists")
    parser.add_argument("--budget", type=float, default=Budget.total_s, help="seconds of student code each")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not args.submissions.is_dir():
        print(f"error: {args.submissions} is not a folder of submissions", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    batch = Batch(args)
    batch.logs.mkdir(parents=True, exist_ok=True)
    submissions = find_submissions(args.submissions)
    outcomes, todo = [], []
    for submission in submissions:
        report = None if args.force else finished_report(args.out / f"{submission.student}.json")
        if report is None:
            todo.append(submission)
        else:
            outcomes.append(Outcome(submission.student, "skipped", report["grade"]["score"],
                                    report["grade"]["max_score"]))
    started = time.monotonic()
    progress = Progress(len(todo))
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        for future in as_completed([pool.submit(batch.grade, submission) for submission in todo]):
            outcomes.append(future.result())
            progress.step(outcomes[-1])
    progress.close()
    print(summary(outcomes, time.monotonic() - started))
    return 0 if not any(o.status == "error" for o in outcomes) else 1
