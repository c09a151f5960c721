"""The labs of one submission graded by two judges at once, one per core: the labs are split into groups of about
equal grading time; this process imports the judge and starts a worker zygote, forks a judge for each further
group, and grades the first group itself. Each judge grades its labs exactly as `python -m grader` would (its own
pytest session and worker, forked from the shared zygote, in a sandbox of its own); they share the submission's
time budget; their reports are merged into the one a single session over all the labs would have written.

    status, report = grade_in_groups(groups, session)   # session(lab_folders, shared_budget) -> (status, report)
"""

import contextlib
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grader import worker_zygote
from grader.budget import SharedSeconds
from grader.grade import compute_grade
from ipdl.catalogue import LAB_FOLDERS

# Seconds of judge tests per lab on the reference (bench/bench_grader.py --parts all, idle): only their balance matters.
GRADING_SECONDS = {"lab1_convolution": 0.4, "lab2_lenet": 4.3, "lab3_pretrained": 2.7, "lab4_transfer": 5.8,
                   "lab5_unet": 9.3, "lab6_diffusion": 0.1}
MAX_DEFAULT_JOBS = 2  # two judges and two workers hold about twice the memory of one (README, Gradescope)
FAILED_OUTPUT_CHARS = 3000  # of a judge that gave no report, shown with the error

Session = Callable[[list[Path], SharedSeconds | None], tuple[int, dict[str, Any] | None]]


def default_jobs(requested: int, cores: int | None = None) -> int:
    """Judges at once: as asked, else two where there are two cores or more (this process's, unless given)."""
    available = len(os.sched_getaffinity(0)) if cores is None else cores
    return requested if requested > 0 else min(MAX_DEFAULT_JOBS, max(1, available))


def split(lab_folders: list[Path], jobs: int) -> list[list[Path]]:
    """At most `jobs` groups of whole labs, the longest first into the group with the least time so far; each
    group in catalogue order, the first group the one that holds the first lab."""
    groups: list[list[Path]] = [[] for _ in range(max(1, min(jobs, len(lab_folders))))]
    loads = [0.0] * len(groups)
    for folder in sorted(lab_folders, key=lambda f: -GRADING_SECONDS.get(f.name, 1.0)):
        lightest = loads.index(min(loads))
        groups[lightest].append(folder)
        loads[lightest] += GRADING_SECONDS.get(folder.name, 1.0)
    ordered = [sorted(group, key=lab_position) for group in groups if group]
    return sorted(ordered, key=lambda group: lab_position(group[0]))


def lab_position(folder: Path) -> int:
    """Where the lab folder (or a test's node id under it) comes in the catalogue."""
    name = folder.parts[0] if folder.parts and folder.parts[0] in LAB_FOLDERS else folder.name
    return LAB_FOLDERS.index(name) if name in LAB_FOLDERS else len(LAB_FOLDERS)


def grade_in_groups(groups: list[list[Path]], session: Session) -> tuple[int, dict[str, Any] | None]:
    """Grade each group in a judge of its own at once; the worst pytest status and the merged report (None if a
    judge gave none, with the reason printed)."""
    own_zygote = worker_zygote.current() is None
    if own_zygote:
        from grader.worker_client import worker_environment

        worker_zygote.enable().start(worker_environment())
    import torch  # noqa: F401  (imported once, before the fork; not the plugin, which pytest loads itself)

    shared = SharedSeconds()
    try:
        children = [fork_judge(group, session, shared) for group in groups[1:]]
        status, report = session(groups[0], shared)
        parts = [(status, report)] + [collect(child) for child in children]
    finally:
        if own_zygote:
            worker_zygote.disable()
    ran = [status for status, _ in parts if status != pytest.ExitCode.NO_TESTS_COLLECTED]  # (-k may leave a group
    worst = max(ran) if ran else pytest.ExitCode.NO_TESTS_COLLECTED                      # none of its tests)
    if any(part is None for _, part in parts):
        return worst, None
    return worst, merge([part for _, part in parts])


def fork_judge(group: list[Path], session: Session, shared: SharedSeconds) -> tuple[int, int, Path]:
    """A judge for `group` in a forked process: (pid, the read end of its report's pipe, its output file)."""
    read, write = os.pipe()
    handle, name = tempfile.mkstemp(prefix="ipdl-judge-", suffix=".txt")
    os.close(handle)
    output = Path(name)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(read)
            with open(output, "wb") as sink:
                os.dup2(sink.fileno(), 1)
                os.dup2(sink.fileno(), 2)
            worker_zygote.current().share()
            status, report = session(group, shared)
            with os.fdopen(write, "w") as pipe:
                json.dump({"status": status, "report": report}, pipe)
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(write)
    return pid, read, output


def collect(child: tuple[int, int, Path]) -> tuple[int, dict[str, Any] | None]:
    """A forked judge's pytest status and report (None, with its output printed, if it gave none)."""
    pid, read, output = child
    with os.fdopen(read) as pipe:
        text = pipe.read()
    os.waitpid(pid, 0)
    try:
        answer = json.loads(text)
        return int(answer["status"]), answer["report"]
    except (ValueError, KeyError, TypeError):
        tail = output.read_text(errors="replace")[-FAILED_OUTPUT_CHARS:]
        print(f"a judge of this run gave no report; its output:\n{tail}", file=sys.stderr)
        return 3, None
    finally:
        with contextlib.suppress(OSError):
            output.unlink()


def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One report from the reports of groups of labs, as one session over them all would have written it."""
    from grader.plugin import graded_lab_folders, versions

    merged = dict(parts[0])
    tests = [test for part in parts for test in part["tests"]]
    tests.sort(key=lambda test: lab_position(Path(test["nodeid"].split("::")[0])))
    merged["tests"] = tests
    merged["collectors"] = [collector for part in parts for collector in part.get("collectors", [])]
    if any("warnings" in part for part in parts):
        merged["warnings"] = [warning for part in parts for warning in part.get("warnings", [])]
    merged["summary"] = {key: sum(part["summary"].get(key, 0) for part in parts)
                         for key in {key for part in parts for key in part["summary"]}}
    merged["created"] = min(part["created"] for part in parts)
    merged["duration"] = max(part["created"] + part["duration"] for part in parts) - merged["created"]
    merged["exitcode"] = max(part["exitcode"] for part in parts)
    merged["graded_at"] = max(part["graded_at"] for part in parts)
    merged["grade"] = compute_grade(tests)
    merged["versions"] = versions(graded_lab_folders(tests))
    resources = dict(parts[0]["resources"])
    resources["student_seconds"] = round(sum(part["resources"]["student_seconds"] for part in parts), 2)
    resources["worker_starts"] = sum(part["resources"]["worker_starts"] for part in parts)
    resources["judge_peak_rss_mb"] = round(sum(part["resources"]["judge_peak_rss_mb"] for part in parts), 1)
    resources["judges"] = len(parts)
    merged["resources"] = resources
    return merged
