"""Adversarial submissions: each case in this folder is appended to a copy of Lab 1's reference (replacing pad2d,
or misbehaving on import) and graded with the real CLI. A case earns no point it did not earn, a crash or a limit
fails only the tests that ran into it, grading always ends with a valid report, and nothing the case started
outlives the grader. Each case is graded by a grader process of its own and, one case after another, by the two
long-lived judge slots of a batch with 2 workers, the cases alternating between them (grader/instructor/
judge_slot.py: both forked from one process, their workers forked from the one zygote they share).

A case's header says what to grade (`select`, a -k expression), what must happen to the pad2d tests (`expect`:
fail, pass, or all fail for every selected test), words their feedback must contain, extra grader options, and
what it `needs` (`isolation`: namespaces hide solutions/; `own-user`: the process limit needs a root judge).
"""

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.instructor.judge_slot import JudgeSlot, SlotFamily
from grader.paths import REPO_ROOT, SOLUTIONS_DIR
from grader.worker_client import processes_of

HERE = Path(__file__).resolve().parent
HEADER = re.compile(r"^# (select|expect|feedback|options|needs): (.*)$", re.MULTILINE)
REPORT_KEYS = {"summary", "tests", "grade", "student", "target", "versions", "graded_at", "resources"}


@dataclass(frozen=True)
class Case:
    name: str
    code: str
    select: str
    expect: str
    feedback: str = ""
    options: tuple[str, ...] = ()
    needs: str = ""


def load_case(path: Path) -> Case:
    code = path.read_text().replace("/work/main", str(REPO_ROOT))  # the cases aim at this copy of the kit
    fields = dict(HEADER.findall(code))
    return Case(path.stem, code, fields["select"], fields["expect"], fields.get("feedback", ""),
                tuple(fields.get("options", "").split()), fields.get("needs", ""))


CASES = [load_case(path) for path in sorted(HERE.glob("*.py")) if not path.name.startswith("test_")]


def submission(case: Case, folder: Path) -> Path:
    """A copy of the reference Lab 1 with the case's code appended to convolution.py."""
    shutil.copytree(SOLUTIONS_DIR / "lab1_convolution", folder / "lab1_convolution",
                    ignore=shutil.ignore_patterns("__pycache__"))
    module = folder / "lab1_convolution" / "convolution.py"
    module.write_text(module.read_text() + "\n\n" + case.code)
    return folder


def check_needs(case: Case, sandbox: dict) -> None:
    if case.needs == "isolation" and not str(sandbox.get("isolation", "")).startswith("namespaces"):
        pytest.skip(f"this system gives the worker no namespaces ({sandbox.get('isolation')})")
    if case.needs == "own-user" and "own uid" not in str(sandbox.get("user", "")):
        pytest.skip("the process limit needs a worker with a user of its own (a judge running as root)")


@pytest.fixture(scope="module")
def family() -> SlotFamily:
    """A batch's two judge slots for all the cases."""
    with SlotFamily(2) as family:
        yield family


@pytest.fixture
def slot(family: SlotFamily, request: pytest.FixtureRequest) -> JudgeSlot:
    """The family's slots in turn, case after case (a case whose slot was stopped gets a fresh one)."""
    return family.slots[CASES.index(request.node.callspec.params["case"]) % len(family.slots)]


def run_grader(arguments: list[str], runner: str, slot: JudgeSlot, log: Path) -> tuple[int, str]:
    """`python -m grader arguments` in a process of its own or in the slot: exit code and output."""
    if runner == "slot":
        return slot.grade(arguments, log, timeout_s=300), log.read_text()
    finished = subprocess.run([sys.executable, "-m", "grader", *arguments], cwd=REPO_ROOT, capture_output=True,
                              text=True, timeout=300)
    return finished.returncode, finished.stdout + finished.stderr


@pytest.mark.parametrize("runner", ["process", "slot"])
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_adversarial_submission(case: Case, runner: str, slot: JudgeSlot, tmp_path: Path) -> None:
    folder = submission(case, tmp_path / "submission")
    report_path = tmp_path / "report.json"
    arguments = ["lab1", "--target", str(folder), "-k", case.select, "--json", str(report_path), *case.options]
    repo_report = REPO_ROOT / "grade-report.json"  # where a student would guess the grader writes
    before = repo_report.read_bytes() if repo_report.exists() else None
    returncode, output = run_grader(arguments, runner, slot, tmp_path / "grader.log")
    assert returncode in (0, 1), output
    report = json.loads(report_path.read_text())
    assert set(report) >= REPORT_KEYS, output
    assert report["summary"].get("error", 0) == 0 and report["summary"]["total"] > 0, output
    sandbox = report["resources"].get("sandbox") or {}
    check_needs(case, sandbox)

    attacked = [test for test in report["tests"] if "test_pad2d.py" in test["nodeid"]]
    others = [test for test in report["tests"] if test not in attacked]
    assert attacked, f"no pad2d test selected by {case.select!r}"
    if case.expect == "pass":
        assert all(test["outcome"] == "passed" for test in attacked), output
    else:
        assert all(test["outcome"] == "failed" for test in attacked), output
        for test in attacked:
            assert case.feedback in test["metadata"]["feedback"], test["metadata"]["feedback"]
    expected_others = "failed" if case.expect == "all fail" else "passed"
    assert all(test["outcome"] == expected_others for test in others), output
    earned = sum(test["metadata"]["points"] for test in report["tests"] if test["outcome"] == "passed")
    assert report["grade"]["score"] == earned
    assert (repo_report.read_bytes() if repo_report.exists() else None) == before, "the worker wrote to the repo"
    if "own uid" in str(sandbox.get("user", "")):
        uid = int(str(sandbox["user"]).split()[-1])
        assert processes_of(uid) == [], f"processes of the worker's user {uid} outlived the grader"


def test_cases_cover_the_attacks_the_grader_promises_to_survive() -> None:
    names = {case.name for case in CASES}
    assert names >= {"always_true_eq", "lying_tensor", "patches_checkers", "os_exit", "sys_exit", "segfault",
                     "endless_loop", "memory_bomb", "fork_bomb", "fake_report", "reads_solutions", "imports_grader",
                     "megabyte_prints", "exit_at_import", "big_file"}
