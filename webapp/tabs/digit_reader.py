"""Lab 2 tab: draw a digit or upload a photo of one, see the 28x28 image LeNet reads and its three best guesses."""

from functools import cache
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
import torch
from torch import nn

from ipdl.data.mnist import load_mnist_pixels, normalize
from webapp.digit_preprocessing import MNIST_SIDE, NoInkError, mnist_digit, photo_ink, sketch_ink
from webapp.image_input import read_upload
from webapp.implementations import IMPL_CHOICES, call_lab
from webapp.request_limits import TabCost
from webapp.result_files import as_files
from webapp.tab_events import failure_outputs, tab_event
from webapp.weights import Loaded, TrainedWeights, load_trained

TITLE = "Digit reader"
TRAINING = "lab2_lenet.training"
LENET_WEIGHTS = TrainedWeights(
    "LeNet", "lab2_lenet.lenet", "LeNet", "lenet-mnist.safetensors",
    "Train one with `python -m labs.lab2_lenet.train` (a minute or two on a laptop; it writes "
    "runs/lenet-mnist.safetensors)",
)
BUNDLED_CHECKPOINT = LENET_WEIGHTS.bundled_path
STUDENT_CHECKPOINT = LENET_WEIGHTS.student_paths[0]  # where `python -m labs.lab2_lenet.train` writes
CANVAS_SIDE = 280  # pixels; a digit drawn across most of it is scaled down about 10x, like a pen on paper
BRUSH_RADIUS = 12  # pixels: strokes about 2.5 pixels wide once the digit is 20 pixels tall, as in MNIST
SHOWN_SCALE = 10  # the 28x28 input is shown as 280x280, one MNIST pixel per 10x10 square
DRAW_HINT = "Draw a digit first: one digit from 0 to 9, as large as the canvas allows."
PHOTO_HINT = ("Upload a photo of one digit, written dark on light paper (or light on dark), filling most of the "
              "picture.")
DRAWING = "Your drawing"  # the source of a reading from the canvas, in the status line
MAX_SKETCH_SIDE = 2048  # pixels; the browser's canvas is CANVAS_SIDE, larger sketches come through the API
COST = TabCost("LeNet on one 28x28 digit, after finding the digit in a drawing or a photo of at most 1024x1024 pixels",
               typical_s=0.01, concurrency=2, name=TITLE)
Shown = tuple[np.ndarray, str]  # the 28x28 digit on show and where it came from, kept for the implementation switch
Reading = tuple[np.ndarray | None, dict[str, float] | None, str, Shown | None]  # enlarged input, top 3, status


def blank_canvas() -> dict[str, Any]:
    """The sketchpad's empty value: white paper and one transparent layer for the strokes.

    With a value (rather than None) Gradio 6 opens the sketchpad with the brush selected. Its sketchpad also
    ignores its own first change event (meant for loading the value); the layer's arrival uses it up, so the
    visitor's first stroke is read at once.
    """
    paper = np.full((CANVAS_SIDE, CANVAS_SIDE, 3), 255, dtype=np.uint8)
    strokes = np.zeros((CANVAS_SIDE, CANVAS_SIDE, 4), dtype=np.uint8)
    return {"background": paper, "layers": [strokes], "composite": None}


def blank_canvas_files() -> dict[str, Any]:
    """Event: "Clear"; blank_canvas() with its pictures as files of their own (see webapp/result_files.py)."""
    return as_files(blank_canvas())


def load_lenet(impl: str, checkpoint: Path | None = None) -> Loaded:
    """LeNet of `impl` with the weights in `checkpoint` (default: bundled for the reference, the student's for labs)."""
    return load_trained(LENET_WEIGHTS, impl, checkpoint)


def classify(digit: np.ndarray, impl: str, model: nn.Module) -> dict[str, float]:
    """Probability of each class "0".."9" for a uint8 (28, 28) white-on-black digit, from `impl`'s predict_proba."""
    x = normalize(digit[None])  # (1, 28, 28) uint8 -> (1, 1, 28, 28) float32, MNIST's mean and std
    probabilities = call_lab(impl, TRAINING, "predict_proba", model, x)
    if not isinstance(probabilities, torch.Tensor) or tuple(probabilities.shape) != (1, 10):
        got = tuple(probabilities.shape) if isinstance(probabilities, torch.Tensor) else type(probabilities).__name__
        raise gr.Error(f"predict_proba returned {got}; expected a (1, 10) tensor of probabilities for one image.")
    row = probabilities[0].detach().cpu().to(torch.float64)
    if not torch.isfinite(row).all() or (row < 0).any() or abs(float(row.sum()) - 1.0) > 1e-3:
        raise gr.Error(f"predict_proba returned {row.numpy().round(3).tolist()}: probabilities are >= 0 and sum to 1.")
    return {str(k): float(p) for k, p in enumerate(row)}


def shown_input(digit: np.ndarray) -> np.ndarray:
    """The 28x28 digit enlarged SHOWN_SCALE times with square pixels (nearest neighbour), uint8."""
    return np.kron(digit, np.ones((SHOWN_SCALE, SHOWN_SCALE), dtype=np.uint8))  # (280, 280)


def model_name(impl: str, lenet: Loaded) -> str:
    """"LeNet" or "your LeNet", with its weights and the test accuracy their sidecar records."""
    name = "your LeNet" if impl == "labs" else "LeNet"
    accuracy = f", {lenet.test_accuracy:.1%} right on the held-out test digits" if lenet.test_accuracy else ""
    return f"{name} ({lenet.source}{accuracy})"


def read(digit: np.ndarray, source: str, impl: str, checkpoint: Path | None = None) -> Reading:
    """Classify `digit`; return (enlarged input, probabilities, status line, (digit, source))."""
    lenet = load_lenet(impl, checkpoint)
    probabilities = classify(digit, impl, lenet.model)
    best = max(probabilities, key=probabilities.__getitem__)
    status = f"{source}: {model_name(impl, lenet)} reads **{best}**, {probabilities[best]:.1%} sure."
    return shown_input(digit), probabilities, status, (digit, source)


def read_sketch(sketch: dict[str, Any] | None, impl: str = "solutions", shown: Shown | None = None,
                checkpoint: Path | None = None) -> Reading | tuple[Any, ...]:
    """Event: the drawing changed. An empty canvas after a drawing clears the outputs and asks for a digit, it is
    no error; but it leaves anything else alone (`shown` None or not a drawing): a photo or a test digit on show
    (the canvas empties itself after those were picked when its reset after "Clear" arrives late, and the visitor
    must still see what they asked for), the page as it opened, or the message of a failed request."""
    check_sketch(sketch)
    ink = sketch_ink(sketch)
    try:
        digit = mnist_digit(ink) if ink is not None else None
    except NoInkError:
        digit = None
    if digit is None:
        if shown is None or shown[1] != DRAWING:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return None, None, DRAW_HINT, None
    return read(digit, DRAWING, impl, checkpoint)


def check_sketch(sketch: dict[str, Any] | None) -> None:
    """gr.Error for a sketchpad value (sent through the API) whose pictures differ in size or are too large."""
    if not sketch:
        return
    pictures = [np.asarray(p) for p in [sketch.get("background"), *(sketch.get("layers") or [])] if p is not None]
    sizes = {picture.shape[:2] for picture in pictures}
    if len(sizes) > 1:
        raise gr.Error(f"The sketch's background and layers have different sizes ({', '.join(map(str, sizes))}): "
                       "send them all at the canvas's size.")
    if any(max(size) > MAX_SKETCH_SIDE for size in sizes):
        raise gr.Error(f"The sketch is {max(max(size) for size in sizes)} pixels wide or high; keep it at most "
                       f"{MAX_SKETCH_SIDE} (the canvas is {CANVAS_SIDE}).")


def read_photo(path: str | Path | None, impl: str = "solutions", checkpoint: Path | None = None) -> Reading:
    """Event: a photo was uploaded; dark ink on light paper is inverted to MNIST's white on black."""
    image = read_upload(path)  # gr.Error for non-images; downscales large photos with a notice
    name = Path(str(path)).name
    ink = photo_ink(image)
    if not ink.any():
        raise gr.Error(f"No digit found in {name}: nothing in it stands out from the paper (the picture looks blank "
                       f"or evenly lit). {PHOTO_HINT}")
    try:
        digit = mnist_digit(ink)
    except NoInkError as error:
        raise gr.Error(f"No digit found in {name}: {error} {PHOTO_HINT}") from error
    return read(digit, f"Your photo {name}", impl, checkpoint)


def read_photo_event(path: str | Path | None, impl: str) -> tuple:
    """Event: an upload; read_photo's outputs, the upload box left as it is (emptied when the photo fails)."""
    return (*read_photo(path, impl), gr.skip())


@cache
def held_out_digits() -> tuple[np.ndarray, np.ndarray]:
    """The held-out digits of the kit's fixed MNIST split: uint8 (1000, 28, 28) and their labels (1000,)."""
    pixels = load_mnist_pixels()
    return pixels.test_images, pixels.test_labels


def read_test_digit(
    label: str, impl: str = "solutions", pick: int | None = None, checkpoint: Path | None = None
) -> Reading:
    """Event: a sample button; read the `pick`-th held-out test digit of class `label` (random when None)."""
    if label not in [str(k) for k in range(10)]:
        raise gr.Error(f"There are test digits of the classes 0 to 9, not {label!r}.")
    images, labels = held_out_digits()
    (indices,) = np.nonzero(labels == int(label))  # test digits of this class, in split order
    pick = int(np.random.default_rng().integers(len(indices))) if pick is None else pick % len(indices)
    index = int(indices[pick])
    return read(images[index], f"Test digit #{index} (a {label} never seen in training)", impl, checkpoint)


def reread(shown: Shown | None, impl: str = "solutions", checkpoint: Path | None = None) -> Reading:
    """Event: the implementation switch; read the digit on show again with the chosen implementation."""
    if shown is None:
        return None, None, DRAW_HINT, None
    digit, source = shown
    return read(digit, source, impl, checkpoint)


def build(impl: str) -> None:
    """Lay out the digit reader inside the current tab and wire its events."""
    with gr.Row():
        with gr.Column(scale=1):
            sketch = gr.Sketchpad(
                value=blank_canvas_files(),
                canvas_size=(CANVAS_SIDE, CANVAS_SIDE),
                brush=gr.Brush(colors=["#000000"], color_mode="fixed", default_size=BRUSH_RADIUS),
                eraser=gr.Eraser(default_size=2 * BRUSH_RADIUS),
                layers=False,
                transforms=(),
                buttons=[],
                type="numpy",
                image_mode="RGBA",
                format="png",  # the blank canvas goes to the browser exactly as made
                height=CANVAS_SIDE + 100,
                label="Draw a digit (black on white; the model reads it inverted, as in MNIST)",
                elem_id="digit-canvas",
            )
            clear = gr.Button("Clear the canvas", elem_id="digit-clear")
            upload = gr.File(label="...or upload a photo of one digit", height=120, elem_id="digit-upload")
            gr.Markdown("...or try a digit from the held-out test split:")
            with gr.Row():
                samples = [gr.Button(str(k), size="sm", min_width=32, elem_id=f"digit-sample-{k}") for k in range(10)]
            implementation = gr.Radio(IMPL_CHOICES, value=impl, label="Implementation")
        with gr.Column(scale=1):
            model_input = gr.Image(
                label=f"What LeNet reads: {MNIST_SIDE}x{MNIST_SIDE} pixels, white on black",
                format="png",
                interactive=False,
                height=CANVAS_SIDE + 60,
                elem_id="digit-input",
            )
            top3 = gr.Label(num_top_classes=3, label="Top 3", elem_id="digit-label")
            status = gr.Markdown(DRAW_HINT, elem_id="digit-status")
    on_show = gr.State(None)
    outputs = [model_input, top3, status, on_show]
    failed = failure_outputs(len(outputs), status_at=2)
    queue = {"show_progress_on": [model_input], **COST.events()}
    # a change per stroke; "always_last" (the default for change) drops the strokes drawn while one is being read
    sketch.change(tab_event(read_sketch, failed, pictures=(0,)), [sketch, implementation, on_show], outputs,
                  show_progress="hidden", api_name="lab2_read_sketch", **COST.events())
    sketch.clear(blank_canvas_files, outputs=sketch, api_visibility="private")  # the bin icon: back to paper + brush
    clear.click(blank_canvas_files, outputs=sketch, api_visibility="private")
    upload.upload(tab_event(read_photo_event, failure_outputs(len(outputs) + 1, status_at=2), pictures=(0,)),
                  [upload, implementation], [*outputs, upload], api_name="lab2_read_photo", **queue)
    for button in samples:
        button.click(tab_event(read_test_digit, failed, pictures=(0,)), [button, implementation], outputs,
                     api_visibility="private", **queue)
    implementation.input(tab_event(reread, failed, pictures=(0,)), [on_show, implementation], outputs,
                         api_visibility="private", **queue)
