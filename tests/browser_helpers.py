"""Shared steps of the browser tests: headless Chromium on a closed network, the web app open in it with every
request to anywhere else recorded, and the few page checks that every tab repeats."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, Request, expect, sync_playwright

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


@contextmanager
def offline_app_page(webapp_url: str) -> Iterator[Page]:
    """The web app open in a fresh Chromium page; once the steps in the block pass, fails if the page reached
    anywhere but the local app."""
    with chromium_page() as page:
        outside = outside_requests(page, webapp_url)
        page.goto(webapp_url)
        yield page
        assert outside == [], f"the page reached outside the local app: {outside}"


def loaded_image_size(image: Locator) -> list[int]:
    """[width, height] of an <img>'s picture, once it has loaded. The app may still be swapping the picture (the
    element, or its src, replaced while it decodes): then this waits for the new one, up to STEP_TIMEOUT_MS."""
    measure = """async img => {
        try { await img.decode(); } catch (error) { return [0, 0]; }  // src replaced while decoding
        return [img.naturalWidth, img.naturalHeight];
    }"""
    deadline = time.monotonic() + STEP_TIMEOUT_MS / 1000
    size = image.evaluate(measure)
    while size == [0, 0] and time.monotonic() < deadline:
        image.page.wait_for_timeout(100)
        size = image.evaluate(measure)
    return size


def expect_message(page: Page, text: str) -> None:
    """Wait until the tab's status line says 'Not done: ...' with `text` in it, as the app answers a request it
    refuses (the same words also pop up as a toast, which fades)."""
    status = page.locator("p").filter(has_text="Not done:").filter(has_text=text)
    expect(status.first).to_be_visible(timeout=STEP_TIMEOUT_MS)
