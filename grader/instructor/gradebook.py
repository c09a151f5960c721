"""`python -m grader gradebook REPORTS --csv grades.csv [--format plain|canvas|moodle] [--roster roster.csv]`: one
row per student from a folder of grade reports.

Plain columns (the default): student (with name, email, sis_id after it given a roster), status, then per lab its
points and the points of each of its exercises, then total, max_total and percent; the first row under the header,
`(max points)`, holds what each column is worth. A lab or exercise a student did not submit counts 0 out of what the
other reports say it is worth. A lab graded by different graders (another judge for that lab, kit, torch or Python
version) is named in a warning, and the file gets a `grader` column, so that mixed grading is never silent.
Canvas and Moodle files: see grader.instructor.lms_csv.
"""

import argparse
import csv
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.grade import id_numbers
from grader.instructor import lms_csv
from grader.instructor.class_reports import NoReports, lab_grader, mixed_graders, usable_class
from grader.instructor.roster import RosterError, Student, check_roster, read_roster

MAX_ROW = "(max points)"  # never a student id: batch ids hold no spaces or brackets
FORMATS = ("plain", "canvas", "moodle")


@dataclass
class Gradebook:
    maxima: dict[str, float]  # column (lab1, lab1.1, ...) -> the most points it is worth in any report
    rows: list[dict[str, Any]]  # one per student, sorted by student id
    mixed: dict[str, dict[str, list[str]]]  # lab -> grader -> students, for labs graded by more than one

    @property
    def labs(self) -> list[str]:
        return [name for name in self.maxima if "." not in name]


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
    graders = dict.fromkeys(lab_grader(report, lab) for lab in report["grade"].get("labs", {}))
    return {
        "student": report["student"],
        "status": "error: " + report["error"] if "error" in report else "graded",
        **{name: points.get(name, 0) for name in maxima},
        "total": total,
        "max_total": max_total,
        "percent": round(100 * total / max_total, 1) if max_total else 0.0,
        "grader": "; ".join(grader for grader in graders if grader),
    }


def gradebook(reports: list[dict[str, Any]]) -> Gradebook:
    maxima = columns_and_maxima(reports)
    rows = sorted((row(report, maxima) for report in reports), key=lambda r: r["student"])
    return Gradebook(maxima, rows, mixed_graders(reports))


def plain_table(book: Gradebook, roster: dict[str, Student] | None) -> list[list[Any]]:
    """Header, the (max points) row, then a row per student (and per roster student with no report)."""
    people = ["name", "email", "sis_id"] if roster is not None else []
    header = ["student", *people, "status", *book.maxima, "total", "max_total", "percent"]
    header += ["grader"] if book.mixed else []
    max_total = sum(book.maxima[lab] for lab in book.labs)
    maxima = {"student": MAX_ROW, **book.maxima, "total": max_total, "max_total": max_total, "percent": 100.0}
    rows = [dict(r) for r in book.rows]
    if roster is not None:
        graded = {r["student"] for r in rows}
        rows += [{"student": s, "status": "no report"} for s in roster if s not in graded]
        for r in rows:
            entry = roster.get(r["student"])
            r.update(name=entry.name if entry else "(not in the roster)", email=entry.email if entry else "",
                     sis_id=entry.sis_id if entry else "")
    return [header, *([r.get(column, "") for column in header] for r in [maxima, *rows])]


def report_roster(roster: dict[str, Student], book: Gradebook, file_format: str) -> None:
    """Name the students missing on either side, and where they are in the file."""
    check = check_roster(roster, [r["student"] for r in book.rows])
    if check.not_in_roster:
        where = "rows named '(not in the roster)'" if file_format == "plain" else "left out of this file"
        print(f"warning: {len(check.not_in_roster)} students with a report are not in the roster ({where}): "
              f"{', '.join(check.not_in_roster)}", file=sys.stderr)
    if check.without_report:
        where = "status 'no report'" if file_format == "plain" else "empty grades"
        print(f"warning: {len(check.without_report)} roster students have no report ({where}): "
              f"{', '.join(check.without_report)}", file=sys.stderr)


def warn_mixed_graders(book: Gradebook) -> None:
    for lab, graders in book.mixed.items():
        print(f"warning: {lab} was graded by {len(graders)} different graders; see the 'grader' column:",
              file=sys.stderr)
        for grader, students in sorted(graders.items()):
            print(f"  {grader}: {len(students)} students ({', '.join(students[:5])}"
                  f"{', ...' if len(students) > 5 else ''})", file=sys.stderr)


def table(book: Gradebook, roster: dict[str, Student] | None, file_format: str) -> list[list[Any]]:
    if file_format == "canvas":
        return lms_csv.canvas_table(book, roster)
    if file_format == "moodle":
        return lms_csv.moodle_table(book, roster)
    return plain_table(book, roster)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m grader gradebook", description="Merge grade reports into one CSV gradebook.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("reports", type=Path, help="folder of JSON grade reports (one per student)")
    parser.add_argument("--csv", type=Path, default=Path("grades.csv"), help="the CSV file to write")
    parser.add_argument("--format", choices=FORMATS, default="plain",
                        help="plain: every column; canvas / moodle: a file that LMS's grade import reads")
    parser.add_argument("--roster", type=Path, help="CSV with id,name and email and/or sis_id per student")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        roster = read_roster(args.roster) if args.roster else None
        loaded = usable_class(args.reports)
    except (NoReports, RosterError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    book = gradebook(loaded.reports)
    warn_mixed_graders(book)
    if roster is not None:
        report_roster(roster, book, args.format)
    rows = table(book, roster, args.format)
    with open(args.csv, "w", newline="", encoding="utf-8") as output:
        csv.writer(output).writerows(rows)
    errors = sum(r["status"] != "graded" for r in book.rows)
    print(f"Wrote {args.csv} ({args.format}): {len(book.rows)} students, {len(rows[0])} columns"
          + (f"; {errors} could not be graded (status column)" if errors else ""))
    if args.format != "plain":
        print(lms_csv.import_steps(args.format, book))
    return 0
