"""The grader's pytest plugin: points and exercise markers, the `student` fixture, feedback that teaches,
and the `grade` object added to pytest-json-report's report.

Loaded by `python -m grader` with `-p grader.plugin`; the judge's test cases live in grader/tests/.
"""

import platform
from datetime import datetime, timezone
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

import pytest
import torch

from grader.feedback import GradingFailure
from grader.grade import compute_grade
from grader.worker_client import StudentCode, StudentCodeError, Worker, resolve_target

MARKERS = (
    "points(n): points a passing test earns (required on every judge test)",
    "exercise(id, name): the exercise a test belongs to, e.g. exercise('lab1.3', 'conv2d')",
    "hidden: an instructor-only test, left out of student releases",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Options the grader CLI passes to the judge session."""
    group = parser.getgroup("grader")
    group.addoption("--grader-target", default="labs", help="labs, solutions, or a copy of labs/")
    group.addoption("--grader-student", default="", help="student id written into the report")
    group.addoption("--grader-public-only", action="store_true", help="run only the public tests")


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers and the report extras; keep the judge to one thread (its references are
    small, and the worker needs the cores)."""
    torch.set_num_threads(1)
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    config.pluginmanager.register(ReportExtras(config), "grader-report-extras")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every judge test must carry points and an exercise; hidden tests go when only public ones run."""
    unmarked = [item.nodeid for item in items
                if item.get_closest_marker("points") is None or item.get_closest_marker("exercise") is None]
    if unmarked:
        raise pytest.UsageError(f"judge tests without @points or @exercise markers: {unmarked[:5]}")
    if config.getoption("grader_public_only"):
        hidden = [item for item in items if item.get_closest_marker("hidden")]
        items[:] = [item for item in items if not item.get_closest_marker("hidden")]
        config.hook.pytest_deselected(items=hidden)


@pytest.fixture(scope="session")
def student(request: pytest.FixtureRequest) -> StudentCode:
    """The student's code, reachable only through a worker process."""
    worker = Worker(resolve_target(request.config.getoption("grader_target")))
    request.addfinalizer(worker.close)
    return StudentCode(worker)


def test_metadata(item: pytest.Item) -> dict[str, Any]:
    """Lab, exercise and points of a judge test, from its folder and markers."""
    exercise = item.get_closest_marker("exercise")
    return {
        "lab": lab_of(item),
        "exercise": exercise.args[0],
        "function": exercise.args[1] if len(exercise.args) > 1 else "",
        "max_points": item.get_closest_marker("points").args[0],
        "visibility": "hidden" if item.get_closest_marker("hidden") else "public",
    }


def lab_of(item: pytest.Item) -> str:
    """`grader/tests/lab1_convolution/test_x.py` -> `lab1`."""
    folder = Path(str(item.path)).parent.name
    return folder.split("_")[0]


def feedback_for(error: BaseException) -> tuple[str, str | None] | None:
    """(feedback text, hint) for a failure the student caused; None for a fault of the judge itself."""
    if isinstance(error, StudentCodeError):
        return error.details(), hint_for_student_error(error)
    if isinstance(error, GradingFailure):
        return str(error), error.hint
    if isinstance(error, AssertionError):
        return str(error) or "wrong result", None
    return None


def hint_for_student_error(error: StudentCodeError) -> str | None:
    """Say what to do next for errors that are not about a wrong value."""
    module_file = error.function.rpartition(".")[0].replace(".", "/") + ".py"
    if error.exc_type == "NotImplementedError":
        todo = error.message.split(":")[0].strip()
        return f"not implemented yet: fill in TODO({todo}) in {module_file}"
    if error.kind == "import":
        return f"{module_file} must import cleanly before anything in it can be graded"
    if error.kind == "timeout":
        return "replace Python loops over pixels with tensor operations (indexing, as_strided, matmul)"
    if error.kind == "forbidden":
        return "this exercise asks you to write the operation yourself; torch's built-in earns no points"
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Replace the judge's traceback with feedback the student can act on."""
    outcome = yield
    report = outcome.get_result()
    if call.when == "call" and report.failed and call.excinfo is not None:
        feedback = feedback_for(call.excinfo.value)
        if feedback is not None:
            text, hint = feedback
            report.longrepr = text + (f"\nHint: {hint}" if hint else "")


def pytest_json_runtest_metadata(item: pytest.Item, call: pytest.CallInfo) -> dict[str, Any]:
    """Per-test metadata in the JSON report: lab, exercise, points and, on failure, feedback and hint."""
    data = test_metadata(item)
    if call.when == "call" and call.excinfo is not None:
        text, hint = feedback_for(call.excinfo.value) or (str(call.excinfo.value), None)
        data.update(feedback=text, hint=hint)
    return data


class ReportExtras:
    """Adds points earned per test and the top-level grade, student, target, versions and time."""

    def __init__(self, config: pytest.Config):
        self.config = config

    def pytest_json_modifyreport(self, json_report: dict[str, Any]) -> None:
        tests = json_report.get("tests", [])
        for test in tests:
            meta = test.setdefault("metadata", {})
            meta["points"] = meta.get("max_points", 0) if test["outcome"] == "passed" else 0
        json_report["grade"] = compute_grade(tests)
        json_report["student"] = self.config.getoption("grader_student")
        json_report["target"] = self.config.getoption("grader_target")
        json_report["versions"] = versions()
        json_report["graded_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")


def versions() -> dict[str, str]:
    """Versions that can change a grade, so reports from different setups can be told apart."""
    found = {"python": platform.python_version()}
    for package in ("ipdl-lab", "torch", "numpy", "pytest"):
        try:
            found[package] = package_metadata.version(package)
        except package_metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found
