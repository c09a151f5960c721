"""The web app runs lab code from solutions/ or labs/ and turns its failures into polite gr.Error messages."""

import json
import subprocess
import sys
from pathlib import Path

import gradio as gr
import pytest
import torch

from webapp.implementations import call_lab, load_lab_module, source_stamp

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
    assert message.endswith("Fix it and try again. Switch the implementation to 'reference' to see the expected "
                            "result.")


def test_crash_in_reference_code_is_not_hidden() -> None:
    with pytest.raises(AttributeError):
        call_lab("solutions", CONVOLUTION, "conv2d", "not a tensor", torch.ones(1, 1, 3, 3))


def test_missing_function_is_a_gr_error() -> None:
    with pytest.raises(gr.Error) as error:
        call_lab("solutions", CONVOLUTION, "conv3d")
    assert "has no function conv3d" in error.value.message


RELOAD_SCRIPT = """
import json
from pathlib import Path

import gradio as gr

from webapp.implementations import call_lab


def greet():
    try:
        return call_lab("labs", "lab9_reload.greeting", "greet")
    except gr.Error as error:
        return error.message


lab = Path("labs/lab9_reload")
seen = [greet()]
(lab / "words.py").write_text('WORD = "again, no restart"\\n')  # the lab-local module that greeting imports
seen.append(greet())
(lab / "greeting.py").write_text("def greet(:\\n")
seen.append(greet())
(lab / "greeting.py").write_text("from .words import WORD\\n\\n\\ndef greet():\\n    return WORD.upper()\\n")
seen.append(greet())
print(json.dumps(seen))
"""


def write_reload_lab(root: Path) -> None:
    """A `labs` package in `root` with lab9_reload: greeting.greet() returns words.WORD."""
    lab = root / "labs" / "lab9_reload"
    lab.mkdir(parents=True)
    (root / "labs" / "__init__.py").write_text("")
    (lab / "__init__.py").write_text("")
    (lab / "words.py").write_text('WORD = "hello"\n')
    (lab / "greeting.py").write_text("from .words import WORD\n\n\ndef greet():\n    return WORD\n")


def test_edited_student_code_is_used_without_a_restart(tmp_path: Path) -> None:
    write_reload_lab(tmp_path)
    # run from tmp_path, where `labs` is the copy above; webapp comes from this repository
    result = subprocess.run(
        [sys.executable, "-c", RELOAD_SCRIPT], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    first, edited_import, broken, fixed = json.loads(result.stdout.splitlines()[-1])
    assert (first, edited_import, fixed) == ("hello", "again, no restart", "AGAIN, NO RESTART")
    assert broken.startswith("Python cannot read your code: ")
    assert "labs/lab9_reload/greeting.py line 1)" in broken


def test_unchanged_code_is_not_imported_again() -> None:
    assert load_lab_module(CONVOLUTION, "labs") is load_lab_module(CONVOLUTION, "labs")
    assert load_lab_module(CONVOLUTION, "solutions") is load_lab_module(CONVOLUTION, "solutions")


def test_source_stamp_sees_edits_new_and_removed_files(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text("x = 1\n")
    before = source_stamp(tmp_path)
    module.write_text("x = 12\n")
    edited = source_stamp(tmp_path)
    (tmp_path / "extra.py").write_text("")
    added = source_stamp(tmp_path)
    (tmp_path / "extra.py").unlink()
    assert len({before, edited, added}) == 3
    assert source_stamp(tmp_path) == edited
