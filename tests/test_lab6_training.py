"""Lab 6's training script on a tiny UNet: it exports a from_pretrained folder with a sidecar, and a run resumed
from its resume state ends with exactly the weights of an uninterrupted run."""

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from solutions.lab6_diffusion.sampling import load_denoiser
from solutions.lab6_diffusion.train import main

TINY = ["--channels", "8", "16", "16", "--batch-size", "4", "--log-every", "1", "--checkpoint-every", "2"]


def train(out: Path, *extra: str) -> None:
    main([*TINY, "--out", str(out), *extra])


@pytest.fixture(scope="module")
def straight_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("straight")
    train(out, "--steps", "4")
    return out


def test_export_loads_with_from_pretrained(straight_run: Path) -> None:
    unet, scheduler = load_denoiser(straight_run)
    assert unet.config.sample_size == 24 and unet.config.num_class_embeds == 11
    assert scheduler.config.num_train_timesteps == 1000
    info = json.loads((straight_run / "training.json").read_text())
    assert info["steps"] == 4 and info["command"].startswith("python -m solutions.lab6_diffusion.train")
    assert [entry["step"] for entry in info["history"]] == [1, 2, 3, 4]
    assert info["data"]["train"] == 4000


def test_resumed_run_matches_straight_run(straight_run: Path, tmp_path: Path) -> None:
    train(tmp_path, "--steps", "2")  # within the warm-up the learning rate does not depend on --steps
    train(tmp_path, "--steps", "4", "--resume")
    straight = load_file(str(straight_run / "resume.safetensors"))
    resumed = load_file(str(tmp_path / "resume.safetensors"))
    assert straight.keys() == resumed.keys()
    info = json.loads((tmp_path / "training.json").read_text())
    assert "--steps 2" in info["command"] and "--resume" in info["resumed_with"][0]
    for name, tensor in straight.items():
        torch.testing.assert_close(resumed[name], tensor, rtol=0, atol=0, msg=name)


def test_resume_without_state_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="nothing to resume"):
        train(tmp_path, "--steps", "2", "--resume")
