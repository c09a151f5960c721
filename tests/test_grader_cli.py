"""`python -m grader` end to end: exit codes, the JSON report's schema, and feedback on real targets."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.paths import REPO_ROOT, SOLUTIONS_DIR
from ipdl.catalogue import find_exercise

REPORT_KEYS = {"created", "duration", "exitcode", "root", "summary", "tests", "grade", "student", "target",
               "versions", "graded_at"}
TEST_METADATA_KEYS = {"lab", "exercise", "function", "points", "max_points", "visibility"}


def run_grader(*args: str, report: Path) -> tuple[int, str, dict | None]:
    result = subprocess.run([sys.executable, "-m", "grader", *args, "--json", str(report)],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    data = json.loads(report.read_text()) if report.exists() else None
    return result.returncode, result.stdout + result.stderr, data


def submission_from_solutions(folder: Path) -> Path:
    """A student's copy of labs/ whose lab 1 is the reference code (full marks expected)."""
    shutil.copytree(SOLUTIONS_DIR / "lab1_convolution", folder / "lab1_convolution")
    return folder


def grade_reference_with(tmp_path: Path, replacement: str) -> tuple[int, str, dict]:
    """Grade lab 1 of a submission made of the reference plus `replacement` code appended to convolution.py."""
    folder = submission_from_solutions(tmp_path / "submission")
    module = folder / "lab1_convolution" / "convolution.py"
    module.write_text(module.read_text() + replacement)
    return run_grader("lab1", "--target", str(folder), report=tmp_path / "report.json")


@pytest.fixture(scope="module")
def solutions_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, dict]:
    return run_grader("lab1", "--target", "solutions", "--student", "ref",
                      report=tmp_path_factory.mktemp("r") / "report.json")


@pytest.fixture(scope="module")
def stubs_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, dict]:
    return run_grader("lab1", "--target", "labs", report=tmp_path_factory.mktemp("r") / "report.json")


def test_solutions_get_full_marks(solutions_run: tuple[int, str, dict]) -> None:
    code, output, report = solutions_run
    assert code == 0, output
    assert report["grade"]["score"] == report["grade"]["max_score"] > 0
    assert "Total:" in output and "(100%)" in output


def test_report_schema(solutions_run: tuple[int, str, dict]) -> None:
    _, _, report = solutions_run
    assert set(report) >= REPORT_KEYS
    assert report["student"] == "ref" and report["target"] == "solutions"
    assert {"python", "torch", "numpy", "ipdl-lab"} <= set(report["versions"])
    lab = report["grade"]["labs"]["lab1"]
    assert lab["score"] == lab["max_score"] == report["grade"]["max_score"]
    assert sum(ex["max_score"] for ex in lab["exercises"].values()) == lab["max_score"]
    for test in report["tests"]:
        assert set(test["metadata"]) >= TEST_METADATA_KEYS, test["nodeid"]
        assert test["metadata"]["points"] == test["metadata"]["max_points"] > 0
    visibilities = {test["metadata"]["visibility"] for test in report["tests"]}
    assert visibilities == {"public", "hidden"}


def test_stubs_get_zero_with_not_implemented_feedback(stubs_run: tuple[int, str, dict]) -> None:
    code, output, report = stubs_run
    assert code == 1, output
    assert report["grade"]["score"] == 0 and report["grade"]["max_score"] > 0
    for test in report["tests"]:
        meta = test["metadata"]
        assert test["outcome"] == "failed", test["nodeid"]
        assert "NotImplementedError" in meta["feedback"], test["nodeid"]
        assert f"TODO({meta['exercise']})" in meta["hint"], test["nodeid"]


def test_syntax_error_gives_a_zero_report_and_exit_1(tmp_path: Path) -> None:
    code, output, report = grade_reference_with(tmp_path, "\ndef broken(:\n")
    assert code == 1, output
    assert report["grade"]["score"] == 0
    assert all("SyntaxError" in test["metadata"]["feedback"] for test in report["tests"])


def test_a_copy_of_the_reference_as_a_submission_gets_full_marks(tmp_path: Path) -> None:
    folder = submission_from_solutions(tmp_path / "submission")
    code, output, report = run_grader("lab1", "--target", str(folder), report=tmp_path / "report.json")
    assert code == 0, output
    assert report["grade"]["score"] == report["grade"]["max_score"]


def test_public_only_leaves_out_hidden_tests(tmp_path: Path, solutions_run: tuple[int, str, dict]) -> None:
    code, output, report = run_grader("lab1", "--target", "solutions", "--public-only",
                                      report=tmp_path / "report.json")
    assert code == 0, output
    assert {test["metadata"]["visibility"] for test in report["tests"]} == {"public"}
    assert 0 < report["grade"]["max_score"] < solutions_run[2]["grade"]["max_score"]


def test_an_exercise_id_grades_that_exercise_only(tmp_path: Path) -> None:
    code, output, report = run_grader("lab1.3", "--target", "solutions", report=tmp_path / "report.json")
    assert code == 0, output
    assert {test["metadata"]["exercise"] for test in report["tests"]} == {"lab1.3"}
    assert report["grade"]["score"] == report["grade"]["max_score"] == find_exercise("lab1.3").points


def test_plain_pytest_with_the_plugin_grades_as_the_cli_does(tmp_path: Path,
                                                            solutions_run: tuple[int, str, dict]) -> None:
    """`pytest -p grader.plugin ... --grader-*`: the settings the CLI hands over as an object, read from flags."""
    report = tmp_path / "report.json"
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "grader.plugin", "-c", "grader/tests/pytest.ini",
                             "grader/tests/lab1_convolution", "--grader-target=solutions", "--grader-student=ref",
                             "--json-report", f"--json-report-file={report}", "-q"],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    plain, cli = json.loads(report.read_text()), solutions_run[2]
    assert (plain["grade"], plain["student"], plain["target"]) == (cli["grade"], cli["student"], cli["target"])
    assert plain["versions"]["judge"] == cli["versions"]["judge"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lab42",), "unknown lab 'lab42'"),
        (("lab1.99",), "unknown exercise 'lab1.99'"),
        (("lab1", "convolution"), "unknown lab 'convolution'"),
        (("--target", "/no/such/folder"), "is not a folder"),
    ],
)
def test_bad_arguments_exit_2_without_a_report(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    code, output, report = run_grader(*args, report=tmp_path / "report.json")
    assert code == 2
    assert message in output
    assert report is None


def graded_tests(report: dict, exercise: str) -> list[dict]:
    return [test for test in report["tests"] if test["metadata"]["exercise"] == exercise]


def test_conv2d_that_calls_torch_earns_no_conv2d_points(tmp_path: Path) -> None:
    code, output, report = grade_reference_with(tmp_path, CONV2D_BY_TORCH)
    assert code == 1, output
    conv2d_tests = graded_tests(report, "lab1.3")
    assert conv2d_tests and all(test["outcome"] == "failed" for test in conv2d_tests)
    assert all("aten.convolution" in test["metadata"]["feedback"] for test in conv2d_tests)
    assert all(test["outcome"] == "passed" for test in graded_tests(report, "lab1.1"))


def test_flipped_kernel_gets_its_hint(tmp_path: Path) -> None:
    code, output, report = grade_reference_with(tmp_path, CONV2D_WITH_FLIPPED_KERNEL)
    assert code == 1, output
    hints = [test["metadata"]["hint"] or "" for test in graded_tests(report, "lab1.3") if test["outcome"] == "failed"]
    assert hints and any("flip" in hint.lower() for hint in hints), hints


CONV2D_BY_TORCH = '''

import torch.nn.functional as _F


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, padding_mode="zeros"):
    return _F.conv2d(x, weight, bias, stride, padding, dilation)
'''

CONV2D_WITH_FLIPPED_KERNEL = '''

_correct_conv2d = conv2d


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, padding_mode="zeros"):
    return _correct_conv2d(x, weight.flip(-1, -2), bias, stride, padding, dilation, padding_mode)
'''


def test_a_target_the_grader_cannot_grade_still_gets_a_gradescope_result(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    code, output, report = run_grader("--target", str(tmp_path), "--gradescope", str(results),
                                      report=tmp_path / "report.json")
    assert code == 2 and report is None
    data = json.loads(results.read_text())
    assert data["score"] == 0 and "has no lab folders" in data["output"]


def test_report_records_how_the_worker_was_confined(solutions_run: tuple[int, str, dict]) -> None:
    _, _, report = solutions_run
    resources = report["resources"]
    assert resources["worker_starts"] >= 1 and resources["student_seconds"] > 0
    assert set(resources["limits"]) >= {"memory", "cpu", "file_size"}
    assert resources["sandbox"]["isolation"]
    assert len(report["versions"]["judge"]) == 12
