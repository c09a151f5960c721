"""Resource limits on the worker (setrlimit), and the words a student sees when their code hits one.

Loaded by the worker as a top-level script module (like `wire`), so it imports nothing from the grader package.
Measured on this kit: `import torch` maps ~3.3 GB of address space but writes only ~0.8 GB of data, and a LeNet
training run adds ~0.1 GB; so memory is limited with RLIMIT_DATA (the writable memory a process owns), not
RLIMIT_AS (address space, which torch's reserved mappings would exhaust long before any real use).
"""

import json
import os
import resource
import signal
from dataclasses import asdict, dataclass

GB = 1024**3
MB = 1024**2


@dataclass(frozen=True)
class Limits:
    """What one worker process may use; 0 leaves that limit off."""

    memory_bytes: int = 4 * GB  # RLIMIT_DATA: heap and private writable mappings (tensors included)
    cpu_seconds: int = 1800  # RLIMIT_CPU, counted from the first call: SIGXCPU, then SIGKILL; stops threads that
    # spin between calls
    file_bytes: int = 64 * MB  # RLIMIT_FSIZE: the largest file the student's code may write
    # RLIMIT_NPROC: processes and threads of the worker's own user (only with one); room for torch's threads
    processes: int = max(64, 4 * (os.cpu_count() or 1))
    threads: int = 0  # torch intra-op threads in the worker; 0 keeps torch's default

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "Limits":
        return cls(**json.loads(text))


def apply(limits: Limits, own_user: bool) -> dict[str, str]:
    """Set the limits on this process (and what it starts); returns {limit: "on" | why it is off}.

    RLIMIT_NPROC counts every process of the user: it is only set when the worker runs as a user of its
    own (the judge runs as root), never for the student's own account, and root ignores it anyway.
    """
    state: dict[str, str] = {}
    wanted = {
        "memory": (resource.RLIMIT_DATA, limits.memory_bytes, limits.memory_bytes),
        "cpu": (resource.RLIMIT_CPU, cpu_used() + limits.cpu_seconds, cpu_used() + limits.cpu_seconds + 5),
        "file_size": (resource.RLIMIT_FSIZE, limits.file_bytes, limits.file_bytes),
        "core_dumps": (resource.RLIMIT_CORE, 0, 0),
    }
    if own_user:
        wanted["processes"] = (resource.RLIMIT_NPROC, limits.processes, limits.processes)
    else:
        state["processes"] = "off: the worker shares the judge's user (needs a judge running as root)"
    for name, (which, soft, hard) in wanted.items():
        if soft == 0 and name != "core_dumps":
            state[name] = "off"
            continue
        try:
            resource.setrlimit(which, (soft, lowered_hard(which, hard)))
            state[name] = "on"
        except (ValueError, OSError) as error:
            state[name] = f"off: {error}"
    # A write past RLIMIT_FSIZE then fails with OSError (EFBIG) in the student's code instead of killing the worker.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return state


def cpu_used() -> int:
    """CPU seconds this process has used so far (importing torch), rounded up: not the student's."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return int(usage.ru_utime + usage.ru_stime) + 1


def lowered_hard(which: int, hard: int) -> int:
    """The new hard limit: `hard`, unless the current one is lower already (a process may only lower it)."""
    _, current = resource.getrlimit(which)
    return hard if current == resource.RLIM_INFINITY else min(hard, current)


def explain(error: BaseException, limits: Limits) -> str | None:
    """The limit an exception from student code ran into, in words; None when it is not about a limit."""
    text = str(error)
    if isinstance(error, MemoryError) or "can't allocate memory" in text or "not enough memory" in text:
        return (f"your code ran out of memory: the grader allows {limits.memory_bytes / GB:.3g} GB per worker "
                "(memory limit); look for tensors far larger than the inputs, or lists that grow without end")
    if isinstance(error, BlockingIOError) or "can't start new thread" in text:
        return (f"your code started too many processes or threads (process limit {limits.processes}); "
                "lab code should not start processes")
    if isinstance(error, OSError) and error.errno == 27:  # EFBIG
        return (f"your code wrote a file larger than {limits.file_bytes / MB:.3g} MB (file size limit), "
                "or printed that much")
    return None


def describe_signal(signum: int, limits: Limits) -> str:
    """How a signal that ended the worker reads to a student."""
    name = signal.Signals(signum).name
    if name == "SIGXCPU":
        return f"it used up the CPU time limit ({limits.cpu_seconds} s of CPU for one worker process)"
    if name == "SIGXFSZ":
        return f"it wrote past the file size limit ({limits.file_bytes / MB:.3g} MB)"
    if name == "SIGKILL":
        return "killed (out of memory, or over a time limit)"
    if name == "SIGSEGV":
        return "a segmentation fault"
    if name == "SIGABRT":
        return "aborted (often: out of memory inside a C++ library)"
    return name
