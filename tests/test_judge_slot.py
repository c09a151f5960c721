"""A batch's judge slot grades submission after submission in one long-lived process (its workers forked from a
zygote): what one submission leaves behind (files, processes, state in torch) cannot reach the next one, nor its
results; a submission that runs over its time stops the slot, and the next one is graded in a fresh slot."""

import json
import shutil
from pathlib import Path

import pytest
from adversarial.test_submissions import processes_of

from grader.instructor.judge_slot import JudgeSlot, SlotTimeout
from grader.paths import SOLUTIONS_DIR

MARKER = "ipdl-leak-marker"
PLACES = ("/tmp", "/tmp/work", "/dev/shm")
# Appended to Lab 1's reference: pad2d first leaves traces everywhere it can, and checks that they are there.
LEAVES_TRACES = f'''
import os as _os
import subprocess as _subprocess
import torch as _torch

_reference_pad2d = pad2d


def pad2d(*args, **kwargs):
    for folder in {PLACES!r} + (_os.environ["HOME"],):
        try:
            with open(folder + "/{MARKER}", "w") as marker:
                marker.write("left by the first submission")
        except OSError:
            pass
    if not getattr(_torch, "ipdl_leak_marker", False):
        _subprocess.Popen(["sleep", "86400"], start_new_session=True)  # a daemon of its own session
    _torch.ipdl_leak_marker = True
    if not (_os.path.exists("/tmp/work/{MARKER}") and _os.path.exists("/dev/shm/{MARKER}")):
        raise RuntimeError("the traces were not written")
    return _reference_pad2d(*args, **kwargs)
'''
# pad2d fails where it finds any trace of the submission graded before it.
LOOKS_FOR_TRACES = f'''
import os as _os
import torch as _torch

_reference_pad2d = pad2d


def pad2d(*args, **kwargs):
    seen = [folder for folder in {PLACES!r} + (_os.environ["HOME"],) if _os.path.exists(folder + "/{MARKER}")]
    for pid in [name for name in _os.listdir("/proc") if name.isdigit()]:
        try:
            with open(f"/proc/{{pid}}/cmdline", "rb") as cmdline:
                if b"86400" in cmdline.read():
                    seen.append(f"process {{pid}}")
        except OSError:
            pass
    if getattr(_torch, "ipdl_leak_marker", False):
        seen.append("torch.ipdl_leak_marker")
    if seen:
        raise RuntimeError(f"the submission before left {{seen}}")
    return _reference_pad2d(*args, **kwargs)
'''


def submission(folder: Path, code: str) -> Path:
    shutil.copytree(SOLUTIONS_DIR / "lab1_convolution", folder / "lab1_convolution",
                    ignore=shutil.ignore_patterns("__pycache__"))
    module = folder / "lab1_convolution" / "convolution.py"
    module.write_text(module.read_text() + "\n" + code)
    return folder


def grade(slot: JudgeSlot, target: Path, report: Path, timeout_s: float = 600) -> dict:
    code = slot.grade(["lab1", "--target", str(target), "--json", str(report), "-k", "pad2d or conv2d"],
                      report.with_suffix(".log"), timeout_s)
    assert code in (0, 1), report.with_suffix(".log").read_text()
    return json.loads(report.read_text())


def pad2d_outcomes(report: dict) -> set[str]:
    return {test["outcome"] for test in report["tests"] if "test_pad2d.py" in test["nodeid"]}


@pytest.fixture
def slot() -> JudgeSlot:
    slot = JudgeSlot()
    yield slot
    slot.stop()


def test_a_submission_cannot_reach_the_next_one_in_the_same_slot(slot: JudgeSlot, tmp_path: Path) -> None:
    first = grade(slot, submission(tmp_path / "first", LEAVES_TRACES), tmp_path / "first.json")
    process = slot.process.pid
    assert pad2d_outcomes(first) == {"passed"}, "the first submission's traces must be there in its own worker"
    second = grade(slot, submission(tmp_path / "second", LOOKS_FOR_TRACES), tmp_path / "second.json")
    assert slot.process.pid == process, "one long-lived process graded both"
    assert pad2d_outcomes(second) == {"passed"}, [t["metadata"].get("feedback") for t in second["tests"]]
    assert second["grade"]["score"] == second["grade"]["max_score"] > 0
    users = [report["resources"]["sandbox"]["user"] for report in (first, second)]
    if all("own uid" in user for user in users):
        assert users[0] != users[1], "each submission's worker has a user of its own"
        assert processes_of(int(users[0].split()[-1])) == [], "the first submission's daemon outlived its grading"
    assert (first["student"], first["target"]) != (second["student"], second["target"])


def test_a_submission_over_its_time_stops_the_slot_and_the_next_is_graded(slot: JudgeSlot, tmp_path: Path) -> None:
    slow = submission(tmp_path / "slow", "")
    with pytest.raises(SlotTimeout):  # a fresh slot takes longer than this to start (it imports torch)
        slot.grade(["lab1", "--target", str(slow), "--json", str(tmp_path / "slow.json")], tmp_path / "slow.log",
                   timeout_s=1)
    assert slot.process is None
    after = grade(slot, submission(tmp_path / "after", ""), tmp_path / "after.json")
    assert after["grade"]["score"] == after["grade"]["max_score"] > 0


def test_a_usage_error_in_the_slot_is_the_graders_exit_code_2(slot: JudgeSlot, tmp_path: Path) -> None:
    log = tmp_path / "bad.log"
    assert slot.grade(["lab1", "--no-such-option"], log, timeout_s=300) == 2
    assert "unrecognized arguments" in log.read_text()
    assert slot.grade(["lab1", "--target", str(tmp_path / "missing")], log, timeout_s=300) == 2
    assert "is not a folder" in log.read_text()
