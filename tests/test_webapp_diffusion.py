"""The Diffusion tab: its settings checks, the streamed denoising, LeNet's readings, the bundled model, and the
student's ddpm_step driving the DDPM sampler."""

import json

import gradio as gr
import numpy as np
import pytest
import torch

from solutions.lab6_diffusion import sampling
from solutions.lab6_diffusion.sampling import make_scheduler, sample_digits
from webapp.request_limits import REQUEST_LIMIT_S
from webapp.tabs.diffusion import (
    BUNDLED_DENOISER,
    DEFAULT_GUIDANCE,
    EVERY_DIGIT,
    GUIDANCE_RANGE,
    MAX_IMAGES,
    SAMPLERS,
    SECONDS_PER_IMAGE_STEP,
    SHOWN_SCALE,
    caption,
    denoiser,
    generate,
    image_grid,
    student_step,
    unet_passes,
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


def test_the_tab_lays_out_the_labs_own_samplers_and_guidance() -> None:
    assert SAMPLERS == sampling.SAMPLERS and DEFAULT_GUIDANCE == sampling.DEFAULT_GUIDANCE


@pytest.mark.parametrize(("settings", "message"), [
    (("DDIM", 0, 0, 4, "7"), "Steps must be a whole number from 1 to 1000 (the model was trained with a 1000-step "
                             "schedule; DDIM looks good from about 20 steps); got 0."),
    (("DDPM", 1001, 0, 4, "7"), "Steps must be a whole number from 1 to 1000"),
    (("DDIM", float("nan"), 0, 4, "7"), "Steps must be a whole number from 1 to 1000"),
    (("DDIM", None, 0, 4, "7"), "Steps is empty"),
    (("DDIM", 20, 0, 10_000, "7"), f"Images must be a whole number from 1 to {MAX_IMAGES} (drawn at a time)"),
    (("DDIM", 20, 0, 0, "7"), f"Images must be a whole number from 1 to {MAX_IMAGES}"),
    (("DDIM", 20, 0, float("inf"), "7"), f"Images must be a whole number from 1 to {MAX_IMAGES}"),
    (("DDIM", 20, 2**64, 4, "7"), "Seed must be a whole number from 0 to 18446744073709551615 (any 64-bit number; "
                                  "the same seed draws the same digits); got 18446744073709551616."),
    (("DDIM", 20, -1, 4, "7"), "Seed must be a whole number from 0 to 18446744073709551615"),
    (("DDIM", 20, 0, 4, "seven"), "Ask for a digit 0-9"),
    (("PNDM", 20, 0, 4, "7"), "Choose a sampler"),
    (("DDIM", 20, 0, 4, "7", float("nan")), "Guidance must be a number from 1 to 5 (1 = none); got nan."),
    (("DDIM", 20, 0, 4, "7", "abc"), "Guidance holds 'abc', which is not a number"),
    (("DDIM", 20, 0, 4, "7", 1e300), "Guidance must be a number from 1 to 5"),
])
def test_impossible_settings_get_a_clear_error_then_good_ones_work(settings: tuple, message: str) -> None:
    with pytest.raises(gr.Error) as error:
        next(generate(*settings))
    assert message in error.value.message
    *_, (_, gallery, status) = generate("DDIM", 2, 2**64 - 1, 1, "3")
    assert len(gallery) == 1 and "seed 18446744073709551615" in status


def test_a_run_over_the_time_limit_is_refused_with_its_estimate() -> None:
    with pytest.raises(gr.Error) as error:
        next(generate("DDPM", 1000, 0, 64, EVERY_DIGIT))
    assert error.value.message == (
        f"Drawing 64 images in 1000 DDPM steps would take about 230 s, over the {REQUEST_LIMIT_S:.0f} s one request "
        "may use on this shared server. Use DDIM with 20 to 50 steps (DDPM needs hundreds), or fewer images.")
    assert unet_passes(64, 1000, "any digit", 2.0) * SECONDS_PER_IMAGE_STEP < REQUEST_LIMIT_S * 4  # no guidance
    assert unet_passes(10, 25, EVERY_DIGIT, 2.0) * SECONDS_PER_IMAGE_STEP < 1  # the defaults


def test_guidance_range_is_the_sliders() -> None:
    assert GUIDANCE_RANGE[0] <= DEFAULT_GUIDANCE <= GUIDANCE_RANGE[1]


def test_captions_without_a_judge_say_what_was_asked() -> None:
    assert caption(7, None) == "asked for 7" and caption(None, None) == "any digit"
    assert caption(7, (1, 0.5)) == "LeNet reads 1 (50%), asked for 7"


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
