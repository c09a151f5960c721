"""Name the earlier exercise to fix first when a Lab 5 module that builds on it gives a wrong answer or crashes.

Down uses the student's DoubleConv, Up their DoubleConv and their Up layers, UNet all of them. When a check
fails without a more specific hint, the student's earlier pieces are probed on small fixed inputs (only then,
so passing code costs nothing) and the first one that is wrong is named.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch

from grader.feedback import GradingFailure, assert_tensor_close
from grader.tests.lab5_unet.cases import images, module_state
from grader.tests.lab5_unet.replies import check_shapes
from grader.worker_client import StudentCodeError
from solutions.lab5_unet import harness

HARNESS = "lab5_unet.harness"


def double_conv_agrees(student) -> None:
    state = module_state("DoubleConv", 2, 3, seed=11)
    x = images(2, 2, 6, 7, seed=11)
    expected = harness.double_conv_forward(state, x, 2, 3)
    got = student.function(f"{HARNESS}.double_conv_forward")(state, x, 2, 3)
    assert_tensor_close(got, expected, what="DoubleConv", atol=1e-4)


def down_agrees(student) -> None:
    state = module_state("Down", 2, 3, seed=12)
    x = images(2, 2, 8, 10, seed=12)
    features, indices = harness.down_forward(state, x, 2, 3)
    got = student.function(f"{HARNESS}.down_forward")(state, x, 2, 3)
    assert_tensor_close(got[0], features, what="Down features", atol=1e-4)
    assert_tensor_close(got[1], indices, what="Down indices")


def up_layers_agree(student) -> None:
    shapes = student.function(f"{HARNESS}.module_shapes")
    for mode in ("transpose", "unpool"):
        check_shapes(shapes("Up", 8, 4, mode), harness.module_shapes("Up", 8, 4, mode), what=f"Up ({mode})")


def up_agrees(student) -> None:
    for mode in ("transpose", "unpool"):
        state = module_state("Up", 4, 2, mode, seed=13)
        skip = images(1, 2, 8, 6, seed=13)
        _, indices = torch.nn.functional.max_pool2d(skip, 2, return_indices=True)
        x = images(1, 4, 4, 3, seed=14)
        expected = harness.up_forward(state, x, skip, indices, 4, 2, mode)
        got = student.function(f"{HARNESS}.up_forward")(state, x, skip, indices, 4, 2, mode)
        assert_tensor_close(got, expected, what=f"Up ({mode})", atol=1e-4)


def unet_layers_agree(student) -> None:
    shapes = student.function(f"{HARNESS}.parameter_shapes")
    for mode in ("transpose", "unpool"):
        check_shapes(shapes(2, mode), harness.parameter_shapes(2, mode), what=f"UNet(base_channels=2, {mode})")


PROBES: dict[str, tuple[str, Callable]] = {  # piece -> (exercise, check that raises when the student's is wrong)
    "DoubleConv": ("lab5.1", double_conv_agrees),
    "Down": ("lab5.2", down_agrees),
    "Up.__init__": ("lab5.3", up_layers_agree),
    "Up.forward": ("lab5.4", up_agrees),
    "UNet.__init__": ("lab5.5", unet_layers_agree),
}
BUILDS_ON = {  # piece -> the earlier pieces it uses, in the order to fix them
    "Down": ("DoubleConv",),
    "Up.forward": ("DoubleConv", "Up.__init__"),
    "UNet.forward": ("DoubleConv", "Down", "Up.__init__", "Up.forward", "UNet.__init__"),
}


def first_wrong(student, piece: str) -> tuple[str, str] | None:
    """(name, exercise) of the first earlier piece of `piece` that the student has wrong, or None."""
    for name in BUILDS_ON.get(piece, ()):
        exercise, check = PROBES[name]
        try:
            check(student)
        except (GradingFailure, StudentCodeError, TypeError, ValueError, IndexError, KeyError):
            return name, exercise
    return None


@contextmanager
def blame_earlier_exercise(student, piece: str) -> Iterator[None]:
    """Re-raise a hintless failure, or a crash of the student's code, with a hint naming the first wrong earlier
    exercise that `piece` builds on (a missing TODO is left to say so itself)."""
    try:
        yield
    except GradingFailure as failure:
        if failure.hint is not None:
            raise
        culprit = first_wrong(student, piece)
        if culprit is None:
            raise
        raise GradingFailure(str(failure), fix_first(piece, *culprit)) from None
    except StudentCodeError as error:
        if error.exc_type == "NotImplementedError" or error.kind != "exception":
            raise
        culprit = first_wrong(student, piece)
        if culprit is None:
            raise
        raise GradingFailure(error.details(), fix_first(piece, *culprit)) from None


def fix_first(piece: str, name: str, exercise: str) -> str:
    return (f"{piece} builds on your {name} ({exercise}), which does not give the right results yet: "
            f"fix {exercise} first")


def chain_probe(check: Callable):
    """A check of PROBES as a chain probe (grader.feedback.chains)."""

    def probe(student, given) -> None:
        check(student)

    return probe


# For any failing Lab 5 test (grader/tests/conftest.py): the pieces others build on.
CHAIN_PROBES = {exercise: chain_probe(check) for exercise, check in PROBES.values()}
