"""`python -m grader batch` run again: a submission whose files changed is graded again, the others are kept, errors
are tried again and --force grades all; the feedback a student may be handed; the progress of a running batch."""

import io
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from grader.instructor.batch import HASH_KEY, Outcome, summary
from grader.instructor.progress import Progress
from grader.instructor.student_feedback import student_feedback
from grader.instructor.submissions import submission_hash
from grader.paths import LABS_DIR, REPO_ROOT, SOLUTIONS_DIR

LAB1 = "lab1_convolution"


def run_batch(submissions: Path, out: Path, *options: str) -> str:
    finished = subprocess.run([sys.executable, "-m", "grader", "batch", str(submissions), "--out", str(out),
                               "--workers", "2", *options], cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert finished.returncode in (0, 1), finished.stdout + finished.stderr
    return finished.stdout + finished.stderr


def copy_lab(source: Path, folder: Path) -> Path:
    shutil.copytree(source / LAB1, folder / LAB1, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def zip_lab(source: Path, archive: Path, when: tuple[int, ...]) -> None:
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted((source / LAB1).glob("*.py")):
            zipped.writestr(zipfile.ZipInfo(f"{LAB1}/{path.name}", date_time=when), path.read_bytes())


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """alice: the reference as a folder; bob: the reference as a zip; carol: the stubs; dave: a broken zip."""
    submissions = tmp_path_factory.mktemp("submissions")
    copy_lab(SOLUTIONS_DIR, submissions / "alice")
    zip_lab(SOLUTIONS_DIR, submissions / "bob.zip", (2024, 1, 1, 0, 0, 0))
    copy_lab(LABS_DIR, submissions / "carol")
    (submissions / "dave.zip").write_bytes(b"PK not really")
    out = tmp_path_factory.mktemp("reports")
    return submissions, out, run_batch(submissions, out)


def test_each_report_records_the_hash_of_what_it_graded(graded: tuple[Path, Path, str]) -> None:
    submissions, out, output = graded
    assert "3 graded, 0 regraded (changed), 0 already graded (skipped), 1 could not be graded" in output, output
    for student, entry in (("alice", "alice"), ("bob", "bob.zip"), ("carol", "carol"), ("dave", "dave.zip")):
        report = json.loads((out / f"{student}.json").read_text())
        assert report[HASH_KEY] == submission_hash(submissions / entry), student


def test_a_run_again_regrades_exactly_the_changed_submissions(graded: tuple[Path, Path, str]) -> None:
    submissions, out, _ = graded
    kept = {student: (out / f"{student}.json").read_text() for student in ("alice", "bob")}
    os.utime(submissions / "alice" / LAB1 / "convolution.py", (0, 0))  # a new time, the same contents
    zip_lab(SOLUTIONS_DIR, submissions / "bob.zip", (2025, 6, 1, 12, 0, 0))  # zipped again, the same files
    shutil.copyfile(SOLUTIONS_DIR / LAB1 / "convolution.py", submissions / "carol" / LAB1 / "convolution.py")
    output = run_batch(submissions, out)
    assert "regraded (changed): carol\n" in output, output
    assert "0 graded, 1 regraded (changed), 2 already graded (skipped), 1 could not be graded" in output
    assert {student: (out / f"{student}.json").read_text() for student in kept} == kept
    carol = json.loads((out / "carol.json").read_text())
    assert carol[HASH_KEY] == submission_hash(submissions / "carol")
    assert carol["grade"]["labs"]["lab1"]["exercises"]["lab1.1"]["score"] > 0  # pad2d was a stub before
    assert "files changed; was 0 / 59" in output
    assert "] grading carol" in output and "] grading dave" in output  # errors are tried again
    assert "grading alice" not in output and "grading bob" not in output

    output = run_batch(submissions, out, "--force")
    assert "3 graded, 0 regraded (changed), 0 already graded (skipped), 1 could not be graded" in output, output


def test_the_feedback_file_shows_public_tests_and_counts_hidden_ones(graded: tuple[Path, Path, str]) -> None:
    _, out, _ = graded
    report = json.loads((out / "carol.json").read_text())
    text = (out / "feedback" / "carol.txt").read_text()
    assert text == student_feedback(report)
    hidden = [test for test in report["tests"] if test["metadata"]["visibility"] == "hidden"]
    public = [test for test in report["tests"] if test["metadata"]["visibility"] == "public"]
    assert hidden and public
    for test in hidden:  # (a hidden test may share its name with a public one of another exercise)
        assert shown_as(test) not in text
    for test in public:
        assert shown_as(test) in text
    earned = sum(test["metadata"]["points"] for test in hidden)
    worth = sum(test["metadata"]["max_points"] for test in hidden)
    assert f"  hidden: {len(hidden)} tests, {earned:g} of {worth:g} points" in text
    failed = next(test for test in public if test["outcome"] == "failed")
    assert all(line in text for line in failed["metadata"]["feedback"].splitlines())
    dave = (out / "feedback" / "dave.txt").read_text()
    assert "could not be graded: cannot unpack dave.zip: it is not a zip file" in dave


def shown_as(test: dict) -> str:
    """How the feedback file names a test: `lab1.5 test_rgb_uint8_photo (`."""
    return f" {test['metadata']['exercise']} {test['nodeid'].rpartition('::')[2]} ("


def test_the_table_shortens_long_errors_at_a_word_and_the_log_has_them(graded: tuple[Path, Path, str]) -> None:
    _, out, output = graded
    row = next(line for line in output.splitlines() if line.startswith("dave "))
    full = json.loads((out / "dave.json").read_text())["error"]
    assert row.endswith(" …") and len(row) < len(full)
    shown = row.split("  ")[-1].strip().removesuffix(" …")
    assert full.startswith(shown) and full[len(shown)] == " "  # cut where a word ends
    assert f"not graded: {full}" in (out / "logs" / "dave.txt").read_text()
    assert "error texts in full:" in output


def test_summary_keeps_short_messages_whole() -> None:
    text = summary([Outcome("erin", "error", message="no lab folders")], 1.0, Path("logs"))
    assert "erin" in text and text.splitlines()[2].endswith("  no lab folders")
    assert "error texts in full" not in text


class Recorder(io.StringIO):
    def isatty(self) -> bool:
        return False


def test_progress_names_the_submissions_being_graded_and_for_how_long() -> None:
    stream = Recorder()
    progress = Progress(2, stream=stream, every_s=0.05)
    progress.started("alice")
    progress.started("bob")
    time.sleep(0.3)
    progress.finished(Outcome("alice", "graded", 59, 59, seconds=0.3))
    progress.close()
    lines = stream.getvalue().splitlines()
    assert lines[:2] == ["[0/2] grading alice", "[0/2] grading bob"]
    still = [line for line in lines if line.startswith("still grading: ")]
    assert still and "alice" in still[0] and "bob" in still[0] and " s" in still[0]
    assert "[1/2] alice: 59/59 in 0 s" in lines


def test_the_hash_follows_contents_not_times_or_caches(tmp_path: Path) -> None:
    folder = copy_lab(SOLUTIONS_DIR, tmp_path / "alice")
    before = submission_hash(folder)
    os.utime(folder / LAB1 / "sobel.py", (1, 1))
    (folder / LAB1 / "__pycache__").mkdir()
    (folder / LAB1 / "__pycache__" / "sobel.cpython-311.pyc").write_bytes(b"cache")
    assert submission_hash(folder) == before
    (folder / LAB1 / "sobel.py").rename(folder / LAB1 / "sobel_old.py")
    assert submission_hash(folder) != before
    (folder / LAB1 / "loop").symlink_to("loop")
    assert submission_hash(folder) is not None  # a link is recorded, never followed
