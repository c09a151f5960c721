"""Lab 6 tab: draw digits with the bundled class-conditional DDPM, DDPM or DDIM sampling, watch the noise turn
into digits step by step, and see LeNet (the Lab 2 judge) read each sample.

diffusers is imported when the first visitor draws, not when the app starts (it is most of the start-up time).
"""

import importlib
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from types import ModuleType

import gradio as gr
import numpy as np
import torch

from ipdl.data.mnist import normalize
from webapp.implementations import GIVEN_FILES, IMPL_CHOICES, IMPLEMENTATIONS, REPO_ROOT, call_lab
from webapp.number_inputs import bounded_number, whole_number
from webapp.request_limits import REQUEST_LIMIT_S, TabCost, refuse_slow
from webapp.tab_events import failure_outputs, markdown_text, tab_event
from webapp.tabs.digit_reader import LENET_WEIGHTS, load_lenet

TITLE = "Diffusion"
BUNDLED_DENOISER = REPO_ROOT / "webapp" / "checkpoints" / "ddpm-mnist"
REVERSE_STEP = "lab6_diffusion.reverse_step"
# lab6_diffusion.sampling's SAMPLERS and DEFAULT_GUIDANCE, repeated so that the page is laid out without importing
# diffusers; tests/test_webapp_diffusion.py checks that they agree
SAMPLERS = ("DDPM", "DDIM")
DEFAULT_GUIDANCE = 2.0
GUIDANCE_RANGE = (1.0, 5.0)
ANY_DIGIT = "any digit"
EVERY_DIGIT = "0 to 9 in turn"
DIGIT_CHOICES = [ANY_DIGIT, EVERY_DIGIT, *(str(k) for k in range(10))]
DEFAULT_STEPS, DEFAULT_COUNT = 25, 10  # DDIM: one of each digit in under a second
MAX_IMAGES = 64
MAX_SEED = 2**64 - 1  # torch's generators take 64-bit seeds
GRID_COLUMNS = 8
SHOWN_SCALE = 4  # each 28x28 sample is shown 112x112, square pixels
UPDATES = 10  # about this many intermediate pictures per run
SECONDS_PER_IMAGE_STEP = 1.8e-3  # one UNet pass over one 24x24 image, one core of the idle laptop (README)
COST = TabCost(f"images x steps UNet passes, twice that with guidance, about {SECONDS_PER_IMAGE_STEP * 1e3:.1f} ms "
               f"each; refused above {REQUEST_LIMIT_S:.0f} s", typical_s=0.9, concurrency=2, name=TITLE)
# the judge of the samples: the reference LeNet where the kit ships it, else the student's; both with bundled weights
JUDGE_IMPL = "solutions" if "solutions" in IMPLEMENTATIONS else "labs"
GRADIO_PROGRESS = gr.Progress()  # the default that tells Gradio to show a progress bar for an event
Outputs = tuple[np.ndarray, list[tuple[np.ndarray, str]] | None, str]  # live grid, final gallery, status


def lab_module(name: str) -> ModuleType:
    """A given file of Lab 6 ("sampling", "denoiser"), from the package that has it (see GIVEN_FILES)."""
    return importlib.import_module(f"{GIVEN_FILES}.lab6_diffusion.{name}")


@cache
def denoiser(folder: Path = BUNDLED_DENOISER) -> tuple[torch.nn.Module, dict]:
    """The bundled UNet (loaded once) and its training scheduler's config."""
    try:
        unet, scheduler = lab_module("sampling").load_denoiser(folder)
    except FileNotFoundError as error:
        raise gr.Error(f"The bundled diffusion model is missing ({error}). Restore it with `git checkout -- "
                       f"webapp/checkpoints`, or retrain it with the command in its training.json.") from error
    return unet, dict(scheduler.config)


def unet_passes(count: int, steps: int, digit: str, guidance: float) -> int:
    """UNet passes over one image that a run takes: guidance doubles them, except for unconditional samples."""
    return count * steps * (2 if guidance != 1.0 and digit != ANY_DIGIT else 1)


def settings_of(sampler: object, steps: object, seed: object, count: object, digit: object, guidance: object,
                schedule_steps: int) -> tuple[str, int, int, int, str, float]:
    """The settings as the sampler takes them, or a gr.Error that says which one to change and how."""
    if sampler not in SAMPLERS:
        raise gr.Error(f"Choose a sampler from {', '.join(SAMPLERS)}, not {sampler!r}.")
    if digit not in DIGIT_CHOICES:
        raise gr.Error(f"Ask for a digit 0-9, '{EVERY_DIGIT}' or '{ANY_DIGIT}', not {digit!r}.")
    steps = whole_number(steps, "Steps", 1, schedule_steps, f"the model was trained with a {schedule_steps}-step "
                         "schedule; DDIM looks good from about 20 steps")
    count = whole_number(count, "Images", 1, MAX_IMAGES, "drawn at a time")
    seed = whole_number(seed, "Seed", 0, MAX_SEED, "any 64-bit number; the same seed draws the same digits")
    guidance = bounded_number(guidance, "Guidance", *GUIDANCE_RANGE, "1 = none")
    seconds = unet_passes(count, steps, digit, guidance) * SECONDS_PER_IMAGE_STEP
    refuse_slow(seconds, f"Drawing {count} images in {steps} {sampler} steps",
                "Use DDIM with 20 to 50 steps (DDPM needs hundreds), or fewer images.")
    return sampler, steps, seed, count, digit, guidance


def wanted_digits(digit: str, count: int) -> list[int | None]:
    """The class asked for, per image: None for any digit."""
    if digit == ANY_DIGIT:
        return [None] * count
    if digit == EVERY_DIGIT:
        return [k % 10 for k in range(count)]
    return [int(digit)] * count


def image_grid(digits: np.ndarray, columns: int = GRID_COLUMNS) -> np.ndarray:
    """uint8 (N, 28, 28) digits -> one uint8 picture, `columns` per row, enlarged, with 2-pixel grey gaps."""
    N, H, W = digits.shape
    columns = min(columns, N)
    rows = -(-N // columns)
    gap = 2
    cell_h, cell_w = H * SHOWN_SCALE, W * SHOWN_SCALE
    grid = np.full((rows * (cell_h + gap) - gap, columns * (cell_w + gap) - gap), 96, dtype=np.uint8)
    for index, digit in enumerate(digits):
        row, column = divmod(index, columns)
        top, left = row * (cell_h + gap), column * (cell_w + gap)
        grid[top:top + cell_h, left:left + cell_w] = np.kron(digit, np.ones((SHOWN_SCALE, SHOWN_SCALE), np.uint8))
    return grid


def lenet_readings(digits: np.ndarray) -> list[tuple[int, float]]:
    """LeNet's (digit, probability) for each uint8 (N, 28, 28) sample, with the bundled Lab 2 weights: the
    reference's LeNet, or in a student release the student's (a gr.Error that says why when it cannot read)."""
    model = load_lenet(JUDGE_IMPL, LENET_WEIGHTS.bundled_path).model
    try:
        with torch.no_grad():
            probabilities = model(normalize(digits)).exp()  # (N, 10), LeNet outputs log-probabilities
    except Exception as error:
        if JUDGE_IMPL == "solutions":
            raise
        raise gr.Error(f"your LeNet raised {type(error).__name__}: {error}") from error
    confidence, best = probabilities.max(dim=1)
    return [(int(b), float(c)) for b, c in zip(best, confidence, strict=True)]


def caption(wanted: int | None, reading: tuple[int, float] | None) -> str:
    """'LeNet reads 7 (99%)', with a mark when it is not the digit asked for; without a reading, what was asked."""
    if reading is None:
        return "any digit" if wanted is None else f"asked for {wanted}"
    best, confidence = reading
    text = f"LeNet reads {best} ({confidence:.0%})"
    return text if wanted is None or wanted == best else f"{text}, asked for {wanted}"


def student_step(impl: str, alphas_cumprod: torch.Tensor) -> Callable:
    """A step function for sample_digits that runs ddpm_step from `impl`'s reverse_step.py."""
    def step(x_t: torch.Tensor, t: int, eps: torch.Tensor, prev_t: int, generator: torch.Generator) -> torch.Tensor:
        x = call_lab(impl, REVERSE_STEP, "ddpm_step", x_t, t, eps, alphas_cumprod, generator, prev_t=prev_t)
        if not isinstance(x, torch.Tensor) or x.shape != x_t.shape or not torch.isfinite(x).all():
            got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise gr.Error(f"Your ddpm_step returned {got} (or values that are not finite) at t={t}; "
                           f"expected a finite tensor of shape {tuple(x_t.shape)}.")
        return x
    return step


def readings_status(digits: np.ndarray, wanted: list[int | None]) -> tuple[list | None, str]:
    """LeNet's readings of the samples and the end of the status line; without a LeNet that reads, None and why."""
    try:
        readings = lenet_readings(digits)
    except gr.Error as error:
        return None, (f"; LeNet's readings appear here once your LeNet (Lab 2) reads the bundled weights: "
                      f"{markdown_text(error.message)}")
    sure = sum(confidence >= 0.9 for _, confidence in readings)
    asked = [w for w in wanted if w is not None]
    right = sum(w == r[0] for w, r in zip(wanted, readings, strict=True) if w is not None)
    ending = f"; {right} of {len(asked)} read as the digit asked for." if asked else "."
    return readings, f": LeNet is sure (>= 90%) of {sure}{ending}"


def generate(sampler: str, steps: int, seed: int, count: int, digit: str, guidance: float = DEFAULT_GUIDANCE,
             impl: str = "solutions", progress: gr.Progress | None = None) -> Iterator[Outputs]:
    """Event: Draw. Yields the noisy grid every few steps, then the samples with LeNet's readings."""
    unet, config = denoiser()
    sampler, steps, seed, count, digit, guidance = settings_of(sampler, steps, seed, count, digit, guidance,
                                                               config["num_train_timesteps"])
    sampling = lab_module("sampling")
    scheduler = sampling.make_scheduler(sampler, config, steps)
    wanted = wanted_digits(digit, count)
    step = None
    if impl == "labs" and sampler == "DDPM":
        step = student_step(impl, scheduler.alphas_cumprod)
    who = "your ddpm_step" if step is not None else f"diffusers' {type(scheduler).__name__}"
    for state in sampling.sample_digits(unet, scheduler, sampling.class_labels(wanted), seed, guidance,
                                        report_every=max(steps // UPDATES, 1), step_function=step):
        if progress is not None:
            progress((state.done, state.total), desc="denoising")
        digits = lab_module("denoiser").model_to_digits(state.images).numpy()  # uint8 (N, 28, 28)
        if state.done < state.total:
            yield image_grid(digits), None, f"Denoising with {who}: step {state.done} of {state.total}..."
    readings, ending = readings_status(digits, wanted)
    gallery = [(np.kron(d, np.ones((SHOWN_SCALE, SHOWN_SCALE), np.uint8)), caption(w, r))
               for d, w, r in zip(digits, wanted, readings or [None] * count, strict=True)]
    yield image_grid(digits), gallery, f"{count} samples, {steps} {sampler} steps with {who}, seed {seed}{ending}"


def stopped() -> str:
    """Event: Stop; the status line after the run was cancelled."""
    return "Stopped. Change the settings if you like, and press Draw."


def build(impl: str) -> None:
    """Lay out the diffusion tab inside the current tab and wire its events."""
    with gr.Row():
        with gr.Column(scale=1):
            sampler = gr.Radio(list(SAMPLERS), value="DDIM", label="Sampler", elem_id="diffusion-sampler")
            # precision None: the numbers reach generate as sent, for whole_number to check
            steps = gr.Number(DEFAULT_STEPS, precision=None, label="Denoising steps (DDPM was trained with 1000)",
                              elem_id="diffusion-steps")
            count = gr.Number(DEFAULT_COUNT, precision=None, label=f"Images (1 to {MAX_IMAGES})",
                              elem_id="diffusion-count")
            digit = gr.Dropdown(DIGIT_CHOICES, value=EVERY_DIGIT, label="Digit", elem_id="diffusion-digit")
            guidance = gr.Slider(*GUIDANCE_RANGE, value=DEFAULT_GUIDANCE, step=0.5, label="Guidance scale (1 = none)")
            seed = gr.Number(0, precision=None, label="Seed", elem_id="diffusion-seed")
            implementation = gr.Radio(IMPL_CHOICES, value=impl, label="Implementation",
                                      info="whose ddpm_step the DDPM sampler runs (DDIM is diffusers' own)")
            with gr.Row():
                draw = gr.Button("Draw", variant="primary", elem_id="diffusion-draw")
                stop = gr.Button("Stop", variant="stop", elem_id="diffusion-stop")
            gr.Markdown(f"A run may take up to {REQUEST_LIMIT_S:.0f} s of this server's CPU; visitors take turns, "
                        f"{COST.concurrency} runs at a time.", elem_id="diffusion-cost")
        with gr.Column(scale=2):
            live = gr.Image(label="Denoising", format="png", interactive=False, elem_id="diffusion-live")
            status = gr.Markdown("Choose the settings and press Draw.", elem_id="diffusion-status")
            gallery = gr.Gallery(label="Samples, as LeNet reads them", columns=GRID_COLUMNS, height="auto",
                                 elem_id="diffusion-gallery")
    drawing = draw.click(tab_event(generate_event, failure_outputs(3, status_at=2), pictures=(0, 1)),
                         [sampler, steps, seed, count, digit, guidance, implementation], [live, gallery, status],
                         api_name="lab6_generate", show_progress_on=[live], **COST.events())
    stop.click(stopped, None, status, cancels=[drawing], api_visibility="private")


def generate_event(sampler: str, steps: float, seed: float, count: float, digit: str, guidance: float,
                   impl: str, progress: gr.Progress = GRADIO_PROGRESS) -> Iterator[Outputs]:
    """generate() with Gradio's progress bar."""
    yield from generate(sampler, steps, seed, count, digit, guidance, impl, progress)
