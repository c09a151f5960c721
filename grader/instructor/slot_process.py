"""The process side of a batch's judge slots (judge_slot.py has the batch's side): a long-lived grader process that
grades submission after submission, each exactly as `python -m grader ...` would (its own pytest session, report,
budget and worker), without importing torch, pytest and the judge again for each one.

    python -m grader.instructor.slot_process                  # one slot: requests on stdin, answers on stdout
    python -m grader.instructor.slot_process --family R,W ... # a slot per pair of pipe descriptors, forked

A request is a JSON line {"argv": [...], "log": PATH}, its answer {"exit": N, "seconds": S}. A family's parent
starts one worker zygote (grader/worker_zygote.py), imports the judge once, then forks its slots, which share
that zygote: N slots cost one start-up, not N. Each forked slot first says {"pid": N} (its own process group,
which the batch stops when a submission runs over its time). The parent grades nothing; it waits for its slots,
then stops the zygote.
"""

import contextlib
import json
import os
import sys
import time
import traceback
from pathlib import Path


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


def serve(requests_fd: int, replies_fd: int) -> None:
    """Answer the batch's requests until it closes the pipe."""
    with os.fdopen(requests_fd, "r") as requests, os.fdopen(replies_fd, "w") as replies:
        for line in requests:
            request = json.loads(line)
            started = time.monotonic()
            code = grade_into(list(request["argv"]), Path(request["log"]))
            replies.write(json.dumps({"exit": code, "seconds": round(time.monotonic() - started, 2)}) + "\n")
            replies.flush()


def start_up() -> None:
    """Start this process's worker zygote, which imports torch while this process imports the judge: torch,
    pytest and the grader's plugin, once for every submission the process (or the slots forked from it) grades."""
    from grader import worker_zygote
    from grader.worker_client import worker_environment

    worker_zygote.enable().start(worker_environment())
    import torch  # noqa: F401  (not grader.plugin, which pytest loads itself: -p rewrites its asserts)

    import grader.cli  # noqa: F401


def serve_family(channels: list[tuple[int, int]]) -> None:
    """Fork a slot per (requests, replies) pair, all sharing this process's zygote; wait for them to end."""
    from grader import worker_zygote

    start_up()
    children = []
    for requests, replies in channels:
        pid = os.fork()
        if pid == 0:
            run_forked_slot(channels, requests, replies)
        children.append(pid)
    for pair in channels:
        for fd in pair:
            os.close(fd)
    for pid in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    worker_zygote.disable()


def run_forked_slot(channels: list[tuple[int, int]], requests: int, replies: int) -> None:
    """In a forked slot: its own process group, only its own pipes, the family's zygote shared (never returns)."""
    from grader import worker_zygote

    code = 0
    try:
        os.setsid()
        for fd in {fd for pair in channels for fd in pair} - {requests, replies}:
            os.close(fd)
        worker_zygote.current().share()
        os.write(replies, (json.dumps({"pid": os.getpid()}) + "\n").encode())
        serve(requests, replies)
        worker_zygote.disable()
    except BaseException:  # (the batch sees the pipe close and starts a slot of its own instead)
        traceback.print_exc()
        code = 1
    finally:
        os._exit(code)


def main(argv: list[str]) -> None:
    null = os.open(os.devnull, os.O_RDWR)
    if argv[:1] == ["--family"]:
        channels = [tuple(int(fd) for fd in pair.split(",")) for pair in argv[1:]]
        os.dup2(null, 0)
        os.dup2(null, 1)
        serve_family(channels)
        return
    from grader import worker_zygote

    requests, replies = os.dup(0), os.dup(1)
    os.dup2(null, 0)
    os.dup2(null, 1)
    start_up()
    serve(requests, replies)
    worker_zygote.disable()


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.stderr.flush()
    os._exit(0)  # nothing is left to write: the batch waits for this process to end, not for torch's finalizers
