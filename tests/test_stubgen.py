"""The stub generator: one source in solutions/, stubs in labs/, and a check that catches stale stubs."""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.instructor.stubgen import (
    RECORD_NAME,
    EditedFiles,
    MarkerError,
    make_stub,
    stale_lab_files,
    strip_hidden,
    sync,
)
from grader.paths import LABS_DIR, REPO_ROOT, SOLUTIONS_DIR

SOLUTION = textwrap.dedent('''
    import torch


    def double(x: torch.Tensor) -> torch.Tensor:
        """Twice x."""
        n = x.numel()
        # BEGIN SOLUTION lab9.1: multiply by "two"
        y = x * 2
        return y
        # END SOLUTION


    def given(x):
        return x
''')


def test_region_becomes_todo_and_raise() -> None:
    stub = make_stub(SOLUTION, "solution.py")
    assert "x * 2" not in stub
    assert "    # TODO(lab9.1): multiply by \"two\"\n" in stub
    assert '    raise NotImplementedError("lab9.1: multiply by \\"two\\"")\n' in stub
    assert '"""Twice x."""' in stub and "n = x.numel()" in stub and "def given(x):" in stub
    namespace: dict = {}
    exec(compile(stub, "stub.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match='lab9.1: multiply by "two"'):
        namespace["double"](namespace["torch"].ones(2))


def test_file_without_markers_is_unchanged() -> None:
    text = "def f():\n    return 1\n"
    assert make_stub(text, "plain.py") == text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("# BEGIN SOLUTION lab1.1: x\nx = 1\n", "never closed"),
        ("x = 1\n# END SOLUTION\n", "without a begin"),
        ("# BEGIN SOLUTION lab1.1: a\n# BEGIN SOLUTION lab1.2: b\n# END SOLUTION\n", "not closed"),
        ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", "without a begin"),
    ],
)
def test_malformed_markers_name_the_line(text: str, problem: str) -> None:
    with pytest.raises(MarkerError, match=problem):
        make_stub(text, "bad.py")


def test_hidden_regions_are_removed() -> None:
    text = "a = 1\n# BEGIN HIDDEN\nsecret = 2\n# END HIDDEN\nb = 3\n"
    assert strip_hidden(text, "t.py") == "a = 1\nb = 3\n"


def write_solution(solutions: Path, text: str = SOLUTION) -> None:
    (solutions / "lab1_convolution").mkdir(parents=True, exist_ok=True)
    (solutions / "lab1_convolution" / "ex.py").write_text(text)
    (solutions / "lab1_convolution" / "README.md").write_text("# Lab 1\n")


def snapshot(folder: Path) -> dict[Path, bytes]:
    return {path.relative_to(folder): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_check_finds_stale_missing_and_orphan_files(tmp_path: Path) -> None:
    solutions, labs = tmp_path / "solutions", tmp_path / "labs"
    write_solution(solutions)
    assert {why for _, why in stale_lab_files(solutions, labs)} == {"missing"}
    sync(solutions, labs)
    assert stale_lab_files(solutions, labs) == []
    (labs / "lab1_convolution" / "ex.py").write_text(SOLUTION)  # a solution leaked into labs/
    (labs / "lab1_convolution" / "old.py").write_text("")
    (labs / "lab1_convolution" / "student-model.safetensors").write_bytes(b"weights")
    assert stale_lab_files(solutions, labs) == [
        (Path("lab1_convolution/ex.py"), "differs from its source in solutions/"),
        (Path("lab1_convolution/old.py"), "has no source in solutions/"),
    ]
    sync(solutions, labs, force=True)
    assert stale_lab_files(solutions, labs) == []
    assert (labs / "lab1_convolution" / "student-model.safetensors").exists()


def test_sync_overwrites_only_what_it_generated(tmp_path: Path) -> None:
    """A stub sync wrote is regenerated when its solution changes; a file edited by hand, or one sync never wrote,
    is neither overwritten nor removed: sync names it, changes nothing, and needs force."""
    solutions, labs = tmp_path / "solutions", tmp_path / "labs"
    write_solution(solutions)
    sync(solutions, labs)
    assert (labs / RECORD_NAME).is_file()
    write_solution(solutions, SOLUTION.replace("Twice x.", "Two times x."))
    assert sync(solutions, labs) == ["wrote labs/lab1_convolution/ex.py"]
    assert "Two times x." in (labs / "lab1_convolution" / "ex.py").read_text()

    stub = labs / "lab1_convolution" / "ex.py"
    stub.write_text(stub.read_text().replace("raise NotImplementedError", "return x * 2  #"))  # the student's work
    (labs / "lab1_convolution" / "notes.md").write_text("my notes\n")  # never written by sync
    write_solution(solutions, SOLUTION.replace("Twice x.", "Double x."))
    before = snapshot(labs)
    with pytest.raises(EditedFiles) as refused:
        sync(solutions, labs)
    assert refused.value.paths == [Path("lab1_convolution/ex.py"), Path("lab1_convolution/notes.md")]
    assert "labs/lab1_convolution/ex.py" in str(refused.value) and "--force" in str(refused.value)
    assert snapshot(labs) == before

    assert sync(solutions, labs, force=True) == ["wrote labs/lab1_convolution/ex.py",
                                                 "removed labs/lab1_convolution/notes.md"]
    assert "Double x." in stub.read_text() and stale_lab_files(solutions, labs) == []


def test_sync_refuses_a_file_it_has_no_record_of(tmp_path: Path) -> None:
    """Before sync's first run (no record), a differing file in labs/ may be anyone's work."""
    solutions, labs = tmp_path / "solutions", tmp_path / "labs"
    write_solution(solutions)
    (labs / "lab1_convolution").mkdir(parents=True)
    (labs / "lab1_convolution" / "ex.py").write_text("# someone's own file\n")
    with pytest.raises(EditedFiles):
        sync(solutions, labs)
    assert (labs / "lab1_convolution" / "ex.py").read_text() == "# someone's own file\n"
    assert not (labs / RECORD_NAME).exists()


def test_repository_labs_are_up_to_date() -> None:
    result = subprocess.run([sys.executable, "-m", "grader", "sync", "--check"], cwd=REPO_ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sync_check_and_sync_name_a_file_edited_by_hand(tmp_path: Path) -> None:
    """In a copy of the kit: --check calls the edited stub stale and edited by hand; sync refuses it (exit 2,
    nothing changed) and overwrites it only with --force."""
    copy = tmp_path / "kit"
    shutil.copytree(REPO_ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__"))
    stub = copy / "labs" / "lab1_convolution" / "convolution.py"
    generated = stub.read_bytes()
    stub.write_bytes(generated + b"\n# edited by hand\n")
    edited = snapshot(copy / "labs")

    def sync_in_copy(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "grader", "sync", *args], cwd=copy, capture_output=True,
                              text=True)

    checked = sync_in_copy("--check")
    assert checked.returncode == 1
    assert "stale: labs/lab1_convolution/convolution.py differs from its source in solutions/ (edited by hand)" \
        in checked.stdout
    refused = sync_in_copy()
    assert refused.returncode == 2 and "labs/lab1_convolution/convolution.py" in refused.stdout
    assert "--force" in refused.stdout
    assert snapshot(copy / "labs") == edited
    forced = sync_in_copy("--force")
    assert forced.returncode == 0 and "wrote labs/lab1_convolution/convolution.py" in forced.stdout
    assert stub.read_bytes() == generated


def test_no_solution_code_in_the_generated_labs() -> None:
    for solution in SOLUTIONS_DIR.glob("lab*/**/*.py"):
        stub = (LABS_DIR / solution.relative_to(SOLUTIONS_DIR)).read_text()
        assert "# BEGIN SOLUTION" not in stub and "# END SOLUTION" not in stub, solution
