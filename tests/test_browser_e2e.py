"""End to end in headless Chromium: upload a photo in the Convolution tab, run conv2d, see the result offline."""

import re
from pathlib import Path

import pytest
from browser_helpers import STEP_TIMEOUT_MS, loaded_image_size, offline_app_page
from PIL import Image
from playwright.sync_api import Page, expect
from skimage import data


def check_convolution_tab(page: Page, photo: Path) -> None:
    """Upload `photo`, apply conv2d, check the output and the shape text, then a stride-0 error."""
    page.get_by_role("tab", name="Convolution playground").click()
    preview = page.locator("#conv-input img")
    camera_src = preview.get_attribute("src", timeout=STEP_TIMEOUT_MS)
    page.locator("#conv-upload input[type=file]").set_input_files(photo)
    expect(preview).not_to_have_attribute("src", camera_src or "", timeout=STEP_TIMEOUT_MS)

    output = page.locator("#conv-output img")
    first_output = output.get_attribute("src", timeout=STEP_TIMEOUT_MS)  # the camera result shown on arrival
    page.locator("#conv-run").click()
    shapes = page.locator("#conv-shape textarea")
    shape_text = re.compile(r"x \(3, 1, 400, 600\).*output \(3, 1, 400, 600\)")
    expect(shapes).to_have_value(shape_text, timeout=STEP_TIMEOUT_MS)
    expect(page.locator("#conv-formula")).to_contain_text("floor((400 + 2*1 - 1*(3-1) - 1) / 1) + 1")
    expect(output).not_to_have_attribute("src", first_output or "", timeout=STEP_TIMEOUT_MS)
    assert loaded_image_size(output) == [600, 400]

    page.get_by_label("Stride s").fill("0")
    page.locator("#conv-run").click()
    # the playground answers in its Shapes box, which otherwise shows the shapes
    expect(shapes).to_have_value(re.compile("^Not done: Stride must be a whole number from 1 to 64"),
                                 timeout=STEP_TIMEOUT_MS)


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_upload_photo_and_apply_conv2d(webapp_url: str, tmp_path: Path) -> None:
    photo = tmp_path / "coffee.png"
    Image.fromarray(data.coffee()).save(photo)  # (400, 600, 3), unlike the default camera sample
    with offline_app_page(webapp_url) as page:
        check_convolution_tab(page, photo)
