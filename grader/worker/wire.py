"""The judge/worker wire format: a JSON header plus one safetensors blob per message, never pickle.

Values travel as JSON where JSON can hold them; every torch tensor and numpy array travels as an
entry of the safetensors blob and is replaced in the JSON by a small marker. Decoding builds fresh,
plain objects from bytes, so no object made by student code ever reaches the judge.

This module is imported by the worker as a top-level script module, so it imports nothing from
the grader package.
"""

import json
import struct
from typing import Any, BinaryIO

import numpy as np
import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

HEADER = struct.Struct(">II")  # (json length, blob length)
MAX_MESSAGE_BYTES = 512 * 1024 * 1024


class WireError(ValueError):
    """A value that cannot cross the wire, or a malformed message."""


def encode(value: Any) -> tuple[Any, dict[str, torch.Tensor]]:
    """Split a value into a JSON-able skeleton and the tensors it refers to."""
    tensors: dict[str, torch.Tensor] = {}
    return _encode(value, tensors, "the value"), tensors


def _encode(value: Any, tensors: dict[str, torch.Tensor], where: str) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return _plain_scalar(value)
    if isinstance(value, torch.Tensor):
        key = f"t{len(tensors)}"
        tensors[key] = _plain_tensor(value)
        return {"__tensor__": key}
    if isinstance(value, np.ndarray):
        key = f"t{len(tensors)}"
        tensors[key] = _plain_tensor(_array_to_tensor(value, where))
        return {"__ndarray__": key}
    if isinstance(value, np.generic):
        return _plain_scalar(value.item())
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, tensors, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(v, tensors, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        if not all(type(k) is str for k in value):
            raise WireError(f"{where}: only dicts with string keys can be returned")
        return {"__dict__": {k: _encode(v, tensors, f"{where}[{k!r}]") for k, v in value.items()}}
    raise WireError(
        f"{where}: a value of type {type(value).__name__} cannot be graded; "
        "return tensors, arrays, numbers, strings, or tuples/lists/dicts of them"
    )


def _plain_scalar(value: Any) -> Any:
    """Rebuild a scalar with its exact builtin type, read by the builtin's own slot (a lying int
    subclass cannot change its value on the way)."""
    if value is None or isinstance(value, bool):  # bool cannot be subclassed
        return value
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    return str.__str__(value)


def _array_to_tensor(array: np.ndarray, where: str) -> torch.Tensor:
    if array.dtype == object or array.dtype.kind in "USV":
        raise WireError(f"{where}: numpy arrays of dtype {array.dtype} cannot be graded")
    return torch.from_numpy(np.array(array, copy=True))


def _plain_tensor(value: torch.Tensor) -> torch.Tensor:
    """A contiguous CPU copy with the class torch.Tensor, whatever subclass came in."""
    plain = torch.Tensor.as_subclass(value, torch.Tensor)
    return plain.detach().to("cpu", copy=True).contiguous()


def decode(skeleton: Any, tensors: dict[str, torch.Tensor]) -> Any:
    """Rebuild a value from its skeleton and tensors (the inverse of `encode`)."""
    if isinstance(skeleton, list):
        return [decode(v, tensors) for v in skeleton]
    if not isinstance(skeleton, dict):
        return skeleton
    if "__tensor__" in skeleton:
        return tensors[skeleton["__tensor__"]]
    if "__ndarray__" in skeleton:
        return tensors[skeleton["__ndarray__"]].numpy()
    if "__tuple__" in skeleton:
        return tuple(decode(v, tensors) for v in skeleton["__tuple__"])
    if "__dict__" in skeleton:
        return {k: decode(v, tensors) for k, v in skeleton["__dict__"].items()}
    raise WireError(f"malformed message: unknown object {sorted(skeleton)}")


def pack(message: dict[str, Any], tensors: dict[str, torch.Tensor]) -> bytes:
    """One frame: header, JSON, safetensors blob."""
    text = json.dumps(message).encode()
    blob = save_tensors(tensors) if tensors else b""
    return HEADER.pack(len(text), len(blob)) + text + blob


def unpack(text: bytes, blob: bytes) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """Parse the two parts of a frame (after `HEADER`)."""
    message = json.loads(text)
    if not isinstance(message, dict):
        raise WireError("malformed message: the header is not a JSON object")
    return message, (load_tensors(blob) if blob else {})


def write_frame(stream: BinaryIO, message: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
    stream.write(pack(message, tensors))
    stream.flush()


def read_frame(stream: BinaryIO) -> tuple[dict[str, Any], dict[str, torch.Tensor]] | None:
    """Blocking read of one frame; None at end of stream."""
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    text_len, blob_len = HEADER.unpack(head)
    if text_len + blob_len > MAX_MESSAGE_BYTES:
        raise WireError(f"message of {text_len + blob_len} bytes is over the limit")
    return unpack(stream.read(text_len), stream.read(blob_len))
