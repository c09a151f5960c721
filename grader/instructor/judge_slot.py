"""A batch's judge slot: one long-lived grader process that grades submission after submission, each exactly as
`python -m grader ...` would (its own pytest session, report, budget and worker), without importing torch, pytest
and the judge's tests again for each one; its workers are forked from a zygote that imported torch once
(grader/worker_zygote.py).

What one submission leaves behind cannot reach the next: the slot itself never runs student code (the judge never
does), each session's worker is a new process in a new sandbox with a user of its own, and everything the worker
started ends with its PID namespace when the session closes it. The slot is started again after
`SUBMISSIONS_PER_PROCESS` submissions, or when a submission runs over its time (the slot is then killed).

    python -m grader.instructor.judge_slot     # reads {"argv": [...], "log": PATH} lines, answers {"exit": N}
"""

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

from grader.paths import REPO_ROOT

CLOSE_WAIT_S = 10.0  # a slot closed at the end of a batch stops its zygote and ends by itself
SUBMISSIONS_PER_PROCESS = 200  # then a fresh process (and a fresh range of worker users: worker_client.worker_uid)


class SlotTimeout(Exception):
    """The submission ran over its time; the slot was stopped."""


class JudgeSlot:
    """The batch's side of one slot process."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.graded = 0

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "grader.instructor.judge_slot"], cwd=REPO_ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
        self.graded = 0

    def grade(self, argv: list[str], log: Path, timeout_s: float) -> int:
        """Run `python -m grader argv` in the slot, its output appended to `log`; its exit code."""
        if self.process is None or self.process.poll() is not None or self.graded >= SUBMISSIONS_PER_PROCESS:
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
        """End the slot and its zygote (its workers end with their pipes), after `wait_s` for it to end by
        itself; its exit code, if it had ended before."""
        if self.process is None:
            return None
        code = self.process.poll()
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=wait_s)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()
        self.process = None
        return code


def grade_into(argv: list[str], log: Path) -> int:
    """`python -m grader argv` in this process, its output (both streams) appended to `log`."""
    from grader import cli

    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log, "ab") as output:
        os.dup2(output.fileno(), 1)
        os.dup2(output.fileno(), 2)
    try:
        return cli.main(argv)
    except SystemExit as stop:  # argparse's usage errors
        return stop.code if isinstance(stop.code, int) else 2
    except Exception:
        traceback.print_exc()
        return 2
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for number, fd in enumerate(saved, start=1):
            os.dup2(fd, number)
            os.close(fd)


def serve() -> None:
    """Answer the batch's requests until it closes the pipe."""
    from grader import worker_zygote
    from grader.worker_client import worker_environment

    requests = os.fdopen(os.dup(0), "r")
    replies = os.fdopen(os.dup(1), "w")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    worker_zygote.enable().start(worker_environment())  # it imports torch while this process does
    import grader.cli  # noqa: F401  (torch, pytest and the judge, once)

    for line in requests:
        request = json.loads(line)
        started = time.monotonic()
        code = grade_into(list(request["argv"]), Path(request["log"]))
        replies.write(json.dumps({"exit": code, "seconds": round(time.monotonic() - started, 2)}) + "\n")
        replies.flush()
    worker_zygote.disable()


if __name__ == "__main__":
    serve()
