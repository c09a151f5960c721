"""The convolution playground's functions: real outputs, the filled-in size formula, and teaching errors."""

import gradio as gr
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from webapp.image_input import load_sample
from webapp.tabs.convolution_playground import (
    KERNEL_PRESETS,
    convolve_image,
    kernel_grid,
    parse_kernel,
    preset_kernel,
    to_display,
)


def checkerboard(H: int, W: int) -> np.ndarray:
    """1-pixel black/white checkerboard, uint8 (H, W)."""
    rows, cols = np.indices((H, W))
    return ((rows + cols) % 2 * 255).astype(np.uint8)


def message_of(error: pytest.ExceptionInfo[gr.Error]) -> str:
    return error.value.message


@pytest.mark.parametrize("size", ["3x3", "5x5"])
@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate"])
def test_identity_kernel_returns_the_input(size: str, padding_mode: str) -> None:
    photo = load_sample("astronaut")
    padding = int(size[0]) // 2
    out, shape, _ = convolve_image(photo, kernel_grid("identity", size), padding_mode, padding, 1, 1)
    np.testing.assert_array_equal(out, photo)
    assert "output (3, 1, 512, 512)" in shape


def test_box_blur_on_a_checkerboard_averages_five_and_four_ninths() -> None:
    board = checkerboard(12, 16)
    out, _, _ = convolve_image(board, kernel_grid("box blur", "3x3"), "zeros", 0, 1, 1)
    assert out.shape == (10, 14)
    # a 3x3 window holds 5 pixels of its centre's colour and 4 of the other
    expected = np.where(board[1:-1, 1:-1] == 255, round(255 * 5 / 9), round(255 * 4 / 9))
    np.testing.assert_array_equal(out, expected)


def test_formula_text_has_the_numbers_filled_in() -> None:
    out, shape, formula = convolve_image(load_sample("coffee"), kernel_grid("Gaussian", "3x3"), "zeros", 1, 2, 2)
    # H: floor((400 + 2 - 2*2 - 1) / 2) + 1 = 199, W: floor((600 + 2 - 2*2 - 1) / 2) + 1 = 299
    assert formula == (
        "```\n"
        "H_out = floor((H + 2p - d(kH-1) - 1) / s) + 1\n"
        "      = floor((400 + 2*1 - 2*(3-1) - 1) / 2) + 1\n"
        "      = 199\n"
        "W_out = floor((W + 2p - d(kW-1) - 1) / s) + 1\n"
        "      = floor((600 + 2*1 - 2*(3-1) - 1) / 2) + 1\n"
        "      = 299\n"
        "```"
    )
    assert out.shape == (199, 299, 3)
    assert "x (3, 1, 400, 600)" in shape and "weight (1, 1, 3, 3)" in shape and "output (3, 1, 199, 299)" in shape


def test_derivative_kernel_shows_normalised_absolute_response() -> None:
    camera = load_sample("camera")
    out, shape, _ = convolve_image(camera, kernel_grid("Sobel x", "3x3"), "replicate", 1, 1, 1)
    x = torch.from_numpy(camera).float()[None, None] / 255  # (1, 1, H, W)
    kx = torch.tensor(preset_kernel("Sobel x", 3), dtype=torch.float32)[None, None]  # (1, 1, 3, 3)
    response = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), kx)[0, 0].abs()  # (H, W)
    expected = torch.round(response / response.max() * 255).numpy()
    assert np.abs(out.astype(float) - expected).max() <= 1
    assert "display: absolute value / max" in shape


def test_grayscale_option_gives_one_channel() -> None:
    out, shape, _ = convolve_image(load_sample("chelsea (cat)"), kernel_grid("sharpen", "3x3"), "zeros", 1, 1, 1, True)
    assert out.shape == (300, 451)
    assert "x (1, 1, 300, 451)" in shape


def test_every_preset_grid_parses_back_to_the_preset() -> None:
    for name in KERNEL_PRESETS:
        for size in ("3x3", "5x5"):
            kernel = parse_kernel(kernel_grid(name, size))
            np.testing.assert_allclose(kernel.numpy(), preset_kernel(name, int(size[0])), atol=1e-7)
    assert kernel_grid("box blur", "3x3")[0][0] == "1/9"
    assert parse_kernel(kernel_grid("Gaussian", "5x5")).sum().item() == pytest.approx(1.0)


def test_typed_numbers_and_fractions_are_accepted() -> None:
    kernel = parse_kernel([["1/4", " -0.5 ", 2], ["0", "1e-1", 3.5]])
    torch.testing.assert_close(kernel, torch.tensor([[0.25, -0.5, 2.0], [0.0, 0.1, 3.5]]))


@pytest.mark.parametrize(
    ("grid", "expected"),
    [
        ([["1", "abc", "1"]], "row 1, column 2 holds 'abc', which is not a number"),
        ([["1", "1"], ["1", ""]], "row 2, column 2 is empty"),
        ([["1", "1/0"]], "a fraction cannot have 0 below the line"),
        ([["1", "inf"]], "which is not a number"),
        ([[1.0, float("nan")]], "row 1, column 2 is nan; kernel values must be 0 or between 1e-30 and 1e+30"),
        ([["1", "1"], ["1"]], "same number of cells"),
        ([], "grid is empty"),
    ],
)
def test_bad_grid_names_the_cell_to_fix(grid: list[list[str]], expected: str) -> None:
    with pytest.raises(gr.Error) as error:
        convolve_image(load_sample("camera"), grid)
    assert expected in message_of(error)


@pytest.mark.parametrize(
    ("padding", "stride", "dilation", "expected"),
    [
        (1, 0, 1, "Stride must be a whole number from 1 to 64 (the step between two kernel positions); got 0."),
        (1, 1.5, 1, "Stride must be a whole number"),
        (-1, 1, 1, "Padding must be a whole number from 0 to 256"),
        (1, 1, 0, "Dilation must be a whole number from 1 to 64"),
        (None, 1, 1, "Padding is empty"),
        (1, float("nan"), 1, "Stride must be a whole number from 1 to 64 (the step between two kernel positions); "
                             "got nan."),
        (1e308, 1, 1, "Padding must be a whole number from 0 to 256 (pixels added on each side); got 1e+308."),
        (1, 1, "2x", "Dilation holds '2x', which is not a number"),
    ],
)
def test_impossible_settings_explain_themselves(padding: int, stride: float, dilation: int, expected: str) -> None:
    with pytest.raises(gr.Error) as error:
        convolve_image(load_sample("camera"), kernel_grid("identity", "3x3"), "zeros", padding, stride, dilation)
    assert expected in message_of(error)


@pytest.mark.parametrize(("cell", "expected"), [
    ("1e100000000", "is '1e100000000'; kernel values must be 0 or between 1e-30 and 1e+30 in size"),  # once: minutes
    ("1e-100000000", "is '1e-100000000'; kernel values must be 0 or between"),
    ("1e309", "is '1e309'"),  # once: an OverflowError about integer division
    ("3.5e38", "is '3.5e38'"),  # finite in float64, infinite in float32
    ("1e31", "is '1e31'"),  # float32 holds it; the limit keeps every sum and the display's stretch finite
    ("1e-40", "is '1e-40'"),  # vanishes in float32
    ("-" + "9" * 45, "characters long; type a number of at most 40"),
])
def test_weights_float32_cannot_hold_are_refused_then_a_good_kernel_works(cell: str, expected: str) -> None:
    photo = load_sample("camera")
    with pytest.raises(gr.Error) as error:
        convolve_image(photo, [["0", "0", "0"], ["0", cell, "0"], ["0", "0", "0"]])
    assert expected in message_of(error)
    out, _, _ = convolve_image(photo, [["0", "0", "0"], ["0", "1e30", "0"], ["0", "0", "0"]], display="auto")
    assert out.shape == photo.shape and np.isin(out, [0, 255]).all()  # saturated, but computed: within float32
    out, _, _ = convolve_image(photo, kernel_grid("identity", "3x3"))
    np.testing.assert_array_equal(out, photo)


def test_a_kernel_whose_im2col_matrix_is_too_large_is_refused_with_advice() -> None:
    photo = np.zeros((1024, 1024, 3), dtype=np.uint8)
    big = [["1/225"] * 15] * 15
    with pytest.raises(gr.Error) as error:
        convolve_image(photo, big, "zeros", 7, 1, 1)
    assert message_of(error) == (
        "conv2d with a 15x15 kernel over this 1024x1024 photo (an im2col matrix of 3 x 225 x 1048576 floats) would "
        "need 2700 MB of memory, over the 512 MB one request may use on this shared server. Use a smaller kernel, a "
        "stride of 2 or more, or 'Grayscale first'.")
    out, shape, _ = convolve_image(photo, big, "zeros", 7, 2, 1, grayscale=True)  # a quarter, one channel: fine
    assert out.shape == (512, 512) and "output (1, 1, 512, 512)" in shape


def test_dilated_kernel_larger_than_padded_image_says_what_to_change() -> None:
    tiny = np.zeros((4, 6), dtype=np.uint8)
    with pytest.raises(gr.Error) as error:
        convolve_image(tiny, kernel_grid("identity", "3x3"), "zeros", 0, 1, 3)
    assert message_of(error) == (
        "The 3x3 kernel with dilation 3 spans 7 pixels, but the padded image is only 4 pixels tall (4 + 2*0). "
        "Increase the padding, lower the dilation or use a smaller kernel."
    )


def test_reflect_padding_wider_than_the_image_is_explained() -> None:
    tiny = np.zeros((4, 4), dtype=np.uint8)
    with pytest.raises(gr.Error) as error:
        convolve_image(tiny, kernel_grid("identity", "3x3"), "reflect", 4, 1, 1)
    assert "reflect padding must be smaller than the input" in message_of(error)


def test_missing_image_is_a_gr_error() -> None:
    with pytest.raises(gr.Error, match="Pick a sample photo or upload one"):
        convolve_image(None, kernel_grid("identity", "3x3"))


def test_labs_stub_gives_the_polite_error() -> None:
    with pytest.raises(gr.Error) as error:
        convolve_image(load_sample("camera"), kernel_grid("identity", "3x3"), impl="labs")
    assert message_of(error).startswith(
        "Your conv2d is not implemented yet (TODO lab1.3 in labs/lab1_convolution/convolution.py)."
    )


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("clip to [0, 1]", [0, 0, 128, 255]),
        ("absolute value / max", [255, 0, 64, 255]),
        ("min-max stretch", [0, 128, 159, 255]),
    ],
)
def test_display_modes(mode: str, expected: list[int]) -> None:
    out = np.array([-2.0, 0.0, 0.5, 2.0]).reshape(1, 4, 1)
    image, used = to_display(out, mode, kernel_sum=1.0)
    assert used == mode
    np.testing.assert_array_equal(image, np.array([expected]))


def test_auto_display_picks_by_kernel_sum() -> None:
    out = np.zeros((1, 1, 1))
    assert to_display(out, "auto", kernel_sum=0.0)[1] == "absolute value / max"
    assert to_display(out, "auto", kernel_sum=1.0)[1] == "clip to [0, 1]"


@pytest.mark.parametrize(("pool", "torch_pool"), [
    ("max", F.max_pool2d), ("average", F.avg_pool2d), ("min", lambda x, k, s: -F.max_pool2d(-x, k, s))])
def test_pooling_step_after_the_convolution(pool: str, torch_pool) -> None:
    """The identity kernel, then 3x3 pooling at stride 2 through Lab 2's pooling: torch's pooling of the photo."""
    camera = load_sample("camera")  # (512, 512)
    out, shape, formula = convolve_image(camera, kernel_grid("identity", "3x3"), "zeros", 1, 1, 1,
                                         display="clip to [0, 1]", pool=pool, pool_size=3, pool_stride=2)
    x = torch.from_numpy(camera).float()[None, None] / 255  # (1, 1, 512, 512)
    expected = torch.round(torch_pool(x, 3, 2)[0, 0] * 255).numpy()  # (255, 255)
    assert out.shape == (255, 255)
    assert np.abs(out.astype(float) - expected).max() <= 1
    assert f"then {pool} pooling 3x3 stride 2 -> (1, 1, 255, 255)" in shape
    assert "floor((512 + 2*0 - 1*(3-1) - 1) / 2) + 1\n      = 255" in formula


def test_pooling_window_larger_than_the_output_says_what_to_change() -> None:
    tiny = np.zeros((5, 6), dtype=np.uint8)
    with pytest.raises(gr.Error) as error:
        convolve_image(tiny, kernel_grid("identity", "3x3"), "zeros", 0, 1, 1, pool="max", pool_size=4)
    assert message_of(error) == ("The 4x4 pooling window is larger than the 3x4 convolution output: "
                                 "use a smaller pool size.")
