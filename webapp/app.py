"""Assemble the web app: one gr.Blocks with a tab per module in TAB_MODULES."""

from types import ModuleType

import gradio as gr

from webapp import home
from webapp.implementations import IMPLEMENTATIONS
from webapp.tabs import (
    convolution_playground,
    diffusion,
    digit_reader,
    edge_detector,
    pokemon_classifier,
    pretrained_classifier,
    segmentation,
)

# Adding a lab's tab = import its module above and list it here (it must expose TITLE and build(impl)).
TAB_MODULES: list[ModuleType] = [home, convolution_playground, edge_detector, digit_reader,
                                 pretrained_classifier, pokemon_classifier, segmentation, diffusion]


def build_app(impl: str = "solutions") -> gr.Blocks:
    """The whole app; `impl` ("solutions" or "labs") is the default implementation in every tab."""
    if impl not in IMPLEMENTATIONS:
        raise ValueError(f"impl must be one of {IMPLEMENTATIONS}, got {impl!r}")
    with gr.Blocks(title="ipdl-lab: Image Processing with Deep Learning", analytics_enabled=False) as demo:
        for module in TAB_MODULES:
            with gr.Tab(module.TITLE):
                module.build(impl)
    return demo
