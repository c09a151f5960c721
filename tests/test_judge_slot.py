"""A batch's judge slot grades submission after submission in one long-lived process (its workers forked from a
zygote): what one submission leaves behind (files, processes, state in torch) cannot reach the next one, nor its
results, in the same slot or in a sibling forked from the same family (which shares its zygote); a submission that
runs over its time stops the slot, and the next one is graded in a fresh slot."""

import json
import shutil
from pathlib import Path

import pytest

from grader.instructor.judge_slot import JudgeSlot, SlotFamily, SlotTimeout
from grader.paths import SOLUTIONS_DIR
from grader.worker_client import processes_of

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


def zygotes_under(pid: int) -> list[int]:
    """The worker zygotes whose parent is `pid`."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields.get("PPid", "0")) == pid and b"zygote.py" in cmdline:
            found.append(int(status.parent.name))
    return found


def test_a_familys_slots_share_one_zygote_and_nothing_of_a_submission(tmp_path: Path) -> None:
    with SlotFamily(2) as family:
        first_slot, second_slot = family.slots
        first = grade(first_slot, submission(tmp_path / "first", LEAVES_TRACES), tmp_path / "first.json")
        second = grade(second_slot, submission(tmp_path / "second", LOOKS_FOR_TRACES), tmp_path / "second.json")
        slots = {first_slot.process.pid, second_slot.process.pid}
        assert len(slots) == 2 and family.parent.pid not in slots, "two slots, each a process of its own"
        assert len(zygotes_under(family.parent.pid)) == 1, "the family's one zygote"
        assert [pid for slot in slots for pid in zygotes_under(slot)] == [], "no slot started a zygote of its own"
        assert pad2d_outcomes(first) == {"passed"}
        assert pad2d_outcomes(second) == {"passed"}, [t["metadata"].get("feedback") for t in second["tests"]]
        assert second["grade"]["score"] == second["grade"]["max_score"] > 0
        users = [report["resources"]["sandbox"]["user"] for report in (first, second)]
        if all("own uid" in user for user in users):
            assert users[0] != users[1], "each submission's worker has a user of its own"
        parent = family.parent
    assert parent.returncode is not None and zygotes_under(parent.pid) == [], "closing the family ends it all"


def test_a_familys_slot_over_its_time_is_replaced_by_a_slot_of_its_own(tmp_path: Path) -> None:
    with SlotFamily(1) as family:
        slot = family.slots[0]
        assert grade(slot, submission(tmp_path / "warm", ""), tmp_path / "warm.json")["grade"]["score"] > 0
        forked = slot.process.pid
        with pytest.raises(SlotTimeout):
            slot.grade(["lab1", "--target", str(submission(tmp_path / "slow", "")), "--json",
                        str(tmp_path / "slow.json")], tmp_path / "slow.log", timeout_s=0.05)
        assert slot.process is None
        after = grade(slot, submission(tmp_path / "after", ""), tmp_path / "after.json")
        assert slot.process.pid != forked and zygotes_under(slot.process.pid), "a slot with a zygote of its own"
        assert after["grade"]["score"] == after["grade"]["max_score"] > 0
