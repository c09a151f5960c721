"""The judge's handle on the worker process: start it in its sandbox, send one call, wait with a deadline,
restart after a crash.

Student code never runs in the judge. A call either returns plain data rebuilt from bytes (see `wire`)
or raises `StudentCodeError`, which says what went wrong in words a student can act on. Nothing the worker
says about itself is trusted: its exit code only picks the words of an error, and a malformed reply is a
failed call, never a judge error.
"""

import contextlib
import itertools
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import worker_zygote
from grader.budget import Budget
from grader.paths import REPO_ROOT, WORKER_SCRIPT
from grader.target import Target, stage_copy
from grader.worker import wire
from grader.worker.limits import Limits, describe_signal

__all__ = ["StudentCode", "StudentCodeError", "Worker", "WorkerSettings"]

DEFAULT_CALL_TIMEOUT = 5.0  # seconds per call; a test may ask for more
STARTUP_TIMEOUT = 120.0  # importing torch on a cold disk can be slow
NAMESPACE_END_WAIT_S = 5.0  # at most, for the kernel to end what a stopped worker left in its namespaces
OUTPUT_TAIL_CHARS = 1500
OUTPUT_KEEP_BYTES = 1024**2  # the student's printed output is cut back to nothing beyond this, between calls
ERROR_KINDS = ("exception", "import", "forbidden", "bad_return", "timeout", "crash", "limit", "budget", "not_run")
_worker_numbers = itertools.count()


@dataclass(frozen=True)
class WorkerSettings:
    """How the worker is confined (see sandbox.py and limits.py)."""

    limits: Limits = Limits()
    isolate: bool = True  # namespaces and, for a root judge, a user of its own
    hide: tuple[str, ...] = ()  # folders to hide besides the kit's repository (batch and report folders)


class StudentCodeError(Exception):
    """A call into student code that did not return a gradable value."""

    def __init__(self, kind: str, function: str, exc_type: str, message: str,
                 traceback: str = "", output: str = ""):
        self.kind = kind if kind in ERROR_KINDS else "exception"
        self.function = function
        self.exc_type = exc_type
        self.message = message
        self.traceback = traceback
        self.output = output
        super().__init__(self.summary())

    def summary(self) -> str:
        """One line: what happened, where."""
        short = self.function.rpartition(".")[2]
        if self.kind == "import":
            return f"could not import your code for {short}: {self.exc_type}: {self.message}"
        if self.kind == "exception":
            return f"{short} raised {self.exc_type}: {self.message}"
        if self.kind == "not_run" and self.message.startswith(f"not run: {short} "):
            return self.message  # the function itself, not one it calls
        return f"{short}: {self.message}"

    def details(self) -> str:
        """The summary plus the student's traceback and the tail of what their code printed."""
        parts = [self.summary()]
        if self.traceback:
            parts.append("Traceback in your code (most recent call last):\n" + self.traceback.rstrip())
        if self.output.strip():
            parts.append("Your code printed (last lines):\n" + self.output.rstrip())
        return "\n".join(parts)


class Worker:
    """One worker process for one target, restarted on demand after a crash or a timeout."""

    def __init__(self, target: Target, settings: WorkerSettings | None = None, budget: Budget | None = None):
        self.target = target
        self.settings = settings or WorkerSettings()
        self.budget = budget or Budget()
        self.process: subprocess.Popen | None = None
        self.sandbox: dict[str, Any] = {}  # its confinement as it reported it at start, and what it mounted
        self._workdir = tempfile.TemporaryDirectory(prefix="ipdl-worker-")
        self._stderr_path = Path(self._workdir.name) / "worker-output.txt"
        self._uid = worker_uid(next(_worker_numbers)) if os.geteuid() == 0 else None
        self._mounts: dict[str, str] | None = None
        self._next_id = 0
        self._ended = False
        self._ready = False
        self.starts = 0

    def plan(self) -> dict[str, Any]:
        """The sandbox plan the worker enters (see sandbox.Plan)."""
        return {"mounts": self.mounts(), "hide": [str(REPO_ROOT), *self.settings.hide],
                "scratch": str(self.folder("root")), "uid": self._uid, "isolate": self.settings.isolate}

    def mounts(self) -> dict[str, str]:
        """Package folders, worked out once (see readable)."""
        if self._mounts is None:
            self._mounts = {name: str(self.readable(name, folder)) for name, folder in self.target.mounts.items()}
        return self._mounts

    def readable(self, name: str, folder: Path) -> Path:
        """`folder` as the worker's user can read it: the folder itself for a worker that runs as the judge's user
        and for a submission's staged copy (readable by all already); else a copy readable by all."""
        if self._uid is None or (self.target.staged and name == self.target.package):
            return folder
        os.chmod(self._workdir.name, 0o711)
        return stage_copy(folder, Path(self._workdir.name) / "staged" / name)

    def folder(self, name: str) -> Path:
        path = Path(self._workdir.name) / name
        path.mkdir(exist_ok=True)
        return path

    def command(self) -> list[str]:
        return [sys.executable, "-I", str(WORKER_SCRIPT), f"--package={self.target.package}",
                f"--plan={json.dumps(self.plan())}", f"--limits={self.settings.limits.to_json()}"]

    def launch(self) -> None:
        """Start the worker process without waiting for it: it imports torch while the judge collects tests."""
        work = self.folder("work")
        if self._uid is not None:
            os.chown(work, self._uid, self._uid)
        self.process = None
        zygote = worker_zygote.current()
        if zygote is not None:
            with contextlib.suppress(worker_zygote.ZygoteError):  # (then started directly)
                self.process = zygote.spawn(self.command()[3:], work, self._stderr_path, worker_environment())
        if self.process is None:
            with open(self._stderr_path, "ab") as stderr:
                self.process = subprocess.Popen(
                    self.command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                    cwd=work, start_new_session=True, env=worker_environment(),
                )
        self.starts += 1
        self._ended = False
        self._ready = False

    def start(self) -> None:
        self.launch()
        self._await_ready()

    def _await_ready(self) -> None:
        reply = self._read_reply(time.monotonic() + STARTUP_TIMEOUT)
        if reply is None or reply[0].get("ready") is not True:
            tail = self._output_since(0)
            self.stop()
            raise RuntimeError(f"the grader's worker process did not start:\n{tail}")
        self.sandbox = {"sandbox": reply[0].get("sandbox"), "limits": reply[0].get("limits")}
        if self.target.staged:
            self.sandbox["submission"] = self.target.staging_note()
        self._ready = True

    def call(self, function: str, args: tuple, kwargs: dict[str, Any], *,
             timeout: float = DEFAULT_CALL_TIMEOUT, forbidden_ops: tuple[str, ...] = ()) -> Any:
        """Run `function(*args, **kwargs)` in the worker and return its plain result; a function that timed out
        twice fails at once (and so does any of the student's functions that calls it, in the worker)."""
        if function in self.budget.not_run:
            raise StudentCodeError("not_run", function, "Timeout", self.budget.not_run[function])
        allowed, limit = self.budget.allowance(timeout)
        if allowed <= 0:
            raise StudentCodeError("budget", function, "Timeout", f"not run: {limit} is used up")
        if self.process is None or self.process.poll() is not None:
            self.start()
        elif not self._ready:
            self._await_ready()
        self._next_id += 1
        skeleton, tensors = wire.encode({"args": tuple(args), "kwargs": dict(kwargs)})
        request = {"id": self._next_id, "function": function, "forbidden_ops": list(forbidden_ops),
                   "not_run": self.budget.not_run, "args": skeleton["__dict__"]["args"],
                   "kwargs": skeleton["__dict__"]["kwargs"]}
        output_start = self._stderr_path.stat().st_size
        started = time.monotonic()
        try:
            self.process.stdin.write(wire.pack(request, tensors))
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # the worker died; reading below reports it as a crash
        reply = self._read_reply(started + allowed)
        self.budget.spend(time.monotonic() - started)
        output = self._output_since(output_start)
        self._trim_output()
        if reply is None:
            raise self._failed_call(function, (allowed, limit, timeout), output)
        return self._value_of(function, reply, output)

    def _value_of(self, function: str, reply: tuple[dict, dict], output: str) -> Any:
        """The plain value of a reply, or the StudentCodeError it stands for."""
        message, out_tensors = reply
        if message.get("id") != self._next_id:
            self.stop()
            raise StudentCodeError("crash", function, "ProtocolError",
                                   "the worker answered out of turn (did your code write to the grader's pipe?)",
                                   output=output)
        if message.get("ok") is not True:
            fields = [str(message.get(key, "")) for key in ("kind", "exc_type", "message", "traceback")]
            raise StudentCodeError(fields[0], function, fields[1] or "?", *fields[2:], output=output)
        try:
            return wire.decode(message["value"], out_tensors)
        except (KeyError, TypeError, wire.WireError) as error:
            raise StudentCodeError("bad_return", function, "WireError",
                                   f"the worker's reply could not be read ({error})", output=output) from None

    def _failed_call(self, function: str, deadline: tuple[float, str, float], output: str) -> StudentCodeError:
        """Turn a missing reply into a timeout (counted for the two-timeouts rule) or crash error, and leave no
        worker behind; `deadline` is (seconds allowed, the limit that set them, the call's own limit)."""
        allowed, limit, call_timeout = deadline
        returncode = self.process.wait() if self._ended else None
        self.stop()
        if returncode is None:
            self.budget.timed_out(function, call_timeout)
            advice = "an endless loop, or a slow Python loop over every pixel?"
            return StudentCodeError("timeout", function, "Timeout",
                                    f"did not finish within {allowed:.3g} s ({limit}; {advice})", output=output)
        return StudentCodeError("crash", function, "WorkerCrash", describe_exit(returncode, self.settings.limits),
                                output=output)

    def _read_reply(self, deadline: float) -> tuple[dict, dict] | None:
        """One frame from the worker, or None on timeout, end of stream or a malformed frame."""
        head = self._read_exact(wire.HEADER.size, deadline)
        if head is None:
            return None
        text_len, blob_len = wire.HEADER.unpack(head)
        if text_len + blob_len > wire.MAX_MESSAGE_BYTES:
            return None
        body = self._read_exact(text_len + blob_len, deadline)
        if body is None:
            return None
        try:
            return wire.unpack(body[:text_len], body[text_len:])
        except Exception:  # (whatever bytes came, they are not a valid reply)
            return None

    def _read_exact(self, size: int, deadline: float) -> bytes | None:
        fd = self.process.stdout.fileno()
        chunks, received = [], 0
        while received < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
            chunk = os.read(fd, min(size - received, 1 << 20))
            if not chunk:
                self._ended = True  # the worker closed its end: it exited or crashed
                return None
            chunks.append(chunk)
            received += len(chunk)
        return b"".join(chunks)

    def _output_since(self, offset: int) -> str:
        with open(self._stderr_path, "rb") as stderr:
            stderr.seek(max(offset, self._stderr_path.stat().st_size - OUTPUT_TAIL_CHARS))
            return stderr.read().decode(errors="replace")

    def _trim_output(self) -> None:
        """Empty the output file once it is large (the worker appends, so it writes at the new end)."""
        if self._stderr_path.stat().st_size > OUTPUT_KEEP_BYTES:
            os.truncate(self._stderr_path, 0)

    def stop(self) -> None:
        """End the worker and everything it started (its PID namespace goes with it)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()
        self.process = None
        if self._uid is not None:
            wait_for_no_processes_of(self._uid)

    def close(self) -> None:
        self.stop()
        self._workdir.cleanup()


def wait_for_no_processes_of(uid: int, timeout_s: float = NAMESPACE_END_WAIT_S) -> None:
    """Wait until no process of `uid` is left. The worker's first process ends at once when killed, while the
    kernel is still ending the rest of its PID namespace (a fork bomb's 60 sleepers take a few milliseconds):
    grading has not ended before they have."""
    deadline = time.monotonic() + timeout_s
    while processes_of(uid) and time.monotonic() < deadline:
        time.sleep(0.005)


def processes_of(uid: int) -> list[int]:
    """Live processes whose real user is `uid`."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            uid_line = next(line for line in status.read_text().splitlines() if line.startswith("Uid:"))
        except (OSError, StopIteration):
            continue
        if int(uid_line.split()[1]) == uid:
            found.append(int(status.parent.name))
    return found


def worker_uid(number: int) -> int:
    """The own user of this process's `number`-th Worker (a root judge's): a judge that grades submission after
    submission gives each its own user (1024 of them before one comes again)."""
    return 100_000 + (os.getpid() % 2**20) * 1024 + number % 1024


def describe_exit(returncode: int, limits: Limits) -> str:
    """Explain how the worker ended, in the student's terms."""
    if returncode < 0:
        return f"the process running your code died: {describe_signal(-returncode, limits)}"
    return (f"the process running your code exited with code {returncode} before returning: "
            "do not call sys.exit(), os._exit() or quit() in lab code")


def worker_environment() -> dict[str, str]:
    """The judge's environment, with idle OpenMP threads sleeping instead of spinning: on a small machine
    a spinning worker between calls slows the judge down (and the other way round) several times over."""
    return {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}


class RemoteFunction:
    """A student function, called through the worker."""

    def __init__(self, worker: Worker, name: str, timeout: float, forbidden_ops: tuple[str, ...]):
        self.worker = worker
        self.name = name
        self.timeout = timeout
        self.forbidden_ops = forbidden_ops

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.worker.call(self.name, args, kwargs, timeout=self.timeout,
                                forbidden_ops=self.forbidden_ops)


class StudentCode:
    """What the judge's tests see of the student: functions by dotted name."""

    def __init__(self, worker: Worker):
        self.worker = worker

    def function(self, name: str, *, timeout: float = DEFAULT_CALL_TIMEOUT,
                 forbidden_ops: tuple[str, ...] = ()) -> RemoteFunction:
        """`name` is `labN_topic.module.function`, relative to the target's labs folder."""
        return RemoteFunction(self.worker, name, timeout, tuple(forbidden_ops))
