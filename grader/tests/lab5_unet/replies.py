"""Checks on the form of what Lab 5's harness and functions send back, before the judge reads any value."""

import math

import torch

from grader import feedback
from grader.feedback import GradingFailure, expect

HARNESS_HINT = "labs/lab5_unet/harness.py is given code: restore it from a fresh copy of the lab"


def expect_fields(reply: object, fields: tuple[str, ...], what: str) -> dict:
    """`reply` as a dict that has every field; a broken harness is named in the hint."""
    return feedback.expect_fields(reply, fields, what, HARNESS_HINT)


def check_shapes(got: object, expected: dict[str, list[int]], what: str, hints: dict[str, str] | None = None) -> None:
    """Compare name -> shape dicts of a state_dict; say which names are missing, extra or of the wrong shape.

    `hints` maps a name that should not be there (or that is missing) to the mistake it shows.
    """
    expect(type(got) is dict, f"{what}: expected a dict of name -> shape, got a {type(got).__name__}", HARNESS_HINT)
    missing = [name for name in expected if name not in got]
    extra = [name for name in got if name not in expected]
    wrong = [f"{name}: expected {expected[name]}, got {got[name]}" for name in expected
             if name in got and list(got[name]) != expected[name]]
    if not (missing or extra or wrong):
        return
    hint = next((hints[name] for name in extra + missing if hints and name in hints), None)
    parts = []
    if missing:
        parts.append(f"missing {missing[:6]}{' ...' if len(missing) > 6 else ''}")
    if extra:
        parts.append(f"unexpected {extra[:6]}{' ...' if len(extra) > 6 else ''}")
    if wrong:
        parts.append("wrong shapes: " + "; ".join(wrong[:4]))
    raise GradingFailure(f"{what}: the state_dict does not match the table in the docstring: {', '.join(parts)}",
                         hint)


def assert_scores_close(got: object, expected: torch.Tensor, what: str, mistakes: dict[str, torch.Tensor],
                        atol: float = 1e-5) -> None:
    """Per-class scores with NaN for classes that have none: NaN where expected, close values elsewhere."""
    expect(type(got) is torch.Tensor, f"{what}: expected a torch.Tensor, got a {type(got).__name__}")
    hint = _matching(got, mistakes, atol)
    expect(got.shape == expected.shape, f"{what}: expected shape {tuple(expected.shape)}, got {tuple(got.shape)}",
           hint)
    expect(got.dtype == expected.dtype, f"{what}: expected dtype {expected.dtype}, got {got.dtype}", hint)
    for c, (g, e) in enumerate(zip(got.tolist(), expected.tolist(), strict=True)):
        if math.isnan(e):
            expect(math.isnan(g), f"{what}: class {c} is in neither pred nor target, so its score is NaN "
                                  f"(0 / 0); got {g:.6g}", hint)
        else:
            expect(not math.isnan(g) and abs(g - e) <= atol + 1e-5 * abs(e),
                   f"{what}: class {c}: expected {e:.6g}, got {g:.6g}", hint)


def _matching(got: torch.Tensor, mistakes: dict[str, torch.Tensor], atol: float) -> str | None:
    """The hint of the first mistake equal to `got`, NaN matching NaN."""
    for hint, wrong in mistakes.items():
        if wrong.shape == got.shape and got.is_floating_point() and torch.allclose(
                got.double(), wrong.double(), atol=atol, equal_nan=True):
            return hint
    return None

