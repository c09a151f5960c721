"""The untrusted side of the grader: a child process that imports student modules and runs one call at a time.

Started by `worker_client.Worker` as `python -I worker.py --package labs --plan JSON --limits JSON`. It first
enters its sandbox (`sandbox`, `limits`), then reads requests from stdin and writes replies on the original
stdout, both in the `wire` format; anything the student's code prints goes to stderr, which the judge keeps in
a file. Every reply is plain data; the judge decides what it is worth.
"""

import argparse
import functools
import importlib
import importlib.abc
import json
import os
import sys
import traceback
import types
from pathlib import Path
from typing import Any

SCRIPT_FOLDER = Path(__file__).resolve().parent


def load_sibling(name: str, source: str | None = None) -> types.ModuleType:
    """Load `name`.py from next to this script, or from its `source` read before the sandbox hid the folder;
    the grader package itself stays unimportable here."""
    path = SCRIPT_FOLDER / f"{name}.py"
    module = types.ModuleType(f"_grader_{name}")
    module.__file__ = str(path)
    sys.modules[module.__name__] = module  # dataclasses look their module up here
    exec(compile(path.read_text() if source is None else source, str(path), "exec"), module.__dict__)
    return module


limits = load_sibling("limits")
sandbox = load_sibling("sandbox")
# Read now, run inside the sandbox: wire imports torch, and torch's threads would make unshare(CLONE_NEWUSER) fail.
WIRE_SOURCE = (SCRIPT_FOLDER / "wire.py").read_text()
wire: types.ModuleType  # loaded by main()

BLOCKED_PACKAGES = ("grader", "webapp", "solutions")
MESSAGE_CHARS = 2000  # an exception message longer than this is cut (it goes into every report)


class ForbiddenOpError(RuntimeError):
    """The student's function called a torch operation the exercise asks them to write themselves."""


class NotRun(Exception):
    """Raised in place of a student function the judge no longer runs (its calls timed out twice)."""


STOPPED: set[str] = set()  # functions already replaced by a NotRun stand-in in this worker


def stop_running(package: str, not_run: dict[str, str]) -> None:
    """Replace each function in `not_run` (dotted name -> why) by a stand-in that raises NotRun, wherever the
    student's imported modules refer to it (`from .convolution import conv2d` too): a function that calls it then
    fails at once instead of running into the same timeout."""
    modules = [module for name, module in list(sys.modules.items()) if name.startswith(f"{package}.")]
    for dotted, message in not_run.items():
        module_name, _, attribute = dotted.rpartition(".")
        home = sys.modules.get(f"{package}.{module_name}")
        if dotted in STOPPED or home is None or attribute not in vars(home):
            continue
        original = vars(home)[attribute]

        def stand_in(*args: Any, _message: str = str(message), **kwargs: Any) -> None:
            raise NotRun(_message)

        for module in modules:
            for name, value in list(vars(module).items()):
                if value is original:
                    setattr(module, name, stand_in)
        STOPPED.add(dotted)


class BlockGraderImports(importlib.abc.MetaPathFinder):
    """Student code may not import the grader, the web app or the reference solutions (unless the solutions are
    what is being graded)."""

    def __init__(self, allowed: set[str]):
        self.blocked = set(BLOCKED_PACKAGES) - allowed

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname.split(".")[0] in self.blocked:
            raise ImportError(f"student code may not import {fullname!r} while being graded")
        return None


def mount_package(name: str, folder: Path) -> None:
    """Make `folder` importable as the package `name` without running its __init__.py."""
    package = types.ModuleType(name)
    package.__path__ = [str(folder)]
    package.__file__ = str(folder / "__init__.py")
    sys.modules[name] = package


@functools.cache
def op_guard_class() -> type:
    """A TorchDispatchMode that fails the call as soon as a forbidden aten op runs (made once: defining a
    dispatch mode class costs far more than a call)."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class ForbiddenOpGuard(TorchDispatchMode):
        @classmethod
        def _should_skip_dynamo(cls) -> bool:
            return False  # nothing here is compiled: wrapping the hook for torch.compile would import dynamo (2 s)

        def __init__(self, forbidden: set[str]):
            super().__init__()
            self.forbidden = forbidden

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            name = func.overloadpacket.__name__
            if name in self.forbidden:
                raise ForbiddenOpError(f"torch operation aten.{name} is not allowed in this exercise")
            return func(*args, **(kwargs or {}))

    return ForbiddenOpGuard


def make_op_guard(forbidden: set[str]):
    return op_guard_class()(forbidden)


def resolve(package: str, dotted: str) -> Any:
    """`lab1_convolution.convolution.conv2d` -> the function in the mounted package."""
    module_name, _, attribute = dotted.rpartition(".")
    module = importlib.import_module(f"{package}.{module_name}")
    if not hasattr(module, attribute):
        raise AttributeError(f"{module_name.replace('.', '/')}.py defines no {attribute!r}")
    return getattr(module, attribute)


def run_call(package: str, request: dict[str, Any], tensors: dict) -> tuple[dict[str, Any], dict]:
    """Run one request; return the reply and its tensors."""
    try:
        function = resolve(package, request["function"])
    except BaseException as error:  # SyntaxError, ImportError, SystemExit at import ...
        return describe_error("import", error), {}
    args = wire.decode(request["args"], tensors)
    kwargs = wire.decode(request["kwargs"], tensors)
    try:
        stop_running(package, request.get("not_run") or {})
        forbidden = set(request.get("forbidden_ops") or ())
        if forbidden:
            with make_op_guard(forbidden):
                value = function(*args, **kwargs)
        else:
            value = function(*args, **kwargs)
    except ForbiddenOpError as error:
        return describe_error("forbidden", error), {}
    except NotRun as error:
        return describe_error("not_run", error), {}
    except BaseException as error:  # SystemExit and KeyboardInterrupt from student code too
        return describe_error("exception", error), {}
    try:
        skeleton, out_tensors = wire.encode(value)
    except wire.WireError as error:
        return {"ok": False, "kind": "bad_return", "exc_type": "WireError", "message": str(error),
                "traceback": ""}, {}
    return {"ok": True, "value": skeleton}, out_tensors


def describe_error(kind: str, error: BaseException) -> dict[str, Any]:
    """The reply for an exception from student code; a resource limit it ran into is named as such."""
    message = safe_text(error)
    over_limit = limits.explain(error, LIMITS)
    if over_limit:
        kind, message = "limit", over_limit
    elif isinstance(error, SystemExit):
        message = f"your code called sys.exit({safe_text(error.code)}); lab code must return a value instead"
    elif isinstance(error, SyntaxError) and error.filename:
        message = f"{Path(error.filename).name} line {error.lineno}: {error.msg}"
    try:
        trace = student_traceback(error)
    except Exception:  # a traceback made of student objects that cannot be formatted
        trace = ""
    return {"ok": False, "kind": kind, "exc_type": type(error).__name__, "message": message[:MESSAGE_CHARS],
            "traceback": trace[-MESSAGE_CHARS:]}


def safe_text(value: Any) -> str:
    """str(value), even for a student's exception whose __str__ raises."""
    try:
        return str.__str__(value) if isinstance(value, str) else str(value)
    except BaseException:  # (whatever student code raises, the worker carries on)
        return f"<{type(value).__name__} that cannot be shown>"


def student_traceback(error: BaseException) -> str:
    """The traceback frames that belong to the student's files, most recent last."""
    roots = tuple(str(Path(p).resolve()) for p in MOUNTED.values())
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(roots)]
    return "".join(traceback.format_list(frames[-6:]))


MOUNTED: dict[str, Path] = {}
LIMITS = limits.Limits()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--package", default="labs", help="the package whose functions are called")
    parser.add_argument("--plan", required=True, help="the sandbox plan, as JSON (see sandbox.Plan)")
    parser.add_argument("--limits", default="{}", help="resource limits, as JSON (see limits.Limits)")
    return parser.parse_args(argv)


def serve(package: str, requests, replies, ready: dict[str, Any]) -> None:
    """Answer requests until the judge closes the pipe."""
    wire.write_frame(replies, {"ready": True, **ready}, {})
    while (frame := wire.read_frame(requests)) is not None:
        request, tensors = frame
        reply, out_tensors = run_call(package, request, tensors)
        reply["id"] = request.get("id")
        wire.write_frame(replies, reply, out_tensors)


def warm_up(torch: types.ModuleType) -> None:
    """Run torch's lazy set-up (math kernels, the dispatch-mode machinery) now, so that the first student call
    is not charged for it."""
    square = torch.ones(8, 8)
    with make_op_guard(set()):
        (square @ square).sum().item()
        torch.nn.functional.conv2d(square[None, None], square[None, None, :3, :3])


def main(argv: list[str] | None = None) -> None:
    global LIMITS, wire
    args = parse_args(sys.argv[1:] if argv is None else argv)
    LIMITS = limits.Limits.from_json(args.limits)
    entered = sandbox.enter(sandbox.Plan(**json.loads(args.plan)))
    wire = load_sibling("wire", WIRE_SOURCE)
    # The protocol keeps the real stdout; student prints go to stderr, which the judge saves to a file.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    sys.stdin = open(os.devnull)  # noqa: SIM115  (student code reading stdin gets end of file)
    sys.meta_path.insert(0, BlockGraderImports(allowed=set(entered.mounts)))
    for name, folder in entered.mounts.items():
        MOUNTED[name] = Path(folder)
        mount_package(name, MOUNTED[name])
    import torch  # loaded before the first call so its import time is not the student's

    if LIMITS.threads:
        torch.set_num_threads(LIMITS.threads)
    warm_up(torch)
    limit_state = limits.apply(LIMITS, own_user=entered.own_user)  # from here on, the time and memory are the student's
    serve(args.package, requests, replies, {"sandbox": entered.report, "limits": limit_state})


if __name__ == "__main__":
    main()
