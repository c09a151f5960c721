"""Gradescope: results.json from a grade report (the spec's field names), and the autograder zip.

    python -m grader LAB ... --target SUBMISSION --gradescope results.json
    python -m grader gradescope-bundle autograder.zip

Gradescope runs `setup.sh` once to build the image and `run_autograder` for every submission, with the
student's files in /autograder/submission and the results expected in /autograder/results/results.json.
"""

import argparse
import json
import os
import stat
import zipfile
from pathlib import Path
from typing import Any

from grader.paths import REPO_ROOT
from ipdl.catalogue import UnknownLab, find_lab
from ipdl.kit import is_student_release

VISIBILITY = {"public": "visible", "hidden": "after_published"}  # hidden tests: shown once grades are published
BUNDLED = ("grader", "solutions", "labs", "ipdl", "pyproject.toml", "README.md")
SKIPPED_PARTS = {"__pycache__", "golden", ".pytest_cache"}

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the autograder image (the network is on here, not later).
set -euo pipefail
apt-get update
apt-get install -y python3 python3-pip python3-venv
python3 -m venv /opt/ipdl
/opt/ipdl/bin/pip install --upgrade pip
/opt/ipdl/bin/pip install torch torchvision --index-url https://download.pytorch.org/whl/cpu
/opt/ipdl/bin/pip install /autograder/source
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission; the student's files are in /autograder/submission, in any shape the
# grader's --target takes: a copy of labs/, lab folders (lab1_convolution/ ...), one lab folder, or a .zip of these.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${IPDL_PYTHON:-/opt/ipdl/bin/python}"
mkdir -p "$ROOT/results"
cd "$ROOT/source"
"$PYTHON" -m grader __LABS__ --target "$ROOT/submission" --json "$ROOT/results/report.json" \\
    --gradescope "$ROOT/results/results.json"
exit 0  # the grade is in results.json; a non-zero exit would only make Gradescope hide it
"""


def test_entry(test: dict[str, Any], number: int) -> dict[str, Any]:
    """One entry of results.json's `tests` from one test of the grade report."""
    meta = test.get("metadata", {})
    name = test["nodeid"].rpartition("::")[2]
    output = meta.get("feedback") or ""
    if meta.get("hint"):
        output += f"\nHint: {meta['hint']}"
    return {
        "name": f"{meta.get('exercise', '?')} {meta.get('function', '')}: {name}".replace("  ", " "),
        "number": f"{meta.get('exercise', '?')}.{number}",
        "score": meta.get("points", 0),
        "max_score": meta.get("max_points", 0),
        "status": "passed" if test["outcome"] == "passed" else "failed",
        "output": output.strip(),
        "visibility": VISIBILITY.get(meta.get("visibility", "public"), "visible"),
    }


def results(report: dict[str, Any]) -> dict[str, Any]:
    """Gradescope's results.json for a grade report."""
    numbers: dict[str, int] = {}
    tests = []
    for test in report.get("tests", []):
        exercise = test.get("metadata", {}).get("exercise", "?")
        numbers[exercise] = numbers.get(exercise, 0) + 1
        tests.append(test_entry(test, numbers[exercise]))
    grade = report["grade"]
    return {
        "score": grade["score"],
        "max_score": grade["max_score"],
        "execution_time": round(report.get("duration", 0.0)),
        "output": f"{grade['score']:g} / {grade['max_score']:g} points (judge {report['versions'].get('judge')})",
        "tests": tests,
    }


def write_results(path: Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results(report), indent=2))


def write_failure(path: Path, message: str) -> None:
    """A results.json for a submission the grader could not grade: 0 points and the reason."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"score": 0, "execution_time": 0, "tests": [],
                                "output": f"The grader could not grade this submission: {message}"}, indent=2))


def bundle(out: Path, labs: list[str]) -> list[str]:
    """Write the autograder zip; returns the names in it."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        add_script(archive, "setup.sh", SETUP_SH)
        add_script(archive, "run_autograder", RUN_AUTOGRADER.replace("__LABS__", " ".join(labs)))
        for name in BUNDLED:
            source = REPO_ROOT / name
            paths = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
            for path in paths:
                relative = path.relative_to(REPO_ROOT)
                if not SKIPPED_PARTS & set(relative.parts) and path.suffix != ".pyc":
                    archive.write(path, f"source/{relative.as_posix()}")
        return archive.namelist()


def add_script(archive: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFREG | 0o755) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text)


def bundle_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grader gradescope-bundle", description="Build Gradescope's autograder zip.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("out", type=Path, help="the zip file to write")
    parser.add_argument("--labs", nargs="*", default=[], help="labs to grade (default: those in the submission)")
    args = parser.parse_args(argv)
    if is_student_release():
        print("error: this is a student release (no reference solutions); build the bundle from the "
              "instructor's copy of the kit")
        return 2
    try:
        labs = [find_lab(name).id for name in args.labs]
    except UnknownLab as error:
        print(f"error: {error}")
        return 2
    names = bundle(args.out, labs)
    print(f"Wrote {args.out} ({len(names)} files, {os.path.getsize(args.out) / 1e6:.1f} MB): upload it as the "
          "autograder of a Gradescope programming assignment.")
    return 0
