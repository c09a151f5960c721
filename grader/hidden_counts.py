"""What a student may learn of the hidden tests that ran: per lab only how many there were and the points they gave
(`hidden: 3 tests, 1 of 4 points`), never their names, feedback or pictures. The hand-back feedback of a batch
(grader/instructor/student_feedback.py, REPORTS/feedback/<id>.txt) and the hand-back page (grader/report_page.py,
REPORTS/feedback/<id>.html) both count them here."""

from dataclasses import dataclass
from typing import Any


@dataclass
class HiddenCount:
    """The hidden tests of one lab that ran."""

    tests: int = 0
    earned: float = 0.0  # points they gave
    worth: float = 0.0  # points they were worth

    def line(self) -> str:
        return f"hidden: {self.tests} tests, {self.earned:g} of {self.worth:g} points"


def is_hidden(test: dict[str, Any]) -> bool:
    return test.get("metadata", {}).get("visibility") == "hidden"


def hidden_counts(tests: list[dict[str, Any]]) -> dict[str, HiddenCount]:
    """lab -> its hidden tests counted, for the labs with at least one hidden test among `tests` (a report's)."""
    counts: dict[str, HiddenCount] = {}
    for test in tests:
        meta = test.get("metadata", {})
        if is_hidden(test) and "lab" in meta:
            count = counts.setdefault(meta["lab"], HiddenCount())
            count.tests += 1
            count.earned += meta.get("points", 0)
            count.worth += meta.get("max_points", 0)
    return counts
