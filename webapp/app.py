"""Assemble the web app: one gr.Blocks with the home tab, then the tabs of every lab in the catalogue."""

import importlib
from types import ModuleType

import gradio as gr

from webapp import home
from webapp.implementations import DEFAULT_IMPL, IMPLEMENTATIONS, SHIPPED_LABS
from webapp.tabs import check_my_labs

# Adding a lab's tab = a module in webapp/tabs/ (it exposes TITLE and build(impl)) named in its Lab.tabs; after the
# labs' tabs, the tab that grades them all.
TAB_MODULES: list[ModuleType] = [home, *(importlib.import_module(f"webapp.tabs.{tab}") for lab in SHIPPED_LABS
                                        for tab in lab.tabs), check_my_labs]


def build_app(impl: str = DEFAULT_IMPL) -> gr.Blocks:
    """The whole app; `impl` (one of IMPLEMENTATIONS) is the default implementation in every tab."""
    if impl not in IMPLEMENTATIONS:
        raise ValueError(f"impl must be one of {IMPLEMENTATIONS}, got {impl!r}")
    with gr.Blocks(title="ipdl-lab: Image Processing with Deep Learning", analytics_enabled=False) as demo:
        for module in TAB_MODULES:
            with gr.Tab(module.TITLE):
                module.build(impl)
    return demo
