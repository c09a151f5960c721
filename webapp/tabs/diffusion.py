"""Lab 6 tab: draw digits with the bundled class-conditional DDPM, DDPM or DDIM sampling, watch the noise turn
into digits step by step, and see LeNet (the Lab 2 judge) read each sample."""

from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import gradio as gr
import numpy as np
import torch
from diffusers import UNet2DModel

from ipdl.data.mnist import normalize
from solutions.lab6_diffusion.denoiser import model_to_digits
from solutions.lab6_diffusion.sampling import (
    DEFAULT_GUIDANCE,
    SAMPLERS,
    Progress,
    class_labels,
    load_denoiser,
    make_scheduler,
    sample_digits,
)
from webapp.implementations import IMPL_CHOICES, REPO_ROOT, call_lab
from webapp.tabs.digit_reader import load_lenet

TITLE = "Diffusion"
BUNDLED_DENOISER = REPO_ROOT / "webapp" / "checkpoints" / "ddpm-mnist"
REVERSE_STEP = "lab6_diffusion.reverse_step"
ANY_DIGIT = "any digit"
EVERY_DIGIT = "0 to 9 in turn"
DIGIT_CHOICES = [ANY_DIGIT, EVERY_DIGIT, *(str(k) for k in range(10))]
MAX_IMAGES = 64
GRID_COLUMNS = 8
SHOWN_SCALE = 4  # each 28x28 sample is shown 112x112, square pixels
UPDATES = 10  # about this many intermediate pictures per run
GRADIO_PROGRESS = gr.Progress()  # the default that tells Gradio to show a progress bar for an event
Outputs = tuple[np.ndarray, list[tuple[np.ndarray, str]] | None, str]  # live grid, final gallery, status


@cache
def denoiser(folder: Path = BUNDLED_DENOISER) -> tuple[UNet2DModel, dict]:
    """The bundled UNet (loaded once) and its training scheduler's config."""
    try:
        unet, scheduler = load_denoiser(folder)
    except FileNotFoundError as error:
        raise gr.Error(f"The bundled diffusion model is missing ({error}). Restore it with `git checkout -- "
                       f"webapp/checkpoints`, or retrain it with the command in its training.json.") from error
    return unet, dict(scheduler.config)


def check_settings(sampler: str, steps: int, count: int, digit: str, schedule_steps: int) -> None:
    """gr.Error with advice for settings the sampler cannot run."""
    if sampler not in SAMPLERS:
        raise gr.Error(f"Choose a sampler from {', '.join(SAMPLERS)}, not {sampler!r}.")
    if not 1 <= steps <= schedule_steps:
        raise gr.Error(f"Steps must be between 1 and {schedule_steps} (the model was trained with a "
                       f"{schedule_steps}-step schedule); got {steps}. DDIM looks good from about 20 steps.")
    if not 1 <= count <= MAX_IMAGES:
        raise gr.Error(f"Draw between 1 and {MAX_IMAGES} images at a time; got {count}.")
    if digit not in DIGIT_CHOICES:
        raise gr.Error(f"Ask for a digit 0-9, '{EVERY_DIGIT}' or '{ANY_DIGIT}', not {digit!r}.")


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
    """LeNet's (digit, probability) for each uint8 (N, 28, 28) sample, with the bundled Lab 2 weights."""
    model = load_lenet("solutions").model
    with torch.no_grad():
        probabilities = model(normalize(digits)).exp()  # (N, 10), LeNet outputs log-probabilities
    confidence, best = probabilities.max(dim=1)
    return [(int(b), float(c)) for b, c in zip(best, confidence, strict=True)]


def caption(wanted: int | None, reading: tuple[int, float]) -> str:
    """'LeNet reads 7 (99%)', with a mark when it is not the digit asked for."""
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


def samples_of(progress: Progress) -> np.ndarray:
    """uint8 (N, 28, 28) pictures of the images in `progress`."""
    return model_to_digits(progress.images).numpy()


def generate(sampler: str, steps: int, seed: int, count: int, digit: str, guidance: float = DEFAULT_GUIDANCE,
             impl: str = "solutions", progress: gr.Progress | None = None) -> Iterator[Outputs]:
    """Event: Draw. Yields the noisy grid every few steps, then the samples with LeNet's readings."""
    steps, seed, count = int(steps), int(seed), int(count)
    unet, config = denoiser()
    check_settings(sampler, steps, count, digit, config["num_train_timesteps"])
    scheduler = make_scheduler(sampler, config, steps)
    wanted = wanted_digits(digit, count)
    step = None
    if impl == "labs" and sampler == "DDPM":
        step = student_step(impl, scheduler.alphas_cumprod)
    who = "your ddpm_step" if step is not None else f"diffusers' {type(scheduler).__name__}"
    for state in sample_digits(unet, scheduler, class_labels(wanted), seed, guidance,
                               report_every=max(steps // UPDATES, 1), step_function=step):
        if progress is not None:
            progress((state.done, state.total), desc="denoising")
        digits = samples_of(state)
        if state.done < state.total:
            yield image_grid(digits), None, f"Denoising with {who}: step {state.done} of {state.total}..."
    readings = lenet_readings(digits)
    gallery = [(np.kron(d, np.ones((SHOWN_SCALE, SHOWN_SCALE), np.uint8)), caption(w, r))
               for d, w, r in zip(digits, wanted, readings, strict=True)]
    sure = sum(confidence >= 0.9 for _, confidence in readings)
    asked = [w for w in wanted if w is not None]
    right = sum(w == r[0] for w, r in zip(wanted, readings, strict=True) if w is not None)
    status = f"{count} samples, {steps} {sampler} steps with {who}, seed {seed}: LeNet is sure (>= 90%) of {sure}"
    status += f"; {right} of {len(asked)} read as the digit asked for." if asked else "."
    yield image_grid(digits), gallery, status


def build(impl: str) -> None:
    """Lay out the diffusion tab inside the current tab and wire its events."""
    with gr.Row():
        with gr.Column(scale=1):
            sampler = gr.Radio(list(SAMPLERS), value="DDIM", label="Sampler", elem_id="diffusion-sampler")
            steps = gr.Number(50, precision=0, label="Denoising steps (DDPM was trained with 1000)",
                              elem_id="diffusion-steps")
            count = gr.Number(16, precision=0, label=f"Images (1 to {MAX_IMAGES})", elem_id="diffusion-count")
            digit = gr.Dropdown(DIGIT_CHOICES, value=EVERY_DIGIT, label="Digit", elem_id="diffusion-digit")
            guidance = gr.Slider(1.0, 5.0, value=DEFAULT_GUIDANCE, step=0.5, label="Guidance scale (1 = none)")
            seed = gr.Number(0, precision=0, label="Seed", elem_id="diffusion-seed")
            implementation = gr.Radio(IMPL_CHOICES, value=impl, label="Implementation",
                                      info="whose ddpm_step the DDPM sampler runs (DDIM is diffusers' own)")
            draw = gr.Button("Draw", variant="primary", elem_id="diffusion-draw")
        with gr.Column(scale=2):
            live = gr.Image(label="Denoising", format="png", interactive=False, elem_id="diffusion-live")
            status = gr.Markdown("Choose the settings and press Draw.", elem_id="diffusion-status")
            gallery = gr.Gallery(label="Samples, as LeNet reads them", columns=GRID_COLUMNS, height="auto",
                                 elem_id="diffusion-gallery")
    draw.click(generate_event, [sampler, steps, seed, count, digit, guidance, implementation],
               [live, gallery, status], api_name="lab6_generate")


def generate_event(sampler: str, steps: float, seed: float, count: float, digit: str, guidance: float,
                   impl: str, progress: gr.Progress = GRADIO_PROGRESS) -> Iterator[Outputs]:
    """generate() with Gradio's progress bar; empty number boxes get a clear error."""
    if steps is None or seed is None or count is None:
        raise gr.Error("Fill in the number of steps, the number of images and the seed.")
    yield from generate(sampler, int(steps), int(seed), int(count), digit, guidance, impl, progress)
