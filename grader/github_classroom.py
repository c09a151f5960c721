"""GitHub Classroom: the autograding result of a grade report, as its grading reporter reads it.

    python -m grader --json "$RUNNER_TEMP/grade-report.json"
    python -m grader.github_classroom "$RUNNER_TEMP/grade-report.json" >> "$GITHUB_OUTPUT"

The second line prints `result=<base64 JSON>`, the step output that classroom-resources/autograding-grading-reporter
takes from a runner (the env variable `<RUNNER>_RESULTS`): `{version, status, max_score, tests: [{name, status,
score, message, ...}]}`. The reporter adds up the tests' `score` and the runners' `max_score` and posts
"Points <score>/<max_score>", which GitHub Classroom records. Where no report came (the grader could not run), the
result is an error worth 0 of the release's public points, with the reason as its message.
"""

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any

from grader.instructor.gradescope import exercise_order, test_entry
from ipdl.kit import release_info

VERSION = 1  # the reporter's result format
COMMAND = "python -m grader"  # what a student runs to see the same grade with all its feedback


def test_result(test: dict[str, Any], number: int) -> dict[str, Any]:
    """One test of the result, named and scored as in Gradescope's results.json."""
    entry = test_entry(test, number)
    return {"name": entry["name"], "status": "pass" if entry["status"] == "passed" else "fail",
            "score": entry["score"], "message": entry["output"], "test_code": COMMAND, "filename": "",
            "line_no": 0, "execution_time": f"{test.get('call', {}).get('duration', 0.0):.2f}s"}


def classroom_result(report: dict[str, Any]) -> dict[str, Any]:
    """The reporter's result for a grade report, its tests in exercise order."""
    numbers: dict[str, int] = {}
    tests = []
    for test in sorted(report.get("tests", []), key=exercise_order):
        exercise = test.get("metadata", {}).get("exercise", "?")
        numbers[exercise] = numbers.get(exercise, 0) + 1
        tests.append(test_result(test, numbers[exercise]))
    grade = report["grade"]
    status = "pass" if grade["score"] == grade["max_score"] else "fail"
    return {"version": VERSION, "status": status, "max_score": grade["max_score"], "tests": tests}


def error_result(message: str) -> dict[str, Any]:
    """The result where the grader could not grade: 0 of the public points, and why."""
    max_score = sum(lab["public_points"] for lab in release_info().get("labs", {}).values())
    return {"version": VERSION, "status": "error", "max_score": max_score,
            "tests": [{"name": "the grader ran", "status": "error", "score": 0, "test_code": COMMAND,
                       "filename": "", "line_no": 0, "execution_time": "0s",
                       "message": f"The grader could not grade this repository: {message}"}]}


def read_result(report_path: Path) -> dict[str, Any]:
    """The result for the report at `report_path`, or an error result saying why there is none."""
    try:
        report = json.loads(report_path.read_text())
    except FileNotFoundError:
        return error_result(f"it wrote no report ({report_path}); its log above says why")
    except (OSError, ValueError) as error:
        return error_result(f"its report {report_path} could not be read ({error})")
    if not isinstance(report, dict) or "grade" not in report:
        return error_result(f"its report {report_path} holds no grade")
    return classroom_result(report)


def encode(result: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(result).encode()).decode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.github_classroom",
                                     description="Print GitHub Classroom's step output `result=...` for a report.")
    parser.add_argument("report", type=Path, help="the grade report (python -m grader --json REPORT)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    result = read_result(args.report)
    print(f"result={encode(result)}")
    score = sum(test["score"] for test in result["tests"])
    print(f"GitHub Classroom points: {score:g}/{result['max_score']:g} ({result['status']})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
