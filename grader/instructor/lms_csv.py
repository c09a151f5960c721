"""Gradebook files that an LMS imports: one column per lab, students named by the ids the LMS knows.

Canvas (Grades > Import): the columns of Canvas's own gradebook export, `Student, ID, SIS User ID, SIS Login ID,
Section`, then a column per lab; the row under the header, `    Points Possible` (four spaces, as Canvas writes it),
gives each lab's points. Canvas matches a student by SIS User ID (the roster's sis_id) or SIS Login ID (the roster's
email; without a roster, the student id); a column whose name is not an assignment becomes a new assignment.

Moodle (Grades > Import > CSV file): `Username` without a roster, else `ID number, Email address, Full name`, then a
column per lab. Moodle reads every row below the header as a student, so the points each lab is worth are printed
(create the grade items with that maximum), not written as a row.

Students with a report that the roster does not list are left out of these files (the LMS could not match them) and
named in a warning; roster students with no report get a row with empty grades (the LMS leaves their grades as
they are).
"""

from typing import TYPE_CHECKING, Any

from grader.instructor.roster import Student

if TYPE_CHECKING:
    from grader.instructor.gradebook import Gradebook

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "    Points Possible"
MOODLE_COLUMNS = ("ID number", "Email address", "Full name")
MOODLE_COLUMNS_WITHOUT_ROSTER = ("Username",)


def lab_points(book: "Gradebook") -> dict[str, dict[str, Any]]:
    """Student -> lab -> points, from the gradebook's rows."""
    return {r["student"]: {lab: r[lab] for lab in book.labs} for r in book.rows}


def students_in_order(book: "Gradebook", roster: dict[str, Student] | None) -> list[str]:
    """The roster's students in its order (those with no report too), or every student with a report."""
    return list(roster) if roster is not None else [r["student"] for r in book.rows]


def canvas_table(book: "Gradebook", roster: dict[str, Student] | None) -> list[list[Any]]:
    points = lab_points(book)
    rows: list[list[Any]] = [[*CANVAS_COLUMNS, *book.labs],
                             [CANVAS_POINTS_ROW, "", "", "", "", *(book.maxima[lab] for lab in book.labs)]]
    for student in students_in_order(book, roster):
        entry = roster[student] if roster is not None else Student(student, student)
        login = entry.email if roster is not None else student
        grades = points.get(student, {})
        rows.append([entry.name, "", entry.sis_id, login, entry.section, *(grades.get(lab, "") for lab in book.labs)])
    return rows


def moodle_table(book: "Gradebook", roster: dict[str, Student] | None) -> list[list[Any]]:
    points = lab_points(book)
    people = MOODLE_COLUMNS if roster is not None else MOODLE_COLUMNS_WITHOUT_ROSTER
    rows: list[list[Any]] = [[*people, *book.labs]]
    for student in students_in_order(book, roster):
        grades = points.get(student, {})
        who = [roster[student].sis_id, roster[student].email, roster[student].name] if roster is not None else [student]
        rows.append([*who, *(grades.get(lab, "") for lab in book.labs)])
    return rows


def import_steps(file_format: str, book: "Gradebook") -> str:
    """What the instructor clicks in the LMS to import the file just written."""
    worth = ", ".join(f"{lab} {book.maxima[lab]:g}" for lab in book.labs)
    if file_format == "canvas":
        return ("Canvas: Grades > Import > Choose File > Upload Data; check the matched students and new assignments, "
                "then Save Changes (points possible from the file's second row: " + worth + ")")
    return ("Moodle: Grades > Import > CSV file; upload the file, Import; 'Identify user by': map from 'Email "
            "address' (or 'ID number', or 'Username' without a roster) to the same user field; 'Grade item "
            "mappings': each lab column to its grade item or 'New grade item'; Upload grades. Set each grade item's "
            "maximum to: " + worth)
