"""The web app's one loader of trained weights: which file each implementation reads, one model per file version
(a retrained checkpoint is picked up, the bundled one is built once), which weights the status names, polite errors."""

import os
import shutil
from pathlib import Path

import gradio as gr
import pytest
import torch

from ipdl.checkpoints import load_checkpoint, save_checkpoint, sidecar_path
from webapp.tabs.digit_reader import LENET_WEIGHTS, read_test_digit
from webapp.tabs.pokemon_classifier import CLASSIFIER_WEIGHTS
from webapp.tabs.segmentation import UNET_WEIGHTS
from webapp.weights import RUNS_DIR, load_trained

ALL_WEIGHTS = [LENET_WEIGHTS, CLASSIFIER_WEIGHTS, *UNET_WEIGHTS.values()]


def copy_of_bundled_lenet(folder: Path) -> Path:
    """The bundled LeNet checkpoint and its sidecar, copied into `folder`."""
    checkpoint = folder / LENET_WEIGHTS.bundled
    shutil.copy2(LENET_WEIGHTS.bundled_path, checkpoint)
    shutil.copy2(sidecar_path(LENET_WEIGHTS.bundled_path), sidecar_path(checkpoint))
    return checkpoint


@pytest.mark.parametrize("weights", ALL_WEIGHTS, ids=lambda weights: weights.bundled)
def test_every_bundled_checkpoint_is_there_and_students_read_runs(weights) -> None:
    assert weights.checkpoint("solutions") == weights.bundled_path and weights.bundled_path.is_file()
    assert weights.checkpoint("labs", Path("no-such-folder")).parent == Path("no-such-folder")
    assert all(path.parent == RUNS_DIR for path in weights.student_paths)


def test_the_first_student_file_that_exists_is_used(tmp_path: Path) -> None:
    species, type_model = (tmp_path / path.name for path in CLASSIFIER_WEIGHTS.student_paths)
    assert CLASSIFIER_WEIGHTS.checkpoint("labs", tmp_path) == species  # none yet: the one to train first
    type_model.write_bytes(b"")
    assert CLASSIFIER_WEIGHTS.checkpoint("labs", tmp_path) == type_model


def test_bundled_weights_are_built_once_and_say_so() -> None:
    first, again = load_trained(LENET_WEIGHTS, "solutions"), load_trained(LENET_WEIGHTS, "solutions")
    assert first is again and not first.model.training
    assert first.source == "bundled weights" and first.test_accuracy > 0.9
    *_, status, _ = read_test_digit("3", pick=0)
    assert "LeNet (bundled weights, " in status


def test_a_retrained_checkpoint_is_loaded_again(tmp_path: Path) -> None:
    checkpoint = copy_of_bundled_lenet(tmp_path)
    first = load_trained(LENET_WEIGHTS, "solutions", checkpoint)
    assert load_trained(LENET_WEIGHTS, "solutions", checkpoint) is first
    assert first.source == f"your weights in {checkpoint}"
    state_dict, info = load_checkpoint(checkpoint)
    save_checkpoint(checkpoint, {name: torch.zeros_like(tensor) for name, tensor in state_dict.items()}, info)
    stat = checkpoint.stat()
    os.utime(checkpoint, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a later file, even on coarse clocks
    retrained = load_trained(LENET_WEIGHTS, "solutions", checkpoint)
    assert retrained is not first
    assert all(torch.count_nonzero(tensor) == 0 for tensor in retrained.model.state_dict().values())


def test_weights_that_do_not_fit_say_what_to_keep(tmp_path: Path) -> None:
    checkpoint = tmp_path / "lenet-mnist.safetensors"
    save_checkpoint(checkpoint, {"conv1.weight": torch.zeros(3, 3)}, {})
    with pytest.raises(gr.Error, match="do not fit this LeNet .*Keep the layer names and shapes"):
        load_trained(LENET_WEIGHTS, "solutions", checkpoint)


def test_an_unreadable_file_asks_to_train_again(tmp_path: Path) -> None:
    checkpoint = tmp_path / "lenet-mnist.safetensors"
    checkpoint.write_text("not safetensors")
    with pytest.raises(gr.Error, match="Could not read the weights in .*Train them again"):
        load_trained(LENET_WEIGHTS, "solutions", checkpoint)


def test_missing_weights_say_how_to_get_them(tmp_path: Path) -> None:
    with pytest.raises(gr.Error, match=r"No trained Pokémon classifier of yours yet: .*labs\.lab4_transfer\.train"):
        load_trained(CLASSIFIER_WEIGHTS, "labs", tmp_path / "pokemon-species-finetune.safetensors")
    with pytest.raises(gr.Error, match="The bundled U-Net weights are missing .*git checkout -- webapp/checkpoints"):
        load_trained(UNET_WEIGHTS["unpool"], "solutions", tmp_path / "unet-postcodes-unpool.safetensors")

