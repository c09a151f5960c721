"""What a failed test leaves in the report for the class statistics: the kind of failure, and a hash of the wrong
result the student's code returned, so that byte-identical wrong results on the same inputs can be found across a
class (grader.instructor.stats)."""

import hashlib
from typing import Any

import numpy as np
import torch

NOT_IMPLEMENTED = "not implemented"
# first words of the judge's own failure messages (grader.feedback, grader.worker_client) -> kind
FEEDBACK_KINDS = (
    ("expected shape", "shape mismatch"),
    ("expected dtype", "dtype mismatch"),
    ("values differ", "wrong values"),
    ("expected a ", "wrong type"),
    ("could not import your code", "import error"),
    ("timed out", "timeout"),
    ("time budget", "budget"),
    ("raised NotImplementedError", NOT_IMPLEMENTED),
)


def result_hash(got: Any, what: str) -> str:
    """16 hex digits over what was checked (the inputs, as the judge describes them) and the exact bytes, dtype and
    shape of the result (repr for plain values)."""
    digest = hashlib.sha256(what.encode() + b"\0" + type(got).__name__.encode() + b"\0")
    if isinstance(got, (torch.Tensor, np.ndarray)):
        tensor = torch.from_numpy(np.ascontiguousarray(got)) if isinstance(got, np.ndarray) else got
        tensor = tensor.detach().cpu().contiguous()
        digest.update(f"{tensor.dtype} {tuple(tensor.shape)}\0".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    else:
        digest.update(repr(got).encode())
    return digest.hexdigest()[:16]


def kind_from_feedback(text: str) -> str:
    """The kind of failure a feedback text describes ('wrong result' when it names none); also reads reports written
    before the grader recorded the kind."""
    first_line = text.splitlines()[0] if text else ""
    for words, kind in FEEDBACK_KINDS:
        if words in first_line:
            return kind
    if " raised " in first_line:
        return "exception " + first_line.split(" raised ", 1)[1].split(":", 1)[0]
    return "wrong result"


def failure_kind(error: BaseException) -> str:
    """'not implemented', 'exception IndexError', 'timeout', 'shape mismatch', ... for a failed test's error."""
    exc_type, kind = getattr(error, "exc_type", None), getattr(error, "kind", None)
    if exc_type is not None and kind is not None:  # a StudentCodeError from the worker
        if exc_type == "NotImplementedError":
            return NOT_IMPLEMENTED
        return f"exception {exc_type}" if kind == "exception" else kind.replace("_", " ")
    return kind_from_feedback(str(error))


def wrong_result_hash(error: BaseException) -> str | None:
    """The hash a failing check kept of the wrong result, looked for along the chain of re-raised errors (a hint
    added by an upstream check raises a new failure from the first)."""
    seen: BaseException | None = error
    while seen is not None:
        found = getattr(seen, "result_hash", None)
        if found:
            return found
        seen = seen.__cause__ or seen.__context__
    return None


def failure_record(error: BaseException) -> dict[str, str]:
    """`failure_kind` and, where the check saw a wrong value, `result_hash`: the test's metadata extras."""
    record = {"failure_kind": failure_kind(error)}
    found = wrong_result_hash(error)
    if found:
        record["result_hash"] = found
    return record
