"""The untrusted side of the grader: a child process that imports student modules and runs one call at a time.

Started by `worker_client.Worker` as `python -I worker.py --mount labs=DIR [--package labs]`. It reads
requests from stdin and writes replies on the original stdout, both in the `wire` format; anything the
student's code prints goes to stderr, which the judge keeps in a file. Every reply is plain data; the
judge decides what it is worth.
"""

import argparse
import importlib
import importlib.abc
import importlib.util
import os
import sys
import traceback
import types
from pathlib import Path
from typing import Any


def load_wire_module() -> types.ModuleType:
    """Load wire.py from next to this script; the grader package itself stays unimportable here."""
    spec = importlib.util.spec_from_file_location("wire", Path(__file__).resolve().parent / "wire.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


wire = load_wire_module()

BLOCKED_PACKAGES = ("grader", "webapp")


class ForbiddenOpError(RuntimeError):
    """The student's function called a torch operation the exercise asks them to write themselves."""


class BlockGraderImports(importlib.abc.MetaPathFinder):
    """Student code may not import the grader or the web app (it could read the judge's logic)."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname.split(".")[0] in BLOCKED_PACKAGES:
            raise ImportError(f"student code may not import {fullname!r} while being graded")
        return None


def mount_package(name: str, folder: Path) -> None:
    """Make `folder` importable as the package `name` without running its __init__.py."""
    package = types.ModuleType(name)
    package.__path__ = [str(folder)]
    package.__file__ = str(folder / "__init__.py")
    sys.modules[name] = package


def make_op_guard(forbidden: set[str]):
    """A TorchDispatchMode that fails the call as soon as a forbidden aten op runs."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class ForbiddenOpGuard(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            name = func.overloadpacket.__name__
            if name in forbidden:
                raise ForbiddenOpError(f"torch operation aten.{name} is not allowed in this exercise")
            return func(*args, **(kwargs or {}))

    return ForbiddenOpGuard()


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
        forbidden = set(request.get("forbidden_ops") or ())
        if forbidden:
            with make_op_guard(forbidden):
                value = function(*args, **kwargs)
        else:
            value = function(*args, **kwargs)
    except ForbiddenOpError as error:
        return {"ok": False, "kind": "forbidden", "exc_type": "ForbiddenOpError", "message": str(error),
                "traceback": student_traceback(error)}, {}
    except BaseException as error:  # SystemExit and KeyboardInterrupt from student code too
        return describe_error("exception", error), {}
    try:
        skeleton, out_tensors = wire.encode(value)
    except wire.WireError as error:
        return {"ok": False, "kind": "bad_return", "exc_type": "WireError", "message": str(error),
                "traceback": ""}, {}
    return {"ok": True, "value": skeleton}, out_tensors


def describe_error(kind: str, error: BaseException) -> dict[str, Any]:
    message = str(error)
    if isinstance(error, SystemExit):
        message = f"your code called sys.exit({error.code!r}); lab code must return a value instead"
    elif isinstance(error, SyntaxError) and error.filename:
        message = f"{Path(error.filename).name} line {error.lineno}: {error.msg}"
    return {"ok": False, "kind": kind, "exc_type": type(error).__name__, "message": message,
            "traceback": student_traceback(error)}


def student_traceback(error: BaseException) -> str:
    """The traceback frames that belong to the student's files, most recent last."""
    roots = tuple(str(Path(p).resolve()) for p in MOUNTED.values())
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(roots)]
    return "".join(traceback.format_list(frames[-6:]))


MOUNTED: dict[str, Path] = {}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mount", action="append", default=[], metavar="NAME=DIR",
                        help="make DIR importable as package NAME (repeatable)")
    parser.add_argument("--package", default="labs", help="the package whose functions are called")
    return parser.parse_args(argv)


def serve(package: str, requests, replies) -> None:
    """Answer requests until the judge closes the pipe."""
    wire.write_frame(replies, {"ready": True, "pid": os.getpid()}, {})
    while (frame := wire.read_frame(requests)) is not None:
        request, tensors = frame
        reply, out_tensors = run_call(package, request, tensors)
        reply["id"] = request.get("id")
        wire.write_frame(replies, reply, out_tensors)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # The protocol keeps the real stdout; student prints go to stderr, which the judge saves to a file.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    sys.stdin = open(os.devnull)  # noqa: SIM115  (student code reading stdin gets end of file)
    sys.meta_path.insert(0, BlockGraderImports())
    for mount in args.mount:
        name, _, folder = mount.partition("=")
        MOUNTED[name] = Path(folder).resolve()
        mount_package(name, MOUNTED[name])
    import torch  # noqa: F401  (loaded before the first call so its import time is not the student's)

    serve(args.package, requests, replies)


if __name__ == "__main__":
    main()
