"""End to end in headless Chromium: the Convolution visualizer with padding 1, stride 2 and dilation 2; hovering an
output cell lights the input cells its dilated window reads and writes their products with the reference's sum;
in max pooling the window's winner is torch's; no request leaves the machine."""

import re

import pytest
import torch
import torch.nn.functional as F
from browser_helpers import STEP_TIMEOUT_MS, offline_app_page
from playwright.sync_api import Page, expect

from webapp.tabs.convolution_visualizer import SLIDE_KERNEL, small_integers

X = torch.tensor([[float(v) for v in row] for row in small_integers()])[None, None]  # the tab's first input
KERNEL = torch.tensor(SLIDE_KERNEL, dtype=torch.float32)[None, None]  # (1, 1, 3, 3)
PADDING, STRIDE, DILATION = 1, 2, 2
M, N = 1, 2  # the output cell hovered


def set_slider(page: Page, elem_id: str, value: int, shown: str) -> None:
    """Type `value` into the number box of a slider and leave it, as a user does, then wait until the formula
    shows `shown` (a user sets the next slider once the view has answered; typing into the next box while the
    answer is on its way may lose the value)."""
    box = page.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Enter")
    expect(page.locator("#viz-view .cv-formula").first).to_contain_text(shown, timeout=STEP_TIMEOUT_MS)


def lit_cells(page: Page, kind: str) -> list[tuple[int, int]]:
    cells = page.locator(f"#viz-view .cv-{kind}.cv-lit")
    return sorted((int(cell.get_attribute("data-r")), int(cell.get_attribute("data-c"))) for cell in cells.all())


def explanation(page: Page) -> str:
    return page.locator("#cv-explain").text_content()


def check_convolution(page: Page) -> None:
    """Hover output (1, 2): rows 2, 4, 6 and columns 4, 6, 8 of the padded input light up, with their products."""
    page.locator(f'#viz-view .cv-out[data-r="{M}"][data-c="{N}"]').hover()
    expected = F.conv2d(F.pad(X, (PADDING,) * 4), KERNEL, stride=STRIDE, dilation=DILATION)[0, 0, M, N]
    expect(page.locator("#cv-explain")).to_contain_text(f"output[{M}][{N}] =", timeout=STEP_TIMEOUT_MS)
    rows = [M * STRIDE + i * DILATION for i in range(3)]
    columns = [N * STRIDE + j * DILATION for j in range(3)]
    assert lit_cells(page, "in") == [(r, c) for r in rows for c in columns]
    assert len(lit_cells(page, "k")) == 9
    padded = F.pad(X, (PADDING,) * 4)[0, 0]
    products = [f"{int(padded[r, c])}·{SLIDE_KERNEL[i][j]}" for i, r in enumerate(rows) for j, c in enumerate(columns)]
    assert explanation(page) == f"output[{M}][{N}] = {' + '.join(products)} = {int(expected)}"
    assert sum(float(padded[r, c]) * SLIDE_KERNEL[i][j] for i, r in enumerate(rows) for j, c in enumerate(columns)) \
        == float(expected)


def check_max_pooling(page: Page) -> None:
    """3x3 windows at stride 2 with padding 1 (-inf): the winner of output (1, 2) is torch's max_pool2d index."""
    page.get_by_label("max pooling").check()
    expect(page.locator("#viz-view .cv-formula")).to_contain_text("dilation 1", timeout=STEP_TIMEOUT_MS)
    page.locator(f'#viz-view .cv-out[data-r="{M}"][data-c="{N}"]').hover()
    values, indices = F.max_pool2d(X, 3, STRIDE, PADDING, return_indices=True)
    expect(page.locator("#cv-explain")).to_contain_text(f"= {int(values[0, 0, M, N])}", timeout=STEP_TIMEOUT_MS)
    index = int(indices[0, 0, M, N])
    winner = page.locator("#viz-view .cv-in.cv-winner")
    expect(winner).to_have_count(1)
    assert (int(winner.get_attribute("data-r")), int(winner.get_attribute("data-c"))) == \
        (index // 7 + PADDING, index % 7 + PADDING)
    assert winner.text_content() == str(int(values[0, 0, M, N]))
    assert re.fullmatch(rf"output\[{M}\]\[{N}\] = max\(([-\d, inf+]+)\) = \d+", explanation(page))


@pytest.mark.browser
@pytest.mark.timeout(180)
def test_visualizer_shows_where_each_number_comes_from(webapp_url: str) -> None:
    with offline_app_page(webapp_url) as page:
        page.get_by_role("tab", name="Convolution visualizer").click()
        expect(page.locator("#viz-view .cv-out").first).to_be_visible(timeout=STEP_TIMEOUT_MS)
        set_slider(page, "viz-padding", PADDING, "floor((7 + 2*1 - 1*(3 - 1) - 1) / 1) + 1 = 7")
        set_slider(page, "viz-stride", STRIDE, "floor((7 + 2*1 - 1*(3 - 1) - 1) / 2) + 1 = 4")
        set_slider(page, "viz-dilation", DILATION, "floor((7 + 2*1 - 2*(3 - 1) - 1) / 2) + 1 = 3")
        check_convolution(page)
        check_max_pooling(page)
