"""Storage for golden fixtures: deterministic keys for calls, and results kept as JSON plus safetensors.

One folder per lab, `grader/golden/<lab folder>/`: `calls.json` (key -> entry), `tensors.safetensors` (every
tensor, named by a hash of its content, so equal results are stored once) and `exports/<key>.pt2` (model
classes as exported programs, see recorder.py). Nothing here is pickle.
"""

import hashlib
import json
import types
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save_file

PLAIN_SCALARS = (type(None), bool, int, float, str)


class RecordError(TypeError):
    """A value the golden fixtures cannot key or store."""


def new_key(*parts: Any) -> str:
    """A key from strings and bytes (the order matters)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()[:32]


def fingerprint(value: Any, key_of) -> bytes:
    """Bytes that identify `value` exactly (type, shape, dtype, content); `key_of(value)` gives the key of a
    stand-in object (a golden.Reference) or None for anything else."""
    reference_key = key_of(value)
    if reference_key is not None:
        return b"R" + reference_key.encode()
    if type(value) in PLAIN_SCALARS:
        return f"{type(value).__name__}:{value!r}".encode()
    if isinstance(value, torch.Tensor):
        plain = value.detach().to("cpu").contiguous()
        return b"T" + f"{plain.dtype}{tuple(plain.shape)}".encode() + plain.view(-1).view(torch.uint8).numpy().tobytes()
    if isinstance(value, np.ndarray):
        return b"A" + f"{value.dtype.str}{value.shape}".encode() + np.ascontiguousarray(value).tobytes()
    if isinstance(value, np.generic):
        return f"np:{value.dtype.str}:{value.item()!r}".encode()
    if isinstance(value, (torch.dtype, torch.device)):
        return f"torch:{value}".encode()
    if isinstance(value, torch.nn.Module):
        return module_fingerprint(value, key_of)
    if type(value).__module__.startswith("PIL.") and hasattr(value, "tobytes"):
        return b"I" + f"{value.mode}{value.size}".encode() + value.tobytes()
    if isinstance(value, (tuple, list)):
        return f"{type(value).__name__}[".encode() + b",".join(fingerprint(v, key_of) for v in value) + b"]"
    if isinstance(value, dict):
        items = [fingerprint(k, key_of) + b":" + fingerprint(v, key_of) for k, v in value.items()]
        return b"{" + b",".join(items) + b"}"
    raise RecordError(f"the golden fixtures cannot key a call with a {type(value).__name__} argument; "
                      "pass tensors, arrays, numbers, strings, or containers of them to the reference")


def module_fingerprint(module: torch.nn.Module, key_of) -> bytes:
    """A model by its classes, modes, parameter names, requires_grad flags and values."""
    parts = [f"{name}:{type(child).__module__}.{type(child).__qualname__}:{child.training}".encode()
             for name, child in module.named_modules()]
    parts += [f"{name}:{tensor.requires_grad}:".encode() + fingerprint(tensor.detach(), key_of)
              for name, tensor in module.state_dict(keep_vars=True).items()]
    return b"M[" + b",".join(parts) + b"]"


def tensor_name(tensor: torch.Tensor) -> str:
    return new_key(fingerprint(tensor, lambda value: None))


def encode(value: Any, tensors: dict[str, torch.Tensor], object_marker) -> Any:
    """A JSON skeleton of a result; tensors go to `tensors`; anything else becomes `object_marker(value)`."""
    if type(value) in PLAIN_SCALARS:
        return value
    if isinstance(value, torch.Tensor):
        plain = torch.Tensor.as_subclass(value, torch.Tensor).detach().to("cpu", copy=True).contiguous()
        name = tensor_name(plain)
        tensors[name] = plain
        return {"__tensor__": name}
    if isinstance(value, np.ndarray) and value.dtype != object:
        plain = torch.from_numpy(np.array(value, copy=True))
        name = tensor_name(plain)
        tensors[name] = plain
        return {"__ndarray__": name}
    if isinstance(value, np.generic):
        return {"__np__": value.dtype.str, "value": value.item()}
    if isinstance(value, (torch.dtype, torch.Size)):
        return {"__dtype__": str(value).removeprefix("torch.")} if isinstance(value, torch.dtype) else list(value)
    if isinstance(value, types.GeneratorType) or type(value).__name__ in ("map", "filter", "zip"):
        value = list(value)  # parameters(), children(): materialised, as a list
    if isinstance(value, (tuple, list)):
        items = [encode(v, tensors, object_marker) for v in value]
        return {"__tuple__": items} if isinstance(value, tuple) else items
    if isinstance(value, dict) and all(type(k) is str for k in value):
        return {"__dict__": {k: encode(v, tensors, object_marker) for k, v in value.items()}}
    return object_marker(value)


def decode(skeleton: Any, tensor, make_object) -> Any:
    """Rebuild a result: `tensor(name)` loads a tensor, `make_object(marker)` builds a stand-in."""
    if isinstance(skeleton, list):
        return [decode(v, tensor, make_object) for v in skeleton]
    if not isinstance(skeleton, dict):
        return skeleton
    if "__tensor__" in skeleton:
        return tensor(skeleton["__tensor__"])
    if "__ndarray__" in skeleton:
        return tensor(skeleton["__ndarray__"]).numpy()
    if "__np__" in skeleton:
        return np.dtype(skeleton["__np__"]).type(skeleton["value"])
    if "__dtype__" in skeleton:
        return getattr(torch, skeleton["__dtype__"])
    if "__tuple__" in skeleton:
        return tuple(decode(v, tensor, make_object) for v in skeleton["__tuple__"])
    if "__dict__" in skeleton:
        return {k: decode(v, tensor, make_object) for k, v in skeleton["__dict__"].items()}
    return make_object(skeleton)


class Store:
    """The fixtures of one lab: entries by key, tensors by name, exported programs by key."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.entries: dict[str, dict[str, Any]] = {}
        self.tensors: dict[str, torch.Tensor] = {}
        self._reader = None
        if (folder / "calls.json").exists():
            self.entries = json.loads((folder / "calls.json").read_text())

    def tensor(self, name: str) -> torch.Tensor:
        if name not in self.tensors:
            if self._reader is None:
                self._reader = safe_open(str(self.folder / "tensors.safetensors"), framework="pt")
            self.tensors[name] = self._reader.get_tensor(name)
        return self.tensors[name].clone()

    def export_path(self, key: str) -> Path:
        return self.folder / "exports" / f"{key}.pt2"

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "calls.json").write_text(json.dumps(self.entries, indent=0, sort_keys=True))
        save_file(self.tensors, str(self.folder / "tensors.safetensors"))
