"""The stub generator: one source in solutions/, stubs in labs/, and a check that catches stale stubs."""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.instructor.stubgen import MarkerError, make_stub, stale_lab_files, strip_hidden, sync
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


def test_check_finds_stale_missing_and_orphan_files(tmp_path: Path) -> None:
    solutions, labs = tmp_path / "solutions", tmp_path / "labs"
    (solutions / "lab1_convolution").mkdir(parents=True)
    (solutions / "lab1_convolution" / "ex.py").write_text(SOLUTION)
    (solutions / "lab1_convolution" / "README.md").write_text("# Lab 1\n")
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
    sync(solutions, labs)
    assert stale_lab_files(solutions, labs) == []
    assert (labs / "lab1_convolution" / "student-model.safetensors").exists()


def test_repository_labs_are_up_to_date() -> None:
    result = subprocess.run([sys.executable, "-m", "grader", "sync", "--check"], cwd=REPO_ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sync_check_exits_1_and_names_a_stale_file(tmp_path: Path) -> None:
    copy = tmp_path / "kit"
    shutil.copytree(REPO_ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__"))
    stub = copy / "labs" / "lab1_convolution" / "convolution.py"
    stub.write_text(stub.read_text() + "\n# edited by hand\n")
    result = subprocess.run([sys.executable, "-m", "grader", "sync", "--check"], cwd=copy,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "labs/lab1_convolution/convolution.py" in result.stdout


def test_no_solution_code_in_the_generated_labs() -> None:
    for solution in SOLUTIONS_DIR.glob("lab*/**/*.py"):
        stub = (LABS_DIR / solution.relative_to(SOLUTIONS_DIR)).read_text()
        assert "# BEGIN SOLUTION" not in stub and "# END SOLUTION" not in stub, solution
