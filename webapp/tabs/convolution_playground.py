"""Lab 1 tab: slide a kernel over a photo with conv2d and see the output size formula with its numbers."""

from fractions import Fraction
from math import comb, lcm

import gradio as gr
import numpy as np
import torch

from webapp.image_input import build_image_picker, to_float_image
from webapp.implementations import IMPL_CHOICES, call_lab
from webapp.number_inputs import as_given, number_from, whole_number
from webapp.request_limits import TabCost, refuse_large
from webapp.result_files import as_files
from webapp.tab_events import failure_outputs, tab_event

TITLE = "Convolution playground"
PADDING_MODES = ("zeros", "ones", "reflect", "replicate")
KERNEL_SIZES = ("3x3", "5x5")
DISPLAY_MODES = ("auto", "clip to [0, 1]", "absolute value / max", "min-max stretch")
POOLING = {"none": None, "max": "max_pool2d", "average": "avg_pool2d", "min": "min_pool2d"}  # Lab 2's functions
MAX_POOL_SIZE = 16
MAX_KERNEL_SIDE = 15
MAX_PADDING = 256
MAX_STEP = 64  # largest stride or dilation
# float32 holds up to 3.4e38 and the products of up to 15x15 weights with pixels in [0, 1] are summed: weights stay
# within 1e30 in size, and at least 1e-30 when not 0 (smaller ones vanish in float32)
MAX_WEIGHT, MIN_WEIGHT = 1e30, 1e-30
COST = TabCost("conv2d of a photo of at most 1024x1024 pixels, one kernel per colour channel, then the pooling",
               typical_s=0.01, concurrency=2, name=TITLE)
_FIXED_3X3 = {
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "Sobel x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "Sobel y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "Laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}
KERNEL_PRESETS = ("identity", "box blur", "Gaussian", *_FIXED_3X3)


def preset_kernel(name: str, size: int) -> np.ndarray:
    """A named (size, size) kernel; the 3x3-only ones are zero-padded to 5x5 (same result)."""
    if name == "identity":
        kernel = np.zeros((size, size))
        kernel[size // 2, size // 2] = 1.0
        return kernel
    if name == "box blur":
        return np.full((size, size), 1.0 / size**2)
    if name == "Gaussian":
        row = np.array([comb(size - 1, i) for i in range(size)], dtype=np.float64)  # binomial ~ Gaussian
        return np.outer(row, row) / row.sum() ** 2
    if name not in _FIXED_3X3:
        raise gr.Error(f"Unknown kernel preset {name!r}: pick one of {', '.join(KERNEL_PRESETS)}.")
    border = (size - 3) // 2
    return np.pad(np.array(_FIXED_3X3[name], dtype=np.float64), border)


def kernel_grid(name: str, size_label: str) -> list[list[str]]:
    """Preset as grid text: whole numbers, or fractions over one common denominator such as "6/256"."""
    size = int(size_label.split("x")[0])
    weights = [[Fraction(v).limit_denominator(4096) for v in row] for row in preset_kernel(name, size)]
    denominator = lcm(*(w.denominator for row in weights for w in row))
    return [[_cell_text(w, denominator) for w in row] for row in weights]


def _cell_text(weight: Fraction, denominator: int) -> str:
    """Cell text: "0", "-2", or "numerator/denominator" over the common denominator."""
    if weight == 0 or denominator == 1:
        return str(weight)
    return f"{weight.numerator * (denominator // weight.denominator)}/{denominator}"


def parse_cell(cell: object, row: int, column: int, grid: str = "kernel") -> float:
    """One grid cell as a float: numbers, "-0.5" or fractions like "1/9"; anything else is a gr.Error."""
    where = f"{grid.capitalize()} cell at row {row}, column {column}"
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        raise gr.Error(f"{where} is empty. Type a number in every cell (0 for no weight).")
    value = number_from(cell, where)  # bounded work, whatever the text
    if not (value == 0 or MIN_WEIGHT <= abs(value) <= MAX_WEIGHT):
        raise gr.Error(f"{where} is {as_given(cell, value)}; {grid} values must be 0 or between {MIN_WEIGHT:g} and "
                       f"{MAX_WEIGHT:g} in size (either sign), so that float32 can hold their sums.")
    return value


def parse_kernel(grid: list[list[object]] | None, name: str = "kernel",
                 max_side: int = MAX_KERNEL_SIDE) -> torch.Tensor:
    """The edited grid as a float32 (kH, kW) kernel (or another grid `name`), or a gr.Error that says which cell
    to fix."""
    rows = [list(row) for row in (grid or []) if len(row) > 0]
    if not rows:
        raise gr.Error(f"The {name} grid is empty. Pick a preset or type the values in the grid.")
    if any(len(row) != len(rows[0]) for row in rows):
        raise gr.Error(f"Every row of the {name} grid needs the same number of cells.")
    if max(len(rows), len(rows[0])) > max_side:
        raise gr.Error(f"Keep the {name} at most {max_side}x{max_side}.")
    values = [[parse_cell(cell, r + 1, c + 1, name) for c, cell in enumerate(row)] for r, row in enumerate(rows)]
    return torch.tensor(values, dtype=torch.float32)  # (kH, kW)


def size_formula(axis: str, size: int, k: int, stride: int, padding: int, dilation: int) -> tuple[int, str]:
    """The output length and the formula, then the same with the numbers filled in (two lines)."""
    out = (size + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    text = (
        f"{axis}_out = floor(({axis} + 2p - d(k{axis}-1) - 1) / s) + 1\n"
        f"      = floor(({size} + 2*{padding} - {dilation}*({k}-1) - 1) / {stride}) + 1\n"
        f"      = {out}"
    )
    return out, text


def check_kernel_fits(H: int, W: int, kH: int, kW: int, padding: int, dilation: int) -> None:
    """gr.Error when the dilated kernel is larger than the padded image, with what to change."""
    for side, size, k in (("tall", H, kH), ("wide", W, kW)):
        span = dilation * (k - 1) + 1
        if span > size + 2 * padding:
            raise gr.Error(
                f"The {kH}x{kW} kernel with dilation {dilation} spans {span} pixels, but the padded image is "
                f"only {size + 2 * padding} pixels {side} ({size} + 2*{padding}). Increase the padding, lower "
                f"the dilation or use a smaller kernel."
            )


def pool_step(out: torch.Tensor, pool: str, size: float | None, stride: float | None,
              impl: str) -> tuple[torch.Tensor, str, str]:
    """The convolution's (C, 1, H, W) output pooled with Lab 2's pooling function (padding 0): (pooled, the shape
    step for the shapes text, the size formula lines); unchanged with pool "none"."""
    if pool not in POOLING:
        raise gr.Error(f"Unknown pooling {pool!r}: pick one of {', '.join(POOLING)}.")
    if POOLING[pool] is None:
        return out, "", ""
    size = whole_number(size, "Pool size", 1, MAX_POOL_SIZE, "the side of each pooling window")
    stride = whole_number(stride, "Pool stride", 1, MAX_POOL_SIZE, "the step between two windows")
    H, W = out.shape[-2:]
    if size > min(H, W):
        raise gr.Error(f"The {size}x{size} pooling window is larger than the {H}x{W} convolution output: "
                       f"use a smaller pool size.")
    pooled = call_lab(impl, "lab2_lenet.pooling", POOLING[pool], out, size, stride)  # (C, 1, H_p, W_p)
    H_p, h_text = size_formula("H", H, size, stride, 0, 1)
    W_p, w_text = size_formula("W", W, size, stride, 0, 1)
    expected = (out.shape[0], 1, H_p, W_p)
    if not isinstance(pooled, torch.Tensor) or tuple(pooled.shape) != expected:
        got = tuple(pooled.shape) if isinstance(pooled, torch.Tensor) else type(pooled).__name__
        raise gr.Error(f"{POOLING[pool]} returned {got}, but the formula gives shape {expected}.")
    step = f", then {pool} pooling {size}x{size} stride {stride} -> {expected}"
    return pooled, step, f"pooling ({size}x{size}, stride {stride}) on the convolution's output:\n{h_text}\n{w_text}"


def to_display(out: np.ndarray, mode: str, kernel_sum: float) -> tuple[np.ndarray, str]:
    """Float conv output (H, W, C) -> uint8 image; "auto" shows |x| for zero-sum (derivative) kernels."""
    if mode == "auto":
        mode = "absolute value / max" if abs(kernel_sum) < 1e-6 else "clip to [0, 1]"
    if mode == "clip to [0, 1]":
        shown = np.clip(out, 0.0, 1.0)
    elif mode == "absolute value / max":
        peak = np.abs(out).max()
        shown = np.abs(out) / peak if peak > 0 else np.zeros_like(out)
    elif mode == "min-max stretch":
        low, high = out.min(), out.max()
        shown = (out - low) / (high - low) if high > low else np.zeros_like(out)
    else:
        raise gr.Error(f"Unknown display mode {mode!r}: pick one of {', '.join(DISPLAY_MODES)}.")
    image = np.round(shown * 255).astype(np.uint8)
    return (image[..., 0] if image.shape[-1] == 1 else image), mode


def convolve_image(
    image: np.ndarray | None,
    grid: list[list[object]] | None,
    padding_mode: str = "zeros",
    padding: float | None = 1,
    stride: float | None = 1,
    dilation: float | None = 1,
    grayscale: bool = False,
    display: str = "auto",
    impl: str = "solutions",
    pool: str = "none",
    pool_size: float | None = 2,
    pool_stride: float | None = 2,
) -> tuple[np.ndarray, str, str]:
    """Run conv2d over each colour channel, then the pooling asked for; return (output image, shape text, formula
    markdown)."""
    if image is None:
        raise gr.Error("No image yet. Pick a sample photo or upload one.")
    kernel = parse_kernel(grid)  # (kH, kW)
    padding = whole_number(padding, "Padding", 0, MAX_PADDING, "pixels added on each side")
    stride = whole_number(stride, "Stride", 1, MAX_STEP, "the step between two kernel positions")
    dilation = whole_number(dilation, "Dilation", 1, MAX_STEP, "the spacing between kernel taps, 1 = dense")
    if padding_mode not in PADDING_MODES:
        raise gr.Error(f"Unknown padding mode {padding_mode!r}: pick one of {', '.join(PADDING_MODES)}.")
    pixels = torch.from_numpy(to_float_image(image, grayscale))  # (H, W, C) in [0, 1]
    H, W, C = pixels.shape
    kH, kW = kernel.shape
    check_kernel_fits(H, W, kH, kW, padding, dilation)
    H_out, h_text = size_formula("H", H, kH, stride, padding, dilation)
    W_out, w_text = size_formula("W", W, kW, stride, padding, dilation)
    refuse_large(4 * C * kH * kW * H_out * W_out, f"conv2d with a {kH}x{kW} kernel over this {W}x{H} photo (an "
                 f"im2col matrix of {C} x {kH * kW} x {H_out * W_out} floats)",
                 "Use a smaller kernel, a stride of 2 or more, or 'Grayscale first'.")
    x = pixels.permute(2, 0, 1)[:, None].contiguous()  # (C, 1, H, W): channels as a batch of gray images
    weight = kernel[None, None]  # (1, 1, kH, kW): the same kernel for every channel
    settings = {"stride": stride, "padding": padding, "dilation": dilation, "padding_mode": padding_mode}
    out = call_lab(impl, "lab1_convolution.convolution", "conv2d", x, weight, **settings)  # (C, 1, H_out, W_out)
    expected = (C, 1, H_out, W_out)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != expected:
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise gr.Error(f"conv2d returned {got}, but the formula gives shape {expected}. Check the output size.")
    pooled, pool_text, pool_formula = pool_step(out, pool, pool_size, pool_stride, impl)
    shown, mode = to_display(pooled[:, 0].permute(1, 2, 0).detach().cpu().numpy(), display, float(kernel.sum()))
    shape_text = (
        f"conv2d: x {tuple(x.shape)} (the {C} channel(s) as a batch of one-channel images), "
        f"weight {tuple(weight.shape)} -> output {tuple(out.shape)}{pool_text}; output image "
        f"{pooled.shape[-2]}x{pooled.shape[-1]} (display: {mode})"
    )
    lines = [h_text, w_text, pool_formula] if pool_formula else [h_text, w_text]
    return shown, shape_text, "```\n" + "\n".join(lines) + "\n```"


def first_result(image: np.ndarray, impl: str) -> tuple[np.ndarray | None, str, str]:
    """What the tab shows on arrival: the reference's box blur; students' code runs only when they ask."""
    if impl != "solutions":
        return None, "", ""
    return convolve_image(image, kernel_grid("box blur", "3x3"))


def build(impl: str) -> None:
    """Lay out the playground inside the current tab and wire its events."""
    with gr.Row():
        with gr.Column(scale=1):
            image = build_image_picker("camera", prefix="conv")
        with gr.Column(scale=1):
            preset = gr.Dropdown(list(KERNEL_PRESETS), value="box blur", label="Fill the grid with a preset")
            size = gr.Radio(list(KERNEL_SIZES), value="3x3", label="Kernel size")
            grid = gr.Dataframe(
                kernel_grid("box blur", "3x3"),
                type="array",
                datatype="str",
                interactive=True,
                label="Kernel (editable: numbers or fractions like 1/9)",
                elem_id="conv-grid",
            )
            with gr.Row():
                padding_mode = gr.Radio(list(PADDING_MODES), value="zeros", label="Padding mode")
                grayscale = gr.Checkbox(False, label="Grayscale first")
            with gr.Row():
                # precision None: the value reaches convolve_image as sent, for whole_number to check
                padding = gr.Number(1, precision=None, label="Padding p (each side)")
                stride = gr.Number(1, precision=None, label="Stride s")
                dilation = gr.Number(1, precision=None, label="Dilation d")
            with gr.Row():
                pool = gr.Radio(list(POOLING), value="none", label="Then pool (Lab 2)", elem_id="conv-pool")
                pool_size = gr.Number(2, precision=None, label="Pool size")
                pool_stride = gr.Number(2, precision=None, label="Pool stride")
            display = gr.Radio(list(DISPLAY_MODES), value="auto", label="Display of the output")
            implementation = gr.Radio(IMPL_CHOICES, value=impl, label="Implementation")
            run = gr.Button("Apply conv2d", variant="primary", elem_id="conv-run")
        with gr.Column(scale=1):
            first = first_result(image.value, impl)
            output = gr.Image(as_files(first[0]), label="Output", interactive=False, format="png", height=300,
                              elem_id="conv-output")
            shape = gr.Textbox(first[1], label="Shapes", interactive=False, lines=2, elem_id="conv-shape")
            formula = gr.Markdown(first[2], elem_id="conv-formula")
    preset.input(kernel_grid, inputs=[preset, size], outputs=grid, api_visibility="private")
    size.input(kernel_grid, inputs=[preset, size], outputs=grid, api_visibility="private")
    run.click(
        tab_event(convolve_image, failure_outputs(3, status_at=1, markdown=False), pictures=(0,)),
        inputs=[image, grid, padding_mode, padding, stride, dilation, grayscale, display, implementation, pool,
                pool_size, pool_stride],
        outputs=[output, shape, formula],
        api_name="lab1_conv2d",
        show_progress_on=[output],
        **COST.events(),
    )
