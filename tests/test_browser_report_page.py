"""The page of `python -m grader lab1 --html page.html` in headless Chromium, for a submission whose conv2d returns
its result flipped left to right: nothing is fetched from anywhere, the table and the hint show, and every picture
is visible at its documented size (grader/feedback/pictures.py: each plane downscaled to at most 128 pixels a side,
then enlarged by a whole factor towards 64 pixels on its shorter side)."""

from pathlib import Path

import pytest
from browser_helpers import STEP_TIMEOUT_MS, chromium_page, loaded_image_size, outside_requests
from grading_helpers import reference_with_mistakes, run_grader
from playwright.sync_api import expect

FLIPPED_CONV2D = '''

_reference_conv2d = conv2d


def conv2d(*args, **kwargs):
    return _reference_conv2d(*args, **kwargs).flip(-1)  # the mistake: each output row reversed
'''
MAX_SIDE, MIN_ZOOMED_SIDE = 128, 64


def documented_size(shape: list[int]) -> list[int]:
    """[width, height] of the picture of an (H, W) plane, as the README states it."""
    H, W = shape
    step = -(-max(H, W) // MAX_SIDE)  # downscale: every step-th pixel
    H, W = -(-H // step), -(-W // step)
    zoom = max(1, MIN_ZOOMED_SIDE // min(H, W))
    return [W * zoom, H * zoom]


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_report_page_shows_table_hint_and_pictures_offline(tmp_path: Path) -> None:
    labs = reference_with_mistakes(tmp_path, "lab1_convolution", {"convolution.py": FLIPPED_CONV2D})
    page_path = tmp_path / "page.html"
    run = run_grader("lab1", labs, tmp_path / "report.json", options=("--html", str(page_path)))
    assert run.code == 1, run.output
    pictures = [picture for test in run.report["tests"] for picture in test["metadata"].get("pictures", [])]
    assert pictures, "a flipped conv2d result is image-like: its failures carry pictures"

    with chromium_page() as page:
        outside = outside_requests(page, "file://")
        page.goto(page_path.as_uri())
        conv2d_row = page.locator("tr").filter(has_text="lab1.3").filter(has_text="conv2d")
        expect(conv2d_row).to_contain_text("points missing", timeout=STEP_TIMEOUT_MS)
        expect(page.locator(".hint").first).to_contain_text("Hint:")
        images = page.locator("figure img")
        expect(images).to_have_count(len(pictures))
        for index, picture in enumerate(pictures):
            image = images.nth(index)
            image.scroll_into_view_if_needed()
            expect(image).to_be_visible()
            assert loaded_image_size(image) == [picture["width"], picture["height"]] == documented_size(
                picture["shape"]), picture["title"]
        page.screenshot(path=tmp_path / "page.png", full_page=True)
        assert outside == [], f"the page reached outside the machine: {outside}"
    assert (tmp_path / "page.png").stat().st_size > 10_000
