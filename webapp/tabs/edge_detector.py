"""Lab 1 tab: Sobel gradients gx, gy, their magnitude and a thresholded edge map (Sobel & Feldman 1968)."""

import gradio as gr
import numpy as np
import torch

from webapp.image_input import build_image_picker
from webapp.implementations import IMPL_CHOICES, call_lab
from webapp.number_inputs import bounded_number
from webapp.request_limits import TabCost
from webapp.result_files import as_files
from webapp.tab_events import failure_outputs, tab_event

TITLE = "Edge detector"
SOBEL = "lab1_convolution.sobel"
COST = TabCost("Sobel gradients, their magnitude and an edge map of a photo of at most 1024x1024 pixels",
               typical_s=0.05, concurrency=2, name=TITLE)


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


def check_inputs(image: np.ndarray | None, threshold: object) -> float:
    """The threshold as a float in [0, 1]; gr.Error for a missing image or any other threshold."""
    if image is None:
        raise gr.Error("No image yet. Pick a sample photo or upload one.")
    return bounded_number(threshold, "The threshold", 0.0, 1.0, "edge strengths are normalised")


def edge_image(image: np.ndarray | None, threshold: float, impl: str = "solutions") -> np.ndarray:
    """The binary edge map (edge_map from lab 1) as a uint8 black/white image."""
    threshold = check_inputs(image, threshold)
    edges = call_lab(impl, SOBEL, "edge_map", image, threshold=threshold)
    return unit_to_display(_as_array(edges, "edge_map", image.shape[:2]))


def detect_edges(
    image: np.ndarray | None, threshold: float = 0.2, impl: str = "solutions"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run the lab's Sobel functions in exercise order; return display images (gx, gy, magnitude, edges)."""
    threshold = check_inputs(image, threshold)
    shape = image.shape[:2]
    gradients = call_lab(impl, SOBEL, "sobel_gradients", image)
    if not isinstance(gradients, (tuple, list)) or len(gradients) != 2:
        raise gr.Error(f"sobel_gradients returned {type(gradients).__name__}; expected a pair (gx, gy).")
    gx = _as_array(gradients[0], "sobel_gradients (gx)", shape)
    gy = _as_array(gradients[1], "sobel_gradients (gy)", shape)
    magnitude = _as_array(call_lab(impl, SOBEL, "sobel_edges", image), "sobel_edges", shape)
    edges = edge_image(image, threshold, impl)
    return signed_to_display(gx), signed_to_display(gy), unit_to_display(magnitude), edges


def status_line(threshold: float, impl: str) -> str:
    """The status line after a run: whose code, at which threshold."""
    code = "your Sobel functions" if impl == "labs" else "the reference code"
    return f"Edges by {code}, threshold {float(threshold):.2f}."


def detect_edges_event(image: np.ndarray | None, threshold: float, impl: str) -> tuple:
    """Event: Detect edges; the four pictures and the status line."""
    return (*detect_edges(image, threshold, impl), status_line(threshold, impl))


def edge_image_event(image: np.ndarray | None, threshold: float, impl: str) -> tuple:
    """Event: the threshold slider was released; the edge map and the status line."""
    return edge_image(image, threshold, impl), status_line(threshold, impl)


def build(impl: str) -> None:
    """Lay out the edge detector inside the current tab and wire its events."""
    with gr.Row():
        with gr.Column(scale=1):
            image = build_image_picker("coins", prefix="edge")
            threshold = gr.Slider(0.0, 1.0, value=0.2, step=0.01, label="Edge threshold (on normalised strength)")
            implementation = gr.Radio(IMPL_CHOICES, value=impl, label="Implementation")
            run = gr.Button("Detect edges", variant="primary", elem_id="edge-run")
        with gr.Column(scale=2):
            # On arrival, the reference's result; students' code runs only when they ask.
            first = as_files(detect_edges(image.value, 0.2)) if impl == "solutions" else (None,) * 4
            status = gr.Markdown(status_line(0.2, impl) if impl == "solutions" else "Pick a photo and click Detect "
                                 "edges.", elem_id="edge-status")
            with gr.Row():
                magnitude = gr.Image(first[2], label="Edge strength sqrt(gx² + gy²) / max", format="png", height=280)
                edges = gr.Image(first[3], label="Edge map (strength ≥ threshold)", format="png", height=280)
            with gr.Row():
                gx = gr.Image(first[0], label="gx (gray = 0, bright = gets brighter to the right)", format="png",
                              height=280)
                gy = gr.Image(first[1], label="gy (gray = 0, bright = gets brighter downward)", format="png",
                              height=280)
    inputs = [image, threshold, implementation]
    pictures = [gx, gy, magnitude, edges]
    run.click(tab_event(detect_edges_event, failure_outputs(5, status_at=4), pictures=(0, 1, 2, 3)), inputs=inputs,
              outputs=[*pictures, status], api_name="lab1_sobel", show_progress_on=pictures, **COST.events())
    threshold.release(tab_event(edge_image_event, failure_outputs(2, status_at=1), pictures=(0,)), inputs=inputs,
                      outputs=[edges, status], api_name="lab1_edge_map", show_progress_on=[edges], **COST.events())
