"""End to end in headless Chromium: the Segmentation tab opens with a postcode already read, makes a random one,
shows both U-Nets' overlays with what they read and the per-class IoU, reads an uploaded scan, and answers a
non-image with a polite error."""

import re
from pathlib import Path

import numpy as np
import pytest
from browser_helpers import STEP_TIMEOUT_MS, expect_message, loaded_image_size, offline_app_page
from PIL import Image
from playwright.sync_api import Page, expect

from webapp.tabs.segmentation import UP_MODES, random_postcode

READING = re.compile(r"U-Net with .+ reads \d*")


def check_segmentation_tab(page: Page, scan: Path, postcode: str, text_file: Path) -> None:
    page.get_by_role("tab", name="Segmentation").click()
    expect(page.locator("#seg-status")).to_contain_text("Random postcode #", timeout=STEP_TIMEOUT_MS)  # no click yet
    expect(page.locator("#seg-overlay-transpose img").first).to_be_visible(timeout=STEP_TIMEOUT_MS)

    page.locator("#seg-random").click()
    for mode in UP_MODES:
        expect(page.locator(f"#seg-read-{mode}")).to_contain_text(READING, timeout=STEP_TIMEOUT_MS)
        expect(page.locator(f"#seg-read-{mode}")).to_contain_text("the truth is", timeout=STEP_TIMEOUT_MS)
        expect(page.locator(f"#seg-overlay-{mode} img").first).to_be_visible(timeout=STEP_TIMEOUT_MS)
    expect(page.locator("#seg-status")).to_contain_text("Random postcode #", timeout=STEP_TIMEOUT_MS)
    expect(page.locator("#seg-iou")).to_contain_text("digit ", timeout=STEP_TIMEOUT_MS)
    shown = page.locator("#seg-input img")
    assert loaded_image_size(shown) == [576, 192]

    page.locator("#seg-upload input[type=file]").set_input_files(scan)
    expect(page.locator("#seg-status")).to_contain_text(f"Your photo {scan.name}", timeout=STEP_TIMEOUT_MS)
    expect(page.locator("#seg-read-transpose")).to_contain_text(f"reads {postcode}", timeout=STEP_TIMEOUT_MS)

    page.locator("#seg-upload button[aria-label=Clear]").click()  # the file box takes a new file once emptied
    page.locator("#seg-upload input[type=file]").set_input_files(text_file)
    expect_message(page, "is not an image this demo can read")


@pytest.mark.browser
@pytest.mark.timeout(90)
def test_segment_a_random_postcode_and_an_upload(webapp_url: str, tmp_path: Path) -> None:
    shown = random_postcode(5)
    scan = tmp_path / "postcode-scan.png"
    Image.fromarray(np.round(np.kron(shown.image, np.ones((3, 3))) * 255).astype(np.uint8)).save(scan)
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a picture")
    with offline_app_page(webapp_url) as page:
        check_segmentation_tab(page, scan, shown.postcode, text_file)
