"""`python -m grader stats REPORTS [--html class.html] [--json class.json] [--submissions DIR]`: what a class
could not do, which mistakes it made, who is stuck where, and which submissions are alike, from a folder of
grade reports (and the submissions they name, for the code comparison)."""

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from grader.instructor.class_reports import STATS_FORMAT, ClassReports, NoReports, mixed_graders, usable_class
from grader.instructor.stats import alike_code, alike_results, class_numbers, page
from ipdl.catalogue import UnknownLab, find_lab

FEEDBACK_PAGES = ("{id}.html", "feedback/{id}.html", "feedback/{id}.txt")  # in REPORTS, as the batch writes them


def kit_version() -> str:
    try:
        return metadata.version("ipdl-lab")
    except metadata.PackageNotFoundError:
        return "unknown"


def report_notes(loaded: ClassReports) -> list[str]:
    """What the instructor should know about the reports that were used: other kit versions, mixed graders,
    exercises this kit does not know, submissions that could not be graded."""
    ours, notes = kit_version(), []
    others: dict[str, list[str]] = {}
    for report in loaded.reports:
        version = (report.get("versions") or {}).get("ipdl-lab")
        if version and version != ours:
            others.setdefault(version, []).append(report["student"])
    for version, students in sorted(others.items()):
        notes.append(f"{page.counted(len(students), 'report')} graded by ipdl-lab {version}, not this kit's {ours} "
                     f"({', '.join(students[:8])}{', ...' if len(students) > 8 else ''}): their tests, points and "
                     f"hints may differ")
    for lab, graders in mixed_graders(loaded.reports).items():
        counts = [f"{grader} ({len(students)} students)" for grader, students in sorted(graders.items())]
        notes.append(f"{lab} was graded by {len(graders)} different graders: " + "; ".join(counts))
    unknown = class_numbers.unknown_exercises(loaded.reports)
    if unknown:
        notes.append(f"exercises {', '.join(unknown)} are not in this kit's catalogue (reports of another kit "
                     f"version?); they are shown as the reports have them")
    failed = [report["student"] for report in loaded.reports if "error" in report]
    if failed:
        notes.append(f"{page.counted(len(failed), 'submission')} could not be graded (0 points, grey in the table "
                     f"of students): "
                     f"{', '.join(failed)}")
    return notes


def submission_paths(reports: list[dict[str, Any]], submissions: Path | None) -> tuple[dict[str, Path], list[str]]:
    """Student -> their submission (in --submissions, else the report's target), and the students with none."""
    found, missing = {}, []
    for report in reports:
        student = report["student"]
        candidates = [submissions / student, submissions / f"{student}.zip"] if submissions else []
        candidates += [Path(report["target"])] if isinstance(report.get("target"), str) else []
        path = next((c for c in candidates if c.is_dir() or (c.is_file() and c.suffix.lower() == ".zip")), None)
        if path is None or "error" in report:
            missing.append(student)
        else:
            found[student] = path
    return found, missing


def code_comparison(stats_labs: list[str], reports: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    paths, missing = submission_paths(reports, args.submissions)
    pairs = []
    for lab_id in stats_labs:
        try:
            lab = find_lab(lab_id)
        except UnknownLab:
            continue
        pairs += alike_code.alike_code(lab, paths, args.similarity)
    compared = f"Code compared for {len(paths)} of {len(reports)} students"
    compared += f"; no submission found for {', '.join(missing)}." if missing else "."
    return {"code": [{"exercise": p.exercise, "students": list(p.students), "similarity": p.similarity,
                      "own_runs": list(p.own_runs)} for p in pairs],
            "code_compared": compared, "threshold": args.similarity}


def alike(loaded: ClassReports, labs: list[str], args: argparse.Namespace) -> dict[str, Any]:
    return {
        "note": page.LEADS_NOT_PROOF,
        "results_rule": f"Students whose failed tests returned byte-identical wrong values in at least "
                        f"{alike_results.MIN_SHARED} tests; results that are what a known mistake gives, wrong "
                        f"shapes or types, and results more than a fifth of the class shares are left out.",
        "results": alike_results.alike_results(loaded.reports),
        "code_rule": f"Pairs whose code of their own for an exercise (after normalising names and layout, leaving out "
                     f"what the stub, the reference or a fifth of the class also has) is at least "
                     f"{args.similarity:.0%} alike (Jaccard similarity of {alike_code.RUN_LENGTH}-token runs); "
                     f"students with fewer than {alike_code.MIN_OWN_RUNS} runs of their own are not compared.",
        **code_comparison(labs, loaded.reports, args),
    }


def feedback_page(folder: Path, student: str, html: Path | None) -> str | None:
    """The link from the class page to the feedback the batch wrote for the student, if any (the first of
    FEEDBACK_PAGES there is)."""
    found = next((folder / name.format(id=student) for name in FEEDBACK_PAGES
                  if (folder / name.format(id=student)).is_file()), None)
    if html is None or found is None:
        return None
    return Path(os.path.relpath(found.resolve(), html.resolve().parent)).as_posix()


def class_stats(loaded: ClassReports, args: argparse.Namespace) -> dict[str, Any]:
    """Everything the page shows, as plain data (the --json file)."""
    labs = class_numbers.lab_numbers(loaded.reports)
    exercises = class_numbers.exercise_numbers(loaded.reports)
    students = class_numbers.student_rows(loaded.reports, labs)
    for row in students:
        row["feedback_page"] = feedback_page(loaded.folder, row["student"], args.html)
    source = {"folder": str(loaded.folder), "files": len(loaded.reports) + len(loaded.problems),
              "students": len(loaded.reports), "problems": [vars(p) for p in loaded.problems],
              "notes": report_notes(loaded)}
    return {"format": STATS_FORMAT,
            "kit": {"version": kit_version(), "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds")},
            "source": source, "labs": labs, "exercises": exercises, "reteach": class_numbers.to_reteach(exercises),
            "students": students, "alike": alike(loaded, list(labs), args)}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m grader stats", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Class statistics from a folder of grade reports: a self-contained HTML page and/or JSON.")
    parser.add_argument("reports", type=Path, help="folder of JSON grade reports (one per student)")
    parser.add_argument("--html", type=Path, help="the page to write (default: class.html, when --json is not given)")
    parser.add_argument("--json", type=Path, help="the same numbers as JSON")
    parser.add_argument("--submissions", type=Path,
                        help="folder of the submissions (<id>/ or <id>.zip) for the code comparison; default: the "
                             "path each report names as its target")
    parser.add_argument("--similarity", type=float, default=alike_code.DEFAULT_THRESHOLD,
                        help="the least code similarity (0 to 1) listed")
    args = parser.parse_args(argv)
    if args.html is None and args.json is None:
        args.html = Path("class.html")
    if not 0 < args.similarity <= 1:
        parser.error(f"--similarity must be in (0, 1], got {args.similarity}")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        loaded = usable_class(args.reports)
    except NoReports as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in (args.html, args.json):
        if path is not None and not path.resolve().parent.is_dir():
            print(f"error: cannot write {path}: {path.parent} is not a folder", file=sys.stderr)
            return 2
    stats = class_stats(loaded, args)
    if args.json:
        args.json.write_text(json.dumps(stats, indent=1), encoding="utf-8")
        print(f"Wrote {args.json}")
    if args.html:
        args.html.write_text(page.page(stats), encoding="utf-8")
        print(f"Wrote {args.html}: {len(loaded.reports)} students"
              + (f", {len(loaded.problems)} report files skipped (listed on the page)" if loaded.problems else ""))
    return 0
