"""The public part of a judge test module, as the student release ships it: hidden tests and hidden cases of
parametrized tests are gone (their code and their inputs), everything else is kept byte for byte."""

import re
import textwrap

import pytest

from grader.instructor.public_tests import drop_hidden_tests
from grader.instructor.stubgen import strip_hidden
from grader.paths import JUDGE_TESTS_DIR

MODULE = textwrap.dedent('''\
    """Schedules, é and ü before the cases (columns are counted in bytes)."""
    import pytest


    @pytest.mark.parametrize("t", [pytest.param(999, marks=pytest.mark.hidden), 0, 500])
    def test_first_case_hidden(t):
        assert t >= 0


    @pytest.mark.parametrize("name, size", [
        ("linear", 3),
        pytest.param("cosine", 4, marks=[pytest.mark.slow, pytest.mark.hidden]),
        ("sigmoid", 5),
    ])
    def test_cases_over_lines(name, size):
        assert size > 2


    @pytest.mark.parametrize("k", [pytest.param(7, marks=pytest.mark.hidden),
                                   pytest.param(8, marks=pytest.mark.hidden), 3])
    def test_hidden_cases_first(k):
        assert k


    @pytest.mark.parametrize("k", [4, pytest.param(70, marks=pytest.mark.hidden),
                                   pytest.param(80, marks=pytest.mark.hidden)])
    def test_hidden_cases_last(k):
        assert k


    @pytest.mark.parametrize("t", [pytest.param(1, marks=pytest.mark.hidden)])
    def test_every_case_hidden(t):
        assert t


    @pytest.mark.hidden
    class TestHidden:
        @pytest.mark.parametrize("t", [1, pytest.param(2, marks=pytest.mark.hidden)])
        def test_inside(self, t):
            assert t


    def test_plain():
        assert True
    ''')


def test_hidden_cases_and_tests_leave_and_the_rest_stays() -> None:
    public = drop_hidden_tests(MODULE, "test_module.py")
    assert '@pytest.mark.parametrize("t", [0, 500])' in public
    assert '("linear", 3),\n    ("sigmoid", 5),\n])' in public
    assert '@pytest.mark.parametrize("k", [3])' in public and '@pytest.mark.parametrize("k", [4])' in public
    for gone in ("999", "cosine", "70", "80", "test_every_case_hidden", "TestHidden", "test_inside", "mark.hidden"):
        assert gone not in public, gone
    assert public.startswith('"""Schedules, é and ü') and public.rstrip().endswith("def test_plain():\n    assert True")
    namespace: dict = {}
    exec(compile(public, "test_module.py", "exec"), namespace)
    assert sorted(name for name in namespace if name.startswith("test_")) == [
        "test_cases_over_lines", "test_first_case_hidden", "test_hidden_cases_first", "test_hidden_cases_last",
        "test_plain"]


def test_a_module_marked_hidden_is_not_shipped() -> None:
    assert drop_hidden_tests("import pytest\npytestmark = [pytest.mark.hidden]\n\ndef test_a():\n    pass\n",
                             "test_a.py") is None


@pytest.mark.parametrize("path", sorted(JUDGE_TESTS_DIR.rglob("test_*.py")),
                         ids=lambda path: path.relative_to(JUDGE_TESTS_DIR).as_posix())
def test_no_judge_test_module_ships_a_hidden_mark(path) -> None:
    text = strip_hidden(path.read_text(), str(path))
    public = drop_hidden_tests(text, str(path))
    assert public is None or not re.search(r"mark\.hidden\b", public)
