"""The grader's terminal summary: a per-exercise table of points and the first feedback line of each failure, and
what the hidden tests add where none of them ran (a student release, or the instructor's `--public-only` run)."""

from typing import Any

from ipdl.catalogue import find_exercise
from ipdl.kit import release_info


def format_summary(report: dict[str, Any], details: bool = False) -> str:
    """The table printed after grading, built from the JSON report."""
    grade = report["grade"]
    failures = failures_by_exercise(report.get("tests", []))
    graded = report.get("target_path") or report["target"]
    lines = [f"\nGrade for {report.get('student') or 'this student'}: {graded}", ""]
    for lab, lab_grade in grade["labs"].items():
        lines.append(f"{lab:<8}{'':<22}{points(lab_grade):>12}")
        for exercise, ex in lab_grade["exercises"].items():
            mark = "ok" if ex["score"] == ex["max_score"] else "--"
            lines.append(f"  {exercise:<8}{ex['name']:<20}{points(ex):>10}  {mark}  {part(exercise)}")
            for test in failures.get(exercise, [])[: None if details else 1]:
                lines.extend(failure_lines(test, details))
    percent = 100 * grade["score"] / grade["max_score"] if grade["max_score"] else 0.0
    lines += ["", f"Total: {points(grade)} ({percent:.0f}%)"]
    announced = report.get("hidden_tests")
    if announced and not announced["ran"] and announced["hidden_points"] > 0:
        lines.append(hidden_points_line(announced))
    return "\n".join(lines)


def hidden_tests(report: dict[str, Any]) -> dict[str, Any]:
    """What the graded exercises are worth in public tests and in all (the catalogue's points), per lab and in
    total, and whether the hidden tests ran. The public points come from the release's record in a student
    release (whatever `-k` chose), else from the public tests in the report."""
    released = release_info().get("labs", {})
    public_in_report: dict[str, float] = {}
    for test in report.get("tests", []):
        meta = test.get("metadata", {})
        if meta.get("visibility") == "public" and "exercise" in meta:
            public_in_report[meta["exercise"]] = public_in_report.get(meta["exercise"], 0) + meta["max_points"]
    labs = {}
    for lab, lab_grade in report["grade"]["labs"].items():
        recorded = released.get(lab, {}).get("exercises", {})
        public = sum(recorded.get(exercise, {}).get("public_points", public_in_report.get(exercise, 0))
                     for exercise in lab_grade["exercises"])
        total = sum(find_exercise(exercise).points for exercise in lab_grade["exercises"])
        labs[lab] = {"public_points": public, "points": total, "hidden_points": total - public}
    ran = any(test.get("metadata", {}).get("visibility") == "hidden" for test in report.get("tests", []))
    return {"ran": ran, **{key: sum(lab[key] for lab in labs.values()) for key in ("public_points", "points",
                                                                                  "hidden_points")}, "labs": labs}


def hidden_points_line(announced: dict[str, Any]) -> str:
    """`public tests: 42 of 59 points; the instructor's hidden tests add 17 points` (with each lab's share)."""
    line = (f"public tests: {announced['public_points']:g} of {announced['points']:g} points; "
            f"the instructor's hidden tests add {announced['hidden_points']:g} points")
    if len(announced["labs"]) > 1:
        line += " (" + ", ".join(f"{lab} {lab_points['hidden_points']:g}"
                                 for lab, lab_points in announced["labs"].items()) + ")"
    return line


def failures_by_exercise(tests: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for test in tests:
        if test["outcome"] != "passed" and "exercise" in test.get("metadata", {}):
            found.setdefault(test["metadata"]["exercise"], []).append(test)
    return found


def failure_lines(test: dict[str, Any], details: bool) -> list[str]:
    """The first feedback line and the hint (all of the feedback with `details`)."""
    meta = test["metadata"]
    name = test["nodeid"].rpartition("::")[2]
    feedback = meta.get("feedback") or test.get("call", {}).get("longrepr") or test["outcome"]
    shown = feedback.splitlines() if details else feedback.splitlines()[:1]
    lines = [f"      x {name}: {shown[0] if shown else ''}"]
    lines += [f"        {line}" for line in shown[1:]]
    if meta.get("hint"):
        lines.append(f"        hint: {meta['hint']}")
    return lines


def part(exercise_id: str) -> str:
    """Where the lab's time plan puts an exercise: "in the slot" of the workshop, or "going further" (homework)."""
    return "in the slot" if find_exercise(exercise_id).in_slot else "going further"


def points(entry: dict[str, Any]) -> str:
    return f"{entry['score']:g} / {entry['max_score']:g}"
