"""Save and load model weights as safetensors with a JSON sidecar (metrics, data, command, seed, date); never pickle.

    save_checkpoint("runs/lenet.safetensors", model.state_dict(), {"metrics": {...}})
    state_dict, info = load_checkpoint("runs/lenet.safetensors")   # info from runs/lenet.json
"""

import json
import shlex
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

SUFFIX = ".safetensors"


def sidecar_path(path: Path | str) -> Path:
    """`x/model.safetensors` -> `x/model.json`."""
    return Path(path).with_suffix(".json")


def save_checkpoint(path: Path | str, state_dict: dict[str, torch.Tensor], info: dict[str, Any]) -> Path:
    """Write the weights to `path` (.safetensors) and `info` to the sidecar next to it; returns the sidecar's path."""
    path = Path(path)
    if path.suffix != SUFFIX:
        raise ValueError(f"checkpoint paths end in {SUFFIX} (weights are stored as safetensors), got {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {name: tensor.detach().cpu().contiguous() for name, tensor in state_dict.items()}
    save_file(tensors, str(path), metadata={"sidecar": sidecar_path(path).name})
    sidecar = sidecar_path(path)
    sidecar.write_text(json.dumps(info, indent=2) + "\n")
    return sidecar


def load_checkpoint(path: Path | str) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """(state_dict, sidecar info) of a checkpoint written by save_checkpoint; info is {} without a sidecar."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}: train one first (each lab's train.py writes one)")
    state_dict = load_file(str(path))
    sidecar = sidecar_path(path)
    info = json.loads(sidecar.read_text()) if sidecar.is_file() else {}
    return state_dict, info


def script_command(module: str, argv: list[str]) -> str:
    """The command line that runs `module` with `argv`, as a shell would take it: "python -m <module> <args>"."""
    return shlex.join(["python", "-m", module, *argv])


def training_record(module: str, argv: list[str], config: Any) -> dict[str, Any]:
    """What every sidecar says about how its weights were made: the training script's `config` (a dataclass with
    a `seed`), the exact command that ran `module` with `argv`, the seed, the date (UTC) and torch's version."""
    return {
        "config": {key: str(value) if isinstance(value, Path) else value for key, value in asdict(config).items()},
        "command": script_command(module, argv),
        "seed": config.seed,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "torch": torch.__version__,
    }
