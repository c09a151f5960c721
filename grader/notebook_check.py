"""`check("lab1.3")` in a lab notebook: the grader's own judge on an exercise's (or a lab's) public tests, run in the
notebook's kernel and shown there as HTML: the table rows, feedback and hints, and what the hidden tests add.

Kaggle Learn's `q1.check()` and otter-grader's `grader.check("q1")`, with this kit's split: the student's code runs
only in the sandboxed worker, never in the judge. One worker stays warm for the kernel, so a repeat check costs the
judge's own work only; it is started again when a file of the graded code changed (its modules are imported once),
after a crash (the worker client does that itself), and when it has spent a grading run's budget.

    from grader import check
    check("lab1.3")            # conv2d's public tests
    check("lab1.5", "lab1.6")  # two exercises
    check("lab1")              # the whole lab
"""

import argparse
import atexit
import contextlib
import html
import io
from typing import Any

import pytest

from grader.cli import JUDGE_PLUGINS, ReportCollector, judge_folders, pytest_arguments
from grader.plugin import KEPT_WORKER
from grader.settings import GivenSettings, GradingSettings
from grader.summary import failure_lines, failures_by_exercise, format_summary, hidden_points_line, hidden_tests, part
from grader.summary import points as points_text
from grader.target import Target, resolve_target
from grader.worker_client import Worker, WorkerSettings
from ipdl.notebook import implementation
from ipdl.source_stamp import SourceStamp, source_stamp

NO_NAMESPACES = ("This machine allows no namespaces (a hosted notebook service?): your code ran with the grader's "
                 "limits only, as `python -m grader` does here.")


class KeepWorker:
    """A plugin object that lends the grader's plugin a running worker for one session (see plugin.KEPT_WORKER)."""

    def __init__(self, worker: Worker):
        self.worker = worker

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[KEPT_WORKER] = self.worker


class NotebookJudge:
    """The kernel's judge: one warm worker for one target, started again when the graded code changed."""

    def __init__(self) -> None:
        self.worker: Worker | None = None
        self.target: Target | None = None
        self.stamp: SourceStamp = ()
        self.spent_s = 0.0  # seconds of student code this worker ran, over all checks

    def worker_for(self, target: Target, settings: GradingSettings) -> Worker:
        """The warm worker, or a fresh one (starting while the judge collects its tests) where that one cannot
        serve: another target, files changed since it started, or a grading run's budget spent."""
        stamp = source_stamp(target.folder)
        if self.worker is not None and self.target is not None and self.target.label == target.label:
            if stamp == self.stamp and self.spent_s < settings.budget:
                return self.worker
            self.worker.stop()  # the same worker object, a new process: modules imported afresh
        else:
            self.close()
            confinement = WorkerSettings(limits=settings.limits(), isolate=not settings.no_sandbox, hide=settings.hide)
            self.worker = Worker(target, confinement)
        self.target, self.stamp, self.spent_s = target, stamp, 0.0
        self.worker.launch()
        return self.worker

    def run(self, selection: tuple[str, ...]) -> dict[str, Any]:
        """Grade `selection` with its public tests; the report (pytest-json-report's, with `grade` and
        `hidden_tests`)."""
        settings = GradingSettings.from_values({"select": selection, "target": implementation(), "public_only": True})
        target = resolve_target(settings.target)
        worker = self.worker_for(target, settings)
        collector = ReportCollector()
        arguments = pytest_arguments(argparse.Namespace(keyword=None), judge_folders(settings.select, target.folder))
        output = io.StringIO()
        plugins = [*JUDGE_PLUGINS, collector, GivenSettings(settings, target), KeepWorker(worker)]
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            status = pytest.main(arguments, plugins=plugins)
        self.spent_s += worker.budget.used_s
        report = collector.report
        if report is None or "grade" not in report or report["summary"].get("error", 0):
            raise RuntimeError(f"the grader itself could not run (pytest status {int(status)}):\n"
                               f"{output.getvalue()[-3000:]}")
        report["hidden_tests"] = hidden_tests(report)
        return report

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
        self.worker, self.target = None, None


JUDGE = NotebookJudge()
atexit.register(JUDGE.close)


class CheckResult:
    """What `check` found: the report, shown as HTML in a notebook and as the grader's table elsewhere."""

    def __init__(self, report: dict[str, Any]):
        self.report = report

    @property
    def score(self) -> float:
        return self.report["grade"]["score"]

    @property
    def max_score(self) -> float:
        return self.report["grade"]["max_score"]

    def __repr__(self) -> str:
        return format_summary(self.report)

    def _repr_html_(self) -> str:
        grade = self.report["grade"]
        failures = failures_by_exercise(self.report.get("tests", []))
        rows = ["<tr><th>exercise</th><th>function</th><th>points</th><th></th><th>part</th></tr>"]
        for lab_grade in grade["labs"].values():
            for exercise, entry in lab_grade["exercises"].items():
                rows.append(exercise_row(exercise, entry))
                rows += failure_rows(failures.get(exercise, []))
        notes = [f"<b>Total: {points_text(grade)}</b> (public tests)"]
        announced = self.report["hidden_tests"]
        if not announced["ran"] and announced["hidden_points"] > 0:
            notes.append(html.escape(hidden_points_line(announced)))
        isolation = str((self.report.get("resources", {}).get("sandbox") or {}).get("isolation", ""))
        if isolation.startswith("off"):
            notes.append(html.escape(NO_NAMESPACES))
        return (f'<table style="border-collapse:collapse">{"".join(rows)}</table>'
                + "".join(f"<p style='margin:4px 0'>{note}</p>" for note in notes))


def exercise_row(exercise: str, entry: dict[str, Any]) -> str:
    full = entry["score"] == entry["max_score"]
    colour = "#1e7e34" if full else "#b02a37"
    cells = [exercise, entry["name"], points_text(entry), "ok" if full else "--", part(exercise)]
    return (f'<tr style="color:{colour}">' + "".join(f"<td style='padding:2px 10px'>{html.escape(cell)}</td>"
                                                     for cell in cells) + "</tr>")


def failure_rows(tests: list[dict[str, Any]]) -> list[str]:
    """One row per way the exercise failed: tests whose feedback starts alike and whose hint is the same (a stub
    fails every test alike) share the first one's row."""
    alike: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for test in tests:
        meta = test["metadata"]
        first = (meta.get("feedback") or test["outcome"]).split("\n", 1)[0]
        alike.setdefault((first, meta.get("hint") or ""), []).append(test)
    return [failure_row(group[0], len(group) - 1) for group in alike.values()]


def failure_row(test: dict[str, Any], more: int = 0) -> str:
    """A failed test's first feedback line and hint, with the whole feedback one click away."""
    short = "\n".join(line.strip() for line in failure_lines(test, details=False))
    if more:
        short += f"\n(and {more} more test{'s' if more > 1 else ''} failed the same way)"
    full = "\n".join(line.strip() for line in failure_lines(test, details=True))
    return (f"<tr><td></td><td colspan='4'><details><summary><pre style='display:inline;white-space:pre-wrap'>"
            f"{html.escape(short)}</pre></summary><pre style='white-space:pre-wrap'>{html.escape(full)}</pre>"
            "</details></td></tr>")


def check(*names: str) -> CheckResult:
    """Run the public tests of exercises (`check("lab1.3")`, `check("lab1.5", "lab1.6")`) or of whole labs
    (`check("lab1")`) on the notebook's code (your labs/; the kit's tests set IPDL_NOTEBOOK_IMPL=solutions) in the
    sandboxed worker; shows the points, the feedback and the hints."""
    if not names:
        raise ValueError('name what to check: an exercise, check("lab1.3"), or a lab, check("lab1")')
    return CheckResult(JUDGE.run(names))
