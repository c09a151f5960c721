"""`python -m grader release OUT`: the student bundle, with everything needed to self-grade offline and no solution.

What goes in: `labs/` (stubs and helpers, with the lab READMEs), the grader with its public tests only (`# BEGIN
HIDDEN` regions stripped, tests marked hidden dropped), golden fixtures in `grader/golden/recorded/` by grading
the reference with those public tests (see recorder.py), a `solutions/` package that answers from them (the exercise
code is not shipped: only the stubs and the files without solution regions, as in labs/), the web app (its default
implementation switched to the student's `labs`), pyproject.toml, and a README.md written for students
(student_readme.py), and `.github/workflows/classroom.yml`, GitHub Classroom's autograding (classroom_workflow.yml).
`ipdl/release.json` marks the bundle as a student release and records what each lab's and
exercise's public tests are worth. The build fails if any line of a solution region or any hidden test ends up in
the bundle.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from grader.instructor import student_readme
from grader.instructor.public_tests import drop_hidden_tests, hidden_test_names
from grader.instructor.stubgen import (
    RECORD_NAME,
    SOLUTION_BEGIN,
    SOLUTION_END,
    expected_lab_files,
    stale_lab_files,
    strip_hidden,
)
from grader.paths import GOLDEN_DIR, GRADER_DIR, JUDGE_TESTS_DIR, LABS_DIR, REPO_ROOT, SOLUTIONS_DIR
from ipdl.catalogue import LAB_FOLDERS, UnknownLab, find_lab
from ipdl.kit import IPDL_DIR, RELEASE_FILE

CLASSROOM_WORKFLOW = Path(__file__).with_name("classroom_workflow.yml")
WORKFLOW_PATH = Path(".github/workflows/classroom.yml")  # where GitHub looks for it in the student's repository
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
TEXT_SUFFIXES = {".py", ".md", ".json", ".txt", ".toml", ".ini", ".cfg", ".sh", ".html", ".css", ".js"}
SHIM = '''"""This student release ships no reference solutions: the grader answers the reference calls of its
public tests from results recorded when the instructor graded the reference (grader/golden/recorded/; see
grader/golden/replay.py)."""

from grader.golden.replay import install_replay
from grader.paths import GOLDEN_DIR

install_replay(GOLDEN_DIR)
'''


class ReleaseError(RuntimeError):
    """The release cannot be built (or would give something away)."""


def lab_folders(requested: list[str]) -> list[str]:
    """Lab folder names to release: those asked for (`lab1`, `1`, `lab1_convolution`), or every lab."""
    try:
        return [find_lab(name).folder for name in requested] if requested else list(LAB_FOLDERS)
    except UnknownLab as error:
        raise ReleaseError(str(error)) from error


def record(out: Path, labs: list[str]) -> dict:
    """Grade the reference with the public tests, recording every reference call into out/grader/golden."""
    report = out / "record-report.json"
    command = [sys.executable, "-m", "grader", *[lab.split("_")[0] for lab in labs], "--target", "solutions",
               "--public-only", "--record", str(out / GOLDEN_DIR.relative_to(REPO_ROOT)), "--json", str(report)]
    finished = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
    if finished.returncode != 0:
        raise ReleaseError(f"grading the reference to record the golden fixtures did not give full marks "
                           f"(exit {finished.returncode}):\n{finished.stdout[-3000:]}{finished.stderr[-3000:]}")
    data = json.loads(report.read_text())
    report.unlink()
    return data["grade"]


def copy_grader(out: Path, labs: list[str]) -> None:
    """The grader's code and the public part of the judge tests of `labs`."""
    target = out / "grader"
    for path in sorted(GRADER_DIR.rglob("*.py")):
        if JUDGE_TESTS_DIR not in path.parents and "__pycache__" not in path.parts:
            (target / path.relative_to(GRADER_DIR)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / path.relative_to(GRADER_DIR))
    (target / "tests").mkdir(exist_ok=True)
    for path in JUDGE_TESTS_DIR.glob("*"):
        if path.is_file():
            shutil.copy2(path, target / "tests" / path.name)
    for lab in labs:
        for path in sorted((JUDGE_TESTS_DIR / lab).rglob("*")):
            if path.is_dir() or "__pycache__" in path.parts:
                continue
            destination = target / "tests" / lab / path.relative_to(JUDGE_TESTS_DIR / lab)
            destination.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix != ".py":
                shutil.copy2(path, destination)
                continue
            text = strip_hidden(path.read_text(), str(path))
            public = drop_hidden_tests(text, str(path)) if path.name.startswith("test_") else text
            if public is not None:
                destination.write_text(public)


def copy_labs_and_solutions(out: Path, labs: list[str]) -> None:
    """labs/ (stubs, helpers, READMEs) and the replaying solutions/ package."""
    shutil.copytree(LABS_DIR, out / "labs", ignore=ignore_other_labs(labs))
    (out / "solutions").mkdir()
    (out / "solutions" / "__init__.py").write_text(SHIM)
    for relative, content in expected_lab_files(SOLUTIONS_DIR).items():  # stubs, and files without exercises
        if relative.parts[0] in labs and relative.suffix == ".py":
            (out / "solutions" / relative).parent.mkdir(parents=True, exist_ok=True)
            (out / "solutions" / relative).write_bytes(content)


def ignore_other_labs(labs: list[str]):
    def ignore(folder: str, names: list[str]) -> list[str]:
        skipped = set(SKIPPED(folder, names))
        if Path(folder) == LABS_DIR:  # sync's record of what it generated is the instructor's business
            skipped |= {name for name in names if name in LAB_FOLDERS and name not in labs} | {RECORD_NAME}
        return sorted(skipped)

    return ignore


def release_record(labs: list[str], grade: dict) -> dict:
    """ipdl/release.json: per lab and exercise, the points of the public tests (as recorded) and of all tests."""
    info = {}
    for lab in map(find_lab, labs):
        recorded = grade["labs"].get(lab.id, {"max_score": 0, "exercises": {}})
        exercises = {exercise.id: {"public_points": recorded["exercises"].get(exercise.id, {}).get("max_score", 0),
                                   "points": exercise.points} for exercise in lab.exercises}
        info[lab.id] = {"public_points": recorded["max_score"], "points": lab.points, "exercises": exercises}
    return {"labs": info}


def copy_library_and_webapp(out: Path, labs: list[str], grade: dict) -> None:
    """The kit's library, marked as a student release, the web app (which asks ipdl.kit which one it is in),
    pyproject.toml, and the students' README."""
    shutil.copytree(IPDL_DIR, out / IPDL_DIR.relative_to(REPO_ROOT), ignore=SKIPPED)
    info = release_record(labs, grade)
    (out / RELEASE_FILE.relative_to(REPO_ROOT)).write_text(json.dumps(info, indent=2) + "\n")
    shutil.copytree(REPO_ROOT / "webapp", out / "webapp", ignore=SKIPPED)
    shutil.copy2(REPO_ROOT / "pyproject.toml", out / "pyproject.toml")
    public_points = {lab: lab_info["public_points"] for lab, lab_info in info["labs"].items()}
    readme = student_readme.render([find_lab(lab) for lab in labs], public_points, REPO_ROOT / "webapp" / "tabs")
    (out / "README.md").write_text(readme)


def leaks(out: Path, labs: list[str]) -> list[str]:
    """Lines of solution regions, region markers and hidden tests found in the bundle (should be none).

    A solution line the shipped stubs, public tests, web app or kit library quote anyway (`with torch.no_grad():`)
    is no secret."""
    shipped = "\n".join(readable_text(path) or "" for folder in ("labs", "grader/tests", "webapp", "ipdl")
                         for path in (out / folder).rglob("*") if path.is_file())
    secrets = [line for line in solution_lines(labs) if line not in shipped]
    marker = re.compile(r"^\s*# (BEGIN|END) (SOLUTION|HIDDEN)", re.MULTILINE)
    found = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        text = readable_text(path)
        if text is None:
            continue
        relative = path.relative_to(out)
        found += [f"{relative}: solution line {line!r}" for line in secrets if line in text]
        if relative.parts[0] in ("labs", "solutions", "webapp") or relative.parts[:2] == ("grader", "tests"):
            found += [f"{relative}: region marker {m.group(0).strip()!r}" for m in marker.finditer(text)]
        if relative.parts[:2] == ("grader", "tests") and relative.suffix == ".py":
            source = JUDGE_TESTS_DIR / relative.relative_to("grader/tests")
            found += [f"{relative}: hidden test {name}" for name in hidden_test_names(source.read_text())
                      if f"def {name}(" in text]
            found += [f"{relative}: a hidden mark" for _ in re.finditer(r"mark\.hidden\b", text)]
    return found


def solution_lines(labs: list[str]) -> list[str]:
    """Distinctive lines of every solution region (code, not comments or short lines)."""
    lines = []
    for lab in labs:
        for path in (SOLUTIONS_DIR / lab).rglob("*.py"):
            inside = False
            for line in path.read_text().splitlines():
                if SOLUTION_BEGIN.match(line) or SOLUTION_END.match(line):
                    inside = bool(SOLUTION_BEGIN.match(line))
                elif inside and len(line.strip()) >= 20 and not line.strip().startswith("#"):
                    lines.append(line.strip())
    return lines


def readable_text(path: Path) -> str | None:
    """The text of a file, or of every member of a zip archive (an exported program); None for other binaries."""
    if path.suffix in TEXT_SUFFIXES:
        return path.read_text(errors="replace")
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return "\n".join(archive.read(name).decode("latin-1") for name in archive.namelist())
    return None


def build(out: Path, requested: list[str]) -> dict:
    """Build the release in `out` (which must not exist; removed again when the build fails); returns the public
    grade of the reference."""
    labs = lab_folders(requested)
    stale = stale_lab_files(SOLUTIONS_DIR, LABS_DIR)
    if stale:
        raise ReleaseError(f"labs/ is stale ({stale[0][0]} {stale[0][1]}): run 'python -m grader sync' first")
    out.mkdir(parents=True)
    try:
        grade = record(out, labs)
        copy_grader(out, labs)
        copy_labs_and_solutions(out, labs)
        copy_library_and_webapp(out, labs, grade)
        (out / WORKFLOW_PATH).parent.mkdir(parents=True)
        shutil.copy2(CLASSROOM_WORKFLOW, out / WORKFLOW_PATH)
        found = leaks(out, labs)
        if found:
            raise ReleaseError("the release would give away solutions or hidden tests:\n  " + "\n  ".join(found[:20]))
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    return grade


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grader release", description="Build the student bundle (no solutions, public tests only).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("out", type=Path, help="folder to create")
    parser.add_argument("--labs", nargs="*", default=[], help="labs to release (default: all with judge tests)")
    parser.add_argument("--force", action="store_true", help="replace OUT if it exists")
    args = parser.parse_args(argv)
    if args.out.exists():
        if not args.force:
            print(f"error: {args.out} exists; pass --force to replace it")
            return 2
        shutil.rmtree(args.out)
    try:
        grade = build(args.out, args.labs)
    except ReleaseError as error:
        print(f"error: {error}")
        return 2
    print(f"Wrote the student release to {args.out}: {', '.join(sorted(grade['labs']))}, "
          f"{grade['max_score']:g} public points (the reference scored {grade['score']:g} while being recorded).")
    return 0
