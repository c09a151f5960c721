"""Lab 1 and 2 tab: where each number of a convolution comes from, cell by cell, as in ezyang's convolution
visualizer, with padding modes, pooling (the window's winner) and the transposed convolution besides.

The numbers come from the lab functions (conv2d, pad2d, the pooling exercises) of the chosen implementation;
the browser only draws them (convolution_visualizer.js, offline: no CDN). Plain data goes to the page:

    {"mode", "padded": rows of cell texts, "pad": p, "output": rows of numbers, "cells": per output cell its
     input cells and weights, "formula": the output size with the numbers filled in, ...}
"""

from pathlib import Path

import gradio as gr
import numpy as np
import torch

from webapp.image_input import load_sample
from webapp.implementations import IMPL_CHOICES, call_lab
from webapp.tabs.convolution_playground import PADDING_MODES, parse_kernel

TITLE = "Convolution visualizer"
MODES = ("convolution", "max pooling", "average pooling", "min pooling", "transposed convolution")
POOLING = {"max pooling": "max_pool2d", "average pooling": "avg_pool2d", "min pooling": "min_pool2d"}
PAD_TEXT = {"max pooling": "-inf", "average pooling": "0", "min pooling": "+inf"}  # what pooling pads with
MAX_INPUT_SIDE = 12
MAX_KERNEL = 5
MAX_SETTING = 3  # largest padding, stride and dilation
MAX_OUTPUT_SIDE = 40
SLIDE_KERNEL = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]  # the workshop's 5x5 * 3x3 example
HERE = Path(__file__).parent
SCRIPT = (HERE / "convolution_visualizer.js").read_text()
STYLE = (HERE / "convolution_visualizer.css").read_text()


def small_integers(size: int = 7, seed: int = 0) -> list[list[str]]:
    """A size x size grid of whole numbers 0-4, as ezyang's visualizer shows."""
    values = np.random.default_rng(seed).integers(0, 5, (size, size))
    return [[str(v) for v in row] for row in values]


def photo_patch(size: int = 7) -> list[list[str]]:
    """A size x size patch of the camera photo (the man's eye and his camera), every 8th pixel, in [0, 1]."""
    photo = load_sample("camera")  # (512, 512) uint8
    patch = photo[80 : 80 + 8 * size : 8, 200 : 200 + 8 * size : 8] / 255.0  # (size, size)
    return [[f"{v:.2f}" for v in row] for row in patch]


def number_text(value: float) -> str:
    """A cell's value as short text: 3, -0.5, 0.333."""
    return "0" if value == 0 else f"{value:.3g}"


def checked_settings(padding, stride, dilation) -> tuple[int, int, int]:
    """Padding, stride and dilation as ints in their ranges, or a gr.Error that says which to change."""
    values = []
    for name, value, low in (("Padding", padding, 0), ("Stride", stride, 1), ("Dilation", dilation, 1)):
        if value is None or float(value) != int(value) or not low <= int(value) <= MAX_SETTING:
            raise gr.Error(f"{name} must be a whole number from {low} to {MAX_SETTING}; got {value}.")
        values.append(int(value))
    return values[0], values[1], values[2]


def output_formula(H: int, W: int, kH: int, kW: int, padding: int, stride: int, dilation: int,
                   transposed: bool = False) -> tuple[int, int, str]:
    """(H_out, W_out, the formula with the numbers filled in) of a convolution, pooling or transposed convolution."""
    lines, sizes = [], []
    for axis, n, k in (("H", H, kH), ("W", W, kW)):
        if transposed:
            out = (n - 1) * stride - 2 * padding + dilation * (k - 1) + 1
            lines.append(f"{axis}_out = ({axis} - 1)s - 2p + d(k - 1) + 1 = ({n} - 1)*{stride} - 2*{padding} + "
                         f"{dilation}*({k} - 1) + 1 = {out}")
        else:
            out = (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1
            lines.append(f"{axis}_out = floor(({axis} + 2p - d(k - 1) - 1) / s) + 1 = floor(({n} + 2*{padding} - "
                         f"{dilation}*({k} - 1) - 1) / {stride}) + 1 = {out}")
        sizes.append(out)
    return sizes[0], sizes[1], "\n".join(lines)


def window_cells(H_out: int, W_out: int, kH: int, kW: int, stride: int, dilation: int,
                 kernel: torch.Tensor | None) -> list[dict]:
    """Per output cell (row by row): the padded-grid cells its window reads, with the kernel weight of each."""
    cells = []
    for m in range(H_out):
        for n in range(W_out):
            taps = [[m * stride + i * dilation, n * stride + j * dilation] for i in range(kH) for j in range(kW)]
            weights = None if kernel is None else [float(w) for w in kernel.flatten()]
            cells.append({"taps": taps, "weights": weights})
    return cells


def convolution_view(x, kernel, padding, padding_mode, stride, dilation, impl) -> dict:
    """The padded input through the lab's pad2d, the output through its conv2d, and every window."""
    kH, kW = kernel.shape
    H, W = x.shape[-2:]
    H_out, W_out, formula = output_formula(H, W, kH, kW, padding, stride, dilation)
    if H_out < 1 or W_out < 1:
        raise gr.Error(f"The {kH}x{kW} kernel with dilation {dilation} does not fit in the padded {H + 2 * padding}x"
                       f"{W + 2 * padding} input: increase the padding, or lower the dilation.")
    padded = call_lab(impl, "lab1_convolution.convolution", "pad2d", x, padding, padding_mode)  # (1, 1, H+2p, W+2p)
    out = call_lab(impl, "lab1_convolution.convolution", "conv2d", x, kernel[None, None], stride=stride,
                   padding=padding, dilation=dilation, padding_mode=padding_mode)  # (1, 1, H_out, W_out)
    check_shape("conv2d", out, (1, 1, H_out, W_out))
    check_shape("pad2d", padded, (1, 1, H + 2 * padding, W + 2 * padding))
    return {"padded": [[number_text(v) for v in row] for row in padded[0, 0].tolist()],
            "output": out[0, 0].tolist(), "cells": window_cells(H_out, W_out, kH, kW, stride, dilation, kernel),
            "formula": formula, "kernel": kernel.tolist()}


def pooling_view(x, mode, kH, kW, padding, stride, impl) -> dict:
    """The output through the lab's pooling function, every window, and each window's winner (max and min)."""
    H, W = x.shape[-2:]
    H_out, W_out, formula = output_formula(H, W, kH, kW, padding, stride, 1)
    function = POOLING[mode]
    out = call_lab(impl, "lab2_lenet.pooling", function, x, (kH, kW), stride, padding)  # (1, 1, H_out, W_out)
    check_shape(function, out, (1, 1, H_out, W_out))
    cells = window_cells(H_out, W_out, kH, kW, stride, 1, None)
    if mode != "average pooling":
        signed = x if mode == "max pooling" else -x  # the min of x is where -x has its max
        _, indices = call_lab(impl, "lab2_lenet.pooling", "max_pool2d", signed, (kH, kW), stride, padding,
                              return_indices=True)  # (1, 1, H_out, W_out): row * W + column
        for cell, index in zip(cells, indices.flatten().tolist(), strict=True):
            cell["winner"] = [index // W + padding, index % W + padding]
    padded = [[PAD_TEXT[mode]] * (W + 2 * padding) for _ in range(H + 2 * padding)]
    for r, row in enumerate(x[0, 0].tolist()):
        padded[r + padding][padding : padding + W] = [number_text(v) for v in row]
    return {"padded": padded, "output": out[0, 0].tolist(), "cells": cells,
            "formula": formula + "\n(pooling windows are dense: dilation 1)", "kernel": None}


def transposed_view(x, kernel, padding, stride, dilation, impl) -> dict:
    """The transposed convolution through the lab's conv2d (zeros between the inputs, the kernel rotated), and
    for every output cell the input cells that write into it."""
    kH, kW = kernel.shape
    H, W = x.shape[-2:]
    H_out, W_out, formula = output_formula(H, W, kH, kW, padding, stride, dilation, transposed=True)
    if padding > dilation * (min(kH, kW) - 1) or H_out < 1 or W_out < 1:
        raise gr.Error(f"A transposed convolution crops `padding` cells from each side of its output: with this "
                       f"{kH}x{kW} kernel and dilation {dilation} use padding at most {dilation * (min(kH, kW) - 1)}.")
    if max(H_out, W_out) > MAX_OUTPUT_SIDE:
        raise gr.Error(f"The output would be {H_out}x{W_out}: keep it at most {MAX_OUTPUT_SIDE} cells per side "
                       f"(a smaller input or stride).")
    spread = x.new_zeros(1, 1, (H - 1) * stride + 1, (W - 1) * stride + 1)
    spread[..., ::stride, ::stride] = x  # stride - 1 zeros between the input cells
    out = call_lab(impl, "lab1_convolution.convolution", "conv2d", spread, kernel.flip(0, 1)[None, None],
                   padding=(dilation * (kH - 1) - padding, dilation * (kW - 1) - padding), dilation=dilation)
    check_shape("conv2d", out, (1, 1, H_out, W_out))
    cells = [{"taps": [], "weights": []} for _ in range(H_out * W_out)]
    for r in range(H):
        for c in range(W):
            for i in range(kH):
                for j in range(kW):  # input (r, c) times weight (i, j) lands on (r*s + i*d - p, c*s + j*d - p)
                    m, n = r * stride + i * dilation - padding, c * stride + j * dilation - padding
                    if 0 <= m < H_out and 0 <= n < W_out:
                        cells[m * W_out + n]["taps"].append([r, c])
                        cells[m * W_out + n]["weights"].append(float(kernel[i, j]))
    return {"padded": [[number_text(v) for v in row] for row in x[0, 0].tolist()], "output": out[0, 0].tolist(),
            "cells": cells, "formula": formula, "kernel": kernel.tolist(), "pad": 0}


def check_shape(function: str, out: object, expected: tuple[int, ...]) -> None:
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != expected:
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise gr.Error(f"{function} returned {got}, but the formula gives shape {expected}. Check the output size.")


def visualize(input_grid, kernel_grid, mode: str = "convolution", padding=0, padding_mode: str = "zeros", stride=1,
              dilation=1, impl: str = "solutions") -> dict:
    """Everything the page draws, as plain data (see the module docstring)."""
    if mode not in MODES:
        raise gr.Error(f"Unknown mode {mode!r}: pick one of {', '.join(MODES)}.")
    if padding_mode not in PADDING_MODES:
        raise gr.Error(f"Unknown padding mode {padding_mode!r}: pick one of {', '.join(PADDING_MODES)}.")
    x = parse_kernel(input_grid, "input", MAX_INPUT_SIDE)[None, None]  # (1, 1, H, W)
    kernel = parse_kernel(kernel_grid, "kernel", MAX_KERNEL)  # (kH, kW)
    padding, stride, dilation = checked_settings(padding, stride, dilation)
    if mode == "convolution":
        view = convolution_view(x, kernel, padding, padding_mode, stride, dilation, impl)
    elif mode == "transposed convolution":
        view = transposed_view(x, kernel, padding, stride, dilation, impl)
    else:
        view = pooling_view(x, mode, *kernel.shape, padding, stride, impl)
    return {"mode": mode, "pad": padding, "stride": stride, "dilation": dilation, "padding_mode": padding_mode,
            **view}


def build(impl: str) -> None:
    """Lay out the visualizer inside the current tab and wire its events."""
    with gr.Row():
        with gr.Column(scale=1):
            input_grid = gr.Dataframe(small_integers(), type="array", datatype="str", interactive=True,
                                      label=f"Input (editable, up to {MAX_INPUT_SIDE}x{MAX_INPUT_SIDE})",
                                      elem_id="viz-input-grid")
            with gr.Row():
                integers = gr.Button("Small integers", size="sm")
                patch = gr.Button("Patch of a photo", size="sm")
            kernel_grid = gr.Dataframe(SLIDE_KERNEL, type="array", datatype="str", interactive=True,
                                       label="Kernel (pooling uses only its size)", elem_id="viz-kernel-grid")
            mode = gr.Radio(list(MODES), value="convolution", label="Mode", elem_id="viz-mode")
            padding_mode = gr.Radio(list(PADDING_MODES), value="zeros", label="Padding mode (convolution)",
                                    elem_id="viz-padding-mode")
            padding = gr.Slider(0, MAX_SETTING, value=0, step=1, label="Padding p", elem_id="viz-padding")
            stride = gr.Slider(1, MAX_SETTING, value=1, step=1, label="Stride s", elem_id="viz-stride")
            dilation = gr.Slider(1, MAX_SETTING, value=1, step=1, label="Dilation d", elem_id="viz-dilation")
            implementation = gr.Radio(IMPL_CHOICES, value=impl, label="Implementation (use my code: labs/)")
        with gr.Column(scale=2):
            first = visualize(small_integers(), SLIDE_KERNEL) if impl == "solutions" else {}
            view = gr.HTML(first, html_template="<div class='cv-root'></div>", css_template=STYLE,
                           js_on_load=SCRIPT, elem_id="viz-view")
    settings = [input_grid, kernel_grid, mode, padding, padding_mode, stride, dilation, implementation]
    for component in settings:
        component.change(visualize, inputs=settings, outputs=view, api_visibility="private", show_progress="hidden")
    integers.click(small_integers, outputs=input_grid, api_visibility="private")
    patch.click(photo_patch, outputs=input_grid, api_visibility="private")
