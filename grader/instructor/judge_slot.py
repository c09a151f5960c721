"""A batch's judge slots, the batch's side (slot_process.py is the process side): each slot is one long-lived
grader process that grades submission after submission, each exactly as `python -m grader ...` would (its own
pytest session, report, budget and worker). A batch's slots are forked from one process that imported torch,
pytest and the judge once and started one worker zygote for all of them (`SlotFamily`); a slot started again
(after `SUBMISSIONS_PER_PROCESS` submissions, or when one ran over its time and the slot was stopped) is a process
of its own, with a zygote of its own.

What one submission leaves behind cannot reach the next, in the same slot or a sibling: no slot ever runs student
code (the judge never does), each session's worker is a new process forked from the zygote as it was after
importing torch, in a new sandbox with a user of its own, and everything the worker started ends with its PID
namespace when the session closes it.
"""

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

from grader.paths import REPO_ROOT

CLOSE_WAIT_S = 10.0  # a slot closed at the end of a batch ends by itself (its zygote stopped)
SUBMISSIONS_PER_PROCESS = 200  # then a fresh process (and a fresh range of worker users: worker_client.worker_uid)
SLOT_PROCESS = [sys.executable, "-m", "grader.instructor.slot_process"]


class SlotTimeout(Exception):
    """The submission ran over its time; the slot was stopped."""


class ForkedSlot:
    """A slot forked by a family's parent, seen as the subprocess.Popen of a slot started alone: pid, stdin,
    stdout, poll(), wait(). It is not this process's child: it has ended when its answers' pipe closes."""

    def __init__(self, stdin: int, stdout: int):
        self.stdin = os.fdopen(stdin, "wb")
        self.stdout = os.fdopen(stdout, "rb")
        self.pid: int | None = None  # its first line says it (once the family has started up)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """None while it runs; between requests it writes nothing, so a readable pipe is a closed one."""
        if self.returncode is None and select.select([self.stdout], [], [], 0)[0]:
            self.wait()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not select.select([self.stdout], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired("judge slot", timeout)
            while self.stdout.read(1 << 16):
                pass
            self.returncode = 0
        return self.returncode

    def started(self) -> bool:
        """Read the slot's first line (its pid), waiting for the family to start up; False if it ended instead."""
        if self.pid is None and self.returncode is None:
            try:
                self.pid = int(json.loads(self.stdout.readline())["pid"])
            except (ValueError, KeyError, TypeError):
                self.returncode = 1
        return self.returncode is None


class JudgeSlot:
    """The batch's side of one slot process: started on the first submission, or handed a forked one."""

    def __init__(self, process: ForkedSlot | None = None) -> None:
        self.process: subprocess.Popen | ForkedSlot | None = process
        self.graded = 0

    def start(self) -> None:
        self.process = subprocess.Popen(SLOT_PROCESS, cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        start_new_session=True)
        self.graded = 0

    def alive(self) -> bool:
        if self.process is None:
            return False
        if isinstance(self.process, ForkedSlot) and not self.process.started():
            return False
        return self.process.poll() is None

    def grade(self, argv: list[str], log: Path, timeout_s: float) -> int:
        """Run `python -m grader argv` in the slot, its output appended to `log`; its exit code."""
        if not self.alive() or self.graded >= SUBMISSIONS_PER_PROCESS:
            self.stop()
            self.start()
        self.graded += 1
        self.process.stdin.write((json.dumps({"argv": argv, "log": str(log)}) + "\n").encode())
        self.process.stdin.flush()
        if not select.select([self.process.stdout], [], [], timeout_s)[0]:
            self.stop()
            raise SlotTimeout
        line = self.process.stdout.readline()
        try:
            return int(json.loads(line)["exit"])
        except (ValueError, KeyError, TypeError):
            code = self.stop()
            return 2 if code is None else code

    def stop(self, wait_s: float = 0.0) -> int | None:
        """End the slot (its workers end with their pipes; its zygote, if it has one of its own, with it), after
        `wait_s` for it to end by itself; its exit code, if it had ended before."""
        if self.process is None:
            return None
        code = self.process.poll() if self.process.pid is not None else None
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=wait_s)
        own_child = isinstance(self.process, subprocess.Popen)  # (its group may hold its zygote)
        if self.process.pid is not None and (own_child or self.process.returncode is None):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        if own_child:
            self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()
        self.process = None
        return code


class SlotFamily:
    """`count` slots forked from one process that starts up once (slot_process.serve_family); none for 0. Closed
    on leaving its `with` block, if not before."""

    def __init__(self, count: int) -> None:
        self.slots: list[JudgeSlot] = []
        self.parent: subprocess.Popen | None = None
        if count == 0:
            return
        ends = [(os.pipe(), os.pipe()) for _ in range(count)]  # (requests, answers) of each slot
        theirs = [(requests[0], answers[1]) for requests, answers in ends]
        self.parent = subprocess.Popen([*SLOT_PROCESS, "--family", *[f"{r},{w}" for r, w in theirs]], cwd=REPO_ROOT,
                                       pass_fds=[fd for pair in theirs for fd in pair], start_new_session=True)
        for pair in theirs:
            for fd in pair:
                os.close(fd)
        self.slots = [JudgeSlot(ForkedSlot(requests[1], answers[0])) for requests, answers in ends]

    def __enter__(self) -> "SlotFamily":
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every slot and then the parent with its zygote: a slot that graded is given `CLOSE_WAIT_S` to end
        by itself (and so the parent), a family that never graded is stopped at once."""
        used = any(slot.graded for slot in self.slots)
        for slot in self.slots:
            slot.stop(CLOSE_WAIT_S if slot.graded else 0.0)
        self.slots = []
        if self.parent is None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.parent.wait(timeout=CLOSE_WAIT_S if used else 0.0)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.parent.pid, signal.SIGKILL)
        self.parent.wait()
        self.parent = None
