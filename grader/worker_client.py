"""The judge's handle on the worker process: start it, send one call, wait with a deadline, restart after a crash.

Student code never runs in the judge. A call either returns plain data rebuilt from bytes (see `wire`)
or raises `StudentCodeError`, which says what went wrong in words a student can act on.
"""

import contextlib
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import wire
from grader.paths import LABS_DIR, SOLUTIONS_DIR, WORKER_SCRIPT

DEFAULT_CALL_TIMEOUT = 5.0  # seconds per call; a test may ask for more
STARTUP_TIMEOUT = 120.0  # importing torch on a cold disk can be slow
OUTPUT_TAIL_CHARS = 1500


@dataclass(frozen=True)
class Target:
    """The code under test: which package the worker calls and which folders it mounts."""

    label: str  # "labs", "solutions", or the folder as given
    package: str  # package name the calls go to
    mounts: dict[str, Path] = field(default_factory=dict)  # package name -> folder

    @property
    def folder(self) -> Path:
        return self.mounts[self.package]


def resolve_target(spec: str) -> Target:
    """`labs`, `solutions`, or the path of a student's copy of the labs/ folder."""
    if spec == "labs":
        return Target("labs", "labs", {"labs": LABS_DIR})
    if spec == "solutions":
        if not SOLUTIONS_DIR.is_dir():
            raise ValueError("this copy of the kit has no solutions/ folder (a student release?)")
        return Target("solutions", "solutions", {"labs": LABS_DIR, "solutions": SOLUTIONS_DIR})
    folder = Path(spec).expanduser()
    if not folder.is_dir():
        raise ValueError(f"target {spec!r} is not a folder: give 'labs', 'solutions' or a copy of labs/")
    return Target(spec, "labs", {"labs": folder.resolve()})


class StudentCodeError(Exception):
    """A call into student code that did not return a gradable value."""

    def __init__(self, kind: str, function: str, exc_type: str, message: str,
                 traceback: str = "", output: str = ""):
        self.kind = kind  # exception | import | forbidden | bad_return | timeout | crash
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
        if self.kind in ("timeout", "crash", "forbidden", "bad_return"):
            return f"{short}: {self.message}"
        return f"{short} raised {self.exc_type}: {self.message}"

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

    def __init__(self, target: Target):
        self.target = target
        self.process: subprocess.Popen | None = None
        self._workdir = tempfile.TemporaryDirectory(prefix="ipdl-worker-")
        self._stderr_path = Path(self._workdir.name) / "worker-output.txt"
        self._next_id = 0
        self._ended = False
        self.starts = 0

    def command(self) -> list[str]:
        mounts = [f"--mount={name}={folder}" for name, folder in self.target.mounts.items()]
        return [sys.executable, "-I", str(WORKER_SCRIPT), f"--package={self.target.package}", *mounts]

    def start(self) -> None:
        with open(self._stderr_path, "ab") as stderr:
            self.process = subprocess.Popen(
                self.command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                cwd=self._workdir.name, start_new_session=True, env=worker_environment(),
            )
        self.starts += 1
        self._ended = False
        reply = self._read_reply(time.monotonic() + STARTUP_TIMEOUT)
        if reply is None or not reply[0].get("ready"):
            tail = self._output_since(0)
            self.stop()
            raise RuntimeError(f"the grader's worker process did not start:\n{tail}")

    def call(self, function: str, args: tuple, kwargs: dict[str, Any], *,
             timeout: float = DEFAULT_CALL_TIMEOUT, forbidden_ops: tuple[str, ...] = ()) -> Any:
        """Run `function(*args, **kwargs)` in the worker and return its plain result."""
        if self.process is None or self.process.poll() is not None:
            self.start()
        self._next_id += 1
        skeleton, tensors = wire.encode({"args": tuple(args), "kwargs": dict(kwargs)})
        request = {"id": self._next_id, "function": function, "forbidden_ops": list(forbidden_ops),
                   "args": skeleton["__dict__"]["args"], "kwargs": skeleton["__dict__"]["kwargs"]}
        output_start = self._stderr_path.stat().st_size
        try:
            self.process.stdin.write(wire.pack(request, tensors))
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # the worker died; reading below reports it as a crash
        reply = self._read_reply(time.monotonic() + timeout)
        output = self._output_since(output_start)
        if reply is None:
            raise self._failed_call(function, timeout, output)
        message, out_tensors = reply
        if message.get("id") != self._next_id:
            self.stop()
            raise StudentCodeError("crash", function, "ProtocolError",
                                   "the worker answered out of turn (did your code write to the grader's pipe?)",
                                   output=output)
        if not message.get("ok"):
            raise StudentCodeError(message.get("kind", "exception"), function, message.get("exc_type", "?"),
                                   message.get("message", ""), message.get("traceback", ""), output)
        return wire.decode(message["value"], out_tensors)

    def _failed_call(self, function: str, timeout: float, output: str) -> StudentCodeError:
        """Turn a missing reply into a timeout or crash error, and leave no worker behind."""
        returncode = self.process.wait() if self._ended else None
        self.stop()
        if returncode is None:
            return StudentCodeError("timeout", function, "Timeout",
                                    f"did not finish within {timeout:g} s (an endless loop, or a slow "
                                    "Python loop over every pixel?)", output=output)
        return StudentCodeError("crash", function, "WorkerCrash", describe_exit(returncode), output=output)

    def _read_reply(self, deadline: float) -> tuple[dict, dict] | None:
        """One frame from the worker, or None on timeout or end of stream."""
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
        except (ValueError, wire.WireError):
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

    def stop(self) -> None:
        """End the worker and everything it started."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            pipe.close()
        self.process = None

    def close(self) -> None:
        self.stop()
        self._workdir.cleanup()


def describe_exit(returncode: int) -> str:
    """Explain how the worker ended, in the student's terms."""
    if returncode < 0:
        name = signal.Signals(-returncode).name
        reason = {"SIGSEGV": "a segmentation fault", "SIGKILL": "killed (out of memory?)"}.get(name, name)
        return f"the process running your code died: {reason}"
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
