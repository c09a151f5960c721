"""The Check my labs tab: the grader really runs on the kit's labs/ (the stubs) and its page comes back framed for the
app; its progress count, its timeout and its messages for a grader that failed."""

import sys

import gradio as gr
import pytest

from ipdl.catalogue import find_lab
from webapp.tab_events import failure_outputs, tab_event
from webapp.tabs import check_my_labs
from webapp.tabs.check_my_labs import (
    ALL_LABS,
    count_tests_done,
    grade,
    grade_event,
    grader_failure,
    page_in_app,
    run_grader,
    status_line,
)


def test_grading_the_stubs_of_lab1_gives_the_table_and_the_todos() -> None:
    progress: list[tuple] = []
    grading = grade("lab1", lambda *args, **kwargs: progress.append((args[0], kwargs["desc"])))
    lab1 = find_lab("lab1")
    assert (grading.report["grade"]["score"], grading.report["grade"]["max_score"]) == (0, lab1.points)
    assert "<table>" in grading.page and "conv2d" in grading.page and "points missing" in grading.page
    for exercise in lab1.exercises:
        assert f"TODO({exercise.id})" in grading.page  # each stub's hint names its TODO
    tests = len(grading.report["tests"])
    counts = [done for done, _ in progress if isinstance(done, tuple)]
    assert progress[0] == (0.0, "Starting the grader for Lab 1 (the judge, the sandbox, torch)")
    assert counts[-1][0] == tests and [done for done, _ in counts] == sorted(done for done, _ in counts)
    assert progress[-1] == (1.0, f"{tests} tests done: writing the report and its page")
    assert check_my_labs.tests_last_time["lab1"] == tests  # the next grading's bar has a length
    assert f"0 / {lab1.points} points" in status_line("lab1", grading)


def test_the_frame_holds_the_whole_page_escaped() -> None:
    page = ("<!DOCTYPE html><html><head><style>body{margin:0}</style></head>"
            "<body><p class='hint'>a \"b\"</p></body></html>")
    framed = page_in_app(page)
    assert framed.startswith("<iframe") and framed.count("<") == 2  # the page's tags live only inside srcdoc
    assert "&lt;p class=&#x27;hint&#x27;&gt;a &quot;b&quot;&lt;/p&gt;" in framed
    assert 'sandbox="allow-same-origin"' in framed  # no script runs in the page


def test_tests_done_counts_the_progress_letters_only() -> None:
    output = "F.FsE\nxX. [ 50%]\n..F"
    assert count_tests_done(output) == 11
    assert count_tests_done(output + "\n\n47 failed in 2.19s\nlab1   0 / 59\n  x test_zeros: F") == 11
    assert count_tests_done("") == 0


def test_a_grader_that_runs_too_long_is_stopped_with_advice() -> None:
    with pytest.raises(gr.Error, match=r"Grading Lab 1 took over 1 s.*`python -m grader lab1`"):
        run_grader([sys.executable, "-c", "import time; time.sleep(60)"], "lab1", lambda *a, **k: None,
                   timeout_s=1.0)


def test_a_grader_that_fails_says_its_error_and_what_to_run() -> None:
    message = grader_failure("lab1", 2, "F\nerror: no worker here\n")
    assert message.startswith("The grader could not grade Lab 1 (exit status 2): no worker here. Run "
                              "`python -m grader lab1` in a terminal")
    assert "(exit status -9): no output." in grader_failure(ALL_LABS, -9, "")


def test_an_unknown_lab_ends_in_the_status_line() -> None:
    event = tab_event(grade_event, failure_outputs(2, status_at=1))
    outputs = event("lab9")
    page, status = next(outputs)
    assert page is None and status.startswith("**Not done:** Pick a lab from the list: lab1")
    assert ALL_LABS in status
    with pytest.raises(gr.Error):
        next(outputs)
