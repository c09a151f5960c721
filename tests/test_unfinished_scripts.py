"""A student who runs a training script before writing the exercises it needs is told which TODO to fill in, in
which file, and how to check it; no traceback."""

import subprocess
import sys
from pathlib import Path

import pytest

from grader.paths import REPO_ROOT

SCRIPTS = {  # lab script -> (arguments for a tiny run, the first stub it reaches, where that stub lives)
    "labs.lab2_lenet.train": (["--epochs", "1"], "LeNet.__init__", "lab2.3", "labs/lab2_lenet/lenet.py"),
    "labs.lab3_pretrained.vanishing_gradient": (["--blocks", "2"], "BasicBlock.__init__", "lab3.5",
                                                "labs/lab3_pretrained/residual.py"),
    "labs.lab5_unet.train": (["--epochs", "1", "--steps-per-epoch", "1"], "UNet.__init__", "lab5.5",
                             "labs/lab5_unet/unet.py"),
    "labs.lab6_diffusion.train": (["--steps", "1"], "linear_beta_schedule", "lab6.1",
                                  "labs/lab6_diffusion/schedules.py"),
}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_training_the_stubs_says_which_todo_to_fill_in(script: str, tmp_path: Path) -> None:
    arguments, function, exercise, path = SCRIPTS[script]
    command = [sys.executable, "-m", script, *arguments, "--out", str(tmp_path / "out.safetensors")]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"error: {function} is not written yet (TODO {exercise} in {path} line " in result.stderr, result.stderr
    assert f"python -m grader {exercise.partition('.')[0]}" in result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert not any(tmp_path.iterdir()), "a run that stopped at a stub must not write a checkpoint"


def test_other_not_implemented_errors_are_not_hidden() -> None:
    """A NotImplementedError that names no exercise (a library's) keeps its traceback."""
    code = ("from ipdl.unfinished import run_script\n"
            "def main():\n    raise NotImplementedError('sparse tensors are not supported')\n"
            "run_script(main)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "sparse tensors are not supported" in result.stderr
