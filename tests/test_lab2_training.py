"""The reference Lab 2 training script end to end on a subset, and the bundled LeNet checkpoint against its sidecar."""

import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ipdl.checkpoints import load_checkpoint
from ipdl.data.mnist import load_mnist, make_loader
from solutions.lab2_lenet.lenet import LeNet
from solutions.lab2_lenet.training import evaluate

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED = REPO_ROOT / "webapp" / "checkpoints" / "lenet-mnist.safetensors"


@pytest.fixture(scope="module")
def split():
    return load_mnist()


def held_out_accuracy(state_dict: dict[str, torch.Tensor], split) -> tuple[float, float]:
    """(accuracy, mean loss) of the reference LeNet with these weights on the 1,000 held-out digits."""
    model = LeNet()
    model.load_state_dict(state_dict)
    return evaluate(model, make_loader(split.test_images, split.test_labels, batch_size=500))


def test_train_script_writes_a_loadable_checkpoint(tmp_path, split):
    """Three epochs on 800 digits: the script exits 0, prints progress, and writes weights plus a complete sidecar."""
    out = tmp_path / "lenet.safetensors"
    args = ["--epochs", "3", "--train-subset", "800", "--no-augment", "--seed", "3", "--out", str(out)]
    result = subprocess.run([sys.executable, "-m", "solutions.lab2_lenet.train", *args], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "epoch   3/3" in result.stdout and "test accuracy" in result.stdout
    state_dict, info = load_checkpoint(out)
    assert sorted(state_dict) == sorted(LeNet().state_dict())
    assert info["command"] == shlex.join(["python", "-m", "solutions.lab2_lenet.train", *args])
    assert info["seed"] == 3 and info["config"]["train_subset"] == 800 and info["metrics"]["train_examples"] == 800
    assert info["data"] == {"source": split.source, "train": 4000, "test": 1000}
    assert info["training_seconds"] > 0 and info["date"].startswith("20")
    accuracy, loss = held_out_accuracy(state_dict, split)
    assert accuracy == info["metrics"]["test_accuracy"]  # the sidecar's number is the checkpoint's
    assert loss == pytest.approx(info["metrics"]["test_loss"], rel=1e-6)
    assert accuracy > 0.6  # three epochs on 800 digits already learn something (chance is 0.1; about 0.8 here)


def test_bundled_checkpoint_matches_its_sidecar(split):
    state_dict, info = load_checkpoint(BUNDLED)
    accuracy, _ = held_out_accuracy(state_dict, split)
    assert accuracy == info["metrics"]["test_accuracy"]
    assert accuracy >= 0.985
    assert info["command"].startswith("python -m solutions.lab2_lenet.train")
    assert info["data"]["train"] == 4000 and info["data"]["test"] == 1000
    assert info["training_seconds"] < 60
