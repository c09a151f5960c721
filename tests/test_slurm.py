"""`python -m grader batch --slurm job.sh`: a Slurm job array script whose tasks each grade one submission into
REPORTS/<id>.json; its per-task command is run here with SLURM_ARRAY_TASK_ID set, as Slurm would run it."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.paths import REPO_ROOT, SOLUTIONS_DIR

LAB = "lab1_convolution"


def batch(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", "batch", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=600)


def run_task(job: Path, task: str | None) -> subprocess.CompletedProcess:
    """The job script as one array task runs it (the #SBATCH lines are comments to bash)."""
    environment = {key: value for key, value in os.environ.items() if key != "SLURM_ARRAY_TASK_ID"}
    if task is not None:
        environment["SLURM_ARRAY_TASK_ID"] = task
    return subprocess.run(["bash", str(job)], cwd=job.parent, env=environment, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture
def submissions(tmp_path: Path) -> Path:
    """alice solved Lab 1, bob handed in the stubs, carol an empty zip."""
    folder = tmp_path / "submissions"
    shutil.copytree(SOLUTIONS_DIR / LAB, folder / "alice" / LAB, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO_ROOT / "labs" / LAB, folder / "bob" / LAB, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "carol.zip").write_bytes(b"")
    return folder


def test_each_task_grades_its_submission_into_the_reports(submissions: Path, tmp_path: Path) -> None:
    reports, job = tmp_path / "reports", tmp_path / "job.sh"
    written = batch(str(submissions), "--out", str(reports), "--labs", "lab1", "--slurm", str(job))
    assert written.returncode == 0, written.stdout + written.stderr
    assert f"sbatch {job}" in written.stdout and "gradebook" in written.stdout
    script = job.read_text()
    assert "#SBATCH --array=0-2" in script and "#SBATCH --cpus-per-task=2" in script
    assert re.search(r"STUDENTS=\(\n  alice\n  bob\n  carol\n\)", script)
    assert not list(reports.glob("*.json")), "writing the job grades nothing"

    alice = run_task(job, "0")
    assert alice.returncode == 0, alice.stdout + alice.stderr
    assert sorted(path.name for path in reports.glob("*.json")) == ["alice.json"]
    report = json.loads((reports / "alice.json").read_text())
    assert report["grade"]["score"] == report["grade"]["max_score"] > 0
    assert report["submission_sha256"] and (reports / "feedback" / "alice.txt").is_file()

    carol = run_task(job, "2")
    assert carol.returncode == 1  # the batch's exit code: a submission could not be graded
    assert "empty" in json.loads((reports / "carol.json").read_text())["error"]

    again = batch(str(submissions), "--out", str(reports), "--labs", "lab1", "--slurm", str(job))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "#SBATCH --array=0-1" in job.read_text(), "alice's unchanged report is kept; bob and carol are to do"


def test_the_script_outside_slurm_or_past_the_array_says_so(submissions: Path, tmp_path: Path) -> None:
    reports, job = tmp_path / "reports", tmp_path / "job.sh"
    assert batch(str(submissions), "--out", str(reports), "--slurm", str(job)).returncode == 0
    outside = run_task(job, None)
    assert outside.returncode == 2 and "run this script with sbatch" in outside.stderr
    past = run_task(job, "3")
    assert past.returncode != 0 and "no submission for task" in past.stderr
    assert not list(reports.glob("*.json"))


def test_only_names_a_submission_that_is_there(submissions: Path, tmp_path: Path) -> None:
    finished = batch(str(submissions), "--out", str(tmp_path / "reports"), "--only", "dave")
    assert finished.returncode == 2 and "holds no submission of 'dave'" in finished.stderr
