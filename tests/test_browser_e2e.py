"""End to end in headless Chromium: upload a photo in the Convolution tab, run conv2d, see the result offline."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, Request, expect, sync_playwright
from skimage import data

CHROMIUM = Path("/usr/bin/chromium")
# a closed network: no QUIC, no background updates, sync or first-run pages
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STEP_TIMEOUT_MS = 30_000


@contextmanager
def chromium_page() -> Iterator[Page]:
    """A fresh headless Chromium page; fails (never skips) when Chromium is missing."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: install Chromium (Debian: apt-get install -y chromium) for browser tests")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1280, "height": 1000})
        finally:
            browser.close()


def outside_requests(page: Page, local_url: str) -> list[str]:
    """Start recording every request the page makes to anywhere but the local app."""
    outside: list[str] = []

    def record(request: Request) -> None:
        if request.url.startswith(("http://", "https://", "ws://", "wss://")) and not request.url.startswith(local_url):
            outside.append(request.url)

    page.on("request", record)
    return outside


def check_convolution_tab(page: Page, webapp_url: str, photo: Path) -> None:
    """Upload `photo`, apply conv2d, check the output and the shape text, then a stride-0 error."""
    outside = outside_requests(page, webapp_url)
    page.goto(webapp_url)

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
    output.evaluate("img => img.decode()")  # wait until the picture has loaded
    assert output.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [600, 400]

    page.get_by_label("Stride s").fill("0")
    page.locator("#conv-run").click()
    expect(page.get_by_text("Stride must be from 1 to 64")).to_be_visible(timeout=STEP_TIMEOUT_MS)
    assert outside == [], f"the page reached outside the local app: {outside}"


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_upload_photo_and_apply_conv2d(webapp_url: str, tmp_path: Path) -> None:
    photo = tmp_path / "coffee.png"
    Image.fromarray(data.coffee()).save(photo)  # (400, 600, 3), unlike the default camera sample
    with chromium_page() as page:
        check_convolution_tab(page, webapp_url, photo)
