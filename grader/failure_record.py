"""What a failed test leaves in the report for the class statistics: the kind of failure (grader.failure_kind), and a
hash of the wrong result the student's code returned, so that byte-identical wrong results on the same inputs can be
found across a class (grader.instructor.stats)."""

import hashlib
from typing import Any

import numpy as np
import torch

from grader.failure_kind import failure_kind


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


def error_chain(error: BaseException) -> list[BaseException]:
    """`error` and the errors it was raised from or while handling (a hint added by an upstream check raises a new
    failure from the first)."""
    chain: list[BaseException] = []
    seen: BaseException | None = error
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    return chain


def failure_record(error: BaseException) -> dict[str, Any]:
    """`failure_kind` and, where a check saw a wrong value, its `result_hash` and whether it is what a known mistake
    gives (`known_mistake`): the test's metadata extras."""
    record: dict[str, Any] = {"failure_kind": failure_kind(error)}
    chain = error_chain(error)
    found = next((seen.result_hash for seen in chain if getattr(seen, "result_hash", None)), None)
    if found:
        record["result_hash"] = found
        record["known_mistake"] = any(getattr(seen, "known_mistake", False) for seen in chain)
    return record
