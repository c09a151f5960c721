"""Check my labs: the grader on the labs/ folder this app runs on, a lab at a time (or all), and the page
`python -m grader labN --html` writes (table, hints, pictures), shown in the app.

The grader runs as `python -m grader` in a process of its own, with this app's Python: its judge, its sandboxed
worker and their torch threads stay apart from the server, and a crash or an endless loop in the student's code
ends that process, never the app. Its progress line (a letter per test) moves the progress bar.
"""

import html
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import gradio as gr

from grader.cli import EXIT_FULL_MARKS, EXIT_POINTS_MISSING
from ipdl.kit import KIT_ROOT, LABS_DIR
from webapp.implementations import SHIPPED_LABS
from webapp.request_limits import TabCost
from webapp.server_threads import SERVER_THREADS
from webapp.tab_events import failure_outputs, tab_event

TITLE = "Check my labs"
ALL_LABS = "all"
LAB_CHOICES = [*((f"Lab {lab.number}: {lab.title}", lab.id) for lab in SHIPPED_LABS), ("All labs", ALL_LABS)]
SELECTIONS = [value for _, value in LAB_CHOICES]
COST = TabCost("the grader (judge and sandboxed worker, two processes importing torch) on one lab of labs/; Lab 1's "
               "stubs measured, all six labs of the reference take 19 s", typical_s=6.4, concurrency=1, name=TITLE)
# the most one grading may take here: all six labs of the reference take 36 to 53 s under load (README), and the
# grader's own limits stop an endless loop of the student's after two calls of 5 s
GRADING_TIMEOUT_S = 300.0
PROGRESS_LINE = re.compile(r"^[.FEsxX]+( +\[ *\d+%\])?$")  # pytest -q: a letter per test done, then [ 33%]
TESTS_ENDED = re.compile(r"^\d+ \w+.* in \d+\.\d+s", re.MULTILINE)  # pytest -q's last line: "47 failed in 2.19s"
GRADIO_PROGRESS = gr.Progress()  # the default that tells Gradio to show a progress bar for an event
tests_last_time: dict[str, int] = {}  # lab id (or ALL_LABS) -> its tests when it was last graded: the bar's length


@dataclass(frozen=True)
class Grading:
    """One grading of labs/: the grader's JSON report, its HTML page and the seconds it took."""

    report: dict[str, Any]
    page: str
    seconds: float


def lab_name(selection: str) -> str:
    """'Lab 1' or 'all labs'."""
    return "all labs" if selection == ALL_LABS else f"Lab {selection.removeprefix('lab')}"


def grader_command(selection: str, report: Path, page: Path) -> list[str]:
    """`python -m grader labN --target labs --json R --html H`, with the server's torch threads per request and one
    judge (the server's cores are its visitors'; and the progress bar counts the one judge's tests)."""
    labs = [] if selection == ALL_LABS else [selection]
    return [sys.executable, "-m", "grader", *labs, "--target", "labs", "--json", str(report), "--html", str(page),
            "--threads", str(SERVER_THREADS), "--jobs", "1"]


def count_tests_done(output: str) -> int:
    """How many tests the grader's output so far says are done (its progress lines: a letter per test)."""
    return sum(len(line.split(" ")[0]) for line in output.splitlines() if PROGRESS_LINE.match(line))


def show_progress(progress: Callable[..., Any], selection: str, output: str) -> None:
    """Move the bar: starting the grader until the first test is done, then tests done (of the last run's), then
    writing the page."""
    done, name = count_tests_done(output), lab_name(selection)
    if done == 0:
        progress(0.0, desc=f"Starting the grader for {name} (the judge, the sandbox, torch)")
    elif TESTS_ENDED.search(output) is None:
        progress((done, tests_last_time.get(selection)), desc=f"Testing {name} in the sandbox", unit="tests")
    else:
        progress(1.0, desc=f"{done} tests done: writing the report and its page")


def run_grader(command: list[str], selection: str, progress: Callable[..., Any],
               timeout_s: float = GRADING_TIMEOUT_S) -> tuple[int, str]:
    """Run the grader to its end, moving `progress` as its tests finish; (exit status, its output). gr.Error when it
    runs over `timeout_s` (it is stopped, with its sandboxed worker)."""
    show_progress(progress, selection, "")
    process = subprocess.Popen(command, cwd=KIT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
    deadline = time.monotonic() + timeout_s
    output = bytearray()
    with process.stdout:
        while chunk := read_some(process.stdout.fileno(), deadline):
            output += chunk
            show_progress(progress, selection, output.decode(errors="replace"))
    if time.monotonic() >= deadline:
        os.killpg(process.pid, signal.SIGKILL)  # the worker dies with the grader (PR_SET_PDEATHSIG)
        process.wait()
        raise gr.Error(f"Grading {lab_name(selection)} took over {timeout_s:.0f} s, the most one grading may "
                       f"take on this server, and was stopped. Run `{shell_command(selection)}` in a terminal to "
                       "see which test is slow (an endless loop in your code?).")
    return process.wait(), output.decode(errors="replace")


def read_some(fd: int, deadline: float) -> bytes:
    """The next bytes of `fd`, waiting at most until `deadline`; b"" at its end or at the deadline."""
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], min(left, 0.5))
        if ready:
            return os.read(fd, 65536)
    return b""


def shell_command(selection: str) -> str:
    """What a student types in the kit's folder to grade the same."""
    return "python -m grader" if selection == ALL_LABS else f"python -m grader {selection}"


def no_progress(*args: Any, **kwargs: Any) -> None:
    """Progress for a call outside Gradio: none shown."""


def grade(selection: str, progress: Callable[..., Any] = no_progress) -> Grading:
    """Grade `selection` (a lab id, or ALL_LABS) of labs/ with `python -m grader`; gr.Error when it could not."""
    if selection not in SELECTIONS:
        raise gr.Error(f"Pick a lab from the list: {', '.join(SELECTIONS)} (got {selection!r}).")
    started = time.monotonic()
    with TemporaryDirectory(prefix="ipdl-check-") as scratch:
        report_file, page_file = Path(scratch) / "report.json", Path(scratch) / "report.html"
        status, output = run_grader(grader_command(selection, report_file, page_file), selection, progress)
        if status not in (EXIT_FULL_MARKS, EXIT_POINTS_MISSING) or not page_file.is_file():
            raise gr.Error(grader_failure(selection, status, output))
        report = json.loads(report_file.read_text())
        page = page_file.read_text(encoding="utf-8")
    tests_last_time[selection] = len(report.get("tests", []))
    return Grading(report, page, time.monotonic() - started)


def grader_failure(selection: str, status: int, output: str) -> str:
    """What to say when the grader exited without a grade: its own error lines, and what to run to see more."""
    errors = [line.removeprefix("error: ") for line in output.splitlines() if line.startswith("error: ")]
    said = "; ".join(errors) if errors else output.strip()[-500:] or "no output"
    return (f"The grader could not grade {lab_name(selection)} (exit status {status}): {said}. Run "
            f"`{shell_command(selection)}` in a terminal in {KIT_ROOT} to see its whole output.")


def page_in_app(page: str) -> str:
    """The grader's page in a frame of its own: its styles (body, table, pre) stay off the app, the app's (a dark
    theme) off the page, and no script runs in it; the frame grows to the page's height once loaded."""
    grow = "this.style.height = this.contentDocument.documentElement.scrollHeight + 'px'"
    return (f'<iframe title="Grade report" sandbox="allow-same-origin" srcdoc="{html.escape(page, quote=True)}" '
            f'style="width:100%;min-height:400px;border:0" onload="{grow}"></iframe>')


def status_line(selection: str, grading: Grading) -> str:
    """The status line after a grading: the points, the time, and the folder graded."""
    grade_ = grading.report["grade"]
    full = grade_["score"] == grade_["max_score"]
    advice = "Full marks." if full else "Fix what the page says, save your file and press Grade again."
    return (f"{lab_name(selection).capitalize()}: **{grade_['score']:g} / {grade_['max_score']:g} points**, graded "
            f"in {grading.seconds:.1f} s. {advice}")


def grade_event(selection: str, progress: gr.Progress = GRADIO_PROGRESS) -> tuple[str, str]:
    """Event: Grade; the page in its frame and the status line."""
    grading = grade(selection, progress)
    return page_in_app(grading.page), status_line(selection, grading)


def build(impl: str) -> None:
    """Lay out the tab and wire its event; `impl` plays no part: the tab always grades labs/."""
    gr.Markdown(f"Grade your own code in `{LABS_DIR}` with the grader, as `python -m grader labN` does in a terminal "
                "(its sandbox, its tests): the points of each exercise, and for each failure its feedback, hint and "
                "pictures. One grading runs at a time on this server; the others wait their turn.")
    with gr.Row():
        lab = gr.Dropdown(LAB_CHOICES, value=LAB_CHOICES[0][1], label="Lab", elem_id="check-lab", scale=3)
        run = gr.Button("Grade", variant="primary", elem_id="check-run", scale=1)
    status = gr.Markdown("Pick a lab and press Grade.", elem_id="check-status")
    page = gr.HTML(elem_id="check-page", min_height=120)
    run.click(tab_event(grade_event, failure_outputs(2, status_at=1)), inputs=[lab], outputs=[page, status],
              api_name="check_my_labs", show_progress_on=[page], **COST.events())
