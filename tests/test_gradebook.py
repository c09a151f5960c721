"""`python -m grader gradebook`: the row of maximum points, Canvas and Moodle files with the documented columns, a
roster whose missing students are named, graders compared lab by lab, and bad report folders."""

import contextlib
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from grader.cli import main as grader_main
from grader.instructor.lms_csv import CANVAS_COLUMNS, CANVAS_POINTS_ROW, MOODLE_COLUMNS, MOODLE_COLUMNS_WITHOUT_ROSTER
from grader.paths import REPO_ROOT

VERSIONS = {"judge": "a" * 12, "judge_labs": {"lab1": "1" * 12, "lab2": "2" * 12}, "ipdl-lab": "0.1.0",
            "torch": "2.4", "python": "3.11"}


def report(student: str, labs: dict[str, tuple[float, float]], judge_labs: dict[str, str] | None = None) -> dict:
    """A grade report with one exercise per lab: lab -> (score, max_score)."""
    grade_labs = {lab: {"score": score, "max_score": top,
                        "exercises": {f"{lab}.1": {"name": "f", "score": score, "max_score": top}}}
                  for lab, (score, top) in labs.items()}
    versions = {**VERSIONS, "judge_labs": {lab: (judge_labs or VERSIONS["judge_labs"])[lab] for lab in labs}}
    return {"student": student, "grade": {"score": sum(s for s, _ in labs.values()),
                                          "max_score": sum(t for _, t in labs.values()), "labs": grade_labs},
            "versions": {**versions, "judge": "".join(sorted(labs))}}  # the judge hash over all labs differs


def write_reports(folder: Path, reports: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for entry in reports:
        (folder / f"{entry['student']}.json").write_text(json.dumps(entry))
    return folder


def class_of_three(tmp_path: Path) -> Path:
    """alice did both labs, bob only lab1 (graded alone, so his whole-judge hash differs), carol lab2."""
    return write_reports(tmp_path / "reports", [report("alice", {"lab1": (59, 59), "lab2": (30, 37)}),
                                                 report("bob", {"lab1": (20, 59)}),
                                                 report("carol", {"lab2": (37, 37)})])


def gradebook(*args: str) -> tuple[int, str]:
    """Run the command in this process (as `python -m grader gradebook ARGS` would): exit code and output."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        code = grader_main(["gradebook", *args])
    return code, output.getvalue()


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as source:
        return list(csv.reader(source))


def write_roster(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(["id,name,email,sis_id", *lines]) + "\n")
    return path


def test_plain_gradebook_has_a_row_of_maximum_points(tmp_path: Path) -> None:
    code, output = gradebook(str(class_of_three(tmp_path)), "--csv", str(tmp_path / "grades.csv"))
    assert code == 0, output
    header, maxima, *rows = read_csv(tmp_path / "grades.csv")
    assert header == ["student", "status", "lab1", "lab1.1", "lab2", "lab2.1", "total", "max_total", "percent"]
    assert maxima == ["(max points)", "", "59", "59", "37", "37", "96", "96", "100.0"]
    assert [row[0] for row in rows] == ["alice", "bob", "carol"]
    assert rows[1] == ["bob", "graded", "20", "20", "0", "0", "20", "96", "20.8"]


def test_graders_are_compared_lab_by_lab(tmp_path: Path) -> None:
    """Reports that graded different labs with the same judge are one grader; another judge for lab2 is named."""
    reports = class_of_three(tmp_path)
    code, output = gradebook(str(reports), "--csv", str(tmp_path / "same.csv"))
    assert code == 0 and "different graders" not in output, output
    assert "grader" not in read_csv(tmp_path / "same.csv")[0]

    write_reports(reports, [report("carol", {"lab2": (37, 37)}, judge_labs={"lab2": "f" * 12})])
    code, output = gradebook(str(reports), "--csv", str(tmp_path / "mixed.csv"))
    assert code == 0 and "lab2 was graded by 2 different graders" in output and "lab1 was" not in output, output
    rows = {row[0]: row for row in read_csv(tmp_path / "mixed.csv")}
    column = rows["student"].index("grader")
    assert rows["carol"][column].startswith("judge=ffffffffffff") and "judge=222222222222" in rows["alice"][column]


def test_canvas_file_has_canvas_columns_and_points_possible(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "roster.csv", ["alice,Alice Martin,alice@example.edu,2024001",
                                                    "carol,Carol Ngata,carol@example.edu,2024003",
                                                    "dan,Dan Okafor,dan@example.edu,2024004"])
    code, output = gradebook(str(class_of_three(tmp_path)), "--csv", str(tmp_path / "canvas.csv"),
                             "--format", "canvas", "--roster", str(roster))
    assert code == 0, output
    assert "not in the roster (left out of this file): bob" in output
    assert "have no report (empty grades): dan" in output
    assert "Grades > Import" in output
    rows = read_csv(tmp_path / "canvas.csv")
    assert rows[0] == [*CANVAS_COLUMNS, "lab1", "lab2"]
    assert rows[1] == [CANVAS_POINTS_ROW, "", "", "", "", "59", "37"]
    assert rows[2:] == [["Alice Martin", "", "2024001", "alice@example.edu", "", "59", "30"],
                        ["Carol Ngata", "", "2024003", "carol@example.edu", "", "0", "37"],
                        ["Dan Okafor", "", "2024004", "dan@example.edu", "", "", ""]]


def test_moodle_file_has_moodle_columns_and_prints_the_maxima(tmp_path: Path) -> None:
    reports = class_of_three(tmp_path)
    roster = write_roster(tmp_path / "roster.csv", ["alice,Alice Martin,alice@example.edu,2024001",
                                                    "bob,Bob Li,bob@example.edu,"])
    code, output = gradebook(str(reports), "--csv", str(tmp_path / "moodle.csv"), "--format", "moodle",
                             "--roster", str(roster))
    assert code == 0, output
    assert "not in the roster (left out of this file): carol" in output
    assert "Identify user by" in output and "lab1 59, lab2 37" in output
    assert read_csv(tmp_path / "moodle.csv") == [[*MOODLE_COLUMNS, "lab1", "lab2"],
                                                 ["2024001", "alice@example.edu", "Alice Martin", "59", "30"],
                                                 ["", "bob@example.edu", "Bob Li", "20", "0"]]
    code, output = gradebook(str(reports), "--csv", str(tmp_path / "plain-moodle.csv"), "--format", "moodle")
    assert code == 0, output
    assert read_csv(tmp_path / "plain-moodle.csv")[0] == [*MOODLE_COLUMNS_WITHOUT_ROSTER, "lab1", "lab2"]


def test_roster_names_the_students_missing_on_either_side_in_the_plain_file(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "roster.csv", ["alice,Alice Martin,alice@example.edu,2024001",
                                                    "dan,Dan Okafor,,2024004"])
    code, output = gradebook(str(class_of_three(tmp_path)), "--csv", str(tmp_path / "grades.csv"),
                             "--roster", str(roster))
    assert code == 0, output
    assert "2 students with a report are not in the roster" in output and "bob, carol" in output
    rows = {row[0]: row for row in read_csv(tmp_path / "grades.csv")}
    assert rows["student"][:5] == ["student", "name", "email", "sis_id", "status"]
    assert rows["alice"][1:5] == ["Alice Martin", "alice@example.edu", "2024001", "graded"]
    assert rows["bob"][1] == "(not in the roster)"
    assert rows["dan"][1:5] == ["Dan Okafor", "", "2024004", "no report"]


def test_bad_rosters_and_report_folders_get_a_clear_error(tmp_path: Path) -> None:
    reports = class_of_three(tmp_path)
    (tmp_path / "no-id.csv").write_text("name,email\nAlice,alice@example.edu\n")
    code, output = gradebook(str(reports), "--roster", str(tmp_path / "no-id.csv"), "--csv", str(tmp_path / "x.csv"))
    assert code == 2 and "needs the columns id, name and email or sis_id" in output, output
    twice = write_roster(tmp_path / "twice.csv", ["alice,A,a@x,1", "alice,B,b@x,2"])
    code, output = gradebook(str(reports), "--roster", str(twice), "--csv", str(tmp_path / "x.csv"))
    assert code == 2 and "line 3: the id 'alice' is there twice" in output, output
    (tmp_path / "empty").mkdir()
    code, output = gradebook(str(tmp_path / "empty"), "--csv", str(tmp_path / "x.csv"))
    assert code == 2 and "holds no .json reports" in output, output
    assert not (tmp_path / "x.csv").exists()


def test_broken_reports_are_named_and_the_rest_is_used(tmp_path: Path) -> None:
    reports = class_of_three(tmp_path)
    (reports / "dora.json").write_text(json.dumps(report("dora", {"lab1": (1, 59)}))[:80])
    (reports / "erik.json").write_text(json.dumps({"student": "erik", "tests": []}))
    (reports / "alice-again.json").write_text(json.dumps(report("alice", {"lab1": (0, 59)})))
    code, output = gradebook(str(reports), "--csv", str(tmp_path / "grades.csv"))
    assert code == 0, output
    assert "skipping dora.json: not valid JSON" in output
    assert "skipping erik.json: has no `grade`" in output
    assert "skipping alice-again.json: a second report for student alice (alice.json is used)" in output
    rows = read_csv(tmp_path / "grades.csv")[2:]
    assert [row[0] for row in rows] == ["alice", "bob", "carol"] and rows[0][2] == "59"


def test_the_command_line_writes_the_same_file(tmp_path: Path) -> None:
    reports = class_of_three(tmp_path)
    gradebook(str(reports), "--csv", str(tmp_path / "in-process.csv"), "--format", "canvas")
    result = subprocess.run([sys.executable, "-m", "grader", "gradebook", str(reports), "--csv",
                             str(tmp_path / "cli.csv"), "--format", "canvas"], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "cli.csv").read_text() == (tmp_path / "in-process.csv").read_text()
