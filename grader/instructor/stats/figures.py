"""The class page's pictures, drawn with matplotlib's Agg canvas (no display, no pyplot state) and inlined as
base64 PNG data URIs, so that the page needs no other file and no network."""

import base64
import io
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

WIDTH_IN, DPI = 6.4, 100
FULL_COLOUR, PART_COLOUR, GRID_COLOUR = "#2e7d32", "#5c7cfa", "#dddddd"
MAX_BINS = 30


def data_uri(figure: Figure) -> str:
    """The figure as a `data:image/png;base64,...` URI."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def score_histogram(lab: str, numbers: dict[str, Any]) -> str:
    """How many students got how many points in `lab`; the full-marks bar in green."""
    scores, max_score = np.asarray(numbers["scores"], dtype=float), float(numbers["max_score"])
    bins = np.linspace(0, max_score, int(min(MAX_BINS, max(max_score, 1))) + 1) if max_score > 0 else [0, 1]
    figure = Figure(figsize=(WIDTH_IN, 2.4))
    axes = figure.add_subplot()
    counts, edges, patches = axes.hist(scores, bins=bins, color=PART_COLOUR, edgecolor="white")
    patches[-1].set_facecolor(FULL_COLOUR)  # the last bin holds full marks
    axes.set_xlim(0, max(max_score, 1))
    axes.set_xlabel(f"points (of {max_score:g})")
    axes.set_ylabel("students")
    axes.set_title(f"{lab}: {numbers['students']} students, median {numbers['median']:g}, "
                   f"{numbers['full_marks']} with full marks", fontsize=10)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.grid(axis="y", color=GRID_COLOUR)
    axes.set_axisbelow(True)
    return data_uri(figure)


def full_marks_chart(lab: str, exercises: dict[str, dict[str, Any]]) -> str:
    """The share of the class with full marks in each exercise of `lab`, first exercise on top."""
    ids = [exercise for exercise, entry in exercises.items() if entry["lab"] == lab]
    shares = [100 * exercises[exercise]["full_marks_share"] for exercise in ids]
    labels = [f"{exercise} {exercises[exercise]['name']}" for exercise in ids]
    figure = Figure(figsize=(WIDTH_IN, 0.45 + 0.32 * len(ids)))
    axes = figure.add_subplot()
    positions = np.arange(len(ids))[::-1]
    axes.barh(positions, shares, color=[FULL_COLOUR if share == 100 else PART_COLOUR for share in shares])
    axes.set_yticks(positions, labels, fontsize=9)
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of the class with full marks")
    for position, share in zip(positions, shares, strict=True):
        axes.text(min(share + 1, 92), position, f"{share:.0f}%", va="center", fontsize=8)
    axes.grid(axis="x", color=GRID_COLOUR)
    axes.set_axisbelow(True)
    return data_uri(figure)
