"""The grader's pytest plugin: points and exercise markers, the `student` fixture, feedback that teaches,
and the `grade` object added to pytest-json-report's report.

Loaded by `python -m grader` with `-p grader.plugin`; the judge's test cases live in grader/tests/.
"""

import platform
import random
import re
import resource
from datetime import datetime, timezone
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from grader.budget import Budget
from grader.feedback import GradingFailure
from grader.fingerprint import judge_fingerprint
from grader.golden.modules import start_recording
from grader.golden.recorder import Recorder, ReplayMissing
from grader.grade import compute_grade
from grader.paths import SOLUTIONS_DIR
from grader.worker.limits import GB, Limits
from grader.worker_client import StudentCode, StudentCodeError, Worker, WorkerSettings, resolve_target

BUDGET = pytest.StashKey[Budget]()
WORKER = pytest.StashKey[Worker]()
RECORDER = pytest.StashKey[Recorder]()
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
    group.addoption("--grader-budget", type=float, default=Budget.total_s, help="seconds for all calls, in all")
    group.addoption("--grader-test-timeout", type=float, default=Budget.per_test_s, help="seconds per test")
    group.addoption("--grader-memory-gb", type=float, default=Limits.memory_bytes / GB, help="worker memory")
    group.addoption("--grader-threads", type=int, default=0, help="torch threads in the worker (0: default)")
    group.addoption("--grader-no-sandbox", action="store_true", help="no namespaces, no separate user")
    group.addoption("--grader-hide", action="append", default=[], help="another folder to hide from the worker")
    group.addoption("--grader-record", type=Path, help="record the judge's calls into solutions/ here")
    group.addoption("--grader-lazy-worker", action="store_true",
                    help="start the worker at the first call, not while the tests are collected")


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers and the report extras; keep the judge to one thread (its references are
    small, and the worker needs the cores)."""
    torch.set_num_threads(1)
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    config.pluginmanager.register(ReportExtras(config), "grader-report-extras")
    if config.getoption("grader_record"):
        labs = sorted({Path(arg).name for arg in config.args if Path(arg).name.startswith("lab")})
        config.stash[RECORDER] = start_recording(SOLUTIONS_DIR, config.getoption("grader_record"), labs)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Write the golden fixtures of a recording run."""
    if RECORDER in config.stash:
        config.stash[RECORDER].save()


def worker_settings(config: pytest.Config) -> WorkerSettings:
    """Limits and sandbox from the grader's options."""
    memory = int(config.getoption("grader_memory_gb") * GB)
    budget = config.getoption("grader_budget")
    limits = Limits(memory_bytes=memory, cpu_seconds=int(2 * budget) + 60, threads=config.getoption("grader_threads"))
    return WorkerSettings(limits=limits, isolate=not config.getoption("grader_no_sandbox"),
                          hide=tuple(config.getoption("grader_hide")))


def session_budget(config: pytest.Config) -> Budget:
    """The one Budget of this grading run."""
    if BUDGET not in config.stash:
        config.stash[BUDGET] = Budget(config.getoption("grader_budget"), config.getoption("grader_test_timeout"))
    return config.stash[BUDGET]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Every test starts with its own time allowance and the same random state, whatever ran before it."""
    session_budget(item.config).start_test()
    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)


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


def pytest_sessionstart(session: pytest.Session) -> None:
    """Start the worker now: it imports torch while the judge collects and imports its test cases."""
    config = session.config
    worker = Worker(resolve_target(config.getoption("grader_target")), worker_settings(config), session_budget(config))
    config.stash[WORKER] = worker
    if not config.getoption("grader_lazy_worker"):
        worker.launch()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the worker and everything it started."""
    if WORKER in session.config.stash:
        session.config.stash[WORKER].close()


@pytest.fixture(scope="session")
def student(request: pytest.FixtureRequest) -> StudentCode:
    """The student's code, reachable only through a worker process."""
    return StudentCode(request.config.stash[WORKER])


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
    if isinstance(error, ReplayMissing):
        if isinstance(error.__context__, GradingFailure):  # a hint that needs an unrecorded reference result
            return str(error.__context__), error.__context__.hint
        return str(error), None
    if isinstance(error, GradingFailure):
        return str(error), error.hint
    if isinstance(error, AssertionError):
        return str(error) or "wrong result", None
    return None


STUDENT_FRAME = re.compile(r'File "[^"]*?/(lab\d+_\w+/[^"]+\.py)", line \d+')


def innermost_student_file(error: StudentCodeError) -> str | None:
    """`lab2_lenet/training.py` for the student's frame that raised, or None without a traceback."""
    frames = STUDENT_FRAME.findall(error.traceback)
    return frames[-1] if frames else None


def hint_for_student_error(error: StudentCodeError) -> str | None:
    """Say what to do next for errors that are not about a wrong value."""
    module_file = error.function.rpartition(".")[0].replace(".", "/") + ".py"
    if error.exc_type == "NotImplementedError":
        todo = error.message.split(":")[0].strip()
        # The judge may call a given harness function; the TODO sits where the error was raised.
        return f"not implemented yet: fill in TODO({todo}) in {innermost_student_file(error) or module_file}"
    if error.kind == "import":
        return f"{module_file} must import cleanly before anything in it can be graded"
    if error.kind == "timeout" and "one call" in error.message:
        return "replace Python loops over pixels with tensor operations (indexing, as_strided, matmul)"
    if error.kind in ("timeout", "budget"):
        return "the whole submission has a time budget: make the slow functions faster first"
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
        json_report["versions"] = versions(graded_lab_folders(tests))
        json_report["graded_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        json_report["resources"] = self.resources()

    def resources(self) -> dict[str, Any]:
        """How the worker was confined and what grading used; not part of the grade."""
        budget = session_budget(self.config)
        worker = self.config.stash.get(WORKER, None)
        return {
            "student_seconds": round(budget.used_s, 2),
            "budget_seconds": budget.total_s,
            "judge_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "worker_starts": worker.starts if worker else 0,
            **(worker.sandbox if worker else {}),
        }


def graded_lab_folders(tests: list[dict[str, Any]]) -> tuple[str, ...]:
    """`lab1_convolution`, ... for the tests in the report (node ids start with the lab folder)."""
    return tuple(sorted({test["nodeid"].split("/")[0] for test in tests if "/" in test["nodeid"]}))


def versions(lab_folders: tuple[str, ...]) -> dict[str, str]:
    """Versions that can change a grade, so reports from different setups can be told apart."""
    found = {"python": platform.python_version(), "judge": judge_fingerprint(lab_folders)}
    for package in ("ipdl-lab", "torch", "numpy", "pytest"):
        try:
            found[package] = package_metadata.version(package)
        except package_metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found
