"""`python -m grader batch`: grade a folder of submissions, several at a time, each as `python -m grader` would.

    python -m grader batch SUBMISSIONS --out REPORTS [--workers N] [--labs LAB ...] [--force]
    python -m grader batch SUBMISSIONS --out REPORTS --slurm job.sh ...   # a Slurm job array instead (slurm.py)

SUBMISSIONS holds one folder or .zip file per student, named by student id, each in a shape the grader takes
(grader.target.SHAPES: a copy of labs/, a folder of lab folders, one lab folder, or a zip of one of these).
REPORTS receives one JSON report per student (`<id>.json`, with a hash of the submission it graded) and its page
for the instructor (`<id>.html`, every test), each grader's output in `logs/<id>.txt`, and in `feedback/<id>.txt`
and `feedback/<id>.html` what may be handed to the student (hidden tests only counted). A run again re-grades the
submissions whose files changed since their report, keeps the others (unless --force) and tries again every
submission that could not be graded, which gets a report with an `error`.
Each of the --workers slots is one long-lived grader process that grades submission after submission, all of them
forked from one process that imported the judge once and share one worker zygote (judge_slot.py; --process-each
starts a fresh grader process per submission instead). They start while the submissions are being hashed.
"""

import argparse
import json
import os
import queue
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import lab_groups, report_page
from grader.budget import Budget
from grader.instructor import slurm
from grader.instructor.judge_slot import JudgeSlot, SlotFamily, SlotTimeout
from grader.instructor.progress import Progress
from grader.instructor.student_feedback import student_feedback
from grader.instructor.submissions import Submission, find_submissions, submission_hash
from grader.paths import REPO_ROOT

STARTUP_MARGIN_S = 180  # a grader process may take this much longer than its students' time budget
HASH_KEY = "submission_sha256"  # the report's record of the files it graded (see submissions.submission_hash)
TABLE_MESSAGE_CHARS = 60  # an error text longer than this is shortened in the table (the log has it in full)


@dataclass
class Outcome:
    student: str
    status: str  # graded | regraded (its files changed) | skipped (kept) | error
    score: float = 0.0
    max_score: float = 0.0
    message: str = ""
    seconds: float = 0.0


@dataclass
class Plan:
    """What a run grades (with each submission's hash) and which finished reports it keeps."""

    todo: list[Submission] = field(default_factory=list)
    kept: list[Outcome] = field(default_factory=list)
    changed: dict[str, dict[str, Any]] = field(default_factory=dict)  # student -> the report their files outdated
    hashes: dict[str, str | None] = field(default_factory=dict)


def finished_report(path: Path) -> dict[str, Any] | None:
    """The report at `path` if it is a complete grade report (not an error), else None."""
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return report if isinstance(report, dict) and "grade" in report and "error" not in report else None


def plan_run(submissions: list[Submission], out: Path, force: bool) -> Plan:
    """Keep the finished reports of unchanged submissions (unless `force`); grade the rest. A report without a
    hash (an older batch's, or one `python -m grader` wrote) counts as changed."""
    plan = Plan()
    for submission in submissions:
        plan.hashes[submission.student] = None if submission.problem else submission_hash(submission.path)
        report = None if force or submission.problem else finished_report(out / f"{submission.student}.json")
        if report is None:
            plan.todo.append(submission)
        elif report.get(HASH_KEY) is not None and report.get(HASH_KEY) == plan.hashes[submission.student]:
            plan.kept.append(Outcome(submission.student, "skipped", report["grade"]["score"],
                                     report["grade"]["max_score"]))
        else:
            plan.changed[submission.student] = report
            plan.todo.append(submission)
    return plan


class Batch:
    """One batch run: where things go, and how each grader process is started."""

    def __init__(self, args: argparse.Namespace, plan: Plan, family: SlotFamily):
        self.args = args
        self.plan = plan
        self.out: Path = args.out
        self.logs = self.out / "logs"
        self.feedback = self.out / "feedback"
        self.budget_s = args.budget
        cores = len(os.sched_getaffinity(0))  # the cores given to us (Slurm's)
        self.jobs = lab_groups.default_jobs(0, cores // args.workers)  # judges per submission, as on its own
        self.threads = max(1, cores // (args.workers * self.jobs))
        self.slots: queue.Queue[JudgeSlot] = queue.Queue()
        for slot in family.slots:
            self.slots.put(slot)

    def grade(self, submission: Submission) -> Outcome:
        """Grade one submission in its own grader process, which unpacks and stages it as `python -m grader
        --target` does for any submission; never raises for a broken submission. Every error is written to the
        submission's log in full and to an error report."""
        started = time.monotonic()
        report_path = self.out / f"{submission.student}.json"
        log = self.logs / f"{submission.student}.txt"
        try:
            if submission.problem:
                log.write_text("")
                outcome = Outcome(submission.student, "error", message=submission.problem)
            else:
                outcome = self.run_grader(submission, report_path, log)
        except OSError as error:
            outcome = Outcome(submission.student, "error", message=f"{type(error).__name__}: {error}")
        except Exception as error:  # (one broken submission never stops the batch)
            outcome = Outcome(submission.student, "error", message=f"unexpected {type(error).__name__}: {error}")
        if outcome.status == "error":
            with open(log, "a") as output:
                output.write(f"\nnot graded: {outcome.message}\n")
            write_error_report(report_path, submission, outcome.message, self.plan.hashes.get(submission.student))
        self.write_feedback(submission.student)
        outcome.seconds = time.monotonic() - started
        return outcome

    def command(self, student: str, target: Path, report: Path) -> list[str]:
        hidden = [self.args.submissions.resolve(), self.out.resolve()]
        return [sys.executable, "-m", "grader", *self.args.labs, "--target", str(target), "--student", student,
                "--json", str(report), "--budget", str(self.budget_s), "--threads", str(self.threads),
                "--jobs", str(self.jobs), *[f"--hide={folder}" for folder in hidden]]

    def run_grader(self, submission: Submission, report_path: Path, log: Path) -> Outcome:
        student = submission.student
        partial = report_path.with_name(f".{student}.partial.json")
        try:
            returncode = self.run_process(self.command(student, submission.path.resolve(), partial), log)
        except (subprocess.TimeoutExpired, SlotTimeout):
            return Outcome(student, "error", message=f"the grader ran over {self.budget_s:g} s + "
                                                     f"{STARTUP_MARGIN_S} s and was stopped")
        report = finished_report(partial) if returncode in (0, 1) else None
        if report is None:
            return Outcome(student, "error", message=grader_error(returncode, log))
        report[HASH_KEY] = self.plan.hashes.get(student)
        report_path.write_text(json.dumps(report, indent=2))
        partial.unlink()
        earlier = self.plan.changed.get(student)
        if earlier is None:
            return Outcome(student, "graded", report["grade"]["score"], report["grade"]["max_score"])
        return Outcome(student, "regraded", report["grade"]["score"], report["grade"]["max_score"],
                       message=f"files changed; was {earlier['grade']['score']:g} / {earlier['grade']['max_score']:g}")

    def run_process(self, command: list[str], log: Path) -> int:
        """Run `python -m grader ...` in a free judge slot (or a process of its own), its output in `log`."""
        log.write_text("")
        timeout_s = self.budget_s + STARTUP_MARGIN_S
        if self.args.process_each:
            with open(log, "w") as output:
                return subprocess.run(command, cwd=REPO_ROOT, stdout=output, stderr=subprocess.STDOUT,
                                      timeout=timeout_s).returncode
        slot = self.slots.get()
        try:
            return slot.grade(command[3:], log, timeout_s)
        finally:
            self.slots.put(slot)

    def write_feedback(self, student: str) -> None:
        """From the student's report: for handing out `feedback/<id>.txt` and the page `feedback/<id>.html` (hidden
        tests only counted), and for the instructor the page of every test, `<id>.html` beside the report."""
        try:
            report = json.loads((self.out / f"{student}.json").read_text())
        except (OSError, ValueError):
            return
        (self.feedback / f"{student}.txt").write_text(student_feedback(report))
        (self.feedback / f"{student}.html").write_text(
            report_page.render(report, title=f"Feedback for {student}", hand_back=True), encoding="utf-8")
        (self.out / f"{student}.html").write_text(report_page.render(report, title=f"Grade report: {student}"),
                                                 encoding="utf-8")


def grader_error(returncode: int, log: Path) -> str:
    """Why a grader process gave no report: its last `error:` line, or its last line and exit code."""
    lines = log.read_text(errors="replace").strip().splitlines()
    errors = [line.removeprefix("error: ") for line in lines if line.startswith("error: ")]
    if errors:
        return errors[-1]
    return f"grader exit code {returncode}: {lines[-1] if lines else 'no output'}"


def write_error_report(path: Path, submission: Submission, message: str, sha256: str | None) -> None:
    """A report that records why a submission was not graded (the gradebook lists it with 0 points)."""
    path.write_text(json.dumps({"student": submission.student, "target": str(submission.path), "error": message,
                                HASH_KEY: sha256, "grade": {"score": 0, "max_score": 0, "labs": {}}}, indent=2))


def summary(outcomes: list[Outcome], seconds: float, logs: Path) -> str:
    """The table printed at the end of a batch; an error text too long for it is cut at a word (the log has it)."""
    lines = ["", f"{'student':<24}{'status':<10}{'points':>14}"]
    shortened = False
    for outcome in sorted(outcomes, key=lambda o: o.student):
        points = f"{outcome.score:g} / {outcome.max_score:g}" if outcome.status != "error" else ""
        message = textwrap.shorten(outcome.message, TABLE_MESSAGE_CHARS, placeholder=" …")
        shortened = shortened or message != " ".join(outcome.message.split())
        lines.append(f"{outcome.student:<24}{outcome.status:<10}{points:>14}  {message}".rstrip())
    counts = {status: sum(o.status == status for o in outcomes) for status in ("graded", "regraded", "skipped",
                                                                                "error")}
    regraded = sorted(o.student for o in outcomes if o.status == "regraded")
    lines.append("")
    if regraded:
        lines.append(f"regraded (changed): {', '.join(regraded)}")
    if shortened:
        lines.append(f"error texts in full: {logs}/<student>.txt")
    lines.append(f"{counts['graded']} graded, {counts['regraded']} regraded (changed), {counts['skipped']} already "
                 f"graded (skipped), {counts['error']} could not be graded; {seconds:.0f} s")
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
    parser.add_argument("--force", action="store_true", help="grade again even where a report of the same files "
                                                             "exists")
    parser.add_argument("--budget", type=float, default=Budget.total_s, help="seconds of student code each")
    parser.add_argument("--progress-every", type=float, default=None, metavar="S",
                        help="seconds between progress updates (default: 1 on a terminal, 30 in a log)")
    parser.add_argument("--process-each", action="store_true",
                        help="start a fresh grader process for each submission (slower) instead of a long-lived one "
                             "per worker slot")
    parser.add_argument("--slurm", type=Path, metavar="JOB.sh",
                        help="grade nothing here: write a Slurm job array script, one task per submission to grade")
    parser.add_argument("--only", metavar="ID", help="grade only this student's submission (a job array's task)")
    return parser.parse_args(argv)


def write_slurm_job(args: argparse.Namespace, plan: Plan) -> int:
    """`--slurm`: the job array of the submissions this run would grade (slurm.py)."""
    students = [submission.student for submission in plan.todo]
    if not students:
        print(f"Nothing to grade: every submission has a report of its files in {args.out}; no job written.")
        return 0
    command = slurm.task_command(args.submissions, args.out, args.labs, args.budget, args.force)
    print(slurm.write_job(args.slurm, students, command, args.out, args.budget + STARTUP_MARGIN_S))
    return 0


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not args.submissions.is_dir():
        print(f"error: {args.submissions} is not a folder of submissions", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    submissions, ignored = find_submissions(args.submissions)
    for name in ignored:
        print(f"ignored: {name!r} is neither a folder nor a .zip file", file=sys.stderr)
    if args.only is not None:
        submissions = [submission for submission in submissions if submission.student == args.only]
        if not submissions:
            print(f"error: {args.submissions} holds no submission of {args.only!r}", file=sys.stderr)
            return 2
    with SlotFamily(0 if args.process_each or args.slurm else args.workers) as family:  # starts while we hash
        plan = plan_run(submissions, args.out, args.force)
        if args.slurm:
            return write_slurm_job(args, plan)
        return grade_all(args, plan, family)


def grade_all(args: argparse.Namespace, plan: Plan, family: SlotFamily) -> int:
    """Grade the plan's submissions, `--workers` at a time; print the table."""
    batch = Batch(args, plan, family)
    for folder in (batch.logs, batch.feedback):
        folder.mkdir(parents=True, exist_ok=True)
    for outcome in plan.kept:
        batch.write_feedback(outcome.student)
    outcomes = list(plan.kept)
    started = time.monotonic()
    progress = Progress(len(plan.todo), every_s=args.progress_every)

    def grade(submission: Submission) -> Outcome:
        progress.started(submission.student)
        return batch.grade(submission)

    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        for future in as_completed([pool.submit(grade, submission) for submission in plan.todo]):
            outcomes.append(future.result())
            progress.finished(outcomes[-1])
    family.close()
    progress.close()
    print(summary(outcomes, time.monotonic() - started, batch.logs))
    print(f"Class statistics: python -m grader stats {args.out} --html {args.out}/class.html")
    return 0 if not any(o.status == "error" for o in outcomes) else 1
