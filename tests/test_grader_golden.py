"""Golden fixtures: what the judge gets from the reference is the same, recorded or replayed; random state,
objects and model classes included; an unrecorded call is named."""

import types
from pathlib import Path

import pytest
import torch
from torch import nn

from grader.golden.modules import facade
from grader.golden.recorder import Recorder, ReplayMissing
from grader.golden.replay import Player

EXERCISES = ["TinyNet", "noisy", "scaled"]


class TinyNet(nn.Module):
    """A stand-in for a lab's model class: random init, a forward pass, a submodule."""

    def __init__(self, width: int = 3):
        super().__init__()
        self.fc = nn.Linear(4, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.fc(x))


def scaled(x: torch.Tensor, factor: float = 2.0) -> torch.Tensor:
    return x * factor


def noisy(shape: tuple[int, ...]) -> torch.Tensor:
    return torch.randn(shape)


def summary(x: torch.Tensor) -> dict:
    """A public helper (harness code): plain in, plain out, so the judge's call to it is recorded at the boundary."""
    return {"total": float(x.sum()), "scaled": scaled(x)}


def not_in_the_release(x: torch.Tensor) -> dict:
    raise AssertionError("a recorded call to public code must not run it again")


def reference_module() -> types.ModuleType:
    module = types.ModuleType("lab9_demo.reference")
    module.TinyNet, module.scaled, module.noisy, module.SIZE, module.summary = TinyNet, scaled, noisy, 4, summary
    return module


def shipped_module() -> types.ModuleType:
    """What a release ships for the same file: the public parts only."""
    module = types.ModuleType("lab9_demo.reference")
    module.SIZE, module.summary = 4, not_in_the_release
    return module


def judge_session(reference: types.ModuleType) -> dict:
    """What a judge test might do with the reference; returns everything it got."""
    x = torch.arange(8.0).reshape(2, 4)
    torch.manual_seed(0)
    got = {"scaled": reference.scaled(x, factor=3.0), "size": reference.SIZE, "noise": reference.noisy((2, 2)),
           "after_noise": torch.rand(1)}
    torch.manual_seed(1)
    model = reference.TinyNet(width=5)
    got["state"] = model.state_dict()
    got["forward"] = model(x)
    got["fc"] = model.fc(x)
    got["count"] = sum(p.numel() for p in model.parameters())
    got["eval_is_self"] = model.eval() is model
    got["summary"] = reference.summary(x)
    return got


def assert_same(a: object, b: object) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            assert_same(a[key], b[key])
    elif isinstance(a, torch.Tensor):
        assert type(b) is torch.Tensor and torch.equal(a, b)
    else:
        assert a == b


def replay(folder: Path) -> types.ModuleType:
    return facade(Player(folder), "solutions.lab9_demo.reference", shipped_module(), EXERCISES)


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("golden")
    recorder = Recorder(folder)
    got = judge_session(facade(recorder, "solutions.lab9_demo.reference", reference_module(), EXERCISES))
    recorder.save()
    return folder, got


def test_replay_gives_what_the_recording_gave(recording: tuple[Path, dict]) -> None:
    folder, recorded = recording
    replayed = judge_session(replay(folder))
    assert_same(recorded, replayed)
    assert_same(recorded, judge_session(reference_module()))  # and both are what the real code gives


def test_an_unrecorded_call_is_named(recording: tuple[Path, dict]) -> None:
    reference = replay(recording[0])
    with pytest.raises(ReplayMissing, match="lab9_demo.reference.scaled"):
        reference.scaled(torch.ones(3))
    torch.manual_seed(99)
    with pytest.raises(ReplayMissing, match="random state"):
        reference.noisy((2, 2))


def test_a_model_runs_on_weights_the_recording_never_saw(recording: tuple[Path, dict]) -> None:
    """Loading other weights leaves the recording: the exported program computes the forward pass."""
    reference = replay(recording[0])
    torch.manual_seed(1)
    model = reference.TinyNet(width=5)
    other = TinyNet(width=5)
    model.load_state_dict(other.state_dict())
    x = torch.randn(7, 4)
    assert torch.allclose(model.eval()(x), other(x))
