"""The trained weights a tab serves: the student's own (in runs/, written by their lab's train.py) for "your code",
the bundled ones (webapp/checkpoints/) for the reference, built into that implementation's model once per version.

    LENET = TrainedWeights("LeNet", "lab2_lenet.lenet", "LeNet", "lenet-mnist.safetensors", "Train one with ...")
    loaded = load_trained(LENET, impl)   # Loaded(model, info, checkpoint); gr.Error that says what to do
    loaded.model(x), loaded.source       # "bundled weights" or "your weights in runs/lenet-mnist.safetensors"

Cache policy, the same for every tab: one model per (implementation, weights, file), built again when the file
changes (modification time or size: a retrained checkpoint) or the lab's code does (an edited labs/ module is
imported anew, see implementations.py); the reference with the bundled weights is built once per process.
"""

import threading
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import gradio as gr
from torch import nn

from ipdl.checkpoints import load_checkpoint
from webapp.implementations import IMPLEMENTATIONS, REPO_ROOT, call_lab, load_lab_module

BUNDLED_DIR = REPO_ROOT / "webapp" / "checkpoints"
RUNS_DIR = Path("runs")  # relative to where the app runs, as the --out defaults of the labs' train.py are


@dataclass(frozen=True)
class TrainedWeights:
    """One trained model a tab serves, and where its weights are for each implementation."""

    label: str  # the model in messages: "LeNet", "U-Net"
    module: str  # the lab module that defines it: "lab2_lenet.lenet"
    builder: str  # its class there, built with the sidecar's "model_args" and given the tensors ("LeNet"); with
    #               reads_file, a function there that takes the checkpoint's path and returns (model, info)
    bundled: str  # file name in webapp/checkpoints/
    how_to_train: str  # a sentence with the command that writes the student's file: "Train one with `python -m ...`"
    runs: tuple[str, ...] = ()  # what that command writes into runs/, the first that exists is used; () = `bundled`
    reads_file: bool = False

    @property
    def bundled_path(self) -> Path:
        return BUNDLED_DIR / self.bundled

    @property
    def student_paths(self) -> tuple[Path, ...]:
        return tuple(RUNS_DIR / name for name in self.runs or (self.bundled,))

    def checkpoint(self, impl: str, folder: Path | None = None) -> Path:
        """The bundled file for the reference; for labs the student's (the first that exists); the file of that
        name inside `folder` instead, when given."""
        if impl == "solutions":
            candidates: tuple[Path, ...] = (self.bundled_path,)
        else:
            candidates = self.student_paths
        if folder is not None:
            candidates = tuple(Path(folder) / path.name for path in candidates)
        return next((path for path in candidates if path.is_file()), candidates[0])


@dataclass(frozen=True)
class Loaded:
    """A model ready to run (eval mode), its checkpoint's sidecar info, and the file it came from."""

    model: nn.Module
    info: dict[str, Any]
    checkpoint: Path

    @property
    def source(self) -> str:
        """Which weights these are, for status lines."""
        if self.checkpoint.resolve().is_relative_to(BUNDLED_DIR):
            return "bundled weights"
        return f"your weights in {self.checkpoint}"

    @property
    def test_accuracy(self) -> float | None:
        """The held-out accuracy the sidecar records, if any."""
        accuracy = self.info.get("metrics", {}).get("test_accuracy")
        return accuracy if isinstance(accuracy, float) else None


Version = tuple[ModuleType, int, int]  # the lab module as imported, the file's mtime (ns) and size
_loaded: dict[tuple[str, TrainedWeights, Path], tuple[Version, Loaded]] = {}
_loading = threading.Lock()  # Gradio runs events in threads: thirty first visitors wait for one build


def load_trained(weights: TrainedWeights, impl: str, checkpoint: Path | None = None) -> Loaded:
    """The model of `impl` with the weights at `checkpoint` (default: weights.checkpoint(impl)), from the cache
    unless the file or the lab's code changed since it was built."""
    checkpoint = weights.checkpoint(impl) if checkpoint is None else Path(checkpoint)
    if not checkpoint.is_file():
        raise gr.Error(missing_message(weights, impl, checkpoint))
    code = load_lab_module(weights.module, impl)  # the student's lab is imported again after an edit
    stat = checkpoint.stat()
    key, version = (impl, weights, checkpoint.resolve()), (code, stat.st_mtime_ns, stat.st_size)
    with _loading:
        cached = _loaded.get(key)
        if cached is None or cached[0] != version:
            _loaded[key] = (version, Loaded(*build(weights, impl, checkpoint), checkpoint))
        return _loaded[key][1]


def missing_message(weights: TrainedWeights, impl: str, checkpoint: Path) -> str:
    """Polite advice when there are no weights at `checkpoint`."""
    if impl == "labs":
        meanwhile = " Meanwhile the 'reference' implementation uses the bundled weights." if "solutions" in \
            IMPLEMENTATIONS else ""
        return (f"No trained {weights.label} of yours yet: {checkpoint} does not exist. {weights.how_to_train}, "
                f"then try again.{meanwhile}")
    return (f"The bundled {weights.label} weights are missing ({checkpoint}). Restore them with "
            "`git checkout -- webapp/checkpoints`, or retrain them with the command in the .json file next to them.")


def build(weights: TrainedWeights, impl: str, checkpoint: Path) -> tuple[nn.Module, dict[str, Any]]:
    """Build `impl`'s model and load the tensors of `checkpoint` into it: (model in eval mode, sidecar info)."""
    if weights.reads_file:
        return call_lab(impl, weights.module, weights.builder, checkpoint)
    try:
        state_dict, info = load_checkpoint(checkpoint)
    except Exception as error:
        raise gr.Error(f"Could not read the weights in {checkpoint} ({error}). Train them again.") from error
    model = call_lab(impl, weights.module, weights.builder, **info.get("model_args", {}))
    if not isinstance(model, nn.Module):
        raise gr.Error(f"{weights.builder}(...) gave a {type(model).__name__}; expected a torch.nn.Module.")
    try:
        model.load_state_dict(state_dict)
    except RuntimeError as error:
        raise gr.Error(
            f"The weights in {checkpoint} do not fit this {weights.builder} ({str(error).splitlines()[0]}). Keep the "
            "layer names and shapes the lab asks for (its README and docstrings), and train again."
        ) from error
    return model.eval(), info
