"""Lab 1 tab: Sobel gradients gx, gy, their magnitude and a thresholded edge map (Sobel & Feldman 1968)."""

import gradio as gr
import numpy as np
import torch

from webapp.image_input import build_image_picker
from webapp.implementations import IMPL_CHOICES, call_lab

TITLE = "Edge detector"
SOBEL = "lab1_convolution.sobel"


def _as_array(result: object, name: str, shape: tuple[int, int]) -> np.ndarray:
    """A lab result as a float (H, W) numpy array, or a gr.Error naming the function that misbehaved."""
    if isinstance(result, np.ndarray):
        result = torch.from_numpy(result)
    if not isinstance(result, torch.Tensor) or tuple(result.shape) != shape:
        got = tuple(result.shape) if isinstance(result, torch.Tensor) else type(result).__name__
        raise gr.Error(f"{name} returned {got}; expected an (H, W) = {shape} tensor, as large as the input.")
    return result.detach().cpu().to(torch.float32).numpy()


def signed_to_display(gradient: np.ndarray) -> np.ndarray:
    """Signed gradient -> uint8 gray: 128 is zero, brighter is positive, darker is negative."""
    peak = np.abs(gradient).max()
    scaled = gradient / peak if peak > 0 else np.zeros_like(gradient)  # in [-1, 1]
    return np.round(127.5 + 127.5 * scaled).astype(np.uint8)


def unit_to_display(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] (or bool) -> uint8 gray."""
    return np.round(np.clip(values.astype(np.float32), 0.0, 1.0) * 255).astype(np.uint8)


def check_inputs(image: np.ndarray | None, threshold: float | None) -> None:
    """gr.Error for a missing image or a threshold outside [0, 1]."""
    if image is None:
        raise gr.Error("No image yet. Pick a sample photo or upload one.")
    if threshold is None or not 0.0 <= float(threshold) <= 1.0:
        raise gr.Error(f"The threshold must be between 0 and 1 (edge strengths are normalised); got {threshold}.")


def edge_image(image: np.ndarray | None, threshold: float, impl: str = "solutions") -> np.ndarray:
    """The binary edge map (edge_map from lab 1) as a uint8 black/white image."""
    check_inputs(image, threshold)
    edges = call_lab(impl, SOBEL, "edge_map", image, threshold=float(threshold))
    return unit_to_display(_as_array(edges, "edge_map", image.shape[:2]))


def detect_edges(
    image: np.ndarray | None, threshold: float = 0.2, impl: str = "solutions"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run the lab's Sobel functions in exercise order; return display images (gx, gy, magnitude, edges)."""
    check_inputs(image, threshold)
    shape = image.shape[:2]
    gradients = call_lab(impl, SOBEL, "sobel_gradients", image)
    if not isinstance(gradients, (tuple, list)) or len(gradients) != 2:
        raise gr.Error(f"sobel_gradients returned {type(gradients).__name__}; expected a pair (gx, gy).")
    gx = _as_array(gradients[0], "sobel_gradients (gx)", shape)
    gy = _as_array(gradients[1], "sobel_gradients (gy)", shape)
    magnitude = _as_array(call_lab(impl, SOBEL, "sobel_edges", image), "sobel_edges", shape)
    edges = edge_image(image, threshold, impl)
    return signed_to_display(gx), signed_to_display(gy), unit_to_display(magnitude), edges


def build(impl: str) -> None:
    """Lay out the edge detector inside the current tab and wire its events."""
    with gr.Row():
        with gr.Column(scale=1):
            image = build_image_picker("coins", prefix="edge")
            threshold = gr.Slider(0.0, 1.0, value=0.2, step=0.01, label="Edge threshold (on normalised strength)")
            implementation = gr.Radio(IMPL_CHOICES, value=impl, label="Implementation")
            run = gr.Button("Detect edges", variant="primary")
        with gr.Column(scale=2):
            # On arrival, the reference's result; students' code runs only when they ask.
            first = detect_edges(image.value, 0.2) if impl == "solutions" else (None,) * 4
            with gr.Row():
                magnitude = gr.Image(first[2], label="Edge strength sqrt(gx² + gy²) / max", format="png", height=280)
                edges = gr.Image(first[3], label="Edge map (strength ≥ threshold)", format="png", height=280)
            with gr.Row():
                gx = gr.Image(first[0], label="gx (gray = 0, bright = gets brighter to the right)", format="png",
                              height=280)
                gy = gr.Image(first[1], label="gy (gray = 0, bright = gets brighter downward)", format="png",
                              height=280)
    inputs = [image, threshold, implementation]
    run.click(detect_edges, inputs=inputs, outputs=[gx, gy, magnitude, edges], api_name="lab1_sobel")
    threshold.release(edge_image, inputs=inputs, outputs=edges, api_name="lab1_edge_map")
