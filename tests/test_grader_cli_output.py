"""What `python -m grader` says and writes around the grading: the absolute path of what it graded, the points the
hidden tests add in a --public-only run, report folders created as needed, and a refusal in another kit's folder."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.paths import REPO_ROOT, SOLUTIONS_DIR
from grader.refusals import kit_root_above, other_kit_here
from grader.summary import hidden_points_line
from ipdl.catalogue import find_exercise, find_lab


def run_grader(*args: str, cwd: Path = REPO_ROOT) -> tuple[int, str]:
    """`python -m grader ARGS` in `cwd`, importing this kit's grader wherever `cwd` is."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    finished = subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True,
                              timeout=300, env=env)
    return finished.returncode, finished.stdout + finished.stderr


@pytest.fixture(scope="module")
def public_only_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, dict, Path]:
    """Lab 1's reference graded with the public tests only, the report and results.json in folders not made yet."""
    folder = tmp_path_factory.mktemp("out")
    report, results = folder / "reports" / "ref" / "report.json", folder / "gradescope" / "results.json"
    code, output = run_grader("lab1", "--target", "solutions", "--public-only", "--json", str(report),
                              "--gradescope", str(results))
    return code, output, json.loads(report.read_text()) if report.exists() else {}, results


def test_public_only_run_says_what_the_hidden_tests_add(public_only_run: tuple[int, str, dict, Path]) -> None:
    code, output, report, _ = public_only_run
    assert code == 0, output
    lab = find_lab("lab1")
    public = report["grade"]["max_score"]
    assert 0 < public < lab.points
    assert report["hidden_tests"] == {
        "ran": False, "public_points": public, "points": lab.points, "hidden_points": lab.points - public,
        "labs": {"lab1": {"public_points": public, "points": lab.points, "hidden_points": lab.points - public}}}
    line = (f"public tests: {public:g} of {lab.points} points; the instructor's hidden tests add "
            f"{lab.points - public:g} points")
    lines = output.splitlines()
    assert lines.index(line) == lines.index(f"Total: {public:g} / {public:g} (100%)") + 1  # right under the table


def test_the_report_and_results_json_go_into_folders_made_for_them(public_only_run: tuple[int, str, dict, Path]):
    code, output, report, results = public_only_run
    assert code == 0 and report, output
    assert json.loads(results.read_text())["score"] == report["grade"]["score"]


def test_the_summary_names_the_absolute_path_graded(public_only_run: tuple[int, str, dict, Path]) -> None:
    code, output, report, _ = public_only_run
    assert report["target"] == "solutions" and report["target_path"] == str(SOLUTIONS_DIR)
    assert f"Grade for this student: {SOLUTIONS_DIR}" in output


def test_a_full_run_announces_nothing_and_reports_the_hidden_points(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    code, output = run_grader("lab1.3", "--target", "solutions", "--json", str(report))
    assert code == 0, output
    data = json.loads(report.read_text())
    exercise = find_exercise("lab1.3")
    assert data["hidden_tests"]["ran"] is True and data["hidden_tests"]["points"] == exercise.points
    assert 0 < data["hidden_tests"]["hidden_points"] < exercise.points
    assert "hidden tests add" not in output


def test_a_relative_submission_path_is_printed_absolute(tmp_path: Path) -> None:
    (tmp_path / "alice" / "lab1_convolution").mkdir(parents=True)
    for source in (SOLUTIONS_DIR / "lab1_convolution").glob("*.py"):
        (tmp_path / "alice" / "lab1_convolution" / source.name).write_bytes(source.read_bytes())
    code, output = run_grader("lab1.2", "--target", "alice", "--json", "out/report.json", cwd=tmp_path)
    assert code == 0, output
    assert f"Grade for this student: {tmp_path / 'alice'}" in output
    assert f"Report written to {tmp_path / 'out' / 'report.json'}" in output
    assert json.loads((tmp_path / "out" / "report.json").read_text())["target_path"] == str(tmp_path / "alice")


def test_a_report_path_that_cannot_be_made_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    code, output = run_grader("lab1.2", "--target", "solutions", "--json", str(tmp_path / "taken" / "r.json"))
    assert code == 2 and f"cannot write the report to {tmp_path / 'taken' / 'r.json'}" in output


def test_hidden_points_line_names_each_labs_share() -> None:
    announced = {"public_points": 72, "points": 96, "hidden_points": 24,
                 "labs": {"lab1": {"hidden_points": 17}, "lab2": {"hidden_points": 7}}}
    assert hidden_points_line(announced) == ("public tests: 72 of 96 points; the instructor's hidden tests add "
                                             "24 points (lab1 17, lab2 7)")


def fake_kit(folder: Path) -> Path:
    for name in ("ipdl/kit.py", "grader/cli.py"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("")
    (folder / "labs" / "lab1_convolution").mkdir(parents=True)
    return folder


def test_another_kit_above_the_current_folder_is_named(tmp_path: Path) -> None:
    kit = fake_kit(tmp_path / "other-kit")
    assert kit_root_above(kit / "labs" / "lab1_convolution") == kit
    message = other_kit_here(kit / "labs" / "lab1_convolution")
    assert message and f"you are in the kit at {kit}" in message and f"of the kit at {REPO_ROOT}" in message
    assert other_kit_here(REPO_ROOT / "labs" / "lab1_convolution") is None  # this Python's own kit
    assert other_kit_here(tmp_path) is None  # in no kit at all: the grader grades its own (and prints its path)


def test_in_a_subfolder_of_its_own_kit_the_grader_runs() -> None:
    code, output = run_grader("sync", "--help", cwd=REPO_ROOT / "labs" / "lab1_convolution")
    assert code == 0 and "python -m grader sync" in output


def test_in_a_subfolder_of_another_kit_the_grader_refuses(tmp_path: Path) -> None:
    kit = fake_kit(tmp_path / "other-kit")
    code, output = run_grader("lab1", cwd=kit / "labs" / "lab1_convolution")
    assert code == 2 and f"(cd {kit})" in output
    assert not (kit / "labs" / "lab1_convolution" / "grade-report.json").exists()
