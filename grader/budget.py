"""Time the student's code may take: per call (the test asks), per test, and per submission in total.

Only time spent waiting for the worker counts (its start-up does not): the judge's own work is not the student's.
"""

from dataclasses import dataclass


@dataclass
class Budget:
    """Running totals of the student's time, and the deadline of the next call."""

    total_s: float = 1800.0  # all calls of one grading run (all labs of one submission)
    per_test_s: float = 300.0  # all calls of one test
    used_s: float = 0.0
    test_used_s: float = 0.0

    def start_test(self) -> None:
        self.test_used_s = 0.0

    def spend(self, seconds: float) -> None:
        self.used_s += seconds
        self.test_used_s += seconds

    def allowance(self, call_timeout: float) -> tuple[float, str]:
        """(seconds the next call may take, the limit that sets it, in words)."""
        options = [
            (call_timeout, f"the limit for one call, {call_timeout:g} s"),
            (self.per_test_s - self.test_used_s, f"the limit for one test, {self.per_test_s:g} s in all"),
            (self.total_s - self.used_s, f"the submission's total budget, {self.total_s:g} s in all"),
        ]
        return min(options, key=lambda option: option[0])
