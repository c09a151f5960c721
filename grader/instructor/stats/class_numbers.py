"""The numbers of a class, from its grade reports: per lab the scores, per exercise the share with full marks, each
test's pass rate (public and hidden apart), the hints that fired and the errors that had none, counted by students;
and per student their points. Plain data, written as `--json` and drawn as the page."""

import re
import statistics
from typing import Any

from grader.failure_kind import NOT_IMPLEMENTED
from grader.grade import id_numbers
from grader.instructor.stats.tests_of import failed_tests, failure_kind_of, judge_tests, test_name
from ipdl.catalogue import UnknownLab, find_exercise, find_lab

# a student's row colour: the share of the class's points they earned, at least
COMPLETENESS = (("full", 1.0), ("most", 0.7), ("some", 0.3), ("little", 0.0))
UPSTREAM_HINT = re.compile(r"(fix lab\d+\.\d+ \S+ first)\b")  # as grader.feedback.chains.fix_first words it


def lab_numbers(reports: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """lab -> {title, max_score, students, scores, mean, median, full_marks}, over the reports that graded it."""
    scores: dict[str, list[float]] = {}
    maxima: dict[str, float] = {}
    for report in reports:
        for lab, grade in report["grade"].get("labs", {}).items():
            scores.setdefault(lab, []).append(grade["score"])
            maxima[lab] = max(maxima.get(lab, 0), grade["max_score"])
    found = {}
    for lab in sorted(scores, key=id_numbers):
        values = sorted(scores[lab])
        found[lab] = {"title": lab_title(lab), "max_score": maxima[lab], "students": len(values), "scores": values,
                      "mean": round(statistics.fmean(values), 2), "median": statistics.median(values),
                      "full_marks": sum(value >= maxima[lab] for value in values)}
    return found


def lab_title(lab: str) -> str:
    try:
        return find_lab(lab).title
    except UnknownLab:
        return "(not a lab of this kit)"


def exercise_numbers(reports: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """exercise -> {lab, name, max_score, students, full_marks, full_marks_share, tests, hints, errors_without_hint
    (each row with the students, `who`), unfinished, unfinished_who}."""
    found: dict[str, dict[str, Any]] = {}
    for report in reports:
        for lab, lab_grade in report["grade"].get("labs", {}).items():
            for exercise, grade in lab_grade.get("exercises", {}).items():
                entry = found.setdefault(exercise, new_exercise(lab, exercise, grade))
                entry["max_score"] = max(entry["max_score"], grade["max_score"])
                entry["students"] += 1
                entry["full_marks"] += grade["score"] >= grade["max_score"]
    add_tests(found, reports)
    add_failures(found, reports)
    for entry in found.values():
        entry["full_marks_share"] = round(entry["full_marks"] / entry["students"], 3) if entry["students"] else 0.0
    return dict(sorted(found.items(), key=lambda item: id_numbers(item[0])))


def new_exercise(lab: str, exercise: str, grade: dict[str, Any]) -> dict[str, Any]:
    return {"lab": lab, "name": grade.get("name", ""), "max_score": 0, "students": 0, "full_marks": 0,
            "tests": {}, "hints": {}, "unfinished": set(), "errors_without_hint": {}}


def add_tests(found: dict[str, dict[str, Any]], reports: list[dict[str, Any]]) -> None:
    """Each exercise's tests, in the order first seen, public before hidden: graded, passed and the pass rate."""
    for report in reports:
        for test in judge_tests(report):
            entry = found.get(test["metadata"]["exercise"])
            if entry is None:
                continue
            row = entry["tests"].setdefault(test["nodeid"], {
                "test": test_name(test["nodeid"]), "visibility": test["metadata"].get("visibility", "public"),
                "graded": 0, "passed": 0})
            row["graded"] += 1
            row["passed"] += test.get("outcome") == "passed"
    for entry in found.values():
        rows = sorted(entry["tests"].values(), key=lambda row: row["visibility"] != "public")
        for row in rows:
            row["pass_rate"] = round(row["passed"] / row["graded"], 3)
        entry["tests"] = rows
        entry["pass_rate"] = {visibility: pass_rate([r for r in rows if r["visibility"] == visibility])
                              for visibility in ("public", "hidden")}


def pass_rate(rows: list[dict[str, Any]]) -> float | None:
    graded = sum(row["graded"] for row in rows)
    return round(sum(row["passed"] for row in rows) / graded, 3) if graded else None


def add_failures(found: dict[str, dict[str, Any]], reports: list[dict[str, Any]]) -> None:
    """The hints that fired and the errors without one, each as students and failed tests, most students first; the
    students who left the exercise unfinished."""
    for report in reports:
        for test in failed_tests(report):
            entry = found.get(test["metadata"]["exercise"])
            if entry is None:
                continue
            kind, hint = failure_kind_of(test), test["metadata"].get("hint")
            if kind == NOT_IMPLEMENTED:
                entry["unfinished"].add(report["student"])
                continue
            table, key = (entry["hints"], hint_key(hint)) if hint else (entry["errors_without_hint"], kind)
            counted = table.setdefault(key, {"students": set(), "tests": 0})
            counted["students"].add(report["student"])
            counted["tests"] += 1
    for entry in found.values():
        entry["unfinished_who"] = sorted(entry["unfinished"])
        entry["unfinished"] = len(entry["unfinished"])
        entry["hints"] = ranked(entry["hints"], "hint")
        entry["errors_without_hint"] = ranked(entry["errors_without_hint"], "kind")


def hint_key(hint: str) -> str:
    """The hint as counted: 'fix lab1.3 conv2d first: <its feedback, numbers and all>' counts as 'fix lab1.3 conv2d
    first' (each student's numbers differ; the mistake itself is counted at lab1.3)."""
    upstream = UPSTREAM_HINT.match(hint)
    return upstream.group(1) if upstream else hint


def ranked(table: dict[str, dict[str, Any]], name: str) -> list[dict[str, Any]]:
    rows = [{name: key, "students": len(value["students"]), "tests": value["tests"], "who": sorted(value["students"])}
            for key, value in table.items()]
    return sorted(rows, key=lambda row: (-row["students"], -row["tests"], row[name]))


def to_reteach(exercises: dict[str, dict[str, Any]], top: int = 10) -> list[dict[str, Any]]:
    """The class's most frequent mistakes: hints and errors without hint across exercises, most students first; a
    failure an earlier exercise explains is counted there, not again."""
    rows = [{"exercise": exercise, "function": entry["name"], "what": row.get("hint") or row["kind"],
             "named": "hint" in row, "students": row["students"]}
            for exercise, entry in exercises.items() for row in [*entry["hints"], *entry["errors_without_hint"]]
            if not UPSTREAM_HINT.match(row.get("hint", ""))]
    return sorted(rows, key=lambda row: (-row["students"], id_numbers(row["exercise"])))[:top]


def student_rows(reports: list[dict[str, Any]], labs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Per student: points per lab (None for a lab the class graded and they did not hand in), total and the
    completeness class of their row."""
    max_total = sum(lab["max_score"] for lab in labs.values())
    rows = []
    for report in sorted(reports, key=lambda r: r["student"]):
        graded = report["grade"].get("labs", {})
        points = {lab: graded[lab]["score"] if lab in graded else None for lab in labs}
        total = sum(value or 0 for value in points.values())
        share = total / max_total if max_total else 0.0
        rows.append({"student": report["student"], "status": "error" if "error" in report else "graded",
                     "error": report.get("error", ""), "labs": points, "total": total, "max_total": max_total,
                     "percent": round(100 * share, 1),
                     "completeness": "error" if "error" in report else completeness(share)})
    return rows


def completeness(share: float) -> str:
    return next(name for name, least in COMPLETENESS if share >= least)


def unknown_exercises(reports: list[dict[str, Any]]) -> list[str]:
    """Exercise ids in the reports that this kit's catalogue does not have (reports of another kit version)."""
    found = set()
    for report in reports:
        for lab_grade in report["grade"].get("labs", {}).values():
            for exercise in lab_grade.get("exercises", {}):
                try:
                    find_exercise(exercise)
                except UnknownLab:
                    found.add(exercise)
    return sorted(found, key=id_numbers)
