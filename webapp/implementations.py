"""Run a lab function from the reference `solutions/` or from the student's `labs/`, with polite errors."""

import importlib
import re
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import gradio as gr

IMPLEMENTATIONS = ("solutions", "labs")
# (label shown in the UI, value passed to load_lab_module)
IMPL_CHOICES = [("reference (solutions/)", "solutions"), ("your code (labs/)", "labs")]
REPO_ROOT = Path(__file__).resolve().parent.parent
_TODO_TAG = re.compile(r"lab\d+\.\d+")


def load_lab_module(name: str, impl: str) -> ModuleType:
    """Import e.g. "lab1_convolution.convolution" from the `solutions` or the `labs` package."""
    if impl not in IMPLEMENTATIONS:
        raise gr.Error(f"Unknown implementation {impl!r}: choose one of {IMPLEMENTATIONS}.")
    try:
        return importlib.import_module(f"{impl}.{name}")
    except ModuleNotFoundError as error:
        path = f"{impl}/{name.replace('.', '/')}.py"
        raise gr.Error(
            f"Could not import {path} ({error}). Check that the file exists, or switch the "
            f"implementation to 'reference'."
        ) from error


def _where(error: BaseException) -> tuple[str, str, int]:
    """(function name, file relative to the repo, line) of the frame that raised `error`."""
    frame = traceback.extract_tb(error.__traceback__)[-1]
    path = Path(frame.filename)
    shown = path.relative_to(REPO_ROOT).as_posix() if path.is_relative_to(REPO_ROOT) else str(path)
    return frame.name, shown, frame.lineno or 0


def not_implemented_message(error: NotImplementedError) -> str:
    """Say which student function is still a stub, which TODO it is, and where to find it."""
    function, path, _ = _where(error)
    tag = _TODO_TAG.search(str(error))
    todo = f"TODO {tag.group(0)} in {path}" if tag else f"in {path}"
    return (
        f"Your {function} is not implemented yet ({todo}). "
        f"Switch the implementation to 'reference' to see the expected result."
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
            f"Your code raised {type(error).__name__}: {error} (in {name}, {path} line {line}). "
            f"Fix it, or switch the implementation to 'reference'."
        ) from error
