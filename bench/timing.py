"""The one timing rule of the bench scripts: one warm-up call, then the median of `repeats` timed calls."""

import statistics
import time
from collections.abc import Callable


def median_seconds(function: Callable[[], object], repeats: int,
                   clock: Callable[[], float] = time.perf_counter) -> float:
    """Median duration of `function` by `clock`: wall time, or time.process_time for the CPU time it used (on a
    shared machine the wall time also counts the waits for a core). The warm-up call (loading a model, torch's
    lazy set-up) is not counted."""
    function()
    times = []
    for _ in range(repeats):
        start = clock()
        function()
        times.append(clock() - start)
    return statistics.median(times)
