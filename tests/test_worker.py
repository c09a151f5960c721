"""The worker boundary: plain data only, and a misbehaving call fails alone."""

import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from grader import worker_zygote
from grader.budget import Budget
from grader.paths import REPO_ROOT
from grader.target import resolve_target
from grader.worker import wire
from grader.worker.limits import GB, Limits
from grader.worker_client import OUTPUT_KEEP_BYTES, StudentCodeError, Worker, WorkerSettings

MISBEHAVING_MODULE = '''
import ctypes
import os
import sys

import torch
import torch.nn.functional as F


class LyingTensor(torch.Tensor):
    def __eq__(self, other):
        return True


def add(a, b):
    return a + b


def echo(*args, **kwargs):
    return args, kwargs


def spin():
    while True:
        pass


def hard_exit():
    os._exit(0)


def soft_exit():
    sys.exit(0)


def segfault():
    ctypes.string_at(0)


def uses_torch_conv(x, w):
    return F.conv2d(x, w)


def lying_tensor():
    return torch.zeros(3).as_subclass(LyingTensor)


def an_object():
    return object()


def not_done():
    raise NotImplementedError("lab9.1: write it")


def import_grader():
    import grader
    return 1


def chatty():
    print("x" * 100_000)
    return 7


def hoard():
    return [bytearray(64 * 1024 * 1024) for _ in range(100)]


def where_am_i():
    import os

    return {"uid": os.getuid(), "cwd": os.getcwd(), "root": sorted(os.listdir("/")),
            "repo": sorted(os.listdir("REPO_ROOT")) if os.path.isdir("REPO_ROOT") else []}
'''


@pytest.fixture(scope="module")
def submission(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lab folder the catalogue knows, holding a module of the student's own (the grader recognises lab folders
    by their names; the staged copy adds the lab's given files beside it)."""
    folder = tmp_path_factory.mktemp("submission")
    (folder / "lab1_convolution").mkdir()
    module = textwrap.dedent(MISBEHAVING_MODULE).replace("REPO_ROOT", str(REPO_ROOT))  # the kit, wherever it is
    (folder / "lab1_convolution" / "calls.py").write_text(module)
    return folder


@pytest.fixture(scope="module", params=["started", "forked"])
def worker(submission: Path, request: pytest.FixtureRequest) -> Worker:
    """A worker started directly, and one forked from a zygote (a batch's judge slot): each must hold."""
    if request.param == "forked":
        worker_zygote.enable()
    worker = Worker(resolve_target(str(submission)), WorkerSettings(limits=Limits(memory_bytes=2 * GB)))
    yield worker
    worker.close()
    worker_zygote.disable()


def call(worker: Worker, name: str, *args, timeout: float = 5.0, **kwargs):
    return worker.call(f"lab1_convolution.calls.{name}", args, kwargs, timeout=timeout, forbidden_ops=("convolution",))


def test_values_round_trip_as_plain_objects(worker: Worker) -> None:
    args = (torch.arange(6.0).reshape(2, 3)[:, 1:], np.eye(2, dtype=np.float32), 3, 2.5, "s", None, True)
    got_args, got_kwargs = call(worker, "echo", *args, nested={"k": [torch.tensor([True, False])]})
    assert type(got_args) is tuple and len(got_args) == len(args)
    assert type(got_args[0]) is torch.Tensor and torch.equal(got_args[0], args[0])
    assert type(got_args[1]) is np.ndarray and np.array_equal(got_args[1], args[1])
    assert got_args[2:] == (3, 2.5, "s", None, True)
    assert torch.equal(got_kwargs["nested"]["k"][0], torch.tensor([True, False]))


def test_tensor_subclass_comes_back_as_a_plain_tensor(worker: Worker) -> None:
    got = call(worker, "lying_tensor")
    assert type(got) is torch.Tensor
    assert not torch.equal(got, torch.ones(3))


@pytest.mark.parametrize(
    ("name", "kind", "words"),
    [
        ("spin", "timeout", "did not finish within 1 s"),
        ("hard_exit", "crash", "exited with code 0"),
        ("segfault", "crash", "segmentation fault"),
        ("soft_exit", "exception", "sys.exit(0)"),
        ("uses_torch_conv", "forbidden", "aten.convolution"),
        ("an_object", "bad_return", "type object cannot be graded"),
        ("not_done", "exception", "lab9.1: write it"),
        ("import_grader", "exception", "may not import 'grader'"),
        ("no_such_function", "import", "defines no 'no_such_function'"),
    ],
)
def test_misbehaving_call_fails_alone_and_the_worker_recovers(worker: Worker, name: str, kind: str,
                                                               words: str) -> None:
    args = (torch.ones(1, 1, 3, 3), torch.ones(1, 1, 2, 2)) if name == "uses_torch_conv" else ()
    with pytest.raises(StudentCodeError) as caught:
        call(worker, name, *args, timeout=1.0)
    assert caught.value.kind == kind
    assert words in caught.value.summary()
    assert torch.equal(call(worker, "add", torch.ones(2), torch.ones(2)), torch.full((2,), 2.0))


def test_crash_restarts_the_worker(worker: Worker) -> None:
    starts = worker.starts
    with pytest.raises(StudentCodeError):
        call(worker, "hard_exit")
    assert call(worker, "add", 1, 2) == 3
    assert worker.starts == starts + 1


def test_printed_output_is_kept_out_of_the_protocol(worker: Worker) -> None:
    assert call(worker, "chatty") == 7
    with pytest.raises(StudentCodeError) as caught:
        call(worker, "not_done")
    assert caught.value.exc_type == "NotImplementedError"


def test_wire_refuses_a_pickle_instead_of_running_it(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = pickle.dumps(WritesAFileWhenUnpickled(str(marker)))
    with pytest.raises(Exception) as caught:
        wire.unpack(b"{}", payload)
    assert not isinstance(caught.value, AssertionError)
    assert not marker.exists()


class WritesAFileWhenUnpickled:
    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_memory_limit_fails_the_call_with_its_name(worker: Worker) -> None:
    with pytest.raises(StudentCodeError) as caught:
        call(worker, "hoard", timeout=30)
    assert caught.value.kind == "limit"
    assert "memory limit" in caught.value.summary() and "2 GB" in caught.value.summary()
    assert call(worker, "add", 1, 2) == 3


def test_the_worker_sees_neither_the_kit_nor_the_judge(worker: Worker) -> None:
    seen = call(worker, "where_am_i")
    if not str(worker.sandbox["sandbox"]["isolation"]).startswith("namespaces"):
        pytest.skip(f"no namespaces here: {worker.sandbox['sandbox']['isolation']}")
    assert not {"solutions", "grader", "labs"} & set(seen["repo"]), seen
    environment = {Path(os.path.realpath(folder)).parts[1] for folder in (sys.prefix, sys.base_prefix)}
    system = {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", "sys", "dev", "proc", "tmp"}
    assert set(seen["root"]) <= system | environment, f"the worker sees the host's {seen['root']}"
    if "own uid" in worker.sandbox["sandbox"]["user"]:
        assert seen["uid"] >= 100_000


def test_printed_output_is_trimmed_between_calls(worker: Worker) -> None:
    for _ in range(12):  # 1.2 MB in all
        assert call(worker, "chatty") == 7
    assert worker._stderr_path.stat().st_size <= OUTPUT_KEEP_BYTES


def test_budgets_name_the_limit_that_stopped_a_call(submission: Path) -> None:
    budget = Budget(total_s=100, per_test_s=1.5)
    worker = Worker(resolve_target(str(submission)), budget=budget)
    try:
        budget.start_test()
        with pytest.raises(StudentCodeError) as caught:
            worker.call("lab1_convolution.calls.spin", (), {}, timeout=5)
        assert caught.value.kind == "timeout" and "the limit for one test, 1.5 s" in caught.value.summary()
        with pytest.raises(StudentCodeError) as caught:
            worker.call("lab1_convolution.calls.add", (1, 2), {})
        assert caught.value.kind == "budget" and "not run" in caught.value.summary()
        budget.start_test()
        assert worker.call("lab1_convolution.calls.add", (1, 2), {}) == 3
        budget.used_s = budget.total_s
        with pytest.raises(StudentCodeError, match="total budget"):
            worker.call("lab1_convolution.calls.add", (1, 2), {})
    finally:
        worker.close()


@pytest.mark.parametrize(
    "value",
    [{"__tensor__": "t9"}, {"__what__": 1}, {"__tuple__": 5}],
    ids=["unknown tensor", "unknown marker", "bad tuple"],
)
def test_a_malformed_reply_is_a_failed_call_not_a_judge_error(worker: Worker, value: dict) -> None:
    reply = ({"id": worker._next_id, "ok": True, "value": value}, {})
    with pytest.raises(StudentCodeError) as caught:
        worker._value_of("lab1_convolution.calls.add", reply, "")
    assert caught.value.kind == "bad_return"


def test_limits_are_applied_in_the_worker(worker: Worker) -> None:
    call(worker, "add", 1, 2)
    state = worker.sandbox["limits"]
    assert state["memory"] == state["cpu"] == state["file_size"] == "on"


def test_cpu_limit_ends_the_worker_with_its_name(submission: Path) -> None:
    worker = Worker(resolve_target(str(submission)), WorkerSettings(limits=Limits(cpu_seconds=1)))
    try:
        with pytest.raises(StudentCodeError) as caught:
            worker.call("lab1_convolution.calls.spin", (), {}, timeout=60)
        assert caught.value.kind == "crash" and "CPU time limit" in caught.value.summary()
        assert worker.call("lab1_convolution.calls.add", (1, 2), {}) == 3
    finally:
        worker.close()


def test_a_forked_worker_comes_from_the_zygote(worker: Worker) -> None:
    assert call(worker, "add", 1, 2) == 3
    expected = subprocess.Popen if worker_zygote.current() is None else worker_zygote.ForkedProcess
    assert type(worker.process) is expected
