"""End to end in headless Chromium: after bad input the page says what happened where the visitor looks (pictures
cleared, the message in the tab's status line, a failed upload removed from its box, so no hidden photo is used),
and a good input works again; the Diffusion tab refuses a seed past 64 bits and stops a long run on request."""

from pathlib import Path

import pytest
from browser_helpers import STEP_TIMEOUT_MS, loaded_image_size, offline_app_page
from malformed_uploads import text_as_png
from playwright.sync_api import Page, expect

SAMPLING_TIMEOUT_MS = 120_000  # a shared CPU


def type_in_cell(page: Page, grid: str, row: int, column: int, text: str) -> None:
    """Replace the text of a Dataframe cell, as a visitor does: double-click, select all, type, Enter; returns once
    the cell shows the new text (on a busy machine a click on Run could otherwise send the cell's old value)."""
    cell = page.locator(f'#{grid} [data-testid="cell-{row}-{column}"]')
    cell.dblclick()
    editor = cell.get_by_label("Edit cell")
    expect(editor).to_be_visible(timeout=STEP_TIMEOUT_MS)
    editor.fill(text)  # replaces the old text even before the editor has focus (Control+A then typed after it)
    editor.press("Enter")
    expect(cell.get_by_label("Edit cell")).to_have_count(0, timeout=STEP_TIMEOUT_MS)
    expect(cell.locator("span.text")).to_have_text(text, timeout=STEP_TIMEOUT_MS)


def check_convolution_errors(page: Page, notes: Path) -> None:
    page.get_by_role("tab", name="Convolution playground").click()
    shapes, output = page.locator("#conv-shape textarea"), page.locator("#conv-output img")
    expect(output).to_be_visible(timeout=STEP_TIMEOUT_MS)  # the box blur shown on arrival
    type_in_cell(page, "conv-grid", 1, 1, "1e100000000")  # once kept a server thread busy for minutes
    page.locator("#conv-run").click()
    expect(shapes).to_have_value("Not done: Kernel cell at row 2, column 2 is '1e100000000'; kernel values must be "
                                 "0 or between 1e-30 and 1e+30 in size (either sign), so that float32 can hold their "
                                 "sums.", timeout=STEP_TIMEOUT_MS)
    expect(output).to_have_count(0)  # no stale picture left beside the message

    type_in_cell(page, "conv-grid", 1, 1, "1")
    page.locator("#conv-run").click()
    expect(shapes).to_have_value("conv2d: x (1, 1, 512, 512) (the 1 channel(s) as a batch of one-channel images), "
                                 "weight (1, 1, 3, 3) -> output (1, 1, 512, 512); output image 512x512 (display: clip "
                                 "to [0, 1])", timeout=STEP_TIMEOUT_MS)
    assert loaded_image_size(output) == [512, 512]

    page.locator("#conv-upload input[type=file]").set_input_files(notes)
    expect(page.locator("#conv-picked")).to_contain_text("Not done: notes.png is not an image this demo can read",
                                                          timeout=STEP_TIMEOUT_MS)
    expect(page.locator("#conv-input img")).to_have_count(0)  # the previous photo is gone from the preview...
    expect(page.locator("#conv-upload")).not_to_contain_text("notes.png")  # ...the bad file from its box
    page.locator("#conv-run").click()  # ...and from the tab: nothing hidden is convolved
    expect(shapes).to_have_value("Not done: No image yet. Pick a sample photo or upload one.",
                                 timeout=STEP_TIMEOUT_MS)

    page.locator("#conv-sample input").click()
    page.get_by_role("option", name="coins").click()
    expect(page.locator("#conv-picked")).to_have_text("Sample photo: coins.", timeout=STEP_TIMEOUT_MS)
    page.locator("#conv-run").click()
    expect(shapes).to_have_value("conv2d: x (1, 1, 303, 384) (the 1 channel(s) as a batch of one-channel images), "
                                 "weight (1, 1, 3, 3) -> output (1, 1, 303, 384); output image 303x384 (display: "
                                 "clip to [0, 1])", timeout=STEP_TIMEOUT_MS)


def check_diffusion_errors(page: Page) -> None:
    page.get_by_role("tab", name="Diffusion").click()
    status = page.locator("#diffusion-status")
    page.locator("#diffusion-seed input").fill("18446744073709551616")  # 2**64: once an uncaught OverflowError
    page.locator("#diffusion-steps input").fill("5")
    page.locator("#diffusion-count input").fill("2")
    page.locator("#diffusion-draw").click()
    expect(status).to_contain_text("Not done: Seed must be a whole number from 0 to 18446744073709551615",
                                   timeout=SAMPLING_TIMEOUT_MS)
    expect(page.locator("#diffusion-gallery img")).to_have_count(0)

    page.locator("#diffusion-seed input").fill("7")
    page.locator("#diffusion-draw").click()
    expect(status).to_contain_text("2 samples, 5 DDIM steps", timeout=SAMPLING_TIMEOUT_MS)
    expect(page.locator("#diffusion-gallery img")).to_have_count(2, timeout=STEP_TIMEOUT_MS)

    page.get_by_role("radio", name="DDPM").check()
    page.locator("#diffusion-steps input").fill("1000")  # 2 images x 1000 steps x 2: about 7 s when idle
    page.locator("#diffusion-draw").click()
    expect(status).to_contain_text("Denoising with diffusers' DDPMScheduler: step", timeout=SAMPLING_TIMEOUT_MS)
    page.locator("#diffusion-stop").click()
    expect(status).to_have_text("Stopped. Change the settings if you like, and press Draw.", timeout=STEP_TIMEOUT_MS)
    page.wait_for_timeout(2000)  # no late step of the cancelled run overwrites the status
    expect(status).to_have_text("Stopped. Change the settings if you like, and press Draw.")


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_pages_after_errors_say_what_happened(webapp_url: str, tmp_path: Path) -> None:
    notes = text_as_png(tmp_path / "notes.png")
    with offline_app_page(webapp_url) as page:
        check_convolution_errors(page, notes)
        check_diffusion_errors(page)
