"""`python -m grader release`: a student bundle with no solution code and no hidden test, whose own grader gives the
stubs nothing and the reference code every public point, from golden fixtures alone."""

import ast
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.instructor.release import leaks, solution_lines
from grader.instructor.stubgen import RECORD_NAME, SOLUTION_BEGIN, SOLUTION_END
from grader.paths import JUDGE_TESTS_DIR, REPO_ROOT, SOLUTIONS_DIR
from grader.refusals import INSTRUCTOR_COMMANDS, SOLUTIONS_TARGET
from ipdl.catalogue import find_lab

LABS = ("lab1_convolution", "lab2_lenet")


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "ipdl-lab"
    finished = subprocess.run([sys.executable, "-m", "grader", "release", str(out), "--labs", *LABS],
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return out


def grade_in(release: Path, *args: str, report: Path) -> tuple[int, str, dict]:
    """Run the release's own grader (its grader/ and solutions/ come first on the path)."""
    finished = subprocess.run([sys.executable, "-m", "grader", "lab1", "lab2", *args, "--json", str(report)],
                              cwd=release, capture_output=True, text=True, timeout=600)
    output = finished.stdout + finished.stderr
    return finished.returncode, output, json.loads(report.read_text()) if report.exists() else {}


def solution_region_lines() -> list[str]:
    lines = []
    for lab in LABS:
        for path in (SOLUTIONS_DIR / lab).glob("*.py"):
            inside = False
            for line in path.read_text().splitlines():
                if SOLUTION_BEGIN.match(line) or SOLUTION_END.match(line):
                    inside = bool(SOLUTION_BEGIN.match(line))
                elif inside and len(line.strip()) >= 30 and not line.strip().startswith("#"):
                    lines.append(line.strip())
    return lines


def all_text(folder: Path) -> str:
    """Every file below `folder` as text, zip members (exported programs) unpacked."""
    parts = []
    for path in folder.rglob("*"):
        if path.is_file() and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                parts += [archive.read(name).decode("latin-1") for name in archive.namelist()]
        elif path.is_file():
            parts.append(path.read_bytes().decode("latin-1"))
    return "\n".join(parts)


def test_no_solution_code_ships(release: Path) -> None:
    shipped = {path.relative_to(release / "solutions").as_posix() for path in (release / "solutions").rglob("*.py")}
    stubs = {path.relative_to(release / "labs").as_posix()
             for lab in LABS for path in (release / "labs" / lab).rglob("*.py")}
    assert shipped == {"__init__.py"} | stubs  # the stubs and the files without exercises, as students have them
    for name in stubs:
        assert (release / "solutions" / name).read_text() == (release / "labs" / name).read_text()
    secret_places = all_text(release / "solutions") + all_text(release / "grader" / "golden")
    leaked = [line for line in solution_region_lines() if line in secret_places]
    assert leaked == [], leaked
    assert "BEGIN SOLUTION" not in all_text(release / "labs")
    assert (release / "grader" / "golden" / "recorded" / "lab2_lenet" / "exports").is_dir()


def test_no_hidden_test_ships(release: Path) -> None:
    for lab in LABS:
        for source in (JUDGE_TESTS_DIR / lab).glob("test_*.py"):
            tree = ast.parse(source.read_text())
            hidden = [node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
                      and any("mark.hidden" in ast.unparse(d) for d in node.decorator_list)]
            shipped = release / "grader" / "tests" / lab / source.name
            text = shipped.read_text() if shipped.exists() else ""
            assert not [name for name in hidden if f"def {name}(" in text], shipped
            assert "mark.hidden" not in text and "BEGIN HIDDEN" not in text


def test_release_is_marked_and_the_web_app_defaults_to_the_students_code(release: Path) -> None:
    info = json.loads((release / "ipdl" / "release.json").read_text())
    assert set(info["labs"]) == {lab.split("_")[0] for lab in LABS}
    assert all(0 < lab["public_points"] < lab["points"] for lab in info["labs"].values())
    asked = "import ipdl.kit, webapp.__main__ as m; print(ipdl.kit.is_student_release(), m.parse_args([]).impl)"
    finished = subprocess.run([sys.executable, "-c", asked], cwd=release, capture_output=True, text=True)
    assert finished.stdout.split() == ["True", "labs"], finished.stderr
    assert not (REPO_ROOT / "ipdl" / "release.json").exists()  # the instructor's kit is not a release


@pytest.fixture(scope="module")
def stubs_graded(release: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, dict]:
    """The release's grader on its own stubs (labs 1 and 2)."""
    return grade_in(release, report=tmp_path_factory.mktemp("stubs") / "stubs.json")


def test_release_grader_gives_the_stubs_nothing(release: Path, stubs_graded: tuple[int, str, dict]) -> None:
    code, output, report = stubs_graded
    assert code == 1, output
    assert report["grade"]["score"] == 0 and report["grade"]["max_score"] > 0
    assert report["summary"].get("error", 0) == 0
    assert {test["metadata"]["visibility"] for test in report["tests"]} == {"public"}
    assert all("NotImplementedError" in test["metadata"]["feedback"] for test in report["tests"])
    assert report["target_path"] == str(release / "labs") and f"Grade for this student: {release / 'labs'}" in output


def test_release_grader_says_what_the_hidden_tests_add(release: Path, stubs_graded: tuple[int, str, dict]) -> None:
    """Under the table, per lab from the catalogue and the release's record: what the public tests are worth and
    what the instructor's hidden tests add; the JSON report carries the same figures."""
    code, output, report = stubs_graded
    assert code == 1, output
    info = json.loads((release / "ipdl" / "release.json").read_text())["labs"]
    expected = {lab: {"public_points": info[lab]["public_points"], "points": find_lab(lab).points,
                      "hidden_points": find_lab(lab).points - info[lab]["public_points"]} for lab in info}
    assert report["hidden_tests"]["labs"] == expected and report["hidden_tests"]["ran"] is False
    public, total = (sum(lab[key] for lab in expected.values()) for key in ("public_points", "points"))
    assert report["grade"]["max_score"] == public
    line = (f"public tests: {public} of {total} points; the instructor's hidden tests add {total - public} points "
            f"(lab1 {expected['lab1']['hidden_points']}, lab2 {expected['lab2']['hidden_points']})")
    assert line in output.splitlines(), output


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` and its bytes (Python's own __pycache__ left out)."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts}


REFUSED = [(["sync"], INSTRUCTOR_COMMANDS["sync"]), (["sync", "--check"], INSTRUCTOR_COMMANDS["sync"]),
           (["sync", "--force"], INSTRUCTOR_COMMANDS["sync"]),
           (["release", "out"], INSTRUCTOR_COMMANDS["release"]),
           (["gradescope-bundle", "autograder.zip", "--labs", "lab1"], INSTRUCTOR_COMMANDS["gradescope-bundle"]),
           (["batch", "labs", "--out", "reports"], INSTRUCTOR_COMMANDS["batch"]),
           (["lab1", "--target", "solutions", "--gradescope", "results.json"], SOLUTIONS_TARGET),
           (["--target=solutions"], SOLUTIONS_TARGET), (["lab1", "--tar", "solutions"], SOLUTIONS_TARGET)]


def test_release_refuses_the_instructors_commands_and_writes_nothing(release: Path) -> None:
    """The student's edited files and the lab sheets survive every instructor's command, byte for byte."""
    stub = release / "labs" / "lab1_convolution" / "convolution.py"
    original = stub.read_text()
    stub.write_text(original + "\n# the student's own work\n")  # sync --check used to call this stale, sync replaced it
    try:
        before = snapshot(release)
        for argv, sentence in REFUSED:
            finished = subprocess.run([sys.executable, "-m", "grader", *argv], cwd=release, capture_output=True,
                                      text=True, timeout=120)
            assert finished.returncode == 2, (argv, finished.stdout + finished.stderr)
            assert finished.stderr.strip() == f"error: {sentence}" and finished.stdout == "", argv
            assert snapshot(release) == before, argv
    finally:
        stub.write_text(original)


def test_release_grader_run_from_a_subfolder_with_another_kits_python_refuses(release: Path) -> None:
    """This Python imports the instructor's kit; run inside the release's lab folder, it says so and grades
    nothing (it used to grade the instructor's labs/ without a word)."""
    folder = release / "labs" / "lab1_convolution"
    finished = subprocess.run([sys.executable, "-m", "grader", "lab1"], cwd=folder, capture_output=True, text=True,
                              timeout=120)
    assert finished.returncode == 2, finished.stdout + finished.stderr
    assert f"you are in the kit at {release}" in finished.stderr and f"(cd {release})" in finished.stderr
    assert not (folder / "grade-report.json").exists()


def test_release_readme_is_written_for_students(release: Path) -> None:
    readme = (release / "README.md").read_text()
    for lab in map(find_lab, LABS):
        assert f"`{lab.folder}`" in readme and lab.title in readme
    for wanted in ("python -m grader lab1 ", "python -m grader lab1.1 ", "python -m webapp\n",
                   "## What hidden tests are", "python -m zipfile -c lab1_convolution.zip labs/lab1_convolution",
                   "pip install -e ."):
        assert wanted in readme, wanted
    for instructors_only in ("solutions", "bench", "sync", "batch", "gradescope", "release", "pytest", "--target"):
        assert instructors_only not in readme.lower(), instructors_only
    assert "$" not in readme  # every placeholder of the template filled in
    assert not (release / "labs" / RECORD_NAME).exists()


ANOTHER_START = '''

class LeNet(LeNet):
    """The reference LeNet, started from other random weights than the recorded run's."""

    def __init__(self, *args, **kwargs):
        torch.manual_seed(torch.initial_seed() + 1)
        super().__init__(*args, **kwargs)
'''


@pytest.fixture(scope="module")
def reference_submission(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The release's labs/ with the reference's lab folders copied in, as a student who solved everything."""
    folder = tmp_path_factory.mktemp("solved") / "labs"
    shutil.copytree(release / "labs", folder)
    for lab in LABS:
        shutil.copytree(SOLUTIONS_DIR / lab, folder / lab, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def test_release_grader_gives_reference_code_every_public_point(release: Path, reference_submission: Path,
                                                                tmp_path: Path) -> None:
    code, output, report = grade_in(release, "--target", str(reference_submission), report=tmp_path / "ref.json")
    assert code == 0, output
    assert report["grade"]["score"] == report["grade"]["max_score"] > 0


def test_trained_weights_the_recording_never_saw_run_on_the_exported_model(
        release: Path, reference_submission: Path, tmp_path: Path) -> None:
    """Other starting weights train other (just as good) weights: the judge loads them into the exported LeNet.
    (The seed changes in lenet.py: the grader runs the kit's own harness.py, whatever a submission ships.)"""
    submission = shutil.copytree(reference_submission, tmp_path / "labs")
    lenet = submission / "lab2_lenet" / "lenet.py"
    lenet.write_text(lenet.read_text() + ANOTHER_START)
    code, output, report = grade_in(release, "--target", str(submission), "-k", "short_training_run",
                                    report=tmp_path / "live.json")
    assert code == 0, output
    assert report["summary"]["passed"] == 1


def test_a_solution_line_the_kit_library_also_holds_is_no_leak(tmp_path: Path) -> None:
    """The release ships ipdl/ whole; a line a solution shares with it (ImageNet's normalisation in Lab 3 and in
    ipdl.data.pokemon) gives nothing away, and must not stop the release from building."""
    shutil.copytree(REPO_ROOT / "ipdl", tmp_path / "ipdl", ignore=shutil.ignore_patterns("__pycache__"))
    shared = [line for line in solution_lines(["lab3_pretrained"]) if line in (tmp_path / "ipdl" / "data"
                                                                               / "pokemon.py").read_text()]
    assert shared, "the test needs a solution line that ipdl also holds"
    assert leaks(tmp_path, ["lab3_pretrained"]) == []
