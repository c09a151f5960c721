"""The class roster: a CSV file that maps the student ids of the submissions to names and the ids an LMS knows
(email, SIS id), so that a gradebook can be imported; students missing on either side are named, never dropped.

    id,name,email,sis_id
    alice,Alice Martin,alice@example.edu,2024001
"""

import csv
from dataclasses import dataclass
from pathlib import Path

REQUIRED_COLUMNS = ("id", "name")
LMS_ID_COLUMNS = ("email", "sis_id")  # at least one of them
OPTIONAL_COLUMNS = ("section",)


class RosterError(ValueError):
    """A roster the gradebook cannot use; the message names the file, the line and what to change."""


@dataclass(frozen=True)
class Student:
    id: str  # as the submission folder or report is named
    name: str
    email: str = ""
    sis_id: str = ""
    section: str = ""


def read_roster(path: Path) -> dict[str, Student]:
    """Student id -> roster entry, in the roster's order."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as source:
            lines = list(csv.DictReader(source))
            header = [name.strip().lower() for name in (lines[0].keys() if lines else [])]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise RosterError(f"cannot read the roster {path}: {error}") from None
    if not lines:
        raise RosterError(f"the roster {path} has no students (expected a header 'id,name,email,sis_id' and a line "
                          f"per student)")
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing or not any(column in header for column in LMS_ID_COLUMNS):
        raise RosterError(f"the roster {path} needs the columns id, name and email or sis_id (or both); it has "
                          f"{', '.join(header)}")
    roster: dict[str, Student] = {}
    for number, line in enumerate(lines, start=2):
        fields = {(key or "").strip().lower(): (value or "").strip() for key, value in line.items()}
        student = Student(**{column: fields.get(column, "") for column in
                             (*REQUIRED_COLUMNS, *LMS_ID_COLUMNS, *OPTIONAL_COLUMNS)})
        if not student.id:
            raise RosterError(f"{path}, line {number}: no id (the name of the student's submission and report)")
        if student.id in roster:
            raise RosterError(f"{path}, line {number}: the id {student.id!r} is there twice")
        roster[student.id] = student
    return roster


@dataclass(frozen=True)
class RosterCheck:
    not_in_roster: list[str]  # students with a report the roster does not list
    without_report: list[str]  # roster students with no report


def check_roster(roster: dict[str, Student], students: list[str]) -> RosterCheck:
    graded = set(students)
    return RosterCheck(sorted(graded - set(roster)), [student for student in roster if student not in graded])
