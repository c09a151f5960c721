"""The app assembles one tab per module, parses its command line, and `python -m webapp` really serves."""

import gradio as gr
import httpx
import pytest

from webapp import home
from webapp.__main__ import parse_args
from webapp.app import TAB_MODULES, build_app


def tab_labels(demo: gr.Blocks) -> list[str]:
    return [block.label for block in demo.blocks.values() if isinstance(block, gr.Tab)]


def test_one_tab_per_module_in_order() -> None:
    demo = build_app("labs")
    assert tab_labels(demo) == ["Home", "Convolution playground", "Edge detector", "Digit reader",
                                "Pretrained classifier", "Pokémon classifier", "Segmentation", "Diffusion"]
    assert tab_labels(demo) == [module.TITLE for module in TAB_MODULES]


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


def test_python_m_webapp_serves_the_page(webapp_url: str) -> None:
    page = httpx.get(webapp_url, timeout=10, trust_env=False)
    assert page.status_code == 200
    assert "ipdl-lab: Image Processing with Deep Learning" in page.text
    config = httpx.get(f"{webapp_url}config", timeout=10, trust_env=False).json()
    assert config["analytics_enabled"] is False
    labels = [c["props"].get("label") for c in config["components"] if c["type"] == "tabitem"]
    assert labels == ["Home", "Convolution playground", "Edge detector", "Digit reader",
                                "Pretrained classifier", "Pokémon classifier", "Segmentation", "Diffusion"]
