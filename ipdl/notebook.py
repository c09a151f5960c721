"""What a lab notebook needs from the kit: the code its cells run (the student's labs/, or the reference solutions/
when the kit's tests set IPDL_NOTEBOOK_IMPL=solutions) and, for an exercise not written yet, a polite "fill in
TODO(labN.k)" in place of a traceback (CS231n's pattern: the notebook drives, the .py files hold the code).

    from ipdl import notebook
    notebook.explain_unfinished()                                  # once, in the notebook's first cell
    convolution = notebook.lab_module("lab1_convolution.convolution")   # labs.lab1_convolution.convolution
"""

import html
import importlib
import os
from types import ModuleType
from typing import Any

from ipdl.kit import KIT_ROOT
from ipdl.unfinished import exercise_of, raised_at

IMPL_VARIABLE = "IPDL_NOTEBOOK_IMPL"  # "labs" (the default: the student's code) or "solutions" (the kit's tests)
IMPLEMENTATIONS = ("labs", "solutions")
RUNS_DIR = KIT_ROOT / "runs"  # where the notebooks write trained weights: the runs/ the web app reads, started here
BUNDLED_DIR = KIT_ROOT / "webapp" / "checkpoints"  # the kit's trained weights (the web app's BUNDLED_DIR)


def implementation() -> str:
    """The package the notebook's cells import: `labs`, unless IPDL_NOTEBOOK_IMPL says `solutions`."""
    impl = os.environ.get(IMPL_VARIABLE, "labs").strip() or "labs"
    if impl not in IMPLEMENTATIONS:
        raise ValueError(f"{IMPL_VARIABLE}={impl!r}: use one of {', '.join(IMPLEMENTATIONS)} (or leave it unset)")
    return impl


def lab_module(name: str) -> ModuleType:
    """`lab1_convolution.convolution` of the notebook's implementation (see `implementation`)."""
    return importlib.import_module(f"{implementation()}.{name}")


def unfinished_message(error: NotImplementedError) -> str | None:
    """What to do about a stub's NotImplementedError (None for any other one): which exercise, in which file."""
    exercise = exercise_of(error)
    if exercise is None:
        return None
    function, path, line = raised_at(error)
    shown = path.relative_to(KIT_ROOT).as_posix() if path.is_relative_to(KIT_ROOT) else str(path)
    return (f"{function} is not written yet: fill in TODO({exercise}) in {shown} line {line}, "
            f'check it with check("{exercise}"), then run this cell again.')


class Unfinished:
    """The message a notebook shows for an unfinished exercise, as text and as a highlighted box."""

    def __init__(self, message: str):
        self.message = message

    def __repr__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        return ('<div style="border-left:4px solid #e0a800;background:#fff8e1;padding:6px 10px">'
                f"{html.escape(self.message)}</div>")


def show_unfinished(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> None:
    """IPython's handler for NotImplementedError: the polite message for a stub, the usual traceback otherwise."""
    message = unfinished_message(value) if isinstance(value, NotImplementedError) else None
    if message is None:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return
    from IPython.display import display  # only in a notebook

    display(Unfinished(message))


def explain_unfinished() -> None:
    """In IPython (a notebook's kernel), show `show_unfinished`'s message when a cell reaches a stub; elsewhere
    nothing changes."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((NotImplementedError,), show_unfinished)
