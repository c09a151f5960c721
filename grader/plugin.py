"""The grader's pytest plugin: points and exercise markers, the `student` fixture, feedback that teaches,
and the `grade` object added to pytest-json-report's report.

Loaded by `python -m grader` with `-p grader.plugin`, which hands it its settings and resolved target as one
object (grader.settings.GivenSettings); a plain pytest run reads the same options from `--grader-*` flags:

    pytest -p grader.plugin -c grader/tests/pytest.ini grader/tests/lab1_convolution --grader-target=solutions
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
from grader.failure_record import failure_record
from grader.feedback import GradingFailure
from grader.feedback.errors import explain as explain_student_error
from grader.feedback.errors import in_student_terms
from grader.feedback.pictures import PictureBudget
from grader.fingerprint import judge_fingerprint, lab_fingerprints
from grader.golden.modules import start_recording
from grader.golden.recorder import Recorder, ReplayMissing
from grader.grade import compute_grade
from grader.paths import SOLUTIONS_DIR
from grader.selection import is_selected
from grader.settings import (
    SETTINGS,
    SHARED_BUDGET,
    TARGET,
    GradingSettings,
    add_pytest_options,
    from_pytest_options,
)
from grader.target import Target, resolve_target
from grader.worker_client import StudentCode, StudentCodeError, Worker, WorkerSettings
from ipdl.catalogue import LAB_FOLDERS, Exercise, UnknownLab, find_exercise, find_lab, lab_of

BUDGET = pytest.StashKey[Budget]()
WORKER = pytest.StashKey[Worker]()
RECORDER = pytest.StashKey[Recorder]()
TORCH_THREADS = pytest.StashKey[int]()  # the process's torch threads before the session, given back after it
KEPT_WORKER = pytest.StashKey[Worker]()  # a worker that outlives the session (a notebook's: grader.notebook_check)
MARKERS = (
    "points(n): points a passing test earns (required on every judge test)",
    "exercise(id): the catalogue's exercise a test belongs to, e.g. exercise('lab1.3')",
    "hidden: an instructor-only test, left out of student releases",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """The grader's options as `--grader-*` flags (declared in grader.settings)."""
    add_pytest_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    """Read the settings once, register the markers and the report extras; keep the judge to one thread (its
    references are small, and the worker needs the cores)."""
    if SETTINGS not in config.stash:
        config.stash[SETTINGS], config.stash[TARGET] = settings_from_options(config)
    config.stash[TORCH_THREADS] = torch.get_num_threads()
    torch.set_num_threads(1)
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    config.pluginmanager.register(ReportExtras(config), "grader-report-extras")
    record = config.stash[SETTINGS].record
    if record:
        labs = sorted({Path(arg).name for arg in config.args if Path(arg).name in LAB_FOLDERS})
        config.stash[RECORDER] = start_recording(SOLUTIONS_DIR, record, labs)


def settings_from_options(config: pytest.Config) -> tuple[GradingSettings, Target]:
    """The settings and resolved target of a plain pytest run; a bad option is a usage error."""
    try:
        settings = from_pytest_options(config)
        return settings, resolve_target(settings.target)
    except ValueError as error:
        raise pytest.UsageError(str(error)) from error


def pytest_unconfigure(config: pytest.Config) -> None:
    """Write the golden fixtures of a recording run; give the process its torch threads back (for a session
    run inside another, as pytester and the project's tests do)."""
    if RECORDER in config.stash:
        config.stash[RECORDER].save()
    if TORCH_THREADS in config.stash:
        torch.set_num_threads(config.stash[TORCH_THREADS])


def session_budget(config: pytest.Config) -> Budget:
    """The one Budget of this grading run."""
    if BUDGET not in config.stash:
        config.stash[BUDGET] = config.stash[SETTINGS].new_budget(config.stash.get(SHARED_BUDGET, None))
    return config.stash[BUDGET]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Every test starts with its own time allowance and the same random state, whatever ran before it."""
    session_budget(item.config).start_test()
    torch.default_generator.manual_seed(0)  # torch.manual_seed also queues the seeding of every accelerator
    np.random.seed(0)
    random.seed(0)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Check every judge test's markers; deselect the tests of exercises not selected, and hidden tests when
    only public ones run."""
    settings = config.stash[SETTINGS]
    kept, left_out = [], []
    for item in items:
        hidden = item.get_closest_marker("hidden") is not None
        if is_selected(checked_exercise(item), settings.select) and not (settings.public_only and hidden):
            kept.append(item)
        else:
            left_out.append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def checked_exercise(item: pytest.Item) -> Exercise:
    """The exercise of a judge test, which must carry `points(n)` (one positive number) and `exercise(id)`."""
    points = item.get_closest_marker("points")
    if points is None or item.get_closest_marker("exercise") is None:
        raise pytest.UsageError(f"{item.nodeid}: every judge test needs @pytest.mark.points(n) and "
                                f"@pytest.mark.exercise(id) (on the test or as the module's pytestmark)")
    if points.kwargs or len(points.args) != 1 or not isinstance(points.args[0], (int, float)) or points.args[0] <= 0:
        raise pytest.UsageError(f"{item.nodeid}: points(n) takes one positive number, got {points}")
    return exercise_of(item)


def exercise_of(item: pytest.Item) -> Exercise:
    """The catalogue's exercise named by the test's `exercise(id)` marker, which must belong to the lab whose
    folder holds the test."""
    marker = item.get_closest_marker("exercise")
    if marker.kwargs or len(marker.args) != 1:
        raise pytest.UsageError(f"{item.nodeid}: exercise(id) takes only the exercise id, e.g. exercise('lab1.3'); "
                                f"its function's name comes from ipdl.catalogue (got {marker})")
    try:
        exercise = find_exercise(str(marker.args[0]))
    except UnknownLab as error:
        raise pytest.UsageError(f"{item.nodeid}: {error}") from error
    folder, lab = Path(str(item.path)).parent.name, lab_of(exercise.id)
    if folder != lab.folder:
        raise pytest.UsageError(f"{item.nodeid}: exercise {exercise.id} belongs to {lab.folder}, "
                                f"not to the folder {folder}")
    return exercise


def pytest_sessionstart(session: pytest.Session) -> None:
    """Start the worker now: it imports torch while the judge collects and imports its test cases (not for a
    lazy worker, nor when pytest only collects)."""
    config = session.config
    PictureBudget.start_run()  # a judge slot or a notebook grades run after run in one process
    if KEPT_WORKER in config.stash:  # already running: it works for this session's budget and stays up after it
        config.stash[KEPT_WORKER].budget = session_budget(config)
        config.stash[WORKER] = config.stash[KEPT_WORKER]
        return
    settings = config.stash[SETTINGS]
    confinement = WorkerSettings(limits=settings.limits(), isolate=not settings.no_sandbox, hide=settings.hide)
    worker = Worker(config.stash[TARGET], confinement, session_budget(config))
    config.stash[WORKER] = worker
    if not (settings.lazy_worker or config.option.collectonly):
        worker.launch()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the worker and everything it started (not a kept one)."""
    if WORKER in session.config.stash and KEPT_WORKER not in session.config.stash:
        session.config.stash[WORKER].close()


@pytest.fixture(scope="session")
def student(request: pytest.FixtureRequest) -> StudentCode:
    """The student's code, reachable only through a worker process."""
    return StudentCode(request.config.stash[WORKER])


def test_metadata(item: pytest.Item) -> dict[str, Any]:
    """Lab, exercise, function and points of a judge test, from its markers and the catalogue."""
    exercise = exercise_of(item)
    return {
        "lab": lab_of(exercise.id).id,
        "exercise": exercise.id,
        "function": exercise.function,
        "max_points": item.get_closest_marker("points").args[0],
        "visibility": "hidden" if item.get_closest_marker("hidden") else "public",
    }


def feedback_for(error: BaseException, exercise: Exercise | None = None) -> tuple[str, str | None] | None:
    """(feedback text, hint) for a failure the student caused, in the terms of `exercise` (the function the student
    wrote, never the kit's harness); None for a fault of the judge itself."""
    feedback = raw_feedback_for(error)
    if feedback is None or exercise is None:
        return feedback
    folder = lab_of(exercise.id).folder
    text, hint = feedback
    return in_student_terms(text, folder, exercise.function), hint and in_student_terms(hint, folder, exercise.function)


def raw_feedback_for(error: BaseException) -> tuple[str, str | None] | None:
    """(feedback text, hint) as the failure gives them."""
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
    if error.kind == "not_run":
        return ("a function whose calls timed out twice is not run again in this grading run: fix its endless loop "
                "(or slow Python loop) first")
    if error.kind in ("timeout", "budget"):
        return "the whole submission has a time budget: make the slow functions faster first"
    if error.kind == "forbidden":
        return "this exercise asks you to write the operation yourself; torch's built-in earns no points"
    return explain_student_error(error)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Replace the judge's traceback with feedback the student can act on."""
    outcome = yield
    report = outcome.get_result()
    if call.when == "call" and report.failed and call.excinfo is not None:
        feedback = feedback_for(call.excinfo.value, exercise_of(item))
        if feedback is not None:
            text, hint = feedback
            report.longrepr = text + (f"\nHint: {hint}" if hint else "")


@pytest.hookimpl(optionalhook=True)  # pytest-json-report's hook, there only with --json-report
def pytest_json_runtest_metadata(item: pytest.Item, call: pytest.CallInfo) -> dict[str, Any]:
    """Per-test metadata in the JSON report: lab, exercise, points and, on failure, feedback, hint, the kind of
    failure and a hash of the wrong result (grader.failure_record)."""
    data = test_metadata(item)
    if call.when == "call" and call.excinfo is not None:
        text, hint = feedback_for(call.excinfo.value, exercise_of(item)) or (str(call.excinfo.value), None)
        data.update(feedback=text, hint=hint, **failure_record(call.excinfo.value))
        if getattr(call.excinfo.value, "pictures", None):  # grader.feedback.pictures: base64 PNGs
            data["pictures"] = call.excinfo.value.pictures
    return data


class ReportExtras:
    """Adds points earned per test and the top-level grade, student, target, versions and time."""

    def __init__(self, config: pytest.Config):
        self.config = config

    @pytest.hookimpl(optionalhook=True)
    def pytest_json_modifyreport(self, json_report: dict[str, Any]) -> None:
        tests = json_report.get("tests", [])
        for test in tests:
            meta = test.setdefault("metadata", {})
            meta["points"] = meta.get("max_points", 0) if test["outcome"] == "passed" else 0
        json_report["grade"] = compute_grade(tests)
        json_report["student"] = self.config.stash[SETTINGS].student
        json_report["target"] = self.config.stash[TARGET].label
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
    """`lab1_convolution`, ... for the labs of the tests in the report."""
    labs = {test["metadata"]["lab"] for test in tests if "lab" in test.get("metadata", {})}
    return tuple(sorted(find_lab(lab).folder for lab in labs))


def versions(lab_folders: tuple[str, ...]) -> dict[str, Any]:
    """Versions that can change a grade, so reports from different setups can be told apart."""
    found = {"python": platform.python_version(), "judge": judge_fingerprint(lab_folders),
             "judge_labs": lab_fingerprints(lab_folders)}
    for package in ("ipdl-lab", "torch", "numpy", "pytest"):
        try:
            found[package] = package_metadata.version(package)
        except package_metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found
