"""A tab's function as a Gradio event: its pictures become files of their own (each written once, never rewritten),
and a failure first clears the outputs and puts the message in the status line, then raises for the toast."""

import inspect
import os
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from webapp.result_files import KEEP_S, RESULTS_DIR, as_files, picture_file, sweep_old_files
from webapp.tab_events import failure_outputs, markdown_text, tab_event


def picture(value: int = 7) -> np.ndarray:
    return np.full((4, 5), value, dtype=np.uint8)


def test_each_picture_gets_a_file_of_its_own() -> None:
    first, second = picture_file(picture()), picture_file(picture())
    assert first != second  # the same picture twice: two files, neither rewritten
    np.testing.assert_array_equal(np.asarray(Image.open(first)), picture())
    assert Path(first).parent == RESULTS_DIR


def test_as_files_replaces_pictures_wherever_they_are() -> None:
    value = {"background": picture(), "layers": [picture(1)], "composite": None}
    files = as_files(value)
    assert files["composite"] is None and Path(files["background"]).is_file() and Path(files["layers"][0]).is_file()
    gallery = as_files([(picture(), "a caption")])
    assert Path(gallery[0][0]).is_file() and gallery[0][1] == "a caption"
    assert as_files("a status line") == "a status line"


def test_old_result_files_are_swept() -> None:
    old = Path(picture_file(picture()))
    os.utime(old, (0, 0))  # written in 1970
    fresh = Path(picture_file(picture()))
    sweep_old_files(now=fresh.stat().st_mtime + KEEP_S / 2)
    assert not old.exists() and fresh.exists()


def reading(image: np.ndarray | None, threshold: float) -> tuple[np.ndarray, str]:
    """A tab function: a picture and a status line."""
    if image is None:
        raise gr.Error("No image yet. Pick a sample photo.")
    return image, f"threshold {threshold}"


def test_an_event_yields_its_outputs_with_the_pictures_as_files() -> None:
    event = tab_event(reading, failure_outputs(2, status_at=1), pictures=(0,))
    (path, status), = list(event(picture(), 0.5))
    assert Path(path).is_file() and status == "threshold 0.5"
    assert inspect.signature(event) == inspect.signature(reading)  # what Gradio reads: the function's parameters


def test_a_failure_clears_the_outputs_says_why_then_raises() -> None:
    outputs = tab_event(reading, failure_outputs(3, status_at=1, keep=(2,)))(None, 0.5)
    assert next(outputs) == (None, "**Not done:** No image yet. Pick a sample photo.", gr.skip())
    with pytest.raises(gr.Error, match="No image yet"):
        next(outputs)
    plain = tab_event(reading, failure_outputs(2, status_at=1, markdown=False))(None, 0.5)
    assert next(plain)[1] == "Not done: No image yet. Pick a sample photo."


def test_a_generator_streams_and_a_late_failure_still_clears() -> None:
    def drawing(steps: int):
        for step in range(steps):
            yield picture(step), f"step {step}"
        raise gr.Error("your ddpm_step returned NaN at t=3 (TODO `lab6.6`)")

    outputs = tab_event(drawing, failure_outputs(2, status_at=1), pictures=(0,))(2)
    streamed = [next(outputs) for _ in range(3)]
    assert [status for _, status in streamed] == ["step 0", "step 1",
                                                  r"**Not done:** your ddpm\_step returned NaN at t=3 (TODO `lab6.6`)"]
    assert streamed[2][0] is None
    with pytest.raises(gr.Error):
        next(outputs)


def test_messages_in_markdown_status_lines_keep_their_underscores() -> None:
    assert markdown_text("Your LeNet.__init__ (`labs/lab2_lenet/lenet.py`) *here*") == (
        r"Your LeNet.\_\_init\_\_ (`labs/lab2_lenet/lenet.py`) \*here\*")


def test_an_unexpected_failure_is_named_too() -> None:
    def broken() -> tuple:
        raise ZeroDivisionError("division by zero")

    outputs = tab_event(broken, failure_outputs(1, status_at=0))()
    assert next(outputs) == ("**Not done:** the app failed on this input (ZeroDivisionError: division by zero). Try "
                             "another input.")
    with pytest.raises(ZeroDivisionError):
        next(outputs)
