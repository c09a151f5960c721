"""Golden fixtures, replayed: a student release answers the judge's calls into `solutions` from the recording
that recorder.py made, runs model classes as their exported programs once the recording runs out, and runs the
public code of `solutions` (stubs and harness files, as in labs/) where nothing was recorded."""

import importlib.abc
import importlib.util
import json
import sys
import types
from pathlib import Path
from typing import Any

import torch

from grader.golden.modules import MANIFEST, facade
from grader.golden.recorder import Book, Boundary, Reference, ReplayMissing, key_of, refuse_object, rng_bytes
from grader.golden.store import RecordError, decode, fingerprint, new_key


class Player(Book):
    """Answers the judge's calls from the recording (a student release)."""

    def attribute(self, parent: Reference, name: str) -> Any:
        if parent._live is not None:
            return LiveModeSwitch(parent) if name in ("eval", "train") else getattr(parent._live, name)
        entry = self.store(parent._lab).entries.get(new_key(parent._key, "attr", name))
        if entry is None:
            if self.go_live(parent):
                return self.attribute(parent, name)
            raise missing(f"{parent._name}.{name}")
        if entry.get("reference"):
            return Reference(self, new_key(parent._key, "attr", name), parent._lab, f"{parent._name}.{name}",
                             owner=parent, instance=entry.get("instance", False))
        return decode(entry["value"], self.store(parent._lab).tensor, lambda mark: self.reference_for(parent, mark))

    def call(self, target: Reference, args: tuple, kwargs: dict) -> Any:
        subject = target if target._instance else target._owner if target._owner and target._owner._instance else None
        if subject is not None and subject._live is not None:
            return self.call_live(subject, target, args, kwargs)
        store = self.store(target._lab)
        key = self.call_key(target, args, kwargs)
        entry = store.entries.get(key)
        if entry is None:
            if subject is not None and self.go_live(subject):
                return self.call_live(subject, target, args, kwargs)
            raise missing(f"{target._name}(...)")
        if entry.get("random"):
            random_key = new_key(key, "rng", rng_bytes())
            entry = store.entries.get(random_key)
            if entry is None:
                raise missing(f"{target._name}(...) from this random state")
            torch.set_rng_state(store.tensor(f"rng.{random_key}"))
        self.advance(target, key)
        owner = subject or target
        value = decode(entry["value"], store.tensor, lambda mark: self.reference_for(owner, mark))
        if subject is not None and entry.get("state"):
            subject._state = entry["state"]
        return value

    def boundary_call(self, boundary: Boundary, args: tuple, kwargs: dict) -> Any:
        """A public function: its recorded result where there is one, else the shipped code runs."""
        try:
            key = new_key(boundary.key, "call", fingerprint((args, kwargs), key_of))
        except RecordError:
            return boundary.function(*args, **kwargs)
        store = self.store(boundary.lab)
        entry = store.entries.get(key)
        if entry is not None and entry.get("random"):
            random_key = new_key(key, "rng", rng_bytes())
            entry = store.entries.get(random_key)
            if entry is not None:
                torch.set_rng_state(store.tensor(f"rng.{random_key}"))
        if entry is None:
            return boundary.function(*args, **kwargs)
        return decode(entry["value"], store.tensor, refuse_object)

    def go_live(self, subject: Reference) -> bool:
        """Switch an nn.Module Reference to its exported program, in the state it has now; False without one."""
        if not subject._instance or subject._origin is None or subject._state is None:
            return False
        store = self.store(subject._lab)
        path = store.export_path(subject._origin)
        if not path.exists():
            return False
        program = torch.export.load(path).module()
        names = store.entries[subject._state]["state"]
        program.load_state_dict({name: store.tensor(tensor) for name, tensor in names.items()})
        subject._live = program
        return True

    def call_live(self, subject: Reference, target: Reference, args: tuple, kwargs: dict) -> Any:
        if target is subject:
            return subject._live(*args, **kwargs)
        if target._attr in ("eval", "train"):
            return subject  # the exported program always computes in eval mode
        return getattr(subject._live, target._attr)(*args, **kwargs)


class LiveModeSwitch:
    """`model.eval()` / `model.train()` on an exported program: nothing to switch (it computes in eval mode)."""

    def __init__(self, subject: Reference):
        self.subject = subject

    def __call__(self, mode: bool = True) -> Reference:
        return self.subject


def missing(what: str) -> ReplayMissing:
    return ReplayMissing(f"this student release has no recorded reference result for {what}: the call differs "
                         "from those the grader recorded from the reference, so only the instructor's grader "
                         "can check it")


class ReplayFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of the labs' modules of `solutions` get facades over the shipped public files (stubs, harness)."""

    def __init__(self, player: Player, modules: dict[str, list[str]]):
        self.player = player
        self.modules = {f"solutions.{name}": exercises for name, exercises in modules.items()}

    def find_spec(self, fullname: str, path: Any = None, target: Any = None):
        return importlib.util.spec_from_loader(fullname, self) if fullname in self.modules else None

    def create_module(self, spec) -> types.ModuleType:
        exercises = self.modules[spec.name]
        shipped = load_shipped(spec.name)
        module = facade(self.player, spec.name, shipped, exercises)
        for name in exercises:  # the public code in the file calls the recorded exercises, not the stubs
            setattr(shipped, name, getattr(module, name))
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the facade is ready."""


def load_shipped(fullname: str) -> types.ModuleType:
    """The shipped file of `fullname` (a stub, or a file without exercises), as a private module."""
    parent, _, leaf = fullname.rpartition(".")
    path = Path(sys.modules[parent].__path__[0]) / f"{leaf}.py"
    spec = importlib.util.spec_from_file_location(f"{parent}._shipped_{leaf}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def install_replay(golden_dir: Path) -> None:
    """Called by a release's solutions/__init__.py: the labs' modules answer from the golden fixtures."""
    manifest = json.loads((golden_dir / MANIFEST).read_text())
    sys.meta_path.insert(0, ReplayFinder(Player(golden_dir), manifest["modules"]))
