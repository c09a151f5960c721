"""The worker zygote: a process that has imported torch once and forks a fresh worker from that state for each
request, so a judge that starts many workers (one per submission of a batch) pays torch's import once.

Started by `grader.worker_zygote.Zygote` as `python -I zygote.py FD`, FD one end of a socket pair. It runs no
student code itself and holds nothing of any submission: every worker is forked from the zygote as it was after
importing torch, and then enters its sandbox exactly as a worker started from scratch (worker.main). The zygote
stays single-threaded in what it runs (torch's thread pools are never started here: a forked child inherits no
threads, and a pool the parent had started would be left broken in it). Per request (JSON: the worker's
arguments and working folder, with four file descriptors: its stdin, stdout, stderr and a status socket):

    zygote  forks a keeper, closes its copies of the descriptors, waits for the next request
    keeper  forks the worker, sends its pid on the status socket, waits for it, sends how it ended, exits
    worker  a session of its own, the descriptors as 0, 1, 2, nothing else open, then worker.main(arguments)
"""

import contextlib
import json
import os
import socket
import struct
import sys
import traceback
import types
from pathlib import Path

SCRIPT_FOLDER = Path(__file__).resolve().parent
STATUS = struct.Struct("=ii")  # (0, pid) once the worker runs, then (1, wait status) when it ended
MAX_REQUEST_BYTES = 1 << 20


def load_worker() -> types.ModuleType:
    """worker.py as a module (it loads its own siblings, as when it runs as a script)."""
    path = SCRIPT_FOLDER / "worker.py"
    module = types.ModuleType("_grader_worker")
    module.__file__ = str(path)
    sys.modules[module.__name__] = module
    exec(compile(path.read_text(), str(path), "exec"), module.__dict__)
    return module


def run_worker(worker: types.ModuleType, request: dict, fds: list[int]) -> None:
    """In the forked worker: take the descriptors as 0, 1, 2, close every other, and serve (never returns)."""
    try:
        os.setsid()
        for number, fd in enumerate(fds[:3]):
            os.dup2(fd, number)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        os.chdir(request["cwd"])
        worker.main(list(request["argv"]))
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # (the worker could not start: the judge reads why in its output file)
        traceback.print_exc()
        code = 1
    sys.stderr.flush()
    os._exit(code)


def keep(worker: types.ModuleType, request: dict, fds: list[int]) -> None:
    """The keeper: start the worker, tell the judge its pid and, later, how it ended (never returns)."""
    status = fds[3]
    pid = os.fork()
    if pid == 0:
        run_worker(worker, request, fds)
    for fd in fds[:3]:
        os.close(fd)
    os.write(status, STATUS.pack(0, pid))
    _, ended = os.waitpid(pid, 0)
    os.write(status, STATUS.pack(1, ended))
    os._exit(0)


def serve(control: socket.socket, worker: types.ModuleType) -> None:
    """Fork a keeper per request until the judge closes its end; then wait for the keepers still running."""
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, MAX_REQUEST_BYTES, 4)
        except OSError:
            break
        if not message:
            break
        if len(fds) == 4 and os.fork() == 0:
            control.close()
            keep(worker, json.loads(message), fds)
        for fd in fds:
            os.close(fd)
        reap(os.WNOHANG)
    reap(0)


def reap(options: int) -> None:
    """Collect the keepers that ended (all of them, waiting, with options 0)."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, options)[0]:
            pass


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    worker = load_worker()
    import torch  # noqa: F401  (the import every forked worker is spared)

    serve(control, worker)


if __name__ == "__main__":
    main()
    sys.stderr.flush()
    os._exit(0)  # its keepers have ended: its owner waits for this process to end, not for torch's finalizers
