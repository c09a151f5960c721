"""Run a lab function from the reference `solutions/` or from the student's `labs/`, with polite errors.

The student's lab package is imported afresh whenever one of its files changed, so edits show up on the next
click without restarting the app; the reference stays imported once.
"""

import importlib
import importlib.util
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import gradio as gr

from ipdl.catalogue import LABS, Lab
from ipdl.kit import is_student_release, release_info
from ipdl.source_stamp import SourceStamp, source_stamp
from ipdl.unfinished import exercise_of, raised_at

# A student release ships no reference code (its solutions/ only replays the grader's recordings): labs alone.
IMPLEMENTATIONS = ("labs",) if is_student_release() else ("solutions", "labs")
DEFAULT_IMPL = "labs" if is_student_release() else "solutions"
# the labs this copy of the kit holds: all of them, or those a student release was built with
SHIPPED_LABS: list[Lab] = [lab for lab in LABS if not is_student_release() or lab.id in release_info().get("labs", {})]
# where the app imports a lab's given files (those without exercises, the same in both): a release's solutions/
# package only replays the grader's recordings, so there they come from labs/
GIVEN_FILES = "labs" if is_student_release() else "solutions"
# (label shown in the UI, value passed to load_lab_module)
IMPL_CHOICES = [choice for choice in [("reference (solutions/)", "solutions"), ("your code (labs/)", "labs")]
                if choice[1] in IMPLEMENTATIONS]
REPO_ROOT = Path(__file__).resolve().parent.parent
# advice that ends a message about the student's code: where the reference ships, to look at it; in a release, none
TRY_REFERENCE = " Switch the implementation to 'reference' to see the expected result." if "solutions" in \
    IMPLEMENTATIONS else ""
_imported_sources: dict[str, SourceStamp] = {}  # lab package -> its files' stamp when it was last imported
_import_lock = threading.Lock()  # Gradio runs events in threads: one (re)import at a time


def forget_modules(package: str) -> None:
    """Drop `package` and its submodules from sys.modules, so the next import runs their files again."""
    for name in [name for name in sys.modules if name == package or name.startswith(f"{package}.")]:
        del sys.modules[name]


def refresh_lab_package(package: str) -> None:
    """Forget the imported modules of lab `package` (e.g. "labs.lab2_lenet") if any of its files changed."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return  # no such lab: the import that follows reports it
    stamp = source_stamp(Path(spec.origin).parent)
    if _imported_sources.get(package) != stamp:
        forget_modules(package)
        importlib.invalidate_caches()  # see files created since the last import
        _imported_sources[package] = stamp


def load_lab_module(name: str, impl: str) -> ModuleType:
    """Import e.g. "lab1_convolution.convolution" from the `solutions` or the `labs` package.

    For `labs`, the lab's package (here `labs.lab1_convolution`, with every module in it) is imported again
    when one of its files changed since the last call.
    """
    if impl not in IMPLEMENTATIONS:
        raise gr.Error(f"Unknown implementation {impl!r}: choose one of {IMPLEMENTATIONS}.")
    path = f"{impl}/{name.replace('.', '/')}.py"
    try:
        with _import_lock:
            if impl == "labs":
                refresh_lab_package(f"labs.{name.split('.')[0]}")
            return importlib.import_module(f"{impl}.{name}")
    except ModuleNotFoundError as error:
        raise gr.Error(
            f"Could not import {path} ({error}). Check that the file exists.{TRY_REFERENCE}"
        ) from error
    except Exception as error:
        if impl != "labs":
            raise
        raise gr.Error(import_error_message(error, path)) from error


def import_error_message(error: Exception, path: str) -> str:
    """Say why the student's module `path` cannot be imported, with the file and line to fix."""
    if isinstance(error, SyntaxError):
        where = f"{_shown(Path(error.filename))} line {error.lineno}" if error.filename else path
        return f"Python cannot read your code: {error.msg} ({where}). Fix it and try again."
    name, where, line = _where(error)
    return (
        f"Importing {path} raised {type(error).__name__}: {error} (in {name}, {where} line {line}). "
        f"Fix it and try again."
    )


def _shown(path: Path) -> str:
    """`path` relative to the repository when it is inside it."""
    return path.relative_to(REPO_ROOT).as_posix() if path.is_relative_to(REPO_ROOT) else str(path)


def _where(error: BaseException) -> tuple[str, str, int]:
    """(function name, file relative to the repo, line) of the frame that raised `error`."""
    function, path, line = raised_at(error)
    return function, _shown(path), line


def not_implemented_message(error: NotImplementedError) -> str:
    """Say which student function is still a stub, which TODO it is, and where to find it."""
    function, path, _ = _where(error)
    exercise = exercise_of(error)
    todo = f"TODO {exercise} in {path}" if exercise else f"in {path}"
    return (
        f"Your {function} is not implemented yet ({todo}).{TRY_REFERENCE}"
    )


def call_lab(impl: str, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
    """Call `function` from lab module `module` of `impl`, turning its errors into gr.Error.

    NotImplementedError (a stub) and any crash of student code become a polite message with the
    file and line; ValueError (a lab function rejecting impossible settings) is shown as it is.
    """
    func: Callable[..., Any] | None = getattr(load_lab_module(module, impl), function, None)
    if func is None:
        raise gr.Error(f"{impl}/{module.replace('.', '/')}.py has no function {function}.")
    try:
        return func(*args, **kwargs)
    except NotImplementedError as error:
        raise gr.Error(not_implemented_message(error)) from error
    except ValueError as error:
        if impl != "labs":
            raise gr.Error(str(error)) from error
        name, path, line = _where(error)
        raise gr.Error(f"{error} (raised in {name}, {path} line {line})") from error
    except Exception as error:
        if impl != "labs":
            raise
        name, path, line = _where(error)
        raise gr.Error(
            f"Your code raised {type(error).__name__}: {error} (in {name}, {path} line {line}). Fix it and try "
            f"again.{TRY_REFERENCE}"
        ) from error
