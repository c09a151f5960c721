"""End to end in headless Chromium: draw digits on the Digit reader's canvas with the mouse and see LeNet read them."""

import re
import time
from collections.abc import Callable

import pytest
from browser_helpers import STEP_TIMEOUT_MS, loaded_image_size, offline_app_page
from playwright.sync_api import Page, Request, expect

# strokes as polylines of (x, y) pixel offsets from the canvas' centre; the 280x280 paper spans at least +-140
SEVEN = [[(-55, -90), (55, -90), (5, 100)]]  # the top bar, then the long diagonal, in one stroke
ONE = [[(0, -100), (0, 100)]]
DRAW_HINT = "Draw a digit first"
QUIET_S = 1.0  # the sketchpad has loaded its blank canvas once it fetched no picture for this long


def draw(page: Page, strokes: list[list[tuple[int, int]]]) -> None:
    """Drag the mouse along each polyline on the sketchpad, button held down, as a visitor draws."""
    box = page.locator("#digit-canvas canvas").first.bounding_box()
    assert box is not None, "the sketchpad's canvas is not on the page"
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for stroke in strokes:
        page.mouse.move(cx + stroke[0][0], cy + stroke[0][1])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(cx + x, cy + y, steps=8)
        page.mouse.up()


def settle_canvas(page: Page, action: Callable[[], object]) -> None:
    """Do `action`, which gives the sketchpad a blank canvas, and wait until the sketchpad has loaded it (no picture
    fetched for QUIET_S). Strokes drawn while it still loads are wiped when the pictures arrive: on a busy machine
    that can take seconds."""
    fetched: list[float] = []

    def record(request: Request) -> None:
        if "/gradio_api/file=" in request.url:
            fetched.append(time.monotonic())

    page.on("requestfinished", record)
    try:
        action()
        deadline = time.monotonic() + STEP_TIMEOUT_MS / 1000
        while not fetched or time.monotonic() - fetched[-1] < QUIET_S:
            assert time.monotonic() < deadline, "the sketchpad did not finish loading its blank canvas"
            page.wait_for_timeout(100)
    finally:
        page.remove_listener("requestfinished", record)


def expect_reading(page: Page, pattern: str) -> None:
    """Wait until the status line matches `pattern`."""
    expect(page.locator("#digit-status")).to_contain_text(re.compile(pattern), timeout=STEP_TIMEOUT_MS)


def check_digit_reader(page: Page) -> None:
    """Draw a 7 and a 1 (each read on the first stroke), clear twice, then show a held-out test digit."""
    settle_canvas(page, page.get_by_role("tab", name="Digit reader").click)
    brush = page.locator("#digit-canvas button[aria-label=Brush]")
    expect(brush).to_have_class(re.compile(r"\bhighlight\b"), timeout=STEP_TIMEOUT_MS)  # no tool to pick first
    expect_reading(page, DRAW_HINT)

    draw(page, SEVEN)
    expect_reading(page, r"Your drawing: LeNet .*reads 7, ")
    expect(page.locator("#digit-label")).to_contain_text("7")
    shown = page.locator("#digit-input img")
    assert loaded_image_size(shown) == [280, 280]

    settle_canvas(page, page.locator("#digit-clear").click)
    expect_reading(page, DRAW_HINT)
    draw(page, ONE)
    expect_reading(page, r"Your drawing: LeNet .*reads 1, ")

    settle_canvas(page, page.locator("#digit-canvas button[aria-label='Clear canvas']").click)  # Gradio's bin icon
    expect_reading(page, DRAW_HINT)
    expect(brush).to_have_class(re.compile(r"\bhighlight\b"), timeout=STEP_TIMEOUT_MS)

    page.locator("#digit-sample-4").click()
    expect_reading(page, r"Test digit #\d+ \(a 4 never seen in training\): LeNet .*reads")


@pytest.mark.browser
@pytest.mark.timeout(90)
def test_draw_digits_and_read_them(webapp_url: str) -> None:
    with offline_app_page(webapp_url) as page:
        check_digit_reader(page)
