"""`python -m grader batch` and `gradebook`: parallel, resumable grading of a class, safe zips, one CSV."""

import csv
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.instructor.safe_zip import UnsafeZipError, extract
from grader.paths import LABS_DIR, REPO_ROOT, SOLUTIONS_DIR


def run(*args: str) -> tuple[int, str]:
    result = subprocess.run([sys.executable, "-m", "grader", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=600)
    return result.returncode, result.stdout + result.stderr


def read_rows(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="") as source:
        return {row["student"]: row for row in csv.DictReader(source)}


def zip_folder(folder: Path, archive: Path, prefix: str) -> None:
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zipped.write(path, f"{prefix}/{path.relative_to(folder).as_posix()}")


@pytest.fixture(scope="module")
def submissions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """alice: the reference as a folder; bob: the stubs as labs/ inside a wrapping folder of a zip; carol: a zip
    that tries to write outside its folder; dave: not a zip at all; erin: a folder with no lab in it."""
    folder = tmp_path_factory.mktemp("submissions")
    shutil.copytree(SOLUTIONS_DIR / "lab1_convolution", folder / "alice" / "lab1_convolution")
    zip_folder(LABS_DIR / "lab1_convolution", folder / "bob.zip", "bob-lab1/labs/lab1_convolution")
    with zipfile.ZipFile(folder / "carol.zip", "w") as zipped:
        zipped.writestr("../../escaped.py", "x = 1\n")
    (folder / "dave.zip").write_bytes(b"this is not a zip file")
    (folder / "erin").mkdir()
    (folder / "erin" / "notes.txt").write_text("no code here")
    return folder


@pytest.fixture(scope="module")
def first_batch(submissions: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Path]:
    out = tmp_path_factory.mktemp("reports")
    code, output = run("batch", str(submissions), "--out", str(out), "--workers", "2")
    return code, output, out


def test_batch_grades_each_submission_and_reports_the_broken_ones(first_batch: tuple[int, str, Path]) -> None:
    code, output, out = first_batch
    assert code == 1, output  # some submissions could not be graded
    reports = {path.stem: json.loads(path.read_text()) for path in out.glob("*.json")}
    assert set(reports) == {"alice", "bob", "carol", "dave", "erin"}
    assert reports["alice"]["grade"]["score"] == reports["alice"]["grade"]["max_score"] > 0
    assert reports["alice"]["student"] == "alice"
    assert reports["bob"]["grade"]["score"] == 0 and reports["bob"]["grade"]["max_score"] > 0
    assert "points outside the submission folder" in reports["carol"]["error"]
    assert "not a zip file" in reports["dave"]["error"]
    assert "no lab folders" in reports["erin"]["error"]
    assert not (out.parent / "escaped.py").exists()
    assert "2 graded" in output and "3 could not be graded" in output
    assert (out / "logs" / "alice.txt").read_text().count("Total:") == 1


def test_batch_writes_the_instructors_page_and_one_to_hand_back(first_batch: tuple[int, str, Path]) -> None:
    """bob (the stubs) fails hidden tests too: the instructor's page beside the report names them, the hand-back
    page beside feedback/bob.txt only counts them per lab, as the text does."""
    _, _, out = first_batch
    bob = json.loads((out / "bob.json").read_text())
    names = {"public": set(), "hidden": set()}  # test functions, without their parameters
    for test in bob["tests"]:
        names[test["metadata"]["visibility"]].add(test["nodeid"].rpartition("::")[2].partition("[")[0])
    hidden_only = names["hidden"] - names["public"]
    assert hidden_only and "test_zeros_with_int_padding" in names["public"], names
    instructor = (out / "bob.html").read_text()
    hand_back = (out / "feedback" / "bob.html").read_text()
    hidden_line = next(line.strip() for line in (out / "feedback" / "bob.txt").read_text().splitlines()
                       if "hidden:" in line)
    assert all(name in instructor for name in hidden_only) and "(hidden test)" in instructor
    assert not any(name in hand_back for name in hidden_only) and "(hidden test)" not in hand_back
    assert f"lab1 {hidden_line}" in hand_back and "hidden: " not in instructor
    assert "test_zeros_with_int_padding" in hand_back and "hint" in hand_back.lower()
    assert "None: every test passed." in (out / "alice.html").read_text()
    assert "could not be graded: " in (out / "feedback" / "dave.html").read_text()


def test_batch_resumes_and_skips_what_is_graded(submissions: Path, first_batch: tuple[int, str, Path]) -> None:
    _, _, out = first_batch
    before = (out / "alice.json").read_text()
    code, output = run("batch", str(submissions), "--out", str(out), "--workers", "2")
    assert "0 graded, 0 regraded (changed), 2 already graded (skipped), 3 could not be graded" in output, output
    assert (out / "alice.json").read_text() == before


def test_gradebook_has_a_row_per_student_and_flags_mixed_graders(first_batch: tuple[int, str, Path],
                                                                   tmp_path: Path) -> None:
    _, _, out = first_batch
    reports = tmp_path / "reports"
    shutil.copytree(out, reports, ignore=shutil.ignore_patterns("logs"))
    code, output = run("gradebook", str(reports), "--csv", str(tmp_path / "grades.csv"))
    assert code == 0, output
    rows = read_rows(tmp_path / "grades.csv")
    assert set(rows) == {"(max points)", "alice", "bob", "carol", "dave", "erin"}
    assert rows["(max points)"]["lab1"] == rows["alice"]["lab1"]
    assert float(rows["alice"]["total"]) == float(rows["alice"]["max_total"]) == float(rows["alice"]["lab1"])
    assert float(rows["alice"]["lab1.3"]) > 0 and float(rows["bob"]["lab1.3"]) == 0
    assert rows["carol"]["status"].startswith("error") and float(rows["carol"]["max_total"]) > 0
    assert "grader" not in rows["alice"]

    bob = json.loads((reports / "bob.json").read_text())
    bob["versions"]["judge_labs"]["lab1"] = "0" * 12  # graders are compared lab by lab
    (reports / "bob.json").write_text(json.dumps(bob))
    code, output = run("gradebook", str(reports), "--csv", str(tmp_path / "mixed.csv"))
    assert code == 0 and "2 different graders" in output, output
    rows = read_rows(tmp_path / "mixed.csv")
    assert rows["bob"]["grader"].startswith("judge=000000000000") and rows["alice"]["grader"] != rows["bob"]["grader"]


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("/etc/passwd", b"x", "outside"),
        ("a/../../b.py", b"x", "outside"),
        ("big.bin", b"\0" * 5000, "accepted"),
    ],
)
def test_safe_zip_refuses_escapes_and_bombs(tmp_path: Path, name: str, data: bytes, words: str) -> None:
    archive = tmp_path / "s.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(name, data)
    with pytest.raises(UnsafeZipError, match=words):
        extract(archive, tmp_path / "out", max_bytes=4096)
    assert not (tmp_path / "b.py").exists()


def test_safe_zip_refuses_symbolic_links(tmp_path: Path) -> None:
    archive = tmp_path / "s.zip"
    info = zipfile.ZipInfo("link")
    info.external_attr = (0o120777 << 16)
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(info, "/etc/shadow")
    with pytest.raises(UnsafeZipError, match="symbolic link"):
        extract(archive, tmp_path / "out")
