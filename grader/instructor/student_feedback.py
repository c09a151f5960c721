"""The feedback a student may be handed after a batch (REPORTS/feedback/<id>.txt): every public test in full, with
its feedback and hint, and the hidden tests of each lab only as "hidden: N tests, P of Q points"."""

from typing import Any

from grader.grade import id_numbers
from grader.hidden_counts import hidden_counts, is_hidden
from grader.summary import points


def student_feedback(report: dict[str, Any]) -> str:
    """The text for the student of `report` (a grade report, or an error report of the batch)."""
    student = report.get("student") or "this student"
    if "error" in report:
        return f"Feedback for {student}\n\nYour submission could not be graded: {report['error']}\n"
    grade = report["grade"]
    lines = [f"Feedback for {student}: {points(grade)} points", ""]
    tests = [test for test in report.get("tests", []) if "lab" in test.get("metadata", {})]
    hidden = hidden_counts(tests)
    for lab, lab_grade in grade["labs"].items():
        lines.append(f"{lab}: {points(lab_grade)}")
        public = sorted((test for test in tests if test["metadata"]["lab"] == lab and not is_hidden(test)),
                        key=lambda test: id_numbers(test["metadata"]["exercise"]))
        for test in public:
            lines.extend(public_test_lines(test))
        if lab in hidden:
            lines.append(f"  {hidden[lab].line()}")
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
