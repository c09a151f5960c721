"""The grader's terminal summary: a per-exercise table of points and the first feedback line of each failure."""

from typing import Any

from ipdl.catalogue import find_exercise


def format_summary(report: dict[str, Any], details: bool = False) -> str:
    """The table printed after grading, built from the JSON report."""
    grade = report["grade"]
    failures = failures_by_exercise(report.get("tests", []))
    lines = [f"\nGrade for {report.get('student') or 'this student'} (target: {report['target']})", ""]
    for lab, lab_grade in grade["labs"].items():
        lines.append(f"{lab:<8}{'':<22}{points(lab_grade):>12}")
        for exercise, ex in lab_grade["exercises"].items():
            mark = "ok" if ex["score"] == ex["max_score"] else "--"
            lines.append(f"  {exercise:<8}{ex['name']:<20}{points(ex):>10}  {mark}  {part(exercise)}")
            for test in failures.get(exercise, [])[: None if details else 1]:
                lines.extend(failure_lines(test, details))
    percent = 100 * grade["score"] / grade["max_score"] if grade["max_score"] else 0.0
    lines += ["", f"Total: {points(grade)} ({percent:.0f}%)"]
    return "\n".join(lines)


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
