"""Save and load everything a training run needs to go on where it stopped — weights, EMA weights, AdamW's
moments, the step count — as safetensors plus a JSON file (never pickle).
"""

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn


def save_resume_state(folder: Path, model: nn.Module, ema: nn.Module, optimizer: torch.optim.Optimizer,
                      step: int, seconds: float, history: list[dict[str, float]]) -> None:
    """Write <folder>/resume.safetensors (tensors) and <folder>/resume.json (step, seconds, history, hyper-params)."""
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    tensors |= {f"ema.{k}": v for k, v in ema.state_dict().items()}
    optimizer_state = optimizer.state_dict()
    for index, state in optimizer_state["state"].items():
        for key, value in state.items():
            tensors[f"optimizer.{index}.{key}"] = torch.as_tensor(value)
    tensors = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    save_file(tensors, str(folder / "resume.safetensors"))
    meta = {"step": step, "seconds": seconds, "history": history, "param_groups": optimizer_state["param_groups"]}
    (folder / "resume.json").write_text(json.dumps(meta) + "\n")


def load_resume_state(folder: Path, model: nn.Module, ema: nn.Module,
                      optimizer: torch.optim.Optimizer) -> tuple[int, float, list[dict[str, float]]]:
    """Load a resume state into model, ema and optimizer; returns (step, seconds, history)."""
    path = folder / "resume.safetensors"
    if not path.is_file():
        raise SystemExit(f"error: nothing to resume: no {path} (run without --resume first)")
    tensors = load_file(str(path))
    meta = json.loads((folder / "resume.json").read_text())
    model.load_state_dict({k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")})
    ema.load_state_dict({k[len("ema."):]: v for k, v in tensors.items() if k.startswith("ema.")})
    state: dict[int, dict[str, torch.Tensor]] = {}
    for name, value in tensors.items():
        if name.startswith("optimizer."):
            _, index, key = name.split(".", 2)
            state.setdefault(int(index), {})[key] = value
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    return meta["step"], meta["seconds"], meta["history"]
