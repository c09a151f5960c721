"""End to end in headless Chromium: in the Pokémon classifier tab, upload a sprite named after a held-out Pokémon and
read the guess next to its true type; click a gallery sprite; upload a text file and see a message, offline."""

from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from test_browser_e2e import STEP_TIMEOUT_MS, chromium_page, outside_requests

from webapp.tabs.pokemon_classifier import gallery


def check_pokemon_tab(page: Page, webapp_url: str, sprite: Path, name: str, notes: Path) -> None:
    outside = outside_requests(page, webapp_url)
    page.goto(webapp_url)
    page.get_by_role("tab", name="Pokémon classifier").click()
    status = page.locator("#pokemon-status")
    expect(status).to_contain_text("true type", timeout=STEP_TIMEOUT_MS)  # the first gallery sprite, on arrival

    upload = page.locator("#pokemon-upload input[type=file]")
    expect(upload).to_have_count(1, timeout=STEP_TIMEOUT_MS)
    upload.set_input_files(sprite)
    expect(status).to_contain_text(name, timeout=STEP_TIMEOUT_MS)
    expect(status).to_contain_text("never seen in training")
    expect(page.locator("#pokemon-types")).to_contain_text("%")

    page.locator("#pokemon-gallery img").nth(2).click()
    expect(status).to_contain_text(gallery()[2][1], timeout=STEP_TIMEOUT_MS)

    upload.set_input_files(notes)
    expect(page.get_by_text("notes.png is not an image")).to_be_visible(timeout=STEP_TIMEOUT_MS)
    assert outside == [], f"the page reached outside the local app: {outside}"


@pytest.mark.browser
@pytest.mark.timeout(180)
def test_classify_an_uploaded_sprite_and_a_gallery_one(webapp_url: str, tmp_path: Path) -> None:
    pixels, name = gallery()[5]
    sprite = tmp_path / f"{name}.png"
    Image.fromarray(pixels).save(sprite)
    notes = tmp_path / "notes.png"
    notes.write_text("my lecture notes, not a sprite")
    with chromium_page() as page:
        check_pokemon_tab(page, webapp_url, sprite, name, notes)
