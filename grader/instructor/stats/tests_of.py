"""Reading the tests of a grade report: the judge's tests that failed, and what kind of failure each was (as the
grader recorded it, or read from the feedback of a report written before it did)."""

from typing import Any

from grader.failure_kind import kind_from_feedback
from ipdl.catalogue import LAB_FOLDERS


def judge_tests(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's tests that belong to an exercise (a test of another grader has no such metadata)."""
    tests = report.get("tests")
    if not isinstance(tests, list):
        return []
    return [test for test in tests if isinstance(test, dict) and isinstance(test.get("metadata"), dict)
            and "exercise" in test["metadata"] and "nodeid" in test]


def failed_tests(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [test for test in judge_tests(report) if test.get("outcome") in ("failed", "error")]


def failure_kind_of(test: dict[str, Any]) -> str:
    """'shape mismatch', 'exception IndexError', 'not implemented', ... ('grader error' for a fault of the judge)."""
    if test.get("outcome") == "error":
        return "grader error"
    meta = test["metadata"]
    if meta.get("failure_kind"):
        return str(meta["failure_kind"])
    return kind_from_feedback(str(meta.get("feedback") or (test.get("call") or {}).get("longrepr") or ""))


def test_name(nodeid: str) -> str:
    """`test_conv2d.py::test_slide_example` for `lab1_convolution/test_conv2d.py::test_slide_example`."""
    folder, _, rest = nodeid.partition("/")
    return rest if folder in LAB_FOLDERS else nodeid
