"""The app assembles one tab per module, parses its command line, and `python -m webapp` really serves."""

import importlib.util
import re

import gradio as gr
import httpx
import pytest

from ipdl.catalogue import LABS
from webapp import home
from webapp.__main__ import parse_args
from webapp.app import TAB_MODULES, build_app
from webapp.tabs import check_my_labs
from webapp.tabs.digit_reader import LENET_WEIGHTS
from webapp.tabs.pokemon_classifier import CLASSIFIER_WEIGHTS
from webapp.tabs.segmentation import UNET_WEIGHTS


def tab_labels(demo: gr.Blocks) -> list[str]:
    return [block.label for block in demo.blocks.values() if isinstance(block, gr.Tab)]


def test_one_tab_per_module_in_order() -> None:
    demo = build_app("labs")
    assert tab_labels(demo) == ["Home", "Convolution playground", "Convolution visualizer", "Edge detector",
                                "Digit reader", "Pretrained classifier", "Pokémon classifier", "Segmentation",
                                "Diffusion", "Check my labs"]
    assert tab_labels(demo) == [module.TITLE for module in TAB_MODULES]


def test_tabs_are_the_catalogues() -> None:
    """Home, each lab's tabs from the catalogue, then the tab that grades them."""
    assert TAB_MODULES[0] is home and TAB_MODULES[-1] is check_my_labs
    assert [module.__name__ for module in TAB_MODULES[1:-1]] == [f"webapp.tabs.{tab}" for lab in LABS
                                                                 for tab in lab.tabs]


def test_app_is_offline_clean() -> None:
    assert build_app().analytics_enabled is False


def test_implementation_switches_default_to_the_impl_argument() -> None:
    for impl in ("solutions", "labs"):
        switches = [
            block.value
            for block in build_app(impl).blocks.values()
            if isinstance(block, gr.Radio) and block.label == "Implementation"
        ]
        assert switches == [impl] * 7


def test_unknown_impl_is_rejected() -> None:
    with pytest.raises(ValueError, match="impl must be one of"):
        build_app("mine")


def test_command_line_defaults() -> None:
    args = parse_args([])
    assert (args.host, args.port, args.impl) == ("127.0.0.1", 7860, "solutions")
    assert parse_args(["--impl", "labs", "--port", "8000"]).impl == "labs"
    with pytest.raises(SystemExit):
        parse_args(["--impl", "mine"])


def test_home_page_lists_the_six_labs_and_impl_labs() -> None:
    text = home.home_markdown("labs")
    for lab in ("lab1_convolution", "lab2_lenet", "lab3_pretrained", "lab4_transfer", "lab5_unet", "lab6_diffusion"):
        assert f"labs/{lab}/" in text
    assert "python -m webapp --impl labs" in text


def test_home_page_commands_and_files_exist() -> None:
    """Every `python -m <module>` the home page names can run, and every runs/ file is one a tab reads."""
    text = home.home_markdown("solutions")
    modules = re.findall(r"`python -m ([\w.]+)", text)
    assert {"labs.lab2_lenet.train", "labs.lab4_transfer.train", "labs.lab5_unet.train"} <= set(modules)
    assert [module for module in modules if importlib.util.find_spec(module) is None] == []
    served = {path.as_posix() for weights in (LENET_WEIGHTS, CLASSIFIER_WEIGHTS, *UNET_WEIGHTS.values())
              for path in weights.student_paths}
    assert set(re.findall(r"`(runs/[\w.-]+)`", text)) <= served


def test_python_m_webapp_serves_the_page(webapp_url: str) -> None:
    page = httpx.get(webapp_url, timeout=10, trust_env=False)
    assert page.status_code == 200
    assert "ipdl-lab: Image Processing with Deep Learning" in page.text
    config = httpx.get(f"{webapp_url}config", timeout=10, trust_env=False).json()
    assert config["analytics_enabled"] is False
    labels = [c["props"].get("label") for c in config["components"] if c["type"] == "tabitem"]
    assert labels == ["Home", "Convolution playground", "Convolution visualizer", "Edge detector", "Digit reader",
                      "Pretrained classifier", "Pokémon classifier", "Segmentation", "Diffusion", "Check my labs"]
