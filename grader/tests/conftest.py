"""Every failing judge test first names a wrong earlier exercise its function builds on (grader.feedback.chains):
tests need not each wrap their checks, and those that do (to probe with their own inputs) are not probed twice."""

import pytest

from grader.feedback import GradingFailure
from grader.feedback.chains import with_upstream_named
from grader.plugin import WORKER
from grader.worker_client import StudentCode, StudentCodeError


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Re-raise a failure as 'fix labN.k <function> first: ...' where an upstream exercise is wrong."""
    try:
        return (yield)
    except (GradingFailure, StudentCodeError) as error:
        marker = item.get_closest_marker("exercise")
        if marker is None or WORKER not in item.config.stash:
            raise
        student = StudentCode(item.config.stash[WORKER])
        named = with_upstream_named(student, marker.args[0], error, item.path.parent.name)
        if named is error:
            raise
        raise named from None
