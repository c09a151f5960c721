"""The feedback a student may be handed after a batch (REPORTS/feedback/<id>.txt): every public test in full, with
its feedback and hint, and the hidden tests of each lab only as "hidden: N tests, P of Q points"."""

from typing import Any

from grader.grade import id_numbers
from grader.summary import points


def student_feedback(report: dict[str, Any]) -> str:
    """The text for the student of `report` (a grade report, or an error report of the batch)."""
    student = report.get("student") or "this student"
    if "error" in report:
        return f"Feedback for {student}\n\nYour submission could not be graded: {report['error']}\n"
    grade = report["grade"]
    lines = [f"Feedback for {student}: {points(grade)} points", ""]
    tests = [test for test in report.get("tests", []) if "lab" in test.get("metadata", {})]
    for lab, lab_grade in grade["labs"].items():
        lines.append(f"{lab}: {points(lab_grade)}")
        in_lab = sorted((test for test in tests if test["metadata"]["lab"] == lab),
                        key=lambda test: id_numbers(test["metadata"]["exercise"]))
        public = [test for test in in_lab if test["metadata"].get("visibility") != "hidden"]
        hidden = [test for test in in_lab if test["metadata"].get("visibility") == "hidden"]
        for test in public:
            lines.extend(public_test_lines(test))
        if hidden:
            earned = sum(test["metadata"].get("points", 0) for test in hidden)
            worth = sum(test["metadata"]["max_points"] for test in hidden)
            lines.append(f"  hidden: {len(hidden)} tests, {earned:g} of {worth:g} points")
        lines.append("")
    return "\n".join(lines)


def public_test_lines(test: dict[str, Any]) -> list[str]:
    """One public test: its outcome, exercise and points; on failure its whole feedback and hint."""
    meta = test["metadata"]
    name = test["nodeid"].rpartition("::")[2]
    mark = "ok  " if test["outcome"] == "passed" else "FAIL"
    lines = [f"  {mark} {meta['exercise']} {name} ({meta.get('points', 0):g} of {meta['max_points']:g})"]
    if test["outcome"] != "passed":
        feedback = meta.get("feedback") or test.get("call", {}).get("longrepr") or test["outcome"]
        lines += [f"         {line}" for line in str(feedback).splitlines()]
        if meta.get("hint"):
            lines.append(f"         hint: {meta['hint']}")
    return lines
