"""Say where a lab stops: which exercise is not written yet (a stub's NotImplementedError) and in which file.

The training scripts run `main` through `run_script`, so a student who trains before filling in the exercises
reads what to do instead of a traceback:

    error: LeNet.__init__ is not written yet (TODO lab2.3 in labs/lab2_lenet/lenet.py line 84).
    Fill it in, check it with `python -m grader lab2`, then run this script again.
"""

import re
from collections.abc import Callable
from pathlib import Path

TODO_TAG = re.compile(r"lab\d+\.\d+")  # the exercise id every stub's NotImplementedError starts with


def raised_at(error: BaseException) -> tuple[str, Path, int]:
    """(function name, file, line) of the innermost frame of `error`'s traceback: where it was raised.

    Methods are named with their class, e.g. "LeNet.__init__" (Python 3.11+; the bare name before).
    """
    last = error.__traceback__
    assert last is not None, "only raised errors have a traceback"
    while last.tb_next is not None:
        last = last.tb_next
    code = last.tb_frame.f_code
    return getattr(code, "co_qualname", code.co_name), Path(code.co_filename), last.tb_lineno


def exercise_of(error: NotImplementedError) -> str | None:
    """The exercise id ("lab2.3") a stub's NotImplementedError names, or None for any other one."""
    tag = TODO_TAG.search(str(error))
    return tag.group(0) if tag else None


def _shown(path: Path) -> str:
    """`path` relative to the working folder when it is inside it."""
    return path.relative_to(Path.cwd()).as_posix() if path.is_relative_to(Path.cwd()) else str(path)


def run_script(main: Callable[[], None]) -> None:
    """Run a lab script's `main`; if it reaches an exercise that is still a stub, exit with what to fill in."""
    try:
        main()
    except NotImplementedError as error:
        function, path, line = raised_at(error)
        exercise = exercise_of(error)
        if exercise is None:
            raise
        lab = exercise.partition(".")[0]
        raise SystemExit(
            f"error: {function} is not written yet (TODO {exercise} in {_shown(path)} line {line}).\n"
            f"Fill it in, check it with `python -m grader {lab}`, then run this script again."
        ) from None
