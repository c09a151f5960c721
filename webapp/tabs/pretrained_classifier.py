"""Lab 3 tab: the five most likely ImageNet classes of a photo, from a pretrained network, with the model and the
weights in use named (EfficientNet-Lite0 offline; ResNet-18 when torch.hub has its weights)."""

from functools import cache, partial

import gradio as gr
import numpy as np

from ipdl.pretrained import DEFAULT_MODEL, MODELS, Pretrained, WeightsUnavailableError, load_pretrained
from webapp.image_input import build_image_picker, load_sample
from webapp.implementations import IMPL_CHOICES, call_lab
from webapp.request_limits import TabCost
from webapp.tab_events import failure_outputs, tab_event

TITLE = "Pretrained classifier"
CLASSIFY = "lab3_pretrained.classify"
TOP_K = 5
MAX_ASPECT = 10  # longer side / shorter side: resizing the shorter side to 256 px must stay a sane size
MODEL_CHOICES = [("EfficientNet-Lite0 (offline)", "efficientnet_lite0"), ("ResNet-18 (torch.hub)", "resnet18")]
DEFAULT_SAMPLE = "chelsea (cat)"
COST = TabCost("one forward pass of EfficientNet-Lite0 (or ResNet-18) on a 224x224 crop; the first request loads the "
               "model (about 2 s)", typical_s=0.02, concurrency=2, name=TITLE)


@cache
def pretrained(name: str) -> Pretrained:
    """The pretrained model `name`, loaded once per app."""
    if name not in MODELS:
        raise gr.Error(f"Unknown model {name!r}: choose one of {', '.join(MODELS)}.")
    try:
        return load_pretrained(name)
    except WeightsUnavailableError as error:
        raise gr.Error(str(error)) from error


def check_photo(image: np.ndarray | None) -> None:
    """gr.Error for a missing image or one too thin to crop a square from."""
    if image is None:
        raise gr.Error("No image yet. Pick a sample photo or upload one.")
    H, W = image.shape[:2]
    if max(H, W) > MAX_ASPECT * min(H, W):
        raise gr.Error(f"The image is {W}x{H} pixels: too thin for a classifier that looks at the central square. "
                       f"Upload a photo at most {MAX_ASPECT} times longer than wide.")


def as_label_scores(top: object, k: int) -> dict[str, float]:
    """topk_labels' list of (name, probability) as gr.Label's {name: probability}, checked."""
    if not isinstance(top, list) or len(top) != k or not all(isinstance(p, tuple) and len(p) == 2 for p in top):
        raise gr.Error(f"topk_labels returned {type(top).__name__}; expected a list of {k} (name, probability) pairs.")
    scores = {str(name): float(probability) for name, probability in top}
    if not all(0.0 <= p <= 1.0 for p in scores.values()):
        raise gr.Error(f"topk_labels returned {scores}: probabilities lie in [0, 1] (use softmax on the logits).")
    return scores


def classify_photo(image: np.ndarray | None, model_name: str = DEFAULT_MODEL,
                   impl: str = "solutions") -> tuple[dict[str, float], str]:
    """Top-5 ImageNet classes of a uint8 (H, W) or (H, W, 3) photo, and a line naming model and weights."""
    check_photo(image)
    loaded = pretrained(model_name)
    top = call_lab(impl, CLASSIFY, "classify_image", loaded.model, image, loaded.categories, TOP_K)
    code = "your imagenet_preprocess and topk_labels" if impl == "labs" else "the reference code"
    status = f"**{loaded.name}** with ImageNet weights from {loaded.weights}; preprocessing and top-5 by {code}."
    return as_label_scores(top, TOP_K), status


@cache
def first_reading(impl: str) -> tuple[dict[str, float] | None, str]:
    """What the tab shows on arrival (computed when the first visitor opens the page, then kept): the reference's
    answer for the default sample, or why there is none."""
    if impl != "solutions":
        return None, "Pick a photo and click Classify."  # students' code runs only when they ask
    try:
        return classify_photo(load_sample(DEFAULT_SAMPLE))
    except gr.Error as error:  # e.g. the weights package is missing: the app still starts, and says what to do
        return None, error.message


def photo_changed(image: np.ndarray | None, model_name: str, impl: str) -> tuple[dict[str, float] | None, str]:
    """Event: a new photo (or none, after a failed upload: then the answer is cleared)."""
    if image is None:
        return None, "Pick a sample photo or upload one."
    return classify_photo(image, model_name, impl)


def build(impl: str) -> None:
    """Lay out the classifier inside the current tab and wire its events."""
    with gr.Row():
        with gr.Column(scale=1):
            image = build_image_picker(DEFAULT_SAMPLE, prefix="pretrained")
            model_name = gr.Radio(MODEL_CHOICES, value=DEFAULT_MODEL, label="Model", elem_id="pretrained-model")
            implementation = gr.Radio(IMPL_CHOICES, value=impl, label="Implementation")
            run = gr.Button("Classify", variant="primary", elem_id="pretrained-run")
        with gr.Column(scale=1):
            top5 = gr.Label(num_top_classes=TOP_K, label="Top 5 ImageNet classes", elem_id="pretrained-top5")
            status = gr.Markdown("Loading the model...", elem_id="pretrained-status")
    inputs, outputs = [image, model_name, implementation], [top5, status]
    classify = tab_event(classify_photo, failure_outputs(2, status_at=1))
    options = {"show_progress_on": [top5], **COST.events()}
    run.click(classify, inputs=inputs, outputs=outputs, api_name="lab3_classify", **options)
    image.change(tab_event(photo_changed, failure_outputs(2, status_at=1)), inputs=inputs, outputs=outputs,
                 api_visibility="private", **options)  # a new photo: its answer
    model_name.input(classify, inputs=inputs, outputs=outputs, api_visibility="private", **options)
    gr.on(None, partial(first_reading, impl), None, outputs, api_visibility="private", **options)  # on arrival
