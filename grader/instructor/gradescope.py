"""Gradescope: results.json from a grade report (the spec's field names), and the autograder zip.

    python -m grader LAB ... --target SUBMISSION --gradescope results.json
    python -m grader gradescope-bundle autograder.zip --labs lab1      # or --labs all

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

from grader import report_page
from grader.grade import id_numbers
from grader.paths import REPO_ROOT
from ipdl.catalogue import LABS, Lab, UnknownLab, find_lab

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
    entry = {
        "name": f"{meta.get('exercise', '?')} {meta.get('function', '')}: {name}".replace("  ", " "),
        "number": f"{meta.get('exercise', '?')}.{number}",
        "score": meta.get("points", 0),
        "max_score": meta.get("max_points", 0),
        "status": "passed" if test["outcome"] == "passed" else "failed",
        "output": output.strip(),
        "visibility": VISIBILITY.get(meta.get("visibility", "public"), "visible"),
    }
    if meta.get("pictures"):  # a wrong image-like result: the same block as the HTML page, pictures inline
        entry.update(output=report_page.failure_html(test), output_format="html")
    return entry


def results(report: dict[str, Any]) -> dict[str, Any]:
    """Gradescope's results.json for a grade report, its tests in the order of their exercises (lab1.1, lab1.2,
    ..., lab1.10) and numbered within each (lab1.3.1, lab1.3.2, ...)."""
    numbers: dict[str, int] = {}
    tests = []
    for test in sorted(report.get("tests", []), key=exercise_order):
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


def exercise_order(test: dict[str, Any]) -> tuple[int, ...]:
    """Sort key of a report's test: its exercise id as numbers (tests without one last; sorted() keeps the
    report's order within an exercise)."""
    exercise = test.get("metadata", {}).get("exercise")
    return id_numbers(exercise) if exercise else (10**9,)


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
    parser.add_argument("--labs", nargs="+", required=True,
                        help="the labs of the assignment (lab1, 1, lab1_convolution), or 'all' for every lab")
    args = parser.parse_args(argv)
    try:
        labs = assignment_labs(args.labs)
    except UnknownLab as error:
        print(f"error: {error}")
        return 2
    names = bundle(args.out, [lab.id for lab in labs])
    every = " (every lab)" if len(labs) == len(LABS) else ""
    print(f"Wrote {args.out} ({len(names)} files, {os.path.getsize(args.out) / 1e6:.1f} MB): it grades "
          f"{', '.join(lab.id for lab in labs)}{every}, {sum(lab.points for lab in labs)} points; upload it as the "
          "autograder of a Gradescope programming assignment.")
    return 0


def assignment_labs(names: list[str]) -> list[Lab]:
    """The labs named (`all`: every lab), in the catalogue's order; UnknownLab for a name it does not know."""
    if [name.lower() for name in names] == ["all"]:
        return list(LABS)
    wanted = {find_lab(name).id for name in names}
    return [lab for lab in LABS if lab.id in wanted]
