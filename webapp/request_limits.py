"""What one request may cost on the classroom server (thirty visitors, one 2-core laptop), and how each tab declares
its own cost: the work of a request in words, its time at the tab's defaults, and how many run at once.

A request whose estimated time or memory is over the limit is refused before any work, with the estimate and what
to change; the others wait in Gradio's queue, which shows each visitor their place.
"""

from dataclasses import dataclass
from typing import Any

import gradio as gr

REQUEST_LIMIT_S = 30.0  # seconds of one core of the 2-core laptop the app is built for, idle, per request
REQUEST_MEMORY_LIMIT = 512 * 2**20  # bytes one request's largest working array may take
QUEUE_SIZE = 200  # requests waiting at once, all tabs together; more are told to try again later


@dataclass(frozen=True)
class TabCost:
    """A tab's declaration of what its requests cost."""

    work: str  # one request's work, in words
    typical_s: float  # seconds for one request at the tab's defaults, one core of the idle laptop, measured
    concurrency: int  # requests of this tab computed at once; the next ones wait in the queue and see their place
    name: str  # the queue the tab's events share (its title)

    def events(self) -> dict[str, Any]:
        """The keyword arguments that put an event of this tab in the tab's queue."""
        return {"concurrency_limit": self.concurrency, "concurrency_id": self.name}


def refuse_slow(seconds: float, what: str, advice: str) -> None:
    """gr.Error when `what` would take over REQUEST_LIMIT_S (an estimate in seconds), saying what to change."""
    if seconds > REQUEST_LIMIT_S:
        raise gr.Error(f"{what} would take about {seconds:.0f} s, over the {REQUEST_LIMIT_S:.0f} s one request may "
                       f"use on this shared server. {advice}")


def refuse_large(nbytes: int, what: str, advice: str) -> None:
    """gr.Error when `what` needs over REQUEST_MEMORY_LIMIT bytes, saying what to change."""
    if nbytes > REQUEST_MEMORY_LIMIT:
        raise gr.Error(f"{what} would need {nbytes / 2**20:.0f} MB of memory, over the "
                       f"{REQUEST_MEMORY_LIMIT // 2**20} MB one request may use on this shared server. {advice}")
