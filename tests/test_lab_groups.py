"""The labs of one submission graded by two judges at once (grader/lab_groups.py): groups of whole labs balanced by
grading time, one report exactly like a single judge's, and one time budget for the submission."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.budget import Budget, SharedSeconds
from grader.lab_groups import MAX_DEFAULT_JOBS, default_jobs, split
from grader.paths import JUDGE_TESTS_DIR, REPO_ROOT
from ipdl.catalogue import LABS

ALL_LABS = [JUDGE_TESTS_DIR / lab.folder for lab in LABS]


def names(groups: list[list[Path]]) -> list[list[str]]:
    return [[folder.name.split("_")[0] for folder in group] for group in groups]


def test_two_groups_of_about_equal_time_each_in_catalogue_order() -> None:
    assert names(split(ALL_LABS, 2)) == [["lab1", "lab2", "lab4", "lab6"], ["lab3", "lab5"]]


def test_one_job_or_one_lab_is_one_group() -> None:
    assert names(split(ALL_LABS, 1)) == [["lab1", "lab2", "lab3", "lab4", "lab5", "lab6"]]
    assert names(split(ALL_LABS[:1], 2)) == [["lab1"]]
    assert names(split(ALL_LABS[:2], 6)) == [["lab1"], ["lab2"]]


def test_judges_per_submission_as_asked_else_two_where_there_are_two_cores() -> None:
    assert default_jobs(3, cores=1) == 3
    assert [default_jobs(0, cores=cores) for cores in (0, 1, 2, 16)] == [1, 1, 2, MAX_DEFAULT_JOBS]


def test_the_budget_is_one_total_for_the_processes_forked_after_it() -> None:
    shared = SharedSeconds()
    budget = Budget(total_s=10.0, shared=shared)
    pid = os.fork()
    if pid == 0:
        Budget(total_s=10.0, shared=shared).spend(7.5)  # another judge's calls
        os._exit(0)
    os.waitpid(pid, 0)
    budget.spend(1.0)
    assert shared.total() == pytest.approx(8.5)
    allowed, limit = budget.allowance(call_timeout=5.0)
    assert allowed == pytest.approx(1.5) and "total budget" in limit
    assert budget.used_s == pytest.approx(1.0), "each judge still reports its own student seconds"


def grade(target: str, jobs: int, report: Path, *options: str) -> tuple[int, dict, str]:
    finished = subprocess.run([sys.executable, "-m", "grader", "lab1", "lab6", "--target", target, "--jobs", str(jobs),
                               "--json", str(report), *options], cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=600)
    return finished.returncode, json.loads(report.read_text()), finished.stdout


def outcomes(report: dict) -> list[tuple]:
    return [(test["nodeid"], test["outcome"], test["metadata"].get("points"), test["metadata"].get("feedback"),
             test["metadata"].get("hint")) for test in report["tests"]]


@pytest.mark.parametrize("target", ["solutions", "labs"])
def test_two_judges_write_the_report_one_judge_writes(target: str, tmp_path: Path) -> None:
    one_code, one, _ = grade(target, 1, tmp_path / "one.json")
    two_code, two, output = grade(target, 2, tmp_path / "two.json")
    assert "in another judge" in output and "in another judge" not in grade(target, 1, tmp_path / "again.json")[2]
    assert two_code == one_code == (0 if target == "solutions" else 1)
    assert two["grade"] == one["grade"] and two["grade"]["max_score"] > 0
    assert outcomes(two) == outcomes(one)
    assert two["summary"] == one["summary"] and two["hidden_tests"] == one["hidden_tests"]
    assert two["versions"] == one["versions"]
    assert (two["resources"]["judges"], two["resources"]["worker_starts"]) == (2, 2)
    assert "judges" not in one["resources"]


def test_a_judge_whose_tests_are_all_deselected_spoils_nothing(tmp_path: Path) -> None:
    """-k may select tests of one group only: the other judge runs none, and the run still grades what it chose."""
    code, report, output = grade("solutions", 2, tmp_path / "k.json", "-k", "test_slide_example")  # Lab 1's two
    assert code == 0, output
    assert report["summary"] == grade("solutions", 1, tmp_path / "one.json", "-k", "test_slide_example")[1]["summary"]
    assert report["summary"]["passed"] == report["summary"]["total"] == 2
    assert report["grade"]["score"] == report["grade"]["max_score"] > 0
