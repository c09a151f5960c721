"""`python -m grader gradebook REPORTS --csv grades.csv`: one row per student from a folder of grade reports.

Columns: student, status, then per lab its points and the points of each of its exercises, then total,
max_total and percent. A lab or exercise a student did not submit counts 0 out of what the other reports
say it is worth. Reports graded by different graders (judge code, kit, torch or Python versions) are named
in a warning and get a `grader` column, so that mixed grading is never silent.
"""

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from grader.grade import id_numbers

VERSION_KEYS = ("judge", "ipdl-lab", "torch", "python")


def load_reports(folder: Path) -> list[dict[str, Any]]:
    """Every grade report in `folder` (files that are not reports are skipped with a warning)."""
    reports = []
    for path in sorted(folder.glob("*.json")):
        try:
            report = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            print(f"warning: skipping {path.name}: {error}", file=sys.stderr)
            continue
        if not isinstance(report, dict) or "grade" not in report:
            print(f"warning: skipping {path.name}: not a grade report", file=sys.stderr)
            continue
        report.setdefault("student", "")
        report["student"] = report["student"] or path.stem
        reports.append(report)
    return reports


def grader_version(report: dict[str, Any]) -> str:
    """`judge=… ipdl-lab=… torch=… python=…`; empty for a report of a submission that could not be graded."""
    versions = report.get("versions") or {}
    return " ".join(f"{key}={versions[key]}" for key in VERSION_KEYS if key in versions)


def columns_and_maxima(reports: list[dict[str, Any]]) -> dict[str, float]:
    """Column name -> the most points it is worth in any report, labs followed by their exercises, in order."""
    maxima: dict[str, float] = {}
    for report in reports:
        for lab, lab_grade in report["grade"].get("labs", {}).items():
            maxima[lab] = max(maxima.get(lab, 0), lab_grade["max_score"])
            for exercise, ex in lab_grade.get("exercises", {}).items():
                maxima[exercise] = max(maxima.get(exercise, 0), ex["max_score"])
    return dict(sorted(maxima.items(), key=lambda item: id_numbers(item[0])))


def row(report: dict[str, Any], maxima: dict[str, float]) -> dict[str, Any]:
    points = {}
    for lab, lab_grade in report["grade"].get("labs", {}).items():
        points[lab] = lab_grade["score"]
        points.update({exercise: ex["score"] for exercise, ex in lab_grade.get("exercises", {}).items()})
    labs = [name for name in maxima if "." not in name]
    total, max_total = sum(points.get(lab, 0) for lab in labs), sum(maxima[lab] for lab in labs)
    return {
        "student": report["student"],
        "status": "error: " + report["error"] if "error" in report else "graded",
        **{name: points.get(name, 0) for name in maxima},
        "total": total,
        "max_total": max_total,
        "percent": round(100 * total / max_total, 1) if max_total else 0.0,
        "grader": grader_version(report),
    }


def gradebook(reports: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]], set[str]]:
    """(header, rows, distinct grader versions)."""
    maxima = columns_and_maxima(reports)
    rows = sorted((row(report, maxima) for report in reports), key=lambda r: r["student"])
    versions = {r["grader"] for r in rows if r["grader"]}
    header = ["student", "status", *maxima, "total", "max_total", "percent"]
    if len(versions) > 1:
        header.append("grader")
    return header, rows, versions


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grader gradebook", description="Merge grade reports into one CSV gradebook.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("reports", type=Path, help="folder of JSON grade reports (one per student)")
    parser.add_argument("--csv", type=Path, default=Path("grades.csv"), help="the CSV file to write")
    args = parser.parse_args(argv)
    if not args.reports.is_dir():
        print(f"error: {args.reports} is not a folder of reports", file=sys.stderr)
        return 2
    reports = load_reports(args.reports)
    if not reports:
        print(f"error: no grade reports in {args.reports}", file=sys.stderr)
        return 2
    header, rows, versions = gradebook(reports)
    if len(versions) > 1:
        print(f"warning: these reports come from {len(versions)} different graders; see the 'grader' column:",
              file=sys.stderr)
        for version in sorted(versions):
            print(f"  {version}", file=sys.stderr)
    with open(args.csv, "w", newline="") as output:
        writer = csv.DictWriter(output, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    errors = sum(r["status"] != "graded" for r in rows)
    print(f"Wrote {args.csv}: {len(rows)} students, {len(header)} columns"
          + (f"; {errors} could not be graded (status column)" if errors else ""))
    return 0
