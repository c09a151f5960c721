"""The batch's progress on stderr: how many submissions are done, which ones are being graded now and for how long.

On a terminal a bar at the bottom is redrawn every second (`[#####.....] 7/20 83 s  grading: bob 12 s, carol 3 s`)
above which each finished submission leaves a line; elsewhere (a log file, CI) each start and end is a line, and
while submissions are being graded a `still grading: bob 65 s` line comes every 30 s.
"""

import shutil
import sys
import threading
import time
from typing import Protocol, TextIO

BAR_WIDTH = 30


class Finished(Protocol):
    student: str
    status: str
    score: float
    max_score: float
    seconds: float


class Progress:
    """Progress of one batch run; call `started` and `finished` from any thread, `close` at the end."""

    def __init__(self, total: int, stream: TextIO | None = None, every_s: float | None = None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.every_s = every_s if every_s is not None else (1.0 if self.live else 30.0)
        self.total, self.done = total, 0
        self.running: dict[str, float] = {}  # student -> when their grading started (monotonic)
        self.began = time.monotonic()
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.ticker = threading.Thread(target=self.tick, name="batch-progress", daemon=True)
        self.ticker.start()

    def started(self, student: str) -> None:
        with self.lock:
            self.running[student] = time.monotonic()
            self.show("" if self.live else f"[{self.done}/{self.total}] grading {student}")

    def finished(self, outcome: Finished) -> None:
        with self.lock:
            self.running.pop(outcome.student, None)
            self.done += 1
            result = (f"{outcome.score:g}/{outcome.max_score:g}" if outcome.status in ("graded", "regraded")
                      else outcome.status)
            self.show(f"[{self.done}/{self.total}] {outcome.student}: {result} in {outcome.seconds:.0f} s")

    def tick(self) -> None:
        """Redraw the bar (terminal) or say who is still being graded (elsewhere), every `every_s` seconds."""
        while not self.stopped.wait(self.every_s):
            with self.lock:
                if self.live:
                    self.show("")
                elif self.running:
                    self.show(f"still grading: {self.now_grading()}")

    def now_grading(self) -> str:
        """`bob 65 s, carol 31 s`: the submissions being graded, longest first."""
        now = time.monotonic()
        return ", ".join(f"{student} {now - since:.0f} s"
                         for student, since in sorted(self.running.items(), key=lambda item: item[1]))

    def bar(self) -> str:
        filled = BAR_WIDTH * self.done // max(self.total, 1)
        line = (f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.done}/{self.total} "
                f"{time.monotonic() - self.began:.0f} s")
        if self.running:
            line += f"  grading: {self.now_grading()}"
        width = shutil.get_terminal_size().columns - 1
        return line if len(line) <= width else line[: width - 1] + "…"

    def show(self, line: str) -> None:
        """Print `line` (if any); on a terminal, above the bar, which is redrawn."""
        if not self.live:
            if line:
                print(line, file=self.stream, flush=True)
            return
        text = f"\r\x1b[K{line}\n" if line else "\r\x1b[K"
        print(text + self.bar(), end="", file=self.stream, flush=True)

    def close(self) -> None:
        self.stopped.set()
        self.ticker.join()
        if self.live:
            print("\r\x1b[K", end="", file=self.stream, flush=True)
