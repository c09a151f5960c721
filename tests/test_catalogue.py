"""The lab catalogue agrees with the judge's tests and the reference code: each exercise's points are the points
of its tests, every exercise has tests and a solution region, and names are found as documented."""

from collections import Counter

import pytest

from grader.instructor.stubgen import SOLUTION_BEGIN
from grader.paths import JUDGE_TESTS_DIR
from ipdl.catalogue import LABS, UnknownLab, find_exercise, find_lab
from ipdl.kit import SOLUTIONS_DIR

EXERCISES = [exercise for lab in LABS for exercise in lab.exercises]


class PointsPerExercise:
    """Adds up the points markers of the collected judge tests (each parametrized case is a test of its own)."""

    def __init__(self) -> None:
        self.points: Counter[str] = Counter()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            self.points[item.get_closest_marker("exercise").args[0]] += item.get_closest_marker("points").args[0]


@pytest.fixture(scope="module")
def judge_points() -> Counter[str]:
    """Points per exercise id of every judge test, collected (not run) through the grader's plugin, which also
    checks each test's markers against the catalogue."""
    counted = PointsPerExercise()
    status = pytest.main(["-c", str(JUDGE_TESTS_DIR / "pytest.ini"), "--rootdir", str(JUDGE_TESTS_DIR),
                          "-p", "grader.plugin", "--collect-only", "-q", str(JUDGE_TESTS_DIR)], plugins=[counted])
    assert status == pytest.ExitCode.OK, "collecting the judge's tests failed (see the output above)"
    return counted.points


@pytest.mark.parametrize("exercise", EXERCISES, ids=[exercise.id for exercise in EXERCISES])
def test_the_points_of_an_exercise_are_those_of_its_tests(judge_points: Counter[str], exercise) -> None:
    assert judge_points[exercise.id] == exercise.points, exercise


def test_every_judge_test_belongs_to_a_catalogue_exercise(judge_points: Counter[str]) -> None:
    assert set(judge_points) == {exercise.id for exercise in EXERCISES}


@pytest.mark.parametrize("exercise", EXERCISES, ids=[exercise.id for exercise in EXERCISES])
def test_every_exercise_has_its_solution_region_in_its_module(exercise) -> None:
    module = SOLUTIONS_DIR / find_lab(exercise.id.split(".")[0]).folder / f"{exercise.module}.py"
    assert module.is_file(), f"{exercise.id} names the module {exercise.module}, but {module} does not exist"
    regions = {match["id"] for match in map(SOLUTION_BEGIN.match, module.read_text().splitlines()) if match}
    assert exercise.id in regions, f"{module} has no '# BEGIN SOLUTION {exercise.id}:' region"


@pytest.mark.parametrize("name", ["1", "lab1", "lab1_convolution", " Lab1 "])
def test_find_lab_accepts_the_id_the_number_and_the_folder(name: str) -> None:
    assert find_lab(name).id == "lab1"


@pytest.mark.parametrize("name", ["lab7", "7", "convolution", "lab01", "lab1.3", "", "lab1_lenet"])
def test_find_lab_rejects_other_names_with_the_list_of_labs(name: str) -> None:
    with pytest.raises(UnknownLab, match="the kit has lab1, lab2"):
        find_lab(name)


def test_find_exercise_accepts_an_exercise_id() -> None:
    exercise = find_exercise("lab1.3")
    assert (exercise.id, exercise.function, exercise.module) == ("lab1.3", "conv2d", "convolution")
    assert find_exercise("lab5.12").function == "dice_loss"


@pytest.mark.parametrize("name", ["lab1.99", "lab1", "1.3", "lab1_3", "conv2d", "lab1.3.1", "lab9.1"])
def test_find_exercise_rejects_other_names(name: str) -> None:
    with pytest.raises(UnknownLab, match="unknown"):
        find_exercise(name)
