"""The web app runs lab code from solutions/ or labs/ and turns its failures into polite gr.Error messages."""

import gradio as gr
import pytest
import torch

from webapp.implementations import call_lab, load_lab_module

CONVOLUTION = "lab1_convolution.convolution"


def test_load_lab_module_picks_the_package() -> None:
    assert load_lab_module(CONVOLUTION, "solutions").__name__ == "solutions.lab1_convolution.convolution"
    assert load_lab_module(CONVOLUTION, "labs").__name__ == "labs.lab1_convolution.convolution"


def test_unknown_implementation_is_a_gr_error() -> None:
    with pytest.raises(gr.Error) as error:
        load_lab_module(CONVOLUTION, "mine")
    assert "solutions" in error.value.message and "labs" in error.value.message


def test_missing_lab_module_says_which_file() -> None:
    with pytest.raises(gr.Error) as error:
        load_lab_module("lab9_missing.nothing", "labs")
    assert "labs/lab9_missing/nothing.py" in error.value.message


def test_reference_result_comes_back() -> None:
    x = torch.arange(16.0).view(1, 1, 4, 4)
    out = call_lab("solutions", CONVOLUTION, "conv2d", x, torch.ones(1, 1, 2, 2))
    torch.testing.assert_close(out[0, 0, 0, 0], torch.tensor(0.0 + 1 + 4 + 5))


@pytest.mark.parametrize(
    ("module", "function", "todo", "path"),
    [
        (CONVOLUTION, "conv2d", "lab1.3", "labs/lab1_convolution/convolution.py"),
        ("lab1_convolution.sobel", "sobel_gradients", "lab1.6", "labs/lab1_convolution/sobel.py"),
    ],
)
def test_stub_gives_the_polite_not_implemented_error(module: str, function: str, todo: str, path: str) -> None:
    args = (torch.rand(1, 1, 8, 8), torch.ones(1, 1, 3, 3)) if function == "conv2d" else (torch.rand(8, 8),)
    with pytest.raises(gr.Error) as error:
        call_lab("labs", module, function, *args)
    assert error.value.message == (
        f"Your {function} is not implemented yet (TODO {todo} in {path}). "
        f"Switch the implementation to 'reference' to see the expected result."
    )


def test_teaching_value_error_is_shown_as_gr_error() -> None:
    with pytest.raises(gr.Error) as error:
        call_lab("solutions", CONVOLUTION, "conv2d", torch.rand(1, 1, 4, 4), torch.ones(1, 1, 7, 7))
    assert "larger than the padded input" in error.value.message


def test_crash_in_student_code_names_the_file_and_line() -> None:
    with pytest.raises(gr.Error) as error:
        call_lab("labs", CONVOLUTION, "conv2d", "not a tensor", torch.ones(1, 1, 3, 3))
    message = error.value.message
    assert message.startswith("Your code raised AttributeError")
    assert "in conv2d, labs/lab1_convolution/convolution.py line" in message
    assert "switch the implementation to 'reference'" in message


def test_crash_in_reference_code_is_not_hidden() -> None:
    with pytest.raises(AttributeError):
        call_lab("solutions", CONVOLUTION, "conv2d", "not a tensor", torch.ones(1, 1, 3, 3))


def test_missing_function_is_a_gr_error() -> None:
    with pytest.raises(gr.Error) as error:
        call_lab("solutions", CONVOLUTION, "conv3d")
    assert "has no function conv3d" in error.value.message
