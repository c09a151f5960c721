"""`python -m grader stats` on a generated class (tests/stats_class.py: crafted Lab 1 submissions with planted
mistakes, graded for real, varied to 50 students): the hints counted are the mistakes planted, the alike groups are
the planted ones and no others, the page works offline in Chromium, the LMS files of the class have their columns;
and bad report folders get a clear line."""

import ast
import contextlib
import csv
import html
import io
import json
import shutil
import subprocess
import sys
import zipfile
from itertools import combinations
from pathlib import Path
from typing import NamedTuple

import pytest
import stats_class
import torch
from browser_helpers import chromium_page, loaded_image_size, outside_requests
from stats_class import CLASS

from grader.cli import main as grader_main
from grader.failure_kind import NOT_IMPLEMENTED
from grader.failure_record import failure_record, result_hash
from grader.feedback import GradingFailure, assert_tensor_close
from grader.instructor.lms_csv import CANVAS_COLUMNS, CANVAS_POINTS_ROW, MOODLE_COLUMNS
from grader.instructor.stats import code_tokens
from grader.instructor.stats.alike_code import alike_code
from grader.instructor.stats.code_tokens import lab_tokens
from grader.paths import LABS_DIR, REPO_ROOT, SOLUTIONS_DIR
from grader.tests.lab1_convolution.known_mistakes import FLIPPED_KERNEL, PAD_TOTAL
from ipdl.catalogue import LABS, Exercise, find_lab


class GeneratedClass(NamedTuple):
    submissions: Path
    reports: Path
    html: Path
    stats: dict


def run_grader(*args: str) -> tuple[int, str]:
    """`python -m grader ARGS` in this process: exit code and output."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        code = grader_main(list(args))
    return code, output.getvalue()


@pytest.fixture(scope="module")
def generated_class(tmp_path_factory: pytest.TempPathFactory) -> GeneratedClass:
    root = tmp_path_factory.mktemp("class")
    submissions, reports = stats_class.build_class(root, stats_class.grade_crafted(root))
    html, numbers = root / "page" / "class.html", root / "class.json"
    html.parent.mkdir()
    result = subprocess.run([sys.executable, "-m", "grader", "stats", str(reports), "--html", str(html),
                             "--json", str(numbers)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return GeneratedClass(submissions, reports, html, json.loads(numbers.read_text()))


# exercise -> the crafted submissions whose students fail it with a mistake (not as unfinished): their own planted
# mistake, or one in an exercise it builds on
AFFECTED = {"lab1.1": (), "lab1.2": (), "lab1.3": ("flipped", "padded"), "lab1.4": ("flipped", "unfinished"),
            "lab1.5": ("carol", "dave", "gina"), "lab1.6": ("flipped", "padded", "carol", "dave", "gina"),
            "lab1.7": ("padded", "gina", "hugo"), "lab1.8": ("padded", "hugo")}


def group(*crafted: str) -> set[str]:
    """The students of the generated class who handed in these crafted submissions."""
    return {student for name in crafted for student in stats_class.student_ids(name)}


def test_counted_hints_equal_the_planted_mistakes(generated_class: GeneratedClass) -> None:
    """Each planted mistake is counted for exactly the students who made it (or built on it), whatever the hint's
    words; the kernel and padding mistakes by their named hints."""
    exercises = generated_class.stats["exercises"]
    hints = {row["hint"]: set(row["who"]) for row in exercises["lab1.3"]["hints"]}
    assert hints == {FLIPPED_KERNEL: group("flipped"), PAD_TOTAL: group("padded")}
    for exercise, crafted in AFFECTED.items():
        rows = exercises[exercise]["hints"] + exercises[exercise]["errors_without_hint"]
        assert set().union(*(row["who"] for row in rows)) == group(*crafted), exercise
        for row in rows:  # no row counts part of a planted group: the counts are the planted ones
            assert all(group(name) <= set(row["who"]) or not group(name) & set(row["who"]) for name in CLASS), row
            assert row["students"] == len(row["who"])
    for exercise in ("lab1.5", "lab1.6", "lab1.7", "lab1.8"):
        assert set(exercises[exercise]["unfinished_who"]) == group("unfinished")
    assert exercises["lab1.4"]["unfinished"] == 0
    convolve2d = exercises["lab1.4"]["hints"] + exercises["lab1.4"]["errors_without_hint"]
    assert [row["students"] for row in convolve2d if set(row["who"]) == group("unfinished")] == [CLASS["unfinished"]]
    assert counted_kinds(exercises["lab1.7"]) >= {"shape mismatch"}  # hugo's (1, H, W) edges
    assert exercises["lab1.1"]["full_marks"] == exercises["lab1.1"]["students"] == stats_class.CLASS_SIZE
    reteach = generated_class.stats["reteach"]
    assert reteach[0]["students"] == len(group("flipped")) and reteach[0]["exercise"] in ("lab1.3", "lab1.4", "lab1.6")


def counted_kinds(entry: dict) -> set[str]:
    return {row["kind"] for row in entry["errors_without_hint"]}


def test_pass_rates_keep_public_and_hidden_tests_apart(generated_class: GeneratedClass) -> None:
    conv2d = generated_class.stats["exercises"]["lab1.3"]
    visibilities = [test["visibility"] for test in conv2d["tests"]]
    assert visibilities == sorted(visibilities, key=lambda v: v != "public") and "hidden" in visibilities
    slide = next(test for test in conv2d["tests"] if test["test"] == "test_conv2d.py::test_slide_example")
    planted = stats_class.CLASS
    assert slide == {"test": "test_conv2d.py::test_slide_example", "visibility": "public", "graded": 50,
                     "passed": 50 - planted["flipped"], "pass_rate": round(1 - planted["flipped"] / 50, 3)}
    assert set(conv2d["pass_rate"]) == {"public", "hidden"} and 0 < conv2d["pass_rate"]["hidden"] < 1


def test_alike_groups_are_the_planted_ones_and_no_others(generated_class: GeneratedClass) -> None:
    alike = generated_class.stats["alike"]
    assert [group["students"] for group in alike["results"]] == [sorted(stats_class.ALIKE)]
    shared = {test["test"].split("::")[0] for test in alike["results"][0]["tests"]}
    # their to_grayscale's wrong values, and the Sobel gradients computed from them
    assert "lab1_convolution/test_to_grayscale.py" in shared and len(alike["results"][0]["tests"]) >= 4
    assert shared <= {"lab1_convolution/test_to_grayscale.py", "lab1_convolution/test_sobel_gradients.py"}
    pairs = {(pair["exercise"], tuple(pair["students"])) for pair in alike["code"]}
    assert pairs == {("lab1.5", pair) for pair in combinations(sorted(stats_class.ALIKE), 2)}
    assert min(pair["similarity"] for pair in alike["code"]) >= 0.95
    assert alike["code_compared"] == "Code compared for 50 of 50 students."
    assert "leads, not proof" in alike["note"]


def test_student_rows_are_coloured_and_linked_to_their_feedback(generated_class: GeneratedClass) -> None:
    rows = {row["student"]: row for row in generated_class.stats["students"]}
    assert len(rows) == 50
    assert rows["correct"]["completeness"] == "full" and rows["correct"]["percent"] == 100
    assert rows["flipped"]["completeness"] in ("some", "little") and rows["flipped"]["labs"]["lab1"] < 59
    linked = generated_class.html.parent / rows["gina"]["feedback_page"]
    assert linked.resolve() == (generated_class.reports / "gina.html").resolve()  # the instructor's page: every test
    page = generated_class.html.read_text()
    assert f"<tr class='full'><td><a href='{rows['correct']['feedback_page']}'>correct</a>" in page


@pytest.mark.browser
def test_page_opens_offline_in_chromium_and_its_pictures_decode(generated_class: GeneratedClass) -> None:
    with chromium_page() as page:
        outside = outside_requests(page, "file://")
        page.goto(generated_class.html.as_uri())
        images = page.locator("img")
        assert images.count() == 2  # one lab: its score histogram and its full-marks chart
        for index in range(images.count()):
            width, height = loaded_image_size(images.nth(index))
            assert width > 300 and height > 100
        assert page.get_by_text("These are leads, not proof").is_visible()
        assert page.locator("#alike li b").first.inner_text() == ", ".join(sorted(stats_class.ALIKE))
        assert outside == []


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as source:
        return list(csv.reader(source))


def test_canvas_and_moodle_files_of_the_class_have_their_columns(generated_class: GeneratedClass,
                                                                  tmp_path: Path) -> None:
    students = sorted(path.stem for path in generated_class.reports.glob("*.json"))
    roster = tmp_path / "roster.csv"
    lines = [f"{s},Student {s},{s}@example.edu,{1000 + n}" for n, s in enumerate(students) if s != "ivan"]
    roster.write_text("\n".join(["id,name,email,sis_id", *lines, "zoe,Zoe Quinn,zoe@example.edu,2000"]) + "\n")
    code, output = run_grader("gradebook", str(generated_class.reports), "--csv", str(tmp_path / "canvas.csv"),
                              "--format", "canvas", "--roster", str(roster))
    assert code == 0, output
    assert "not in the roster (left out of this file): ivan" in output and "no report (empty grades): zoe" in output
    canvas = read_csv(tmp_path / "canvas.csv")
    assert canvas[0] == [*CANVAS_COLUMNS, "lab1"] and canvas[1] == [CANVAS_POINTS_ROW, "", "", "", "", "59"]
    assert len(canvas) == 2 + 50 and canvas[-1] == ["Zoe Quinn", "", "2000", "zoe@example.edu", "", ""]
    gina = next(row for row in canvas if row[0] == "Student gina")
    assert gina[2:4] == [str(1000 + students.index("gina")), "gina@example.edu"] and 0 < float(gina[5]) < 59
    code, output = run_grader("gradebook", str(generated_class.reports), "--csv", str(tmp_path / "moodle.csv"),
                              "--format", "moodle", "--roster", str(roster))
    assert code == 0, output
    moodle = read_csv(tmp_path / "moodle.csv")
    assert moodle[0] == [*MOODLE_COLUMNS, "lab1"] and len(moodle) == 1 + 50
    assert all(row[1].endswith("@example.edu") for row in moodle[1:])


def test_bad_reports_each_get_a_clear_line(generated_class: GeneratedClass, tmp_path: Path) -> None:
    """Another kit version, a truncated report, one with no grade, one with an exercise this kit lacks, a batch's
    error report and the class statistics themselves, in one folder."""
    reports = tmp_path / "reports"
    reports.mkdir()
    for student in ("correct", "flipped", "gina"):
        shutil.copyfile(generated_class.reports / f"{student}.json", reports / f"{student}.json")
    old = json.loads((reports / "gina.json").read_text())
    old["versions"]["ipdl-lab"] = "0.0.9"
    old["grade"]["labs"]["lab1"]["exercises"]["lab1.9"] = {"name": "gone", "score": 0, "max_score": 2}
    (reports / "gina.json").write_text(json.dumps(old))
    (reports / "truncated.json").write_text((reports / "correct.json").read_text()[:1000])
    (reports / "nograde.json").write_text(json.dumps({"student": "nograde", "tests": []}))
    (reports / "broken.json").write_text(json.dumps({"student": "broken", "error": "cannot unpack broken.zip: not a "
                                                     "zip file", "grade": {"score": 0, "max_score": 0, "labs": {}}}))
    code, output = run_grader("stats", str(reports), "--html", str(tmp_path / "class.html"), "--json",
                              str(reports / "class.json"))
    assert code == 0, output
    assert "skipping truncated.json: not valid JSON" in output and "skipping nograde.json: has no `grade`" in output
    code, output = run_grader("stats", str(reports), "--json", str(tmp_path / "again.json"))  # class.json is skipped
    assert code == 0 and "class.json" not in output, output
    stats = json.loads((tmp_path / "again.json").read_text())
    assert {p["file"] for p in stats["source"]["problems"]} == {"truncated.json", "nograde.json"}
    notes = " | ".join(stats["source"]["notes"])
    assert "1 report graded by ipdl-lab 0.0.9" in notes and "(gina)" in notes
    assert "exercises lab1.9 are not in this kit's catalogue" in notes
    assert "1 submission could not be graded" in notes and "broken" in notes
    assert {row["student"]: row["completeness"] for row in stats["students"]}["broken"] == "error"
    page = html.unescape((tmp_path / "class.html").read_text())
    assert "truncated.json</b>: not valid JSON" in page and "not this kit's 0.1.0" in page


def test_an_empty_or_missing_folder_is_an_error_that_says_what_to_run(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, output = run_grader("stats", str(tmp_path / "empty"))
    assert code == 2 and "holds no .json reports: run `python -m grader batch" in output, output
    code, output = run_grader("stats", str(tmp_path / "missing"))
    assert code == 2 and "is not a folder of reports" in output, output
    (tmp_path / "empty" / "only.json").write_text("{")
    code, output = run_grader("stats", str(tmp_path / "empty"), "--html", str(tmp_path / "x.html"))
    assert code == 2 and "no usable grade report" in output and not (tmp_path / "x.html").exists(), output


def test_code_is_compared_after_normalising_names_and_layout(tmp_path: Path) -> None:
    """dave's copy of carol's to_grayscale is the same token for token; gina's is not; a zip reads the same."""
    lab = find_lab("lab1")
    tokens = {}
    for student in ("carol", "dave", "gina"):
        folder = stats_class.write_submission(student, tmp_path / student)
        tokens[student] = lab_tokens(folder, lab, {})["lab1.5"]
    assert tokens["carol"] == tokens["dave"] and len(tokens["carol"]) > 50
    assert tokens["carol"] != tokens["gina"]
    with zipfile.ZipFile(tmp_path / "dave.zip", "w") as zipped:
        for path in (tmp_path / "dave").rglob("*.py"):
            zipped.write(path, f"dave-lab1/labs/{path.relative_to(tmp_path / 'dave').as_posix()}")
    assert lab_tokens(tmp_path / "dave.zip", lab, {})["lab1.5"] == tokens["dave"]
    pairs = alike_code(lab, {"carol": tmp_path / "carol", "dave": tmp_path / "dave.zip", "gina": tmp_path / "gina"})
    assert [(pair.exercise, pair.students, pair.similarity) for pair in pairs] == [("lab1.5", ("carol", "dave"), 1.0)]


def test_an_unfinished_exercise_is_not_counted_as_a_mistake(generated_class: GeneratedClass) -> None:
    report = json.loads((generated_class.reports / "unfinished.json").read_text())
    kinds = {test["metadata"].get("failure_kind") for test in report["tests"] if test["outcome"] == "failed"}
    assert kinds == {NOT_IMPLEMENTED, "exception IndexError"}
    hints = [h["hint"] for e in generated_class.stats["exercises"].values() for h in e["hints"]]
    assert not any("not implemented" in hint for hint in hints)


def test_a_failing_check_keeps_a_hash_of_the_wrong_result() -> None:
    got = torch.arange(6.0).reshape(2, 3)
    assert result_hash(got, "f(x)") == result_hash(got.clone(), "f(x)")
    others = {result_hash(got.double(), "f(x)"), result_hash(got.reshape(3, 2), "f(x)"),
              result_hash(got, "f(y)"), result_hash(got + 1, "f(x)"), result_hash(got.numpy(), "f(x)")}
    assert len(others) == 5 and result_hash(got, "f(x)") not in others
    with pytest.raises(GradingFailure) as first:
        assert_tensor_close(got, got + 1, what="f(x)")
    assert first.value.result_hash == result_hash(got, "f(x)")
    try:  # a hint added upstream raises a new failure from the first, as blame_earlier_exercise does
        try:
            raise first.value
        except GradingFailure:
            raise GradingFailure("f(x): wrong", "fix lab1.1 first") from None
    except GradingFailure as second:
        assert failure_record(second) == {"failure_kind": "wrong result", "result_hash": first.value.result_hash,
                                          "known_mistake": False}
    assert failure_record(first.value)["failure_kind"] == "wrong values"
    with pytest.raises(GradingFailure) as known:  # what a known mistake gives: no lead, everyone who makes it alike
        assert_tensor_close(got, got + 1, what="f(x)", mistakes={"you added one": got, "you added 2": got + 2})
    assert known.value.hint == "you added one" and failure_record(known.value)["known_mistake"] is True


def ast_tokens(source: str, function: str) -> list[str]:
    """The tokens of `function` as Python's parser delimits it: what the cut by indentation must give."""
    lines = source.splitlines()
    node = code_tokens.definition(ast.parse(source), function)
    return code_tokens.normalised_tokens("\n".join(lines[node.lineno - 1 : node.end_lineno]),
                                         code_tokens.imported_names(source))


TRICKY_MODULE = '''import torch as T
from math import (pi,
                  tau)


def f(x):
    return x


class Model:
    """A docstring whose lines
        are deeper than the body."""

    def forward(self, x):
        note = """
a string at column 0
"""
        return T.sin(x * pi) + len(note)


def f(
    x: float,
) -> float:  # the later definition wins
    return tau * x
'''


def test_definitions_are_cut_as_python_parses_them() -> None:
    """Every exercise of every lab, in the reference and the stubs, and a module with the awkward cases."""
    checked = 0
    for lab in LABS:
        for root in (SOLUTIONS_DIR, LABS_DIR):
            for module in lab.exercise_modules:
                source = (root / lab.folder / f"{module}.py").read_text()
                exercises = tuple(e for e in lab.exercises if e.module == module)
                found = code_tokens.module_tokens(source, exercises)
                assert found == {e.id: ast_tokens(source, e.function) for e in exercises}, (lab.id, module)
                checked += len(exercises)
    assert checked == 2 * sum(len(lab.exercises) for lab in LABS)
    awkward = (Exercise("lab9.1", "f", "m", 1), Exercise("lab9.2", "Model.forward", "m", 1))
    found = code_tokens.module_tokens(TRICKY_MODULE, awkward)
    assert found == {"lab9.1": ast_tokens(TRICKY_MODULE, "f"), "lab9.2": ast_tokens(TRICKY_MODULE, "Model.forward")}
    assert "tau" in found["lab9.1"] and "T" in found["lab9.2"] and "pi" in found["lab9.2"]
