"""`from grader import check` as a notebook uses it: the same judge and worker as `python -m grader` on an
exercise's public tests, the table, feedback and hidden-tests line as HTML, one warm worker reused until the graded
code changes or the worker dies."""

import html
import os

import pytest

from grader import check
from grader.notebook_check import JUDGE, NO_NAMESPACES, CheckResult
from grader.summary import format_summary
from ipdl.catalogue import GOING_FURTHER, UnknownLab, find_exercise
from ipdl.kit import LABS_DIR
from ipdl.notebook import IMPL_VARIABLE


@pytest.fixture(scope="module", autouse=True)
def fresh_judge():
    """Each module starts and ends without a warm worker."""
    JUDGE.close()
    yield
    JUDGE.close()


def test_reference_gets_full_marks_and_a_repeat_reuses_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(IMPL_VARIABLE, "solutions")
    first = check("lab1.3")
    assert first.max_score > 0 and first.score == first.max_score
    starts = JUDGE.worker.starts
    again = check("lab1.3")
    assert (again.score, again.max_score) == (first.score, first.max_score)
    assert JUDGE.worker.starts == starts  # the same worker process answered
    assert again.report["resources"]["worker_starts"] == starts
    page = again._repr_html_()
    assert "lab1.3" in page and "conv2d" in page and "in the slot" in page and "ok" in page
    assert "hidden tests add 7 points" in page  # public 18 of 25: the hidden-tests line
    assert {test["metadata"]["visibility"] for test in again.report["tests"]} == {"public"}


def test_a_whole_lab_marks_going_further(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(IMPL_VARIABLE, "solutions")
    result = check("lab1")
    assert set(result.report["grade"]["labs"]["lab1"]["exercises"]) == {f"lab1.{k}" for k in range(1, 9)}
    assert "going further" in result._repr_html_()
    assert "lab1.4  convolve2d" in repr(result) and "going further" in repr(result)


def test_stubs_get_zero_with_the_todo_and_an_edit_restarts_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(IMPL_VARIABLE, "labs")
    result = check("lab1.3")
    assert result.score == 0
    page = result._repr_html_()
    assert "fill in TODO(lab1.3)" in page
    assert page.count("fill in TODO(lab1.3)") == 2 and "more tests failed the same way" in page  # one row, twice
    starts = JUDGE.worker.starts
    os.utime(LABS_DIR / "lab1_convolution" / "convolution.py")  # the student saved the file
    check("lab1.3")
    assert JUDGE.worker.starts == starts + 1


def test_a_dead_worker_is_started_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(IMPL_VARIABLE, "solutions")
    check("lab1.2")
    JUDGE.worker.process.kill()
    JUDGE.worker.process.wait()
    result = check("lab1.2")
    assert result.score == result.max_score > 0


def test_an_unknown_exercise_says_what_exists() -> None:
    with pytest.raises(UnknownLab, match="exercises are named labN.k"):
        check("lab1.99")


def test_going_further_names_catalogue_exercises_and_the_cli_table_marks_them() -> None:
    assert all(not find_exercise(exercise).in_slot for exercise in GOING_FURTHER)
    report = {"target": "labs", "tests": [], "grade": {"score": 0, "max_score": 6, "labs": {"lab1": {
        "score": 0, "max_score": 6, "exercises": {"lab1.4": {"name": "convolve2d", "score": 0, "max_score": 6}}}}}}
    assert "convolve2d" in format_summary(report) and "going further" in format_summary(report)


def test_without_namespaces_the_page_says_only_limits_applied() -> None:
    report = {"target": "labs", "tests": [], "resources": {"sandbox": {"isolation": "off: unshare: Operation not "
                                                                                    "permitted (no namespaces)"}},
              "hidden_tests": {"ran": False, "hidden_points": 0},
              "grade": {"score": 4, "max_score": 4, "labs": {"lab1": {"score": 4, "max_score": 4, "exercises": {
                  "lab1.2": {"name": "conv_output_size", "score": 4, "max_score": 4}}}}}}
    page = CheckResult(report)._repr_html_()
    assert html.escape(NO_NAMESPACES) in page and "conv_output_size" in page and "Total: 4 / 4" in page
