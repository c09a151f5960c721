"""The grader's pytest plugin on tiny fake judge tests (pytester): marker rules, selection, settings handed over
by the CLI, feedback and the report's extras, without grading a real lab."""

import json

import pytest
import torch

from grader.cli import parse_args
from grader.feedback import GradingFailure
from grader.golden.recorder import ReplayMissing
from grader.plugin import feedback_for
from grader.settings import SETTINGS, GivenSettings, GradingSettings
from grader.target import resolve_target
from grader.worker_client import StudentCodeError

pytest_plugins = ["pytester"]

PLUGIN = ("-p", "grader.plugin", "--import-mode=importlib", "-p", "no:cacheprovider", "--grader-lazy-worker")

PASSING_AND_FAILING = """
import pytest
import torch
from grader.feedback import GradingFailure

pytestmark = pytest.mark.exercise("lab1.3")


@pytest.mark.points(3)
def test_right():
    assert 1 + 1 == 2


@pytest.mark.points(2)
def test_wrong():
    raise GradingFailure("conv2d(x): expected 12, got 21", hint="did you flip the kernel?")
"""


def judge_test(pytester: pytest.Pytester, source: str, folder: str = "lab1_convolution") -> None:
    """A judge test module `folder/test_fake.py` in pytester's folder."""
    (pytester.path / folder).mkdir(exist_ok=True)
    (pytester.path / folder / "test_fake.py").write_text(source)


def one_test(markers: str) -> str:
    return f"import pytest\n\n\n{markers}\ndef test_something():\n    pass\n"


def run_with_report(pytester: pytest.Pytester, *args: str, **kwargs) -> tuple[pytest.RunResult, dict]:
    result = pytester.runpytest(*PLUGIN, "--json-report", "--json-report-file=report.json", *args, **kwargs)
    return result, json.loads((pytester.path / "report.json").read_text())


@pytest.mark.parametrize(
    ("markers", "message"),
    [
        ('@pytest.mark.exercise("lab1.3")', "needs @pytest.mark.points(n)"),
        ("@pytest.mark.points(3)", "needs @pytest.mark.points(n) and @pytest.mark.exercise(id)"),
        ('@pytest.mark.points(3)\n@pytest.mark.exercise("lab1.99")', "unknown exercise 'lab1.99'"),
        ('@pytest.mark.points(3)\n@pytest.mark.exercise("lab2.1")', "lab2.1 belongs to lab2_lenet"),
        ('@pytest.mark.points(3)\n@pytest.mark.exercise("lab1.3", "conv2d")', "takes only the exercise id"),
        ('@pytest.mark.points(0)\n@pytest.mark.exercise("lab1.3")', "one positive number"),
        ('@pytest.mark.points("3")\n@pytest.mark.exercise("lab1.3")', "one positive number"),
    ],
)
def test_marker_rules_are_usage_errors(pytester: pytest.Pytester, markers: str, message: str) -> None:
    judge_test(pytester, one_test(markers))
    result = pytester.runpytest(*PLUGIN)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()


def test_public_only_deselects_hidden_tests(pytester: pytest.Pytester) -> None:
    judge_test(pytester, one_test('@pytest.mark.points(1)\n@pytest.mark.exercise("lab1.3")')
               + one_test('@pytest.mark.points(2)\n@pytest.mark.hidden\n@pytest.mark.exercise("lab1.3")')
               .replace("test_something", "test_hidden"))
    pytester.runpytest(*PLUGIN).assert_outcomes(passed=2)
    pytester.runpytest(*PLUGIN, "--grader-public-only").assert_outcomes(passed=1, deselected=1)


@pytest.mark.parametrize(("selected", "passed"), [("lab1.3", 1), ("lab1", 2), ("1", 2), ("lab1.1", 1), ("lab2", 0)])
def test_selection_keeps_the_tests_of_the_labs_and_exercises_named(pytester: pytest.Pytester, selected: str,
                                                                  passed: int) -> None:
    judge_test(pytester, one_test('@pytest.mark.points(1)\n@pytest.mark.exercise("lab1.3")')
               + one_test('@pytest.mark.points(1)\n@pytest.mark.exercise("lab1.1")').replace("something", "pad"))
    result = pytester.runpytest(*PLUGIN, f"--grader-select={selected}")
    assert result.parseoutcomes().get("passed", 0) == passed
    assert result.parseoutcomes().get("deselected", 0) == 2 - passed


def test_an_unknown_selection_is_a_usage_error(pytester: pytest.Pytester) -> None:
    judge_test(pytester, PASSING_AND_FAILING)
    result = pytester.runpytest(*PLUGIN, "--grader-select=lab7")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "unknown lab 'lab7'" in result.stderr.str()


def test_report_extras(pytester: pytest.Pytester) -> None:
    judge_test(pytester, PASSING_AND_FAILING)
    result, report = run_with_report(pytester, "--grader-student=alice")
    result.assert_outcomes(passed=1, failed=1)
    assert report["grade"]["score"] == 3 and report["grade"]["max_score"] == 5
    assert report["grade"]["labs"]["lab1"]["exercises"]["lab1.3"]["name"] == "conv2d"
    assert report["student"] == "alice" and report["target"] == "labs"
    assert report["versions"]["judge"] and report["resources"]["worker_starts"] == 0  # no call: no worker
    right, wrong = sorted(report["tests"], key=lambda test: test["outcome"], reverse=True)
    assert right["metadata"] == {"lab": "lab1", "exercise": "lab1.3", "function": "conv2d", "max_points": 3,
                                 "points": 3, "visibility": "public"}
    assert wrong["metadata"]["points"] == 0 and wrong["metadata"]["max_points"] == 2
    assert wrong["metadata"]["feedback"] == "conv2d(x): expected 12, got 21"
    assert wrong["metadata"]["hint"] == "did you flip the kernel?"
    assert wrong["call"]["longrepr"] == "conv2d(x): expected 12, got 21\nHint: did you flip the kernel?"


def test_settings_handed_over_are_used_instead_of_the_options(pytester: pytest.Pytester) -> None:
    """The CLI's way: the plugin takes the object it is given and reads no `--grader-*` option (a bad one here
    would be a usage error)."""
    judge_test(pytester, PASSING_AND_FAILING)
    given = GivenSettings(GradingSettings(student="given", select=("lab1.3",), lazy_worker=True),
                          resolve_target("solutions"))
    result, report = run_with_report(pytester, "--grader-target=/no/such/folder", plugins=[given])
    result.assert_outcomes(passed=1, failed=1)
    assert report["student"] == "given" and report["target"] == "solutions"


class KeepSettings:
    """Keeps the settings the plugin read at configure time."""

    settings: GradingSettings | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        self.settings = config.stash[SETTINGS]


def test_the_cli_and_the_plugin_read_the_same_options_into_equal_settings(pytester: pytest.Pytester) -> None:
    judge_test(pytester, PASSING_AND_FAILING)
    cli = ["1", "lab1.3", "--target", "solutions", "--student", "bob", "--public-only", "--budget", "60",
           "--test-timeout", "9", "--memory-gb", "2", "--threads", "1", "--no-sandbox", "--hide", "/a", "--hide", "/b",
           "--lazy-worker"]
    plugin = ["--grader-select=1", "--grader-select=lab1.3", "--grader-target=solutions", "--grader-student=bob",
              "--grader-public-only", "--grader-budget=60", "--grader-test-timeout=9", "--grader-memory-gb=2",
              "--grader-threads=1", "--grader-no-sandbox", "--grader-hide=/a", "--grader-hide=/b"]
    kept = KeepSettings()
    pytester.runpytest(*PLUGIN, *plugin, plugins=[kept])  # PLUGIN has --grader-lazy-worker
    from_cli = GradingSettings.from_values(vars(parse_args(cli)))
    assert kept.settings == from_cli
    assert from_cli.select == ("lab1", "lab1.3") and from_cli.hide == ("/a", "/b") and from_cli.budget == 60.0


def student_error(kind: str, message: str, exc_type: str = "") -> StudentCodeError:
    return StudentCodeError(kind, "lab1_convolution.convolution.conv2d", exc_type, message)


def replay_missing_while(failure: GradingFailure) -> ReplayMissing:
    """A ReplayMissing raised while a grading failure was being explained (so the failure is its context)."""
    error = ReplayMissing("no recorded reference for this call")
    error.__context__ = failure
    return error


@pytest.mark.parametrize(
    ("error", "text", "hint"),
    [
        (GradingFailure("expected 1, got 2", hint="a hint"), "expected 1, got 2", "a hint"),
        (AssertionError(), "wrong result", None),
        (AssertionError("shapes differ"), "shapes differ", None),
        (student_error("exception", "lab1.3: implement conv2d", "NotImplementedError"), "conv2d raised",
         "not implemented yet: fill in TODO(lab1.3) in lab1_convolution/convolution.py"),
        (student_error("import", "bad syntax", "SyntaxError"), "could not import",
         "lab1_convolution/convolution.py must import cleanly before anything in it can be graded"),
        (student_error("timeout", "took longer than the limit for one call, 5 s"), "conv2d: took longer",
         "replace Python loops over pixels with tensor operations (indexing, as_strided, matmul)"),
        (student_error("budget", "the submission's total budget is spent"), "conv2d: the submission",
         "the whole submission has a time budget: make the slow functions faster first"),
        (student_error("forbidden", "called aten.convolution"), "conv2d: called aten.convolution",
         "this exercise asks you to write the operation yourself; torch's built-in earns no points"),
        (student_error("crash", "the process running your code died"), "conv2d: the process", None),
        (replay_missing_while(GradingFailure("expected 3", hint="off by one")), "expected 3", "off by one"),
        (ReplayMissing("no recorded reference"), "no recorded reference", None),
    ],
)
def test_feedback_for_failures_the_student_caused(error: BaseException, text: str, hint: str | None) -> None:
    feedback, given_hint = feedback_for(error)
    assert feedback.startswith(text)
    assert given_hint == hint


def test_a_fault_of_the_judge_gets_no_student_feedback() -> None:
    assert feedback_for(RuntimeError("the judge's own bug")) is None


def test_a_session_inside_another_gives_back_the_torch_threads(pytester: pytest.Pytester) -> None:
    """The judge runs on one thread; the process that ran it in-process keeps its own setting."""
    judge_test(pytester, one_test('@pytest.mark.points(1)\n@pytest.mark.exercise("lab1.3")').replace(
        "pass", "import torch\n    assert torch.get_num_threads() == 1"))
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        pytester.runpytest(*PLUGIN).assert_outcomes(passed=1)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
