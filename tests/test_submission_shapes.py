"""Any shape of submission is graded alike: a copy of labs/, a folder of lab folders, a single lab folder, or a zip
of one of these. The worker mounts a staged copy of the lab folders with the kit's given files and beside the kit's
library, so a cheating harness.py or a fake library copied into a submission changes nothing.

The matrix grades the reference code of all six labs in every shape with one test per exercise (`-k`): the shapes
that hold several labs are graded once for all six, a single lab folder once per lab.
"""

import gc
import re
import shutil
import zipfile
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest
from grading_helpers import GraderRun, run_grader

from grader.paths import JUDGE_TESTS_DIR, LABS_DIR, SOLUTIONS_DIR
from grader.target import find_lab_folders, given_files, resolve_target
from ipdl.catalogue import LABS, Lab, find_lab

SHAPES = ("labs copy", "lab folders", "one lab folder", "zip")
EXERCISE_MARK = re.compile(r"""pytestmark = pytest\.mark\.exercise\(["'](lab\d+\.\d+)["']\)""")
FIRST_TEST = re.compile(r"^def (test_\w+)", re.MULTILINE)
MARKER = "FAKE-LIBRARY-RAN"
FAKE_MODULE = f'raise ImportError("{MARKER}: the submission\'s copy of the library was imported")\n'
IGNORE = shutil.ignore_patterns("__pycache__")


def first_tests(lab: Lab) -> set[str]:
    """The name of the first judge test of each exercise of `lab` (one test file per exercise)."""
    found = {}
    for path in sorted((JUDGE_TESTS_DIR / lab.folder).glob("test_*.py")):
        text = path.read_text()
        found.setdefault(EXERCISE_MARK.search(text)[1], FIRST_TEST.search(text)[1])
    assert set(found) == {exercise.id for exercise in lab.exercises}, lab.id
    return set(found.values())


def one_test_per_exercise(labs: tuple[Lab, ...]) -> tuple[str, ...]:
    """pytest's `-k` option that selects the first test of every exercise of `labs` (and any test of the same name)."""
    return ("-k", " or ".join(sorted(set().union(*(first_tests(lab) for lab in labs)))))


def reference_lab_folder(lab: Lab, destination: Path) -> Path:
    """The lab's folder of labs/ with the reference's exercise modules copied in: a student who solved it all."""
    shutil.copytree(LABS_DIR / lab.folder, destination, ignore=IGNORE)
    for module in lab.exercise_modules:
        shutil.copy(SOLUTIONS_DIR / lab.folder / f"{module}.py", destination / f"{module}.py")
    return destination


def zip_folder(folder: Path, archive: Path, prefix: str = "") -> Path:
    """Zip the files below `folder`, their names starting with `prefix` (a wrapping folder, say)."""
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zipped.write(path, f"{prefix}{path.relative_to(folder).as_posix()}")
    return archive


def files_below(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The reference of all six labs in each shape; "one lab folder" is the folder that holds them one by one."""
    root = tmp_path_factory.mktemp("shapes")
    labs_copy = root / "labs-copy" / "labs"
    shutil.copytree(LABS_DIR, labs_copy, ignore=IGNORE)
    for lab in LABS:
        shutil.rmtree(labs_copy / lab.folder)
        reference_lab_folder(lab, labs_copy / lab.folder)
        reference_lab_folder(lab, root / "lab-folders" / lab.folder)
    archive = zip_folder(labs_copy.parent, root / "alice.zip", prefix="alice/")  # alice/labs/lab1_convolution/...
    return {"labs copy": labs_copy, "lab folders": root / "lab-folders", "one lab folder": root / "lab-folders",
            "zip": archive}


@pytest.fixture(scope="module")
def graded(shapes: dict[str, Path], tmp_path_factory: pytest.TempPathFactory):
    """grade(shape, lab): the run that graded `lab` in `shape`, one run per shape (per lab for a single lab folder)."""
    runs: dict[tuple[str, str], GraderRun] = {}
    reports = tmp_path_factory.mktemp("reports")

    def grade(shape: str, lab: Lab) -> GraderRun:
        key = (shape, lab.folder if shape == "one lab folder" else "all")
        if key not in runs:
            labs = (lab,) if shape == "one lab folder" else LABS
            target = shapes[shape] / lab.folder if shape == "one lab folder" else shapes[shape]
            report = reports / f"{len(runs)}.json"
            runs[key] = run_grader(" ".join(each.id for each in labs), target, report,
                                   options=one_test_per_exercise(labs))
        return runs[key]

    return grade


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_reference_gets_full_marks_in_every_shape(graded, lab: Lab, shape: str) -> None:
    run = graded(shape, lab)
    assert run.code == 0, run.output
    grade = run.report["grade"]["labs"][lab.id]
    assert grade["score"] == grade["max_score"] > 0, run.output
    graded_exercises = {test["metadata"]["exercise"] for test in run.report["tests"]
                        if test["metadata"]["lab"] == lab.id}
    assert graded_exercises == {exercise.id for exercise in lab.exercises}
    assert run.report["resources"]["submission"]["kit_files"], run.report["resources"]


def test_every_shape_stages_the_same_lab_folder(shapes: dict[str, Path], tmp_path: Path) -> None:
    """The staged copy of Lab 2 is the same in every shape and zip variant, and holds only the lab folders."""
    lab = find_lab("lab2")
    single = shapes["one lab folder"] / lab.folder
    variants = {
        **{shape: shapes[shape] for shape in SHAPES if shape != "one lab folder"},
        "one lab folder": single,
        "zip of lab folders": zip_folder(single.parent, tmp_path / "a.zip"),  # lab1_convolution/..., lab2_lenet/...
        "zip of a lab folder": zip_folder(single, tmp_path / "b.zip", prefix=f"{lab.folder}/"),
        "zip of a wrapped lab folder": zip_folder(single, tmp_path / "c.zip", prefix=f"wrap/{lab.folder}/"),
        "zip of one lab's files": zip_folder(single, tmp_path / f"{lab.folder}.zip"),  # lenet.py, harness.py, ...
    }
    expected = files_below(single)
    for name, path in variants.items():
        target = resolve_target(str(path))
        assert files_below(target.folder / lab.folder) == expected, name
        assert {child.name for child in target.folder.iterdir()} <= {each.folder for each in LABS}, name
        assert target.mounts["ipdl"] == resolve_target("labs").mounts["ipdl"], name


def test_a_cheating_harness_is_replaced_by_the_kits_and_the_submission_is_untouched(tmp_path: Path) -> None:
    """Lab 6 stubs whose harness.py (and a harness/ package, which Python would import first) answer with a copy of
    the reference: graded with the kit's harness, they earn nothing, and the files on disk stay as they were."""
    lab = tmp_path / "lab6_diffusion"
    shutil.copytree(LABS_DIR / "lab6_diffusion", lab, ignore=IGNORE)
    shutil.copytree(SOLUTIONS_DIR / "lab6_diffusion", lab / "answers", ignore=IGNORE)
    kit_harness = (SOLUTIONS_DIR / "lab6_diffusion" / "harness.py").read_text()
    cheat = kit_harness.replace("from .loss import", "from .answers.loss import").replace(
        "from .reverse_step import", "from .answers.reverse_step import")
    assert cheat != kit_harness
    (lab / "harness.py").write_text(cheat)
    (lab / "harness").mkdir()
    (lab / "harness" / "__init__.py").write_text(cheat.replace("from .answers", "from ..answers"))
    before = files_below(tmp_path)
    run = run_grader("lab6.6 lab6.7", lab, tmp_path / "report.json")
    assert run.code == 1, run.output
    assert run.report["grade"]["score"] == 0 and run.report["grade"]["max_score"] > 0
    assert all("NotImplementedError" in test["metadata"]["feedback"] for test in run.report["tests"])
    staged = run.report["resources"]["submission"]
    assert "lab6_diffusion/harness.py" in staged["kit_files"] and "not changed" in staged["note"]
    assert files_below(tmp_path) == {**before, "report.json": (tmp_path / "report.json").read_bytes()}


def fake_library(folder: Path) -> None:
    """A library under `folder` whose every module stops the import, saying so, and which offers answers."""
    for module in ("__init__.py", "data/__init__.py", "data/mnist.py", "answers.py"):
        (folder / module).parent.mkdir(parents=True, exist_ok=True)
        (folder / module).write_text(FAKE_MODULE)


def test_a_fake_library_neither_replaces_the_kits_nor_earns_points(tmp_path: Path) -> None:
    """A labs/ copy beside its own ipdl/, with a labs/data/ and an ipdl/ in lab folders: Lab 2's reference (whose
    harness imports ipdl.data.mnist) gets full marks from the kit's library, and Lab 1's stubs, which take their
    answers from the fake library, get nothing."""
    submission = tmp_path / "submission"
    labs = submission / "labs"
    reference_lab_folder(find_lab("lab2"), labs / "lab2_lenet")
    shutil.copytree(LABS_DIR / "lab1_convolution", labs / "lab1_convolution", ignore=IGNORE)
    for folder in (submission, labs / "lab2_lenet", labs / "lab1_convolution"):
        fake_library(folder / "ipdl")
    fake_library(labs / "data")
    convolution = labs / "lab1_convolution" / "convolution.py"
    convolution.write_text(convolution.read_text() + "\n\ntry:\n    from ipdl.answers import *  # noqa\nexcept "
                           "ImportError:\n    from labs.data.answers import *  # noqa\n")
    labs_to_grade = (find_lab("lab1"), find_lab("lab2"))
    run = run_grader("lab1 lab2", submission, tmp_path / "report.json", options=one_test_per_exercise(labs_to_grade))
    grades = run.report["grade"]["labs"]
    assert grades["lab2"]["score"] == grades["lab2"]["max_score"] > 0, run.output
    assert grades["lab1"]["score"] == 0 and grades["lab1"]["max_score"] > 0, run.output
    lab1_feedback = [test["metadata"]["feedback"] for test in run.report["tests"] if test["metadata"]["lab"] == "lab1"]
    assert lab1_feedback and all("No module named" in feedback for feedback in lab1_feedback), lab1_feedback
    assert MARKER not in (tmp_path / "report.json").read_text() + run.output


def test_given_files_come_from_the_kit_and_exercise_modules_stay_the_students(tmp_path: Path) -> None:
    lab = find_lab("lab2")
    folder = reference_lab_folder(lab, tmp_path / lab.folder)
    (folder / "harness.py").write_text("CHEAT = True\n")
    (folder / f"harness{EXTENSION_SUFFIXES[0]}").write_bytes(b"an extension module Python would import first")
    (folder / "notes.py").write_text("MINE = True\n")  # a module of the student's own stays
    target = resolve_target(str(folder))  # the staged copy lives as long as its target
    staged = target.folder / lab.folder
    for kit in given_files(lab.folder):
        assert (staged / kit.name).read_bytes() == kit.read_bytes()
    for module in lab.exercise_modules:
        assert (staged / f"{module}.py").read_bytes() == (SOLUTIONS_DIR / lab.folder / f"{module}.py").read_bytes()
    assert (staged / "notes.py").exists() and not list(staged.glob("harness.*.so"))
    assert (folder / "harness.py").read_text() == "CHEAT = True\n"


def test_links_to_lab_folders_are_not_followed(tmp_path: Path) -> None:
    """A lab folder that is a link (to the kit's reference, say) is not a lab folder of the submission."""
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "lab1_convolution").symlink_to(SOLUTIONS_DIR / "lab1_convolution")
    assert find_lab_folders(tmp_path / "submission") == {}
    with pytest.raises(ValueError, match="has no lab folders"):
        resolve_target(str(tmp_path / "submission"))


def not_a_zip(path: Path) -> None:
    path.write_bytes(b"this is not a zip file")


def escaping_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as zipped:
        zipped.writestr("../escaped.py", "x = 1\n")


@pytest.mark.parametrize(("make", "words"), [(not_a_zip, "not a zip file"), (escaping_zip, "points outside")])
def test_an_unreadable_zip_says_why(tmp_path: Path, make, words: str) -> None:
    make(tmp_path / "s.zip")
    with pytest.raises(ValueError, match=words):
        resolve_target(str(tmp_path / "s.zip"))
    assert not (tmp_path.parent / "escaped.py").exists()


def test_the_unpacked_zip_and_the_staged_copy_are_removed(shapes: dict[str, Path]) -> None:
    target = resolve_target(str(shapes["zip"]))
    workspace = target.folder.parent
    assert [child.name for child in workspace.iterdir()] == ["labs"]  # the unpacked zip is gone once staged
    del target
    gc.collect()
    assert not workspace.exists()
