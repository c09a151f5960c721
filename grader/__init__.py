"""The ipdl-lab grader: a trusted pytest judge that calls student code through a sandboxed worker.

`from grader import check` gives lab notebooks the judge (grader.notebook_check), imported on first use only.
"""

from typing import Any

__all__ = ["check"]


def __getattr__(name: str) -> Any:
    if name == "check":
        from grader.notebook_check import check

        return check
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
