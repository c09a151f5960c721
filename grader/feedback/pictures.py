"""Pictures of a wrong image-like result: expected, got (one colour scale, written), |difference| (its scale
written) and where it is beyond the tolerance, as small grayscale PNGs, base64 in the JSON report.

Only a failing check makes them, so a passing test costs nothing. Each is downscaled to at most MAX_SIDE pixels a
side and a grading run's pictures stop at BUDGET_BYTES altogether (about 2 MB; later failures carry their text
only). A process that grades run after run (a batch's judge slot, a notebook's check()) starts each run's budget
afresh: the plugin calls PictureBudget.start_run() as its pytest session starts.
"""

import base64
import io

import numpy as np
import torch
from PIL import Image

MIN_SIDE = 8  # H and W of an image-like result
MAX_SIDE = 128  # pixels per side of a picture, after downscaling
BUDGET_BYTES = 2_000_000  # all pictures of one grading run (one pytest session of the judge) together


class PictureBudget:
    """Bytes of pictures made so far in this grading run."""

    used = 0

    @classmethod
    def start_run(cls) -> None:
        """A new grading run: its pictures have the whole BUDGET_BYTES again."""
        cls.used = 0


def image_like(value: torch.Tensor) -> bool:
    """A 2-D map, or (C, H, W) / (B, C, H, W), with H and W at least MIN_SIDE."""
    return value.dim() in (2, 3, 4) and min(value.shape[-2:]) >= MIN_SIDE and value.numel() > 0


def plane_of(value: torch.Tensor, index: tuple[int, ...]) -> np.ndarray:
    """The (H, W) plane of `value` at the leading `index` (batch item, channel), as float64."""
    plane = value
    for i in index[: value.dim() - 2]:
        plane = plane[min(i, plane.shape[0] - 1)]
    return plane.double().nan_to_num(nan=0.0, posinf=0.0, neginf=0.0).numpy()


def downscaled(plane: np.ndarray) -> np.ndarray:
    step = max(1, -(-max(plane.shape) // MAX_SIDE))
    return plane[::step, ::step]


def png(plane: np.ndarray, low: float, high: float) -> str:
    """`plane` mapped from [low, high] to gray levels, upscaled to at least 64 pixels a side, base64 PNG."""
    span = high - low if high > low else 1.0
    gray = np.clip((downscaled(plane) - low) / span * 255.0, 0, 255).astype(np.uint8)
    image = Image.fromarray(gray, mode="L")
    zoom = max(1, 64 // max(1, min(gray.shape)))
    if zoom > 1:
        image = image.resize((gray.shape[1] * zoom, gray.shape[0] * zoom), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def picture(title: str, plane: np.ndarray, low: float, high: float, scale: str) -> dict:
    data = png(plane, low, high)
    size = Image.open(io.BytesIO(base64.b64decode(data))).size
    return {"title": title, "png_base64": data, "width": size[0], "height": size[1], "scale": scale,
            "shape": list(plane.shape)}


def first_difference(got: torch.Tensor, expected: torch.Tensor, atol: float, rtol: float) -> tuple[int, ...]:
    differs = ~torch.isclose(got.double(), expected.double(), rtol=rtol, atol=atol)
    found = differs.nonzero()
    return tuple(int(i) for i in found[0]) if len(found) else (0,) * got.dim()


def pictures_of(got: torch.Tensor, expected: torch.Tensor, atol: float, rtol: float) -> list[dict]:
    """Four pictures (two where the shapes differ) of the plane holding the first difference; [] when the
    result is not image-like or this run's budget is spent."""
    if not (image_like(expected) and image_like(got)) or PictureBudget.used >= BUDGET_BYTES:
        return []
    got, expected = got.double(), expected.double()
    if got.shape != expected.shape:
        planes = {"expected": plane_of(expected, (0, 0)), "got": plane_of(got, (0, 0))}
        made = [picture(f"{name} {tuple(plane.shape)}", plane, plane.min(), plane.max(),
                        f"[{plane.min():.3g}, {plane.max():.3g}]") for name, plane in planes.items()]
    else:
        index = first_difference(got, expected, atol, rtol)
        want, have = plane_of(expected, index), plane_of(got, index)
        low, high = min(want.min(), have.min()), max(want.max(), have.max())
        difference = np.abs(have - want)
        beyond = (difference > atol + rtol * np.abs(want)).astype(np.float64)
        where = f" at {index[: got.dim() - 2]}" if got.dim() > 2 else ""
        made = [picture(f"expected{where}", want, low, high, f"black {low:.3g}, white {high:.3g}"),
                picture(f"got{where}", have, low, high, f"black {low:.3g}, white {high:.3g}"),
                picture("|difference|", difference, 0.0, difference.max(), f"black 0, white {difference.max():.3g}"),
                picture("beyond tolerance", beyond, 0.0, 1.0, f"white: {int(beyond.sum())} pixels beyond "
                                                              f"atol {atol:g} + rtol {rtol:g} x |expected|")]
    PictureBudget.used += sum(len(p["png_base64"]) for p in made)
    return made
