"""Golden fixtures: the judge's calls into `solutions`, recorded while it grades the reference, and answered
from the recording in a student release, which ships no solution code.

The judge imports the reference as usual (`from solutions.lab1_convolution.convolution import conv2d`). With
`--record DIR` each exercise (a function or class with a `# BEGIN SOLUTION` region, see modules.py) is
replaced by a `Reference` to it, which runs the real code and notes each call: its key is a hash of what was
called and of its arguments' exact bytes (models and images included); its result is stored as plain data. In a
release, `solutions/__init__.py` installs the same References backed by the recording (replay.py): a
recorded call returns its recorded result, any other call raises `ReplayMissing`, which names the call.

Objects the reference returns (a `LeNet()`) become References too; a call on one moves its key on, so a
sequence of calls on an object replays in the same order only. Torch's global random state is part of the key
only for calls that use it (a freshly initialised model), and is restored to what it was after the call.
A model class (an `nn.Module`) is also saved as a `torch.export` program with its state after every call, so
that a release can still run it on inputs the recording never saw (the student's trained weights): the program
holds the forward pass as aten operations (no Python source and no stack traces), and always computes in eval mode.
"""

import copy
import types
import warnings
from pathlib import Path
from typing import Any

import torch

from grader.golden.store import RecordError, Store, decode, encode, fingerprint, new_key

__all__ = ["Book", "Boundary", "RecordError", "Recorder", "Reference", "ReplayMissing"]


class ReplayMissing(LookupError):
    """A reference result the student release does not have (only the instructor's grader can compute it)."""


class Reference:
    """A stand-in for something of `solutions` the judge uses: a module, a function, a class, an object."""

    def __init__(self, book: "Book", key: str, lab: str, name: str, real: Any = None,
                 owner: "Reference | None" = None, instance: bool = False):
        self._book, self._key, self._lab, self._name = book, key, lab, name
        self._attr = name.rpartition(".")[2]  # the attribute name, for a method of an object
        self._real, self._owner, self._instance = real, owner, instance
        self._state: str | None = None  # for an nn.Module: the key of its saved parameters
        self._origin: str | None = None  # for an nn.Module made by calling a class: key of that call
        self._live: torch.nn.Module | None = None  # a release's exported program, once the recording runs out

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._book.attribute(self, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._book.call(self, args, kwargs)

    def __repr__(self) -> str:
        return f"<reference {self._name}>"


def key_of(value: Any) -> str | None:
    return value._key if isinstance(value, Reference) else None


def rng_bytes() -> bytes:
    return torch.get_rng_state().numpy().tobytes()


class Book:
    """What References ask: the recorder (runs the real code) or the player (reads the recording)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.stores: dict[str, Store] = {}

    def store(self, lab: str) -> Store:
        if lab not in self.stores:
            self.stores[lab] = Store(self.folder / lab)
        return self.stores[lab]

    def call_key(self, target: Reference, args: tuple, kwargs: dict) -> str:
        return new_key(target._key, "call", fingerprint((args, kwargs), key_of))

    def advance(self, target: Reference, call_key: str) -> Reference | None:
        """The object whose history this call extends (an object itself, or the object a method belongs to)."""
        subject = target if target._instance else target._owner if target._owner and target._owner._instance else None
        if subject is not None:
            subject._key = new_key(subject._key, "after", call_key)
        return subject

    def reference_for(self, parent: Reference, marker: dict[str, Any]) -> Reference:
        """A new Reference for an object a call or attribute returned (`marker` as stored)."""
        if marker.get("self"):
            return parent
        reference = Reference(self, marker["object"], parent._lab, f"{parent._name}(...)", instance=True)
        reference._state, reference._origin = marker.get("state"), marker.get("origin")
        return reference


class Recorder(Book):
    """Runs the real reference and writes down every call the judge makes."""

    def attribute(self, parent: Reference, name: str) -> Any:
        real = getattr(parent._real, name)
        key = new_key(parent._key, "attr", name)
        if callable(real) or isinstance(real, types.ModuleType):
            instance = isinstance(real, torch.nn.Module)
            self.store(parent._lab).entries[key] = {"reference": True, "instance": instance}
            return Reference(self, key, parent._lab, f"{parent._name}.{name}", real, owner=parent, instance=instance)
        return self.remember(parent, key, real, parent)

    def call(self, target: Reference, args: tuple, kwargs: dict) -> Any:
        key = self.call_key(target, args, kwargs)
        origin = key if isinstance(target._real, type) else None  # an object made by a class: exportable
        before, models_before = rng_bytes(), model_fingerprints(args, kwargs)
        result = target._real(*unwrap(args), **unwrap(kwargs))
        if model_fingerprints(args, kwargs) != models_before:
            raise RecordError(f"{target._name} changed a model it was given, which a release cannot replay: let "
                              "the judge call a harness function that builds the model and returns plain data")
        store = self.store(target._lab)
        subject = self.advance(target, key)
        if rng_bytes() != before:
            store.entries[key] = {"random": True}
            key = new_key(key, "rng", before)
            store.tensors[f"rng.{key}"] = torch.get_rng_state()
        value = self.remember(target, key, result, subject or target, origin)
        if subject is not None:
            store.entries[key]["state"] = self.save_state(subject)
        self.maybe_export(target, args, kwargs)
        return value

    def remember(self, parent: Reference, key: str, value: Any, owner: Reference, origin: str | None = None) -> Any:
        """Store `value` under `key` and return what the judge gets: plain data, or References for objects."""
        store = self.store(parent._lab)
        objects: list[Reference] = []

        def marker(obj: Any) -> dict[str, Any]:
            if obj is owner._real:
                return {"self": True}
            reference = Reference(self, new_key(key, "object", len(objects)), parent._lab, f"{parent._name}(...)",
                                  obj, instance=True)
            reference._origin = origin
            objects.append(reference)
            mark = {"object": reference._key, "origin": origin}
            if isinstance(obj, torch.nn.Module):
                mark["state"] = reference._state = self.save_state(reference)
            return mark

        store.entries[key] = {"value": encode(value, store.tensors, marker)}
        made = iter(objects)

        def tensor(name: str) -> torch.Tensor:
            return store.tensors[name].clone()  # the judge may change what it gets; the recording stays

        return decode(store.entries[key]["value"], tensor, lambda mark: owner if mark.get("self") else next(made))

    def save_state(self, subject: Reference) -> str | None:
        """Save an nn.Module's parameters and buffers (once per distinct content); returns their key."""
        if not isinstance(subject._real, torch.nn.Module):
            return None
        store = self.store(subject._lab)
        names = {name: encode(tensor, store.tensors, None)["__tensor__"]
                 for name, tensor in subject._real.state_dict().items()}
        state = new_key("state", *sorted(f"{k}={v}" for k, v in names.items()))
        store.entries[state] = {"state": names}
        return state

    def maybe_export(self, target: Reference, args: tuple, kwargs: dict) -> None:
        """Export an nn.Module made by calling a class, on its first forward pass with a batch of 2 or more."""
        subject = target if target._instance else None
        if subject is None or subject._origin is None or not isinstance(subject._real, torch.nn.Module):
            return
        path = self.store(subject._lab).export_path(subject._origin)
        tensors = [a for a in args if isinstance(a, torch.Tensor)]
        if path.exists() or kwargs or len(tensors) != len(args) or not tensors or tensors[0].shape[0] < 2:
            return
        export_module(subject._real, tuple(tensors), path)

    def boundary_call(self, boundary: "Boundary", args: tuple, kwargs: dict) -> Any:
        """A public function of `solutions` (harness code): run it; note the result when a release can replay it
        (plain arguments, a plain result, no model changed in place)."""
        try:
            key = new_key(boundary.key, "call", fingerprint((args, kwargs), key_of))
        except RecordError:
            return boundary.function(*args, **kwargs)
        before, models_before = rng_bytes(), model_fingerprints(args, kwargs)
        result = boundary.function(*args, **kwargs)
        tensors: dict[str, torch.Tensor] = {}
        try:
            skeleton = encode(result, tensors, refuse_object)
        except RecordError:
            return result
        if model_fingerprints(args, kwargs) != models_before:
            return result
        store = self.store(boundary.lab)
        store.tensors.update(tensors)
        if rng_bytes() != before:
            store.entries[key] = {"random": True}
            key = new_key(key, "rng", before)
            store.tensors[f"rng.{key}"] = torch.get_rng_state()
        store.entries[key] = {"value": skeleton}
        return decode(skeleton, lambda name: store.tensors[name].clone(), refuse_object)

    def save(self) -> None:
        for store in self.stores.values():
            store.save()


class Boundary:
    """A public function of `solutions` the judge calls (harness code, or a given helper next to the exercises)."""

    def __init__(self, book: Book, key: str, lab: str, name: str, function: Any):
        self.book, self.key, self.lab, self.name, self.function = book, key, lab, name, function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.book.boundary_call(self, args, kwargs)

    def __repr__(self) -> str:
        return f"<public function {self.name}>"


def refuse_object(value: Any) -> Any:
    raise RecordError(f"a {type(value).__name__} is not plain data")


def model_fingerprints(args: tuple, kwargs: dict) -> list[bytes]:
    """Fingerprints of the models among the arguments, to notice a call that changes one in place."""
    models = [value for value in (*args, *kwargs.values()) if isinstance(value, torch.nn.Module)]
    return [fingerprint(model, key_of) for model in models]


def unwrap(value: Any) -> Any:
    """The real objects behind References, in containers too."""
    if isinstance(value, Reference):
        return value._real
    if isinstance(value, (tuple, list)):
        return type(value)(unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    return value


def export_module(module: torch.nn.Module, example: tuple, path: Path) -> None:
    """Save `module` as a torch.export program with a free batch size, without source lines or stack traces."""
    model = copy.deepcopy(module).eval()
    dynamic = tuple({0: torch.export.Dim.AUTO} for _ in example)
    try:
        program = torch.export.export(model, example, dynamic_shapes=dynamic)
    except Exception as error:  # (a model that cannot be exported just has no live fallback)
        warnings.warn(f"golden fixtures: cannot export {type(module).__name__}: {error}", stacklevel=2)
        return
    for node in program.graph.nodes:
        for secret in ("stack_trace", "source_fn_stack"):
            node.meta.pop(secret, None)
    program._example_inputs = None
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.export.save(program, path)
