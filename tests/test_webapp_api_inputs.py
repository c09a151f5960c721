"""Malformed input through the API of a running `python -m webapp` (gradio_client, as a script or a classmate's
notebook would send it): every case gets its message, and the same endpoint answers a good input right after."""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from gradio_client import Client, handle_file
from malformed_uploads import big_png, cut_off_png, float_tiff_with_infinities, text_as_png
from PIL import Image

from ipdl.data.mnist import load_mnist_pixels
from webapp.tabs.pokemon_classifier import gallery
from webapp.tabs.segmentation import random_postcode

BOX_BLUR = [["1/9"] * 3] * 3


def grid(rows: list[list[str]]) -> dict:
    """A kernel grid as the Dataframe's API takes it."""
    return {"headers": [str(i + 1) for i in range(len(rows[0]))], "data": rows, "metadata": None}


@pytest.fixture(scope="module")
def client(webapp_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    downloads = tmp_path_factory.mktemp("downloads")
    api = Client(webapp_url, verbose=False, download_files=str(downloads), httpx_kwargs={"timeout": 300})
    yield api
    api.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Good and bad uploads."""
    folder = tmp_path_factory.mktemp("uploads")
    mnist = load_mnist_pixels()
    digit = 255 - np.kron(mnist.test_images[0], np.ones((10, 10), np.uint8))  # a held-out digit, dark on light
    pixels, name = gallery()[0]
    postcode = random_postcode(5)
    speck = np.full((64, 192), 230, np.uint8)
    speck[30, 90] = 0
    paths = {"digit": folder / "digit.png", "sprite": folder / f"{name}.png", "postcode": folder / "postcode.png",
             "speck": folder / "speck.png", "paper": folder / "paper.png"}
    Image.fromarray(digit).save(paths["digit"])
    Image.fromarray(pixels).save(paths["sprite"])
    Image.fromarray(np.round(np.kron(postcode.image, np.ones((3, 3))) * 255).astype(np.uint8)).save(paths["postcode"])
    Image.fromarray(speck).save(paths["speck"])
    Image.fromarray(np.full((300, 400), 230, np.uint8)).save(paths["paper"])
    paths["notes"] = text_as_png(folder / "notes.png")
    paths["cut"] = cut_off_png(folder / "cut.png")
    paths["poster"] = big_png(folder / "poster.png", 12_000, deep=False)
    paths["depth"] = float_tiff_with_infinities(folder / "depth.tif")
    paths["postcode_text"] = postcode.postcode
    paths["digit_label"] = str(mnist.test_labels[0])
    return paths


def refused_raw(url: str, endpoint: str, data: str) -> str:
    """The error message `endpoint` answers a raw JSON `data` list with (NaN and Infinity literals included, which
    Python's json module accepts and gradio_client will not send), through Gradio's REST API."""
    call = f"{url}gradio_api/call/{endpoint}"
    posted = httpx.post(call, content=f'{{"data": {data}}}', headers={"Content-Type": "application/json"},
                        timeout=60, trust_env=False)
    posted.raise_for_status()
    with httpx.stream("GET", f"{call}/{posted.json()['event_id']}", timeout=300, trust_env=False) as events:
        lines = list(events.iter_lines())
    assert "event: error" in lines, f"{endpoint} did not refuse {data}: {lines[-3:]}"
    return lines[lines.index("event: error") + 1]


def refused(client: Client, endpoint: str, *args: object) -> str:
    """The message of the error `endpoint` answers `args` with."""
    with pytest.raises(Exception) as error:  # gradio_client's AppError, with the app's message
        client.predict(*args, api_name=endpoint)
    return str(error.value)


@pytest.mark.parametrize(("cell", "message"), [
    ("1e100000000", "kernel values must be 0 or between 1e-30 and 1e+30 in size"),
    ("1e309", "is '1e309'; kernel values must be 0 or between"),
    ("3.5e38", "is '3.5e38'; kernel values must be 0 or between"),
    ("1e-100000000", "is '1e-100000000'; kernel values must be 0 or between"),
    ("abc", "holds 'abc', which is not a number"),
])
def test_kernel_cells_then_a_good_kernel(client: Client, cell: str, message: str) -> None:
    assert message in refused(client, "/lab1_conv2d", grid([["0", cell, "0"]] * 3), "zeros", 1, 1, 1)
    picture, shapes, _ = client.predict(grid(BOX_BLUR), "zeros", 1, 1, 1, api_name="/lab1_conv2d")
    assert Path(picture).is_file() and "output (1, 1, 512, 512)" in shapes


@pytest.mark.parametrize(("settings", "message"), [
    ((1e308, 1, 1), "Padding must be a whole number from 0 to 256"),
    (("2x", 1, 1), "Padding holds '2x', which is not a number"),
])
def test_conv_settings_then_good_ones(client: Client, settings: tuple, message: str) -> None:
    assert message in refused(client, "/lab1_conv2d", grid(BOX_BLUR), "zeros", *settings)
    assert "output (1, 1, 512, 512)" in client.predict(grid(BOX_BLUR), "zeros", 1, 1, 1, api_name="/lab1_conv2d")[1]


CONV_REST = '[null, {grid}, "zeros", {padding}, {stride}, 1, false, "auto", "solutions", "none", 2, 2]'  # image: state


@pytest.mark.parametrize(("endpoint", "data", "message"), [
    ("lab1_conv2d", CONV_REST.format(grid=json.dumps(grid(BOX_BLUR)), padding=1, stride="NaN"),
     "Stride must be a whole number from 1 to 64 (the step between two kernel positions); got nan."),
    ("lab1_conv2d", CONV_REST.format(grid=json.dumps(grid(BOX_BLUR)), padding="Infinity", stride=1),
     "Padding must be a whole number from 0 to 256 (pixels added on each side); got inf."),
    ("lab1_conv2d", CONV_REST.format(grid='{"headers": ["1"], "data": [[NaN]], "metadata": null}', padding=1,
                                     stride=1), "Kernel cell at row 1, column 1 is nan"),
    ("lab1_sobel", '[null, NaN, "solutions"]',
     "The threshold must be a number from 0 to 1 (edge strengths are normalised); got nan."),
    ("lab1_edge_map", '[null, NaN, "solutions"]', "The threshold must be a number from 0 to 1"),
    ("lab6_generate", '["DDIM", NaN, 0, 2, "7", 2.0, "solutions"]', "Steps must be a whole number from 1 to 1000"),
    ("lab6_generate", '["DDIM", 5, 0, NaN, "7", 2.0, "solutions"]', "Images must be a whole number from 1 to 64"),
    ("lab6_generate", '["DDIM", 5, NaN, 2, "7", 2.0, "solutions"]', "Seed must be a whole number from 0 to"),
    ("lab6_generate", '["DDIM", 5, 0, 2, "7", NaN, "solutions"]',
     "Guidance must be a number from 1 to 5 (1 = none); got nan."),
])
def test_nan_and_infinity_in_raw_json_then_good_input(webapp_url: str, client: Client, endpoint: str, data: str,
                                                      message: str) -> None:
    assert message in refused_raw(webapp_url, endpoint, data)
    if endpoint == "lab6_generate":
        assert client.predict("DDIM", 5, 0, 2, "7", 2.0, api_name="/lab6_generate")[2].startswith("2 samples")
    else:
        assert client.predict(0.3, api_name="/lab1_sobel")[-1] == "Edges by the reference code, threshold 0.30."


def test_a_huge_kernel_grid_then_a_good_one(client: Client) -> None:
    assert "Keep the kernel at most 15x15" in refused(client, "/lab1_conv2d", grid([["1"] * 100] * 100))
    assert client.predict(grid(BOX_BLUR), api_name="/lab1_conv2d")[1].startswith("conv2d:")


def test_a_threshold_past_the_slider_then_a_good_one(client: Client) -> None:
    assert "Value 2 is greater than maximum value 1.0." in refused(client, "/lab1_sobel", 2)  # Gradio's own check
    *pictures, status = client.predict(0.3, api_name="/lab1_sobel")
    assert all(Path(p).is_file() for p in pictures) and status == "Edges by the reference code, threshold 0.30."


def test_sketch_layers_of_different_sizes_then_a_good_sketch(client: Client, tmp_path: Path) -> None:
    paper, small, layer = tmp_path / "paper.png", tmp_path / "small.png", tmp_path / "layer.png"
    Image.new("RGB", (280, 280), "white").save(paper)
    Image.new("RGBA", (100, 100)).save(small)
    strokes = np.zeros((280, 280, 4), np.uint8)
    strokes[60:220, 130:150, 3] = 255  # a 1
    Image.fromarray(strokes).save(layer)
    sketch = {"background": handle_file(paper), "layers": [handle_file(small)], "composite": None, "id": None}
    assert "The sketch's background and layers have different sizes" in refused(client, "/lab2_read_sketch", sketch)
    sketch["layers"] = [handle_file(layer)]
    _, top3, status = client.predict(sketch, api_name="/lab2_read_sketch")
    assert top3["label"] == "1" and "Your drawing" in status


@pytest.mark.parametrize(("upload", "message"), [
    ("notes", "notes.png is not an image this demo can read"),
    ("cut", "cut.png looks like an image, but it could not be decoded"),
    ("poster", "poster.png is 12000x12000 pixels (RGB): opening it would take 549 MB, more than the 512 MB"),
    ("paper", "No digit found in paper.png: nothing in it stands out from the paper"),
])
def test_bad_photos_of_a_digit_then_a_good_one(client: Client, files: dict, upload: str, message: str) -> None:
    assert message in refused(client, "/lab2_read_photo", handle_file(files[upload]))
    _, top3, status, _ = client.predict(handle_file(files["digit"]), api_name="/lab2_read_photo")
    assert top3["label"] == files["digit_label"] and "Your photo digit.png" in status


def test_a_float_tiff_with_infinities_is_read(client: Client, files: dict) -> None:
    _, top3, status, _ = client.predict(handle_file(files["depth"]), api_name="/lab2_read_photo")
    assert "Your photo depth.tif" in status and top3["label"] in [str(k) for k in range(10)]


def test_a_sprite_that_is_no_picture_then_a_good_one(client: Client, files: dict) -> None:
    assert "notes.png is not an image" in refused(client, "/lab4_classify_sprite", handle_file(files["notes"]))
    _, status, _ = client.predict(handle_file(files["sprite"]), api_name="/lab4_classify_sprite")
    assert "guess" in status


def test_a_postcode_of_one_dark_pixel_then_a_good_one(client: Client, files: dict) -> None:
    message = "No writing found: only 1 pixel(s) of the picture are dark, too few for a digit."
    assert message in refused(client, "/lab5_upload_postcode", handle_file(files["speck"]))
    outputs = client.predict(handle_file(files["postcode"]), api_name="/lab5_upload_postcode")
    assert f"reads **{files['postcode_text']}**" in outputs[2]


@pytest.mark.parametrize(("settings", "message"), [
    (("DDIM", 5, 2**64, 2, "7", 2.0), "Seed must be a whole number from 0 to 18446744073709551615"),
    (("DDIM", 5, -1, 2, "7", 2.0), "Seed must be a whole number from 0 to 18446744073709551615"),
    (("DDIM", 2.5, 0, 2, "7", 2.0), "Steps must be a whole number from 1 to 1000"),
    (("DDIM", 5, 0, 65, "7", 2.0), "Images must be a whole number from 1 to 64"),
    (("DDPM", 1000, 0, 64, "7", 2.0), "Drawing 64 images in 1000 DDPM steps would take about 230 s, over the 30 s"),
])
def test_diffusion_settings_then_good_ones(client: Client, settings: tuple, message: str) -> None:
    assert message in refused(client, "/lab6_generate", *settings)
    _, samples, status = client.predict("DDIM", 5, 2**64 - 1, 2, "7", 2.0, api_name="/lab6_generate")
    assert len(samples) == 2 and status.startswith("2 samples, 5 DDIM steps")
