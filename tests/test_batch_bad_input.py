"""Bad input to `python -m grader batch`: each broken submission gets a report whose `error` says what to do, and
the batch goes on to grade the rest."""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.instructor.safe_zip import UnsafeZipError, extract
from grader.paths import REPO_ROOT, SOLUTIONS_DIR

LAB1 = "lab1_convolution"


def reference_lab(folder: Path) -> Path:
    shutil.copytree(SOLUTIONS_DIR / LAB1, folder / LAB1, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def zip_reference(archive: Path, extra: dict[str, bytes]) -> None:
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted((SOLUTIONS_DIR / LAB1).glob("*.py")):
            zipped.writestr(f"{LAB1}/{path.name}", path.read_bytes())
        for name, data in extra.items():
            zipped.writestr(name, data)


def patch_name(archive: Path, placeholder: bytes, raw: bytes) -> None:
    """Put the bytes `raw` where the member name holds `placeholder` (same length), as a zip tool with another
    character set would have written them."""
    data = archive.read_bytes()
    assert data.count(placeholder) == 2 and len(raw) == len(placeholder)  # local header and central directory
    archive.write_bytes(data.replace(placeholder, raw))


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict], str, Path]:
    folder = tmp_path_factory.mktemp("submissions")
    (folder / "empty.zip").write_bytes(b"")
    zip_reference(folder / "flagged.zip", {f"{LAB1}/notes-\u00e9\u00e9\u00e9.txt": b"x"})  # names marked as UTF-8...
    patch_name(folder / "flagged.zip", "\u00e9\u00e9\u00e9".encode(), b"\xff\xfe\xfd\xfc\xfb\xfa")  # ...that are not
    zip_reference(folder / "hans.zip", {f"{LAB1}/Xbung.txt": b"x"})  # no UTF-8 mark: read as cp437, graded
    patch_name(folder / "hans.zip", b"Xbung", "\u00dcbung".encode("cp1252"))
    with zipfile.ZipFile(folder / "many.zip", "w") as zipped:
        for number in range(10_000):
            zipped.writestr(f"{LAB1}/data/{number}.txt", b"1")
    (reference_lab(folder / "loop") / LAB1 / "loop").symlink_to("loop")
    big = reference_lab(folder / "big") / LAB1 / "convolution.py"
    big.write_text(big.read_text() + "\nDATA = " + "0" * (50 * 10**6) + "\n")
    reference_lab(folder / "frank smith")
    reference_lab(folder / "gina\nlee")
    reference_lab(folder / "alice")
    zip_reference(folder / "alice.zip", {})
    reference_lab(folder / "zed")
    out = tmp_path_factory.mktemp("reports")
    finished = subprocess.run([sys.executable, "-m", "grader", "batch", str(folder), "--out", str(out), "--workers",
                               "2"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    output = finished.stdout + finished.stderr
    assert finished.returncode == 1, output  # some could not be graded, and the batch went on
    reports = {path.stem: json.loads(path.read_text()) for path in out.glob("*.json")}
    return reports, output, out


@pytest.mark.parametrize(
    ("student", "words"),
    [
        ("empty", ["empty (0 bytes)", "zip the lab folders again"]),
        ("flagged", ["marked as UTF-8 but are not", "zip the lab folders again"]),
        ("many", ["10000 entries", "at most 5000", "zip only the lab folders"]),
        ("loop", [f"{LAB1}/loop is a symbolic link (a loop of links)", "plain files only", "remove the link"]),
        ("big", [f"{LAB1}/convolution.py is 50 MB", "keep data out of .py files"]),
        ("frank_smith", ["'frank smith' is not a student id", "rename it to frank_smith"]),
        ("gina_lee", ["'gina\\nlee' is not a student id", "rename it to gina_lee"]),
        ("alice", ["2 submissions are filed under the student id alice: alice/ and alice.zip", "neither is graded",
                   "Keep one of them"]),
    ],
)
def test_bad_input_gets_an_error_that_says_what_to_do(batch: tuple[dict[str, dict], str, Path], student: str,
                                                      words: list[str]) -> None:
    reports, output, out = batch
    report = reports[student]
    for word in words:
        assert word in report["error"], report["error"]
    assert report["grade"]["max_score"] == 0 and "tests" not in report
    assert report["error"] in (out / "logs" / f"{student}.txt").read_text()
    assert student in output


def test_the_batch_goes_on_and_grades_the_rest(batch: tuple[dict[str, dict], str, Path]) -> None:
    reports, output, _ = batch
    assert set(reports) == {"empty", "flagged", "hans", "many", "loop", "big", "frank_smith", "gina_lee", "alice",
                            "zed"}
    for student in ("zed", "hans"):  # hans: a zip whose other names are not UTF-8, read the zip standard's way
        assert "error" not in reports[student]
        assert reports[student]["grade"]["score"] == reports[student]["grade"]["max_score"] == 59
    assert "2 graded, 0 regraded (changed), 0 already graded (skipped), 8 could not be graded" in output, output


def damaged(archive: Path) -> None:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("lab1_convolution/convolution.py", "x = 1\n" * 1000)
    data = bytearray(archive.read_bytes())
    start = 30 + len("lab1_convolution/convolution.py")  # the local header, then the compressed data
    data[start + 4 : start + 24] = b"\xff" * 20
    archive.write_bytes(bytes(data))


def encrypted(archive: Path) -> None:
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("lab1_convolution/convolution.py", "x = 1\n")
    data = bytearray(archive.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x1  # the central directory's "encrypted" flag
    archive.write_bytes(bytes(data))


@pytest.mark.parametrize(("make", "words"), [(damaged, "it is damaged"), (encrypted, "without a password")])
def test_a_zip_that_cannot_be_read_says_what_to_do(tmp_path: Path, make, words: str) -> None:
    make(tmp_path / "s.zip")
    with pytest.raises(UnsafeZipError, match=words) as caught:
        extract(tmp_path / "s.zip", tmp_path / "out")
    assert "hand the zip in again" in str(caught.value)
