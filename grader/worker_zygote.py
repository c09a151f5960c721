"""The judge's handle on a worker zygote (grader/worker/zygote.py): a process that has imported torch once and forks
each new worker from that state, for a judge that grades submission after submission (a batch's judge slot).

A forked worker is the same worker as one started from scratch: it enters its own sandbox (root, namespaces, user,
limits) before anything of a submission reaches it, and the zygote it came from never ran student code. The judge
talks to it through pipes it made itself; `ForkedProcess` stands in for the `subprocess.Popen` of a worker started
directly. Enabled per process with `enable()`; without it every worker is started directly. A process forked
from one with a zygote may share it (`share()`: a batch's slots, grader/instructor/slot_process.py): requests
from several judges reach it whole (one datagram each, with its descriptors), and each worker answers on its own
status socket.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.paths import WORKER_SCRIPT

ZYGOTE_SCRIPT = WORKER_SCRIPT.with_name("zygote.py")
STATUS_SIZE = 8  # zygote.STATUS: two native ints
STOP_WAIT_S = 5.0
SPAWN_TIMEOUT_S = 120.0  # the zygote answers at once, once it has imported torch (slow on a cold disk)


class ZygoteError(RuntimeError):
    """The zygote did not start a worker (it ended, or never started)."""


class ForkedProcess:
    """A worker forked by the zygote, seen as a subprocess.Popen: pid, stdin, stdout, poll(), wait()."""

    def __init__(self, pid: int, stdin: int, stdout: int, status: socket.socket):
        self.pid = pid
        self.stdin = os.fdopen(stdin, "wb")
        self.stdout = os.fdopen(stdout, "rb", buffering=0)
        self.returncode: int | None = None
        self._status = status

    def _read_status(self, blocking: bool) -> None:
        self._status.setblocking(blocking)
        try:
            data = self._status.recv(STATUS_SIZE)
        except BlockingIOError:
            return
        # Its keeper went (its zygote was stopped) before saying how the worker ended: counted as killed.
        kind, status = (int.from_bytes(data[:4], sys.byteorder, signed=True),
                        int.from_bytes(data[4:], sys.byteorder, signed=True)) if len(data) == STATUS_SIZE else (1, 9)
        self.returncode = os.waitstatus_to_exitcode(status) if kind == 1 else -9
        self._status.close()

    def poll(self) -> int | None:
        if self.returncode is None:
            self._read_status(blocking=False)
        return self.returncode

    def wait(self) -> int:
        if self.returncode is None:
            self._read_status(blocking=True)
        return self.returncode


class Zygote:
    """One zygote process, started on the first spawn and again if it ended."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.control: socket.socket | None = None
        self.shared = False  # the zygote of the process this one was forked from
        self._log = tempfile.TemporaryFile(prefix="ipdl-zygote-", suffix=".txt")  # noqa: SIM115  (its stderr)

    def start(self, environment: dict[str, str]) -> None:
        judge_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with zygote_end:
            self.process = subprocess.Popen(
                [sys.executable, "-I", str(ZYGOTE_SCRIPT), str(zygote_end.fileno())], pass_fds=[zygote_end.fileno()],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._log, env=environment)
        self.control = judge_end

    def share(self) -> None:
        """In a process forked from this zygote's owner: use the zygote, leave it to its owner to stop."""
        self.process = None
        self.shared = True

    def spawn(self, argv: list[str], cwd: Path, stderr_path: Path, environment: dict[str, str]) -> ForkedProcess:
        """A new worker running `worker.py argv` in `cwd`, its output appended to `stderr_path`; a shared zygote
        that has gone is replaced by one of this process's own."""
        if self.control is None or (self.process is not None and self.process.poll() is not None):
            self.stop()
            self.start(environment)
        try:
            return self._spawn(argv, cwd, stderr_path)
        except ZygoteError:
            if not self.shared:
                raise
            self.shared = False
            self.stop()
            self.start(environment)
            return self._spawn(argv, cwd, stderr_path)

    def _spawn(self, argv: list[str], cwd: Path, stderr_path: Path) -> ForkedProcess:
        stdin_read, stdin_write = os.pipe()
        stdout_read, stdout_write = os.pipe()
        status_judge, status_keeper = socket.socketpair()
        request = json.dumps({"argv": argv, "cwd": str(cwd)}).encode()
        try:
            with open(stderr_path, "ab") as stderr:
                socket.send_fds(self.control, [request], [stdin_read, stdout_write, stderr.fileno(),
                                                          status_keeper.fileno()])
            status_judge.settimeout(SPAWN_TIMEOUT_S)
            first = status_judge.recv(STATUS_SIZE)
        except OSError as error:
            for fd in (stdin_write, stdout_read):
                os.close(fd)
            status_judge.close()
            raise ZygoteError(f"the worker zygote did not answer ({error})") from error
        finally:
            for fd in (stdin_read, stdout_write):
                os.close(fd)
            status_keeper.close()
        if len(first) != STATUS_SIZE:
            os.close(stdin_write)
            os.close(stdout_read)
            status_judge.close()
            raise ZygoteError("the worker zygote ended before starting a worker")
        pid = int.from_bytes(first[4:], sys.byteorder, signed=True)
        return ForkedProcess(pid, stdin_write, stdout_read, status_judge)

    def stop(self) -> None:
        """Close the zygote's end: it ends once its workers have (killed if it has not within STOP_WAIT_S)."""
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.process is not None:
            try:
                self.process.wait(timeout=STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


_ZYGOTE: Zygote | None = None  # this process's zygote, once enable() was called


def enable() -> Zygote:
    """Start this process's workers from a zygote from now on."""
    global _ZYGOTE
    if _ZYGOTE is None:
        _ZYGOTE = Zygote()
    return _ZYGOTE


def disable() -> None:
    """Start workers directly again (and stop the zygote)."""
    global _ZYGOTE
    if _ZYGOTE is not None:
        _ZYGOTE.stop()
    _ZYGOTE = None


def current() -> Zygote | None:
    """This process's zygote, or None where workers are started directly."""
    return _ZYGOTE
