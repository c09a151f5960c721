"""Name the earlier exercise to fix first: when a test fails, the exercises its function uses (the catalogue's
`uses`, followed to the end) are checked against the reference before any hint about the function itself.

Each lab gives a probe per exercise it can check: a function of the student (and of the failing test's own
inputs, where the probe can use them) that raises a GradingFailure or StudentCodeError, with that exercise's own
feedback, when the student's version is wrong. Probes run only when a test has already failed, so passing code
costs nothing.

    with blame_upstream(student, "lab1.4", PROBES, given=(image, kernel)):
        assert_tensor_close(got, expected, ...)
"""

import importlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from grader.feedback import GradingFailure
from grader.worker_client import StudentCodeError
from ipdl.catalogue import find_exercise

# probe(student, given) raises when the student's exercise is wrong; `given` is the failing test's inputs or None
Probe = Callable[[Any, Any], None]
PROBE_ERRORS = (GradingFailure, StudentCodeError, TypeError, ValueError, IndexError, KeyError)


def upstream_order(exercise_id: str) -> list[str]:
    """Every exercise `exercise_id` builds on, each after the ones it builds on itself (the order to fix them)."""
    order: list[str] = []

    def visit(current: str) -> None:
        for used in find_exercise(current).uses:
            if used not in order:
                visit(used)
                order.append(used)

    visit(exercise_id)
    return order


def own_feedback(error: BaseException) -> str:
    """What the upstream exercise's own test would say: its hint, else its first feedback line."""
    if isinstance(error, GradingFailure):
        return error.hint or str(error).splitlines()[0]
    if isinstance(error, StudentCodeError):
        return error.summary()
    return f"{type(error).__name__}: {error}"


def first_wrong_upstream(student, exercise_id: str, probes: Mapping[str, Probe], given: Any = None
                         ) -> tuple[str, str] | None:
    """(exercise id, its own feedback) of the first exercise `exercise_id` builds on that the student has wrong."""
    for used in upstream_order(exercise_id):
        if used not in probes:
            continue
        try:
            probes[used](student, given)
        except PROBE_ERRORS as error:
            return used, own_feedback(error)
        except LookupError:  # a student release without the reference's recorded result: cannot tell
            continue
    return None


def fix_first(exercise_id: str, culprit: str, feedback: str) -> str:
    """'fix lab1.3 conv2d first: <its feedback>' for a failure of `exercise_id` caused by `culprit`."""
    function, used = find_exercise(exercise_id).function, find_exercise(culprit).function
    return (f"fix {culprit} {used} first: {feedback.rstrip('.')} ({function} builds on your {used}, "
            f"so its own answer cannot be right yet)")


def caused_upstream(error: BaseException) -> bool:
    """True for failures an earlier exercise may explain: a wrong value, or an exception raised in the student's
    code (not a TODO left, a timeout or a forbidden operation, which say so themselves)."""
    if isinstance(error, GradingFailure):
        return True
    return isinstance(error, StudentCodeError) and error.kind == "exception" \
        and error.exc_type != "NotImplementedError"


@contextmanager
def blame_upstream(student, exercise_id: str, probes: Mapping[str, Probe], given: Any = None) -> Iterator[None]:
    """Re-raise a failure of `exercise_id` with 'fix labN.k <function> first: ...' when an exercise it builds on is
    wrong; this comes before any hint about `exercise_id` itself (a flipped conv2d is not convolve2d's mistake)."""
    try:
        yield
    except (GradingFailure, StudentCodeError) as error:
        if not caused_upstream(error):
            raise
        culprit = first_wrong_upstream(student, exercise_id, probes, given)
        error.upstream_checked = True
        if culprit is None:
            raise
        message = str(error) if isinstance(error, GradingFailure) else error.details()
        failure = GradingFailure(message, fix_first(exercise_id, *culprit))
        failure.result_hash = getattr(error, "result_hash", None)
        failure.pictures = getattr(error, "pictures", None)
        failure.upstream_checked = True
        raise failure from None


def lab_probes(lab_folder: str) -> Mapping[str, Probe]:
    """The probes `grader/tests/<lab_folder>/upstream.py` lists in CHAIN_PROBES ({} for a lab without one)."""
    try:
        module = importlib.import_module(f"grader.tests.{lab_folder}.upstream")
    except ModuleNotFoundError:
        return {}
    return getattr(module, "CHAIN_PROBES", {})


def with_upstream_named(student, exercise_id: str, error: BaseException, lab_folder: str) -> BaseException:
    """`error`, or a GradingFailure naming the first wrong exercise `exercise_id` builds on (for any failing test
    of the lab, see grader/tests/conftest.py); an error a test's own chain already checked is kept."""
    if getattr(error, "upstream_checked", False) or not caused_upstream(error) or not upstream_order(exercise_id):
        return error
    try:
        with blame_upstream(student, exercise_id, lab_probes(lab_folder)):
            raise error
    except (GradingFailure, StudentCodeError) as named:
        return named
