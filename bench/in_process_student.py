"""A `student` fixture that calls the reference in the judge's own process (for bench_grader.py only).

It measures what the judge/worker split costs: the same test cases, with calls going straight to `solutions`
instead of through a sandboxed worker (results still become the plain types the judge expects). Never use it
to grade students: their code would run in the process that decides the grade.
"""

import importlib
from typing import Any

import pytest

from grader.worker import wire


class InProcessFunction:
    def __init__(self, name: str):
        module_name, _, attribute = name.rpartition(".")
        self.function = getattr(importlib.import_module(f"solutions.{module_name}"), attribute)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The result as the same plain types the worker sends (an OrderedDict becomes a dict), unserialised."""
        return wire.decode(*wire.encode(self.function(*args, **kwargs)))


class InProcessStudent:
    def function(self, name: str, *, timeout: float = 0, forbidden_ops: tuple[str, ...] = ()) -> InProcessFunction:
        return InProcessFunction(name)


@pytest.fixture(scope="session")
def student() -> InProcessStudent:
    """The reference, called directly."""
    return InProcessStudent()
