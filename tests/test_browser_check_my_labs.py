"""End to end in headless Chromium: in the Check my labs tab, pick Lab 1, press Grade, watch the progress, and read
the grader's page for the kit's labs/ (the stubs): the table of exercises, and hints that name the TODOs; offline."""

import pytest
from browser_helpers import STEP_TIMEOUT_MS, offline_app_page
from playwright.sync_api import Page, expect

from ipdl.catalogue import find_lab
from webapp.tabs.check_my_labs import TITLE

GRADING_TIMEOUT_MS = 120_000  # Lab 1's stubs take 6 s on the shared machine; a busy one, several times that


def open_tab(page: Page, title: str) -> None:
    """Click the tab `title`; when the tab bar is full, the last tabs sit under its 'More tabs' menu."""
    page.get_by_role("tab", name="Home").wait_for(timeout=STEP_TIMEOUT_MS)
    tab = page.get_by_role("tab", name=title)
    if tab.count() == 0:
        page.get_by_role("button", name="More tabs").click()
        tab = page.get_by_role("button", name=title)
    tab.click()


def pick_lab(page: Page, label: str) -> None:
    page.locator("#check-lab input").click()
    page.get_by_role("option", name=label).click()
    expect(page.locator("#check-lab input")).to_have_value(label)


def check_lab1_stubs(page: Page) -> None:
    lab1 = find_lab("lab1")
    open_tab(page, TITLE)
    pick_lab(page, "All labs")
    pick_lab(page, f"Lab 1: {lab1.title}")
    page.locator("#check-run").click()
    expect(page.locator("#check-page")).to_contain_text("Starting the grader for Lab 1", timeout=STEP_TIMEOUT_MS)

    status = page.locator("#check-status")
    expect(status).to_contain_text(f"Lab 1: 0 / {lab1.points} points", timeout=GRADING_TIMEOUT_MS)
    report = page.frame_locator("#check-page iframe")
    table = report.locator("table")
    expect(table).to_contain_text(f"0 / {lab1.points} (0%)")
    for exercise in lab1.exercises:
        expect(table).to_contain_text(exercise.function)
    hint = report.locator(".hint").filter(has_text="TODO(lab1.3)").first
    expect(hint).to_contain_text("not implemented yet: fill in TODO(lab1.3) in lab1_convolution/convolution.py")
    assert page.locator("#check-page iframe").bounding_box()["height"] > 1000  # the frame grew to its page


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_grade_lab1_stubs_and_read_the_page(webapp_url: str) -> None:
    with offline_app_page(webapp_url) as page:
        check_lab1_stubs(page)
