"""The Diffusion tab: its settings checks, the streamed denoising, LeNet's readings, the bundled model, and the
student's ddpm_step driving the DDPM sampler."""

import json

import gradio as gr
import numpy as np
import pytest
import torch

from solutions.lab6_diffusion.sampling import make_scheduler, sample_digits
from webapp.tabs.diffusion import (
    BUNDLED_DENOISER,
    EVERY_DIGIT,
    MAX_IMAGES,
    SHOWN_SCALE,
    denoiser,
    generate,
    image_grid,
    student_step,
    wanted_digits,
)

MAX_BUNDLE_BYTES = 25_000_000


def test_bundled_model_is_small_and_documented() -> None:
    files = [path for path in BUNDLED_DENOISER.rglob("*") if path.is_file()]
    assert sum(path.stat().st_size for path in files) < MAX_BUNDLE_BYTES
    assert (BUNDLED_DENOISER / "unet" / "diffusion_pytorch_model.safetensors").is_file()
    info = json.loads((BUNDLED_DENOISER / "training.json").read_text())
    assert info["command"].startswith("python -m solutions.lab6_diffusion.train")
    assert info["data"]["train"] == 4000


@pytest.mark.parametrize(("settings", "message"), [
    (("DDIM", 0, 0, 4, "7"), "Steps must be between 1 and 1000"),
    (("DDPM", 1001, 0, 4, "7"), "Steps must be between 1 and 1000"),
    (("DDIM", 20, 0, 10_000, "7"), f"between 1 and {MAX_IMAGES} images"),
    (("DDIM", 20, 0, 0, "7"), f"between 1 and {MAX_IMAGES} images"),
    (("DDIM", 20, 0, 4, "seven"), "Ask for a digit 0-9"),
    (("PNDM", 20, 0, 4, "7"), "Choose a sampler"),
])
def test_impossible_settings_get_a_clear_error(settings: tuple, message: str) -> None:
    with pytest.raises(gr.Error) as error:
        next(generate(*settings))
    assert message in error.value.message


def test_wanted_digits() -> None:
    assert wanted_digits(EVERY_DIGIT, 12) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert wanted_digits("any digit", 2) == [None, None]
    assert wanted_digits("3", 2) == [3, 3]


def test_image_grid_layout() -> None:
    grid = image_grid(np.full((10, 28, 28), 255, dtype=np.uint8), columns=8)
    side = 28 * SHOWN_SCALE
    assert grid.shape == (2 * side + 2, 8 * side + 7 * 2) and grid.dtype == np.uint8
    assert grid[side, 0] == 96 and grid[0, 0] == 255  # a grey gap between the rows


def test_generate_streams_then_shows_lenets_readings() -> None:
    outputs = list(generate("DDIM", 20, 0, 10, EVERY_DIGIT))
    *partial, (final_grid, gallery, status) = outputs
    assert len(partial) >= 5 and all(shown is None for _, shown, _ in partial)
    assert "step 2 of 20" in partial[0][2]
    assert final_grid.shape == (2 * 28 * SHOWN_SCALE + 2, 8 * 28 * SHOWN_SCALE + 14)  # 8 columns, 2 rows
    assert len(gallery) == 10 and gallery[0][0].shape == (28 * SHOWN_SCALE, 28 * SHOWN_SCALE)
    assert all(caption.startswith("LeNet reads ") for _, caption in gallery)
    right = sum(caption.startswith(f"LeNet reads {k} ") and "asked" not in caption
                for k, (_, caption) in enumerate(gallery))
    assert right >= 8, [caption for _, caption in gallery]
    assert f"{right} of 10 read as the digit asked for" in status


def test_reference_step_through_call_lab_matches_diffusers() -> None:
    """student_step("solutions") is how the tab runs a ddpm_step; with the reference it changes nothing."""
    unet, config = denoiser()
    scheduler = make_scheduler("DDPM", config, 10)
    *_, by_diffusers = sample_digits(unet, scheduler, [4, None], seed=1, report_every=10)
    step = student_step("solutions", scheduler.alphas_cumprod)
    *_, by_lab = sample_digits(unet, make_scheduler("DDPM", config, 10), [4, None], seed=1, report_every=10,
                               step_function=step)
    torch.testing.assert_close(by_lab.images, by_diffusers.images, atol=1e-5, rtol=1e-5)


def test_student_stub_gets_the_polite_error() -> None:
    with pytest.raises(gr.Error) as error:
        list(generate("DDPM", 5, 0, 2, "1", impl="labs"))
    assert "ddpm_step is not implemented yet (TODO lab6.6 in labs/lab6_diffusion/reverse_step.py)" in (
        error.value.message)


def test_ddim_with_labs_still_uses_diffusers() -> None:
    *_, (_, gallery, status) = generate("DDIM", 5, 0, 2, "1", impl="labs")
    assert len(gallery) == 2 and "diffusers' DDIMScheduler" in status
