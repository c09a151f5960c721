"""The modules of `solutions` as the judge sees them while golden fixtures are recorded or replayed.

Only the exercises are stood in for: the top-level functions and classes of a solution file with a solution region
inside. The rest is public (the student's stubs have it too): given helpers next to the exercises and every file
without regions (harness.py) run for real, except that a call the judge makes into one of their functions with
plain arguments and a plain result, changing no model it was given, is recorded at that boundary, so that a
release answers it without running the exercises it uses inside.
"""

import ast
import importlib
import json
import sys
import types
from pathlib import Path
from typing import Any

from grader.golden.recorder import Book, Boundary, Recorder, Reference
from grader.golden.store import new_key
from grader.instructor.stubgen import SOLUTION_BEGIN

MANIFEST = "manifest.json"


def exercise_names(path: Path) -> list[str]:
    """Top-level functions and classes of a solution file with a solution region in their body."""
    text = path.read_text()
    begins = [number for number, line in enumerate(text.splitlines(), 1) if SOLUTION_BEGIN.match(line)]
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return sorted(node.name for node in ast.parse(text).body if isinstance(node, definitions)
                  and any(node.lineno <= line <= node.end_lineno for line in begins))


def lab_modules(solutions_dir: Path, labs: list[str] | None = None) -> dict[str, list[str]]:
    """`lab1_convolution.convolution` -> its exercise names, for every module of the lab folders (not packages)."""
    modules = {}
    for path in sorted(solutions_dir.glob("lab*/**/*.py")):
        relative = path.relative_to(solutions_dir)
        if path.name != "__init__.py" and "__pycache__" not in relative.parts and (
                labs is None or relative.parts[0] in labs):
            modules[".".join(relative.with_suffix("").parts)] = exercise_names(path)
    return modules


def facade(book: Book, fullname: str, real: types.ModuleType | None, exercises: list[str]) -> types.ModuleType:
    """The module the judge imports as `fullname`: References for the exercises, Boundaries for the other
    functions of `real`, and `real`'s other attributes as they are."""
    name = fullname.removeprefix("solutions.")
    lab = name.split(".")[0]
    reference = Reference(book, new_key("module", name), lab, name, real)
    module = types.ModuleType(fullname, f"Golden stand-in for {fullname} (see grader/golden/modules.py).")

    def attribute(attr: str) -> Any:
        if attr.startswith("__") or (real is None and attr not in exercises):
            raise AttributeError(f"module {fullname!r} has no attribute {attr!r}")
        if attr in exercises:  # a function or class: nothing to record about the name itself
            value = Reference(book, new_key(reference._key, "attr", attr), lab, f"{name}.{attr}",
                              getattr(real, attr, None), owner=reference)
        else:
            value = getattr(real, attr)
            if isinstance(value, types.FunctionType):
                value = Boundary(book, new_key("module", name, "boundary", attr), lab, f"{name}.{attr}", value)
        setattr(module, attr, value)  # asked once, kept
        return value

    module.__getattr__ = attribute
    return module


def install(module: types.ModuleType) -> None:
    """Put `module` where imports find it: sys.modules and its parent package."""
    sys.modules[module.__name__] = module
    parent, _, child = module.__name__.rpartition(".")
    if parent in sys.modules:
        setattr(sys.modules[parent], child, module)


def start_recording(solutions_dir: Path, folder: Path, labs: list[str]) -> Recorder:
    """Swap every module of these labs of `solutions` for its recording facade; `recorder.save()` at the end.

    The real modules are imported first, so that the reference's own code keeps calling the real exercises."""
    recorder = Recorder(folder)
    modules = lab_modules(solutions_dir, labs)
    real = {name: importlib.import_module(f"solutions.{name}") for name in modules}
    for name, exercises in modules.items():
        install(facade(recorder, f"solutions.{name}", real[name], exercises))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text(json.dumps({"modules": modules}, indent=2))
    return recorder
