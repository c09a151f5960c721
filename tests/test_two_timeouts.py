"""The two-timeouts rule: a student function whose calls timed out twice in one grading run is not run again, nor
run from the student's other functions; everything else is still graded."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.budget import Budget
from grader.paths import REPO_ROOT, SOLUTIONS_DIR
from grader.target import resolve_target
from grader.worker_client import StudentCodeError, Worker

LOOPS = '''
def spin():
    while True:
        pass


def calls_spin():
    return spin() + 1


def add(a, b):
    return a + b
'''
IMPORTS_LOOPS = '''
from .loops import spin


def ready():
    return True


def via_import():
    return spin()


def careful():
    try:
        return spin()
    except Exception:
        return "caught"
'''
ENDLESS_CONV2D = '''

def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, padding_mode="zeros"):
    while True:
        pass
'''


@pytest.fixture
def worker(tmp_path: Path) -> Worker:
    lab = tmp_path / "submission" / "lab1_convolution"
    lab.mkdir(parents=True)
    (lab / "loops.py").write_text(LOOPS)
    (lab / "importer.py").write_text(IMPORTS_LOOPS)
    worker = Worker(resolve_target(str(lab.parent)), budget=Budget())
    yield worker
    worker.close()


def call(worker: Worker, name: str, *args):
    return worker.call(f"lab1_convolution.{name}", args, {}, timeout=0.5)


def failure(worker: Worker, name: str) -> StudentCodeError:
    with pytest.raises(StudentCodeError) as caught:
        call(worker, name)
    return caught.value


def test_the_third_call_after_two_timeouts_is_not_run(worker: Worker) -> None:
    assert [failure(worker, "loops.spin").kind for _ in range(2)] == ["timeout", "timeout"]
    starts = worker.starts
    third = failure(worker, "loops.spin")
    assert third.kind == "not_run"
    assert third.summary() == "not run: spin timed out twice (0.5 s limit)"
    assert worker.starts == starts  # refused in the judge: no worker was started for it
    assert call(worker, "loops.add", 2, 3) == 5


def test_functions_that_call_it_fail_at_once_in_the_worker(worker: Worker) -> None:
    assert call(worker, "importer.ready")  # importer.py holds the real spin before spin is stopped
    for _ in range(2):
        failure(worker, "loops.spin")
    starts = worker.starts
    for name in ("loops.calls_spin", "importer.via_import"):
        error = failure(worker, name)
        assert error.kind == "not_run", error.details()
        assert error.summary().endswith(": not run: spin timed out twice (0.5 s limit)")
    assert call(worker, "importer.careful") == "caught"  # the student's own except clause still runs
    assert worker.starts == starts + 1  # one restart after the second timeout, none for the refused calls


def test_one_timeout_is_not_enough(worker: Worker) -> None:
    assert failure(worker, "loops.spin").kind == "timeout"
    assert failure(worker, "loops.calls_spin").kind == "timeout"  # counted for calls_spin, not for spin
    assert failure(worker, "loops.spin").kind == "timeout"
    assert failure(worker, "loops.spin").kind == "not_run"


@pytest.fixture(scope="module")
def endless_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Lab 1's reference with a conv2d that never returns, graded with the real CLI."""
    folder = tmp_path_factory.mktemp("endless")
    shutil.copytree(SOLUTIONS_DIR / "lab1_convolution", folder / "lab1_convolution",
                    ignore=shutil.ignore_patterns("__pycache__"))
    module = folder / "lab1_convolution" / "convolution.py"
    module.write_text(module.read_text() + ENDLESS_CONV2D)
    report = folder / "report.json"
    finished = subprocess.run([sys.executable, "-m", "grader", "lab1", "--target", str(folder), "--json", str(report)],
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 1, finished.stdout + finished.stderr
    return json.loads(report.read_text())


def test_an_endless_conv2d_costs_two_timeouts_and_no_other_points(endless_report: dict) -> None:
    exercises = endless_report["grade"]["labs"]["lab1"]["exercises"]
    for kept in ("lab1.1", "lab1.2", "lab1.5"):  # pad2d, conv_output_size, to_grayscale do not use conv2d
        assert exercises[kept]["score"] == exercises[kept]["max_score"] > 0, exercises[kept]
    assert exercises["lab1.3"]["score"] == 0
    feedback = [test["metadata"]["feedback"] for test in endless_report["tests"] if test["outcome"] != "passed"]
    assert sum("did not finish within" in text for text in feedback) == 2
    conv2d_tests = [test for test in endless_report["tests"] if test["metadata"]["exercise"] == "lab1.3"]
    refused = [test for test in conv2d_tests if test["metadata"]["feedback"].startswith("not run: conv2d timed out")]
    assert len(refused) == len(conv2d_tests) - 2
    assert "timed out twice" in refused[0]["metadata"]["hint"]
    assert endless_report["resources"]["worker_starts"] <= 3
