"""Pictures the tabs return, each written once to a PNG file of its own, so that Gradio copies it into its cache
instead of encoding it there itself.

Why: Gradio saves a returned numpy or PIL picture under a folder named after the picture's bytes, and rewrites that
file (truncate, then write) every time a request returns the same picture. When thirty visitors ask for the same
thing (the default kernel, the same upload), one visitor's download of the file can meet another request's rewrite
and ends early: "peer closed connection without sending complete message body", a broken image in the browser.
A returned file path takes Gradio's other road: the file is copied under a temporary name and renamed into place,
once per content, so a download always reads a complete file.
"""

import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

RESULTS_DIR = Path(tempfile.gettempdir()) / f"ipdl-webapp-results-{os.getpid()}"
KEEP_S = 600  # our files are removed this long after they were written (Gradio's copy stays in its cache)
SWEEP_EVERY_S = 60
_last_sweep = [0.0]
_sweeping = threading.Lock()


def picture_file(picture: np.ndarray) -> str:
    """Write a uint8 (H, W), (H, W, 3) or (H, W, 4) picture to a new PNG file and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    sweep_now_and_then()
    descriptor, path = tempfile.mkstemp(suffix=".png", prefix="result-", dir=RESULTS_DIR)
    with os.fdopen(descriptor, "wb") as file:
        Image.fromarray(np.ascontiguousarray(picture)).save(file, format="PNG")
    return path


def as_files(value: Any) -> Any:
    """`value` with every uint8 picture in it (alone, in a gallery's (picture, caption) list, in a sketchpad's
    dict) replaced by its picture_file path; everything else as it is."""
    if isinstance(value, np.ndarray) and value.dtype == np.uint8 and value.ndim in (2, 3):
        return picture_file(value)
    if isinstance(value, dict):
        return {key: as_files(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(as_files(item) for item in value)
    return value


def sweep_now_and_then() -> None:
    """sweep_old_files(), at most once every SWEEP_EVERY_S (and never by two threads at once)."""
    now = time.time()
    if now - _last_sweep[0] < SWEEP_EVERY_S or not _sweeping.acquire(blocking=False):
        return
    try:
        _last_sweep[0] = now
        sweep_old_files(now)
    finally:
        _sweeping.release()


def sweep_old_files(now: float) -> None:
    """Remove our result files older than KEEP_S at time `now`."""
    for path in RESULTS_DIR.glob("result-*.png"):
        try:
            if now - path.stat().st_mtime > KEEP_S:
                path.unlink()
        except FileNotFoundError:
            pass  # removed meanwhile
