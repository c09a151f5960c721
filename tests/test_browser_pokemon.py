"""End to end in headless Chromium: in the Pokémon classifier tab, upload a shiny sprite named after its Pokémon and
read the guess and whether it is right; click a gallery sprite; upload a text file and see a message, offline."""

from pathlib import Path

import pytest
from browser_helpers import STEP_TIMEOUT_MS, expect_message, offline_app_page
from PIL import Image
from playwright.sync_api import Page, expect

from webapp.tabs.pokemon_classifier import gallery


def check_pokemon_tab(page: Page, sprite: Path, name: str, notes: Path) -> None:
    page.get_by_role("tab", name="Pokémon classifier").click()
    status = page.locator("#pokemon-status")
    expect(status).to_contain_text(gallery()[0][1], timeout=STEP_TIMEOUT_MS)  # the first gallery sprite, on arrival

    upload = page.locator("#pokemon-upload input[type=file]")
    expect(upload).to_have_count(1, timeout=STEP_TIMEOUT_MS)
    upload.set_input_files(sprite)
    expect(status).to_contain_text(f"{name}: guess", timeout=STEP_TIMEOUT_MS)
    expect(status).to_contain_text("shiny sprites it never saw")
    expect(page.locator("#pokemon-types")).to_contain_text("%")

    page.locator("#pokemon-gallery img").nth(2).click()
    expect(status).to_contain_text(gallery()[2][1], timeout=STEP_TIMEOUT_MS)

    upload.set_input_files(notes)
    expect_message(page, "notes.png is not an image")


@pytest.mark.browser
@pytest.mark.timeout(180)
def test_classify_an_uploaded_sprite_and_a_gallery_one(webapp_url: str, tmp_path: Path) -> None:
    pixels, name = gallery()[5]
    sprite = tmp_path / f"{name}.png"
    Image.fromarray(pixels).save(sprite)
    notes = tmp_path / "notes.png"
    notes.write_text("my lecture notes, not a sprite")
    with offline_app_page(webapp_url) as page:
        check_pokemon_tab(page, sprite, name, notes)
