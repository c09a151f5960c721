"""How a tab's plain function becomes a Gradio event: its pictures written to files of their own (result_files.py),
and its failures shown on the page.

When the function refuses (gr.Error) or fails, the event first shows `failed(message)` in its outputs (pictures
cleared, the message in the tab's status line, a failed upload removed from its box), then raises the error again:
the browser shows it as a toast, an API client gets it as an exception.

    run.click(tab_event(convolve_image, failure_outputs(3, status_at=1), pictures=(0,)), inputs, outputs,
              show_progress_on=[output], **COST.events())

`show_progress_on` keeps Gradio's "Error" badge (and the queue place and progress) on the pictures, off the status.
"""

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr

from webapp.result_files import as_files

NOT_DONE = "**Not done:**"


def failure_message(error: Exception) -> str:
    """What the page says about `error`: a gr.Error's own message; for anything else, the kind of failure."""
    if isinstance(error, gr.Error):
        return error.message
    return f"the app failed on this input ({type(error).__name__}: {error}). Try another input."


def markdown_text(message: str) -> str:
    """`message` for a Markdown status line: `_` and `*` outside `code` taken literally (`LeNet.__init__` is no
    bold "init")."""
    pieces = message.split("`")
    return "`".join(piece if i % 2 else re.sub(r"([_*])", r"\\\1", piece) for i, piece in enumerate(pieces))


def failure_outputs(count: int, status_at: int, keep: tuple[int, ...] = (),
                    markdown: bool = True) -> Callable[[str], Any]:
    """`failed` for an event with `count` outputs: None (cleared) for each, "Not done: message" at `status_at`
    (in bold, unless the status line is plain text), and the outputs at the positions in `keep` left as they are."""
    def failed(message: str) -> Any:
        values: list[Any] = [gr.skip() if i in keep else None for i in range(count)]
        values[status_at] = f"{NOT_DONE} {markdown_text(message)}" if markdown else f"{NOT_DONE.strip('*')} {message}"
        return tuple(values) if count > 1 else values[0]
    return failed


def with_files(outputs: Any, pictures: tuple[int, ...]) -> Any:
    """The outputs with those at the positions `pictures` (or the only output, for (0,)) written as files."""
    if not pictures:
        return outputs
    if not isinstance(outputs, tuple):
        return as_files(outputs)  # a single output
    return tuple(as_files(value) if i in pictures else value for i, value in enumerate(outputs))


def tab_event(function: Callable[..., Any], failed: Callable[[str], Any],
              pictures: tuple[int, ...] = ()) -> Callable[..., Iterator[Any]]:
    """`function` (plain or a generator) as a generator event: it yields the function's outputs, with the pictures
    at the positions `pictures` as files; on an error, `failed(message)`, then the error again. Gradio reads the
    parameters of `function` (progress, request, selection) through the wrapper."""
    @functools.wraps(function)
    def event(*args: Any, **kwargs: Any) -> Iterator[Any]:
        try:
            result = function(*args, **kwargs)
            for outputs in result if isinstance(result, Iterator) else [result]:
                yield with_files(outputs, pictures)
        except Exception as error:
            yield failed(failure_message(error))
            raise
    return event
