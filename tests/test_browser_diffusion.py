"""End to end in headless Chromium: the Diffusion tab draws four digits in a few DDIM steps, streaming the
denoising, shows LeNet's reading of each, and answers impossible settings with a clear error."""

import re

import pytest
from browser_helpers import STEP_TIMEOUT_MS, expect_message, loaded_image_size, offline_app_page
from playwright.sync_api import Page, expect

SAMPLING_TIMEOUT_MS = 90_000  # a shared CPU; four images in ten steps take a few seconds on a free one


def check_diffusion_tab(page: Page) -> None:
    """Draw 4 digits in 10 DDIM steps, then ask for 0 steps."""
    page.get_by_role("tab", name="Diffusion").click()
    page.locator("#diffusion-steps input").fill("10")
    page.locator("#diffusion-count input").fill("4")
    page.locator("#diffusion-draw").click()
    status = page.locator("#diffusion-status")
    expect(status).to_contain_text(re.compile(r"4 samples, 10 DDIM steps .*: LeNet is sure"),
                                   timeout=SAMPLING_TIMEOUT_MS)
    expect(status).to_contain_text(re.compile(r"\d of 4 read as the digit asked for"))
    thumbnails = page.locator("#diffusion-gallery img")
    expect(thumbnails).to_have_count(4, timeout=STEP_TIMEOUT_MS)
    expect(page.locator("#diffusion-gallery")).to_contain_text("LeNet reads")
    live = page.locator("#diffusion-live img")
    assert loaded_image_size(live) == [4 * 112 + 3 * 2, 112]

    page.locator("#diffusion-steps input").fill("0")
    page.locator("#diffusion-draw").click()
    expect_message(page, "Steps must be a whole number from 1 to 1000")


@pytest.mark.browser
@pytest.mark.timeout(150)
def test_draw_digits_with_ddim(webapp_url: str) -> None:
    with offline_app_page(webapp_url) as page:
        check_diffusion_tab(page)
