"""The reference Lab 5 training script end to end on a few steps, and the bundled U-Nets against their sidecars and
the lab's targets on the 1,000 held-out postcodes."""

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from ipdl.checkpoints import load_checkpoint
from ipdl.data.postcodes import heldout_postcodes
from solutions.lab5_unet.training import evaluate
from solutions.lab5_unet.unet import UNet

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED = {"transpose": REPO_ROOT / "webapp" / "checkpoints" / "unet-postcodes.safetensors",
           "unpool": REPO_ROOT / "webapp" / "checkpoints" / "unet-postcodes-unpool.safetensors"}
TARGETS = {"foreground_iou": 0.95, "mean_iou_digits": 0.85, "postcodes_read_exactly": 0.90}  # the transpose model's
MAX_FILE_BYTES = 25_000_000
MAX_TRAINING_CPU_SECONDS = 20 * 60


def model_from(path: Path) -> tuple[UNet, dict]:
    state_dict, info = load_checkpoint(path)
    model = UNet(**info["model_args"])
    model.load_state_dict(state_dict)
    return model, info


def test_train_script_writes_a_loadable_checkpoint(tmp_path: Path) -> None:
    """Two epochs of two steps on a tiny U-Net: exit 0, progress lines, weights plus a complete sidecar whose metrics
    are those of the weights."""
    out = tmp_path / "unet.safetensors"
    args = ["--epochs", "2", "--steps-per-epoch", "2", "--batch-size", "4", "--base-channels", "4", "--up-mode",
            "unpool", "--progress-canvases", "8", "--test-canvases", "20", "--seed", "3", "--threads", "1",
            "--out", str(out)]
    result = subprocess.run([sys.executable, "-m", "solutions.lab5_unet.train", *args], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "epoch   2/2" in result.stdout and "held-out: foreground IoU" in result.stdout
    model, info = model_from(out)
    assert info["model_args"] == {"in_channels": 1, "num_classes": 11, "base_channels": 4, "up_mode": "unpool"}
    assert info["command"] == shlex.join(["python", "-m", "solutions.lab5_unet.train", *args])
    assert info["seed"] == 3 and info["config"]["steps_per_epoch"] == 2 and info["canvases_seen"] == 16
    assert info["training_seconds"] > 0 and info["training_cpu_seconds"] > 0 and info["date"].startswith("20")
    assert len(info["history"]) == 2 and "1000 held-out canvases" in info["data"]["test"]
    scores = evaluate(model, heldout_postcodes()[:20])
    for key in ("pixel_accuracy", "foreground_iou", "mean_iou_digits", "postcodes_read_exactly"):
        assert scores[key] == pytest.approx(info["metrics"][key], abs=1e-9, nan_ok=True), key


@pytest.mark.parametrize("up_mode", sorted(BUNDLED))
def test_bundled_checkpoint_matches_its_sidecar(up_mode: str) -> None:
    path = BUNDLED[up_mode]
    assert path.stat().st_size < MAX_FILE_BYTES
    model, info = model_from(path)
    assert info["model_args"]["up_mode"] == up_mode
    assert info["command"].startswith("python -m solutions.lab5_unet.train")
    assert info["metrics"]["canvases"] == 1000
    assert info["training_cpu_seconds"] < MAX_TRAINING_CPU_SECONDS
    scores = evaluate(model, heldout_postcodes())
    for key in ("pixel_accuracy", "foreground_iou", "mean_iou_digits", "postcodes_read_exactly"):
        assert scores[key] == pytest.approx(info["metrics"][key], abs=1e-4), key
    if up_mode == "transpose":
        for key, target in TARGETS.items():
            assert scores[key] >= target, f"{key}: {scores[key]:.4f} < {target}"
