"""The convolution visualizer's numbers: each output cell, the input cells it reads (or, transposed, that write
into it), the padded grid, the pooling window's winner; all equal to torch's; and errors that say what to do."""

import gradio as gr
import pytest
import torch
import torch.nn.functional as F

from webapp.tabs.convolution_visualizer import SLIDE_KERNEL, photo_patch, small_integers, visualize

GRID = small_integers()  # 7x7 whole numbers 0-4
X = torch.tensor([[float(v) for v in row] for row in GRID])[None, None]  # (1, 1, 7, 7)
KERNEL = torch.tensor(SLIDE_KERNEL, dtype=torch.float32)[None, None]  # (1, 1, 3, 3)
TORCH_PAD = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate"}


def padded_values(view: dict) -> torch.Tensor:
    return torch.tensor([[float(v) for v in row] for row in view["padded"]])


@pytest.mark.parametrize("padding_mode", ["zeros", "ones", "reflect", "replicate"])
@pytest.mark.parametrize(("padding", "stride", "dilation"), [(0, 1, 1), (1, 2, 2), (2, 1, 3), (3, 3, 1)])
def test_convolution_cells_are_torchs(padding: int, stride: int, dilation: int, padding_mode: str) -> None:
    view = visualize(GRID, SLIDE_KERNEL, "convolution", padding, padding_mode, stride, dilation)
    if padding_mode == "ones":
        padded = F.pad(X, (padding,) * 4, value=1.0)
    else:
        padded = F.pad(X, (padding,) * 4, mode=TORCH_PAD[padding_mode])
    torch.testing.assert_close(padded_values(view), padded[0, 0])
    expected = F.conv2d(padded, KERNEL, stride=stride, dilation=dilation)[0, 0]  # (H_out, W_out)
    torch.testing.assert_close(torch.tensor(view["output"]), expected)
    for index, cell in enumerate(view["cells"]):  # the products of the lit cells add up to the output cell
        products = sum(float(padded[0, 0, r, c]) * w for (r, c), w in zip(cell["taps"], cell["weights"], strict=True))
        assert products == pytest.approx(float(expected.flatten()[index]), abs=1e-4)


def test_the_taps_of_an_output_cell_and_the_formula() -> None:
    """Padding 1, stride 2, dilation 2: output (1, 2) reads rows 2, 4, 6 and columns 4, 6, 8 of the padded grid."""
    view = visualize(GRID, SLIDE_KERNEL, "convolution", 1, "zeros", 2, 2)
    assert len(view["output"]) == 3 and len(view["output"][0]) == 3
    assert view["cells"][1 * 3 + 2]["taps"] == [[r, c] for r in (2, 4, 6) for c in (4, 6, 8)]
    assert "floor((7 + 2*1 - 2*(3 - 1) - 1) / 2) + 1 = 3" in view["formula"]


@pytest.mark.parametrize("mode", ["max pooling", "average pooling", "min pooling"])
def test_pooling_and_its_winners(mode: str) -> None:
    """3x3 windows, stride 2, padding 1 (pooling pads with -inf, 0 or +inf); the winner is torch's max (of -x for
    the min), first one on ties."""
    view = visualize(GRID, SLIDE_KERNEL, mode, 1, "zeros", 2, 2)
    signed = -X if mode == "min pooling" else X
    values, indices = F.max_pool2d(signed, 3, 2, 1, return_indices=True)
    expected = F.avg_pool2d(X, 3, 2, 1) if mode == "average pooling" else values * (-1 if mode == "min pooling" else 1)
    torch.testing.assert_close(torch.tensor(view["output"]), expected[0, 0])
    assert view["padded"][0][0] == {"max pooling": "-inf", "average pooling": "0", "min pooling": "+inf"}[mode]
    for cell, index in zip(view["cells"], indices.flatten().tolist(), strict=True):
        if mode == "average pooling":
            assert "winner" not in cell
        else:
            assert cell["winner"] == [index // 7 + 1, index % 7 + 1]
            assert cell["winner"] in cell["taps"]


@pytest.mark.parametrize(("padding", "stride", "dilation"), [(0, 1, 1), (1, 2, 2), (2, 3, 1)])
def test_transposed_convolution_is_torchs(padding: int, stride: int, dilation: int) -> None:
    view = visualize(GRID, SLIDE_KERNEL, "transposed convolution", padding, "zeros", stride, dilation)
    expected = F.conv_transpose2d(X, KERNEL, stride=stride, padding=padding, dilation=dilation)[0, 0]
    torch.testing.assert_close(torch.tensor(view["output"]), expected)
    for index, cell in enumerate(view["cells"]):  # each output cell: the input cells that write into it
        written = sum(float(X[0, 0, r, c]) * w for (r, c), w in zip(cell["taps"], cell["weights"], strict=True))
        assert written == pytest.approx(float(expected.flatten()[index]), abs=1e-4)


def test_a_photo_patch_is_a_grid_of_numbers_in_the_unit_range() -> None:
    patch = visualize(photo_patch(), SLIDE_KERNEL)["padded"]
    values = [float(v) for row in patch for v in row]
    assert len(patch) == 7 and all(0 <= v <= 1 for v in values) and len(set(values)) > 10


@pytest.mark.parametrize(("arguments", "expected"), [
    ((GRID[:3] + [["1", "x", "1", "1", "1", "1", "1"]], SLIDE_KERNEL), "Input cell at row 4, column 2 holds 'x'"),
    ((GRID, [["1", ""]]), "Kernel cell at row 1, column 2 is empty"),
    ((GRID, SLIDE_KERNEL, "max pooling", 2), "padding (2, 2) must be at most half the kernel"),
    ((GRID, SLIDE_KERNEL, "transposed convolution", 3), "use padding at most 2"),
    ((GRID, SLIDE_KERNEL, "convolution", 0, "zeros", 1, 4), "Dilation must be a whole number from 1 to 3"),
    ((GRID, SLIDE_KERNEL, "blur"), "Unknown mode 'blur'"),
])
def test_bad_settings_say_what_to_change(arguments: tuple, expected: str) -> None:
    with pytest.raises(gr.Error) as error:
        visualize(*arguments)
    assert expected in error.value.message


def test_my_code_that_is_a_stub_names_its_todo() -> None:
    with pytest.raises(gr.Error) as error:
        visualize(GRID, SLIDE_KERNEL, "max pooling", 1, "zeros", 2, 1, impl="labs")
    assert "TODO lab2.9" in error.value.message
