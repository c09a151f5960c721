"""Time the student's code may take: per call (the test asks), per test, and per submission in total; and the
two-timeouts rule: a function whose calls timed out twice in one grading run is not run again.

Only time spent waiting for the worker counts (its start-up does not): the judge's own work is not the student's.
Where several judges grade the labs of one submission at once (grader/lab_groups.py), they share its total.
"""

import multiprocessing
from dataclasses import dataclass, field

TIMEOUTS_BEFORE_NOT_RUN = 2  # an endless loop costs two call limits, not one per test


class SharedSeconds:
    """A running total of seconds that processes forked after it was made add to and read."""

    def __init__(self) -> None:
        self._total = multiprocessing.get_context("fork").Value("d", 0.0)

    def add(self, seconds: float) -> None:
        with self._total.get_lock():
            self._total.value += seconds

    def total(self) -> float:
        return self._total.value


@dataclass
class Budget:
    """Running totals of the student's time, the deadline of the next call, and the functions not run again."""

    total_s: float = 1800.0  # all calls of one grading run (all labs of one submission)
    per_test_s: float = 300.0  # all calls of one test
    used_s: float = 0.0
    test_used_s: float = 0.0
    timeouts: dict[str, int] = field(default_factory=dict)  # function -> calls of it that timed out
    not_run: dict[str, str] = field(default_factory=dict)  # function -> why its calls fail at once
    shared: SharedSeconds | None = None  # the submission's total, when other judges grade its other labs at once

    def start_test(self) -> None:
        self.test_used_s = 0.0

    def spend(self, seconds: float) -> None:
        self.used_s += seconds
        self.test_used_s += seconds
        if self.shared is not None:
            self.shared.add(seconds)

    def allowance(self, call_timeout: float) -> tuple[float, str]:
        """(seconds the next call may take, the limit that sets it, in words)."""
        options = [
            (call_timeout, f"the limit for one call, {call_timeout:g} s"),
            (self.per_test_s - self.test_used_s, f"the limit for one test, {self.per_test_s:g} s in all"),
            (self.total_s - (self.used_s if self.shared is None else self.shared.total()),
             f"the submission's total budget, {self.total_s:g} s in all"),
        ]
        return min(options, key=lambda option: option[0])

    def timed_out(self, function: str, call_timeout: float) -> None:
        """Count a call of `function` (`lab1_convolution.convolution.conv2d`) that timed out; at the second, its
        remaining calls are not run."""
        self.timeouts[function] = self.timeouts.get(function, 0) + 1
        if self.timeouts[function] >= TIMEOUTS_BEFORE_NOT_RUN:
            short = function.rpartition(".")[2]
            self.not_run[function] = f"not run: {short} timed out twice ({call_timeout:g} s limit)"
