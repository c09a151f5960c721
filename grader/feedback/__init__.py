"""Comparisons that teach: every failure says what was expected, what came back, and, where a known
mistake explains the difference, names it as a hint.

Only plain values rebuilt by the judge reach these functions (see `wire`), and every check starts
with an exact type test, so nothing the student made takes part in a comparison.
"""

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from grader.failure_record import result_hash
from grader.feedback.pictures import pictures_of
from grader.feedback.relations import describe_relation

# A check's known mistakes: hint -> the result that mistake gives, or a function that makes them, called only if
# the check fails (most do not: a right answer needs no mistakes worked out).
Mistakes = Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None


class GradingFailure(AssertionError):
    """A wrong answer, with an optional hint naming the likely mistake."""

    def __init__(self, message: str, hint: str | None = None, pictures: list[dict] | None = None):
        super().__init__(message)
        self.hint = hint
        self.result_hash: str | None = None  # of the wrong result, set by the check that saw it
        self.known_mistake = False  # the wrong result is what a known mistake gives (everyone who makes it, alike)
        self.pictures = pictures or []  # of an image-like wrong result (grader.feedback.pictures)


def keeps_result_hash(check: Callable[..., None]) -> Callable[..., None]:
    """A check whose failure keeps a hash of the wrong result `got`, and whether a known mistake (`mistakes`) gives
    it (for the class statistics)."""

    @functools.wraps(check)
    def checked(got: Any, expected: Any, *, what: str, **options: Any) -> None:
        if "mistakes" in options:
            options["mistakes"] = functools.cache(functools.partial(known_mistakes, options["mistakes"]))
        try:
            check(got, expected, what=what, **options)
        except GradingFailure as failure:
            failure.result_hash = failure.result_hash or result_hash(got, what)
            failure.known_mistake = failure.known_mistake or ("mistakes" in options
                                                              and failure.hint in options["mistakes"]())
            raise

    return checked


def known_mistakes(mistakes: Mistakes) -> Mapping[str, Any]:
    """The mapping of `mistakes`, made now if it is a function."""
    return (mistakes() if callable(mistakes) else mistakes) or {}


def expect(condition: bool, message: str, hint: str | None = None) -> None:
    """Fail with `message` (and `hint`) unless `condition` holds."""
    if condition is not True:
        raise GradingFailure(message, hint)


def expect_fields(reply: Any, fields: tuple[str, ...], what: str, hint: str | None = None) -> dict:
    """`reply` as a dict that has every field, or a grading failure that says what came back instead."""
    expect(type(reply) is dict, f"{what}: expected a dict, got a {type(reply).__name__}", hint)
    missing = [field for field in fields if field not in reply]
    expect(not missing, f"{what}: the reply lacks {missing}", hint)
    return reply


@keeps_result_hash
def assert_value_equal(got: Any, expected: Any, *, what: str, hint: str | None = None) -> None:
    """Exact type and equality for scalars, strings and small containers of them."""
    if type(got) is not type(expected):
        raise GradingFailure(f"{what}: expected a {type_name(expected)}, got a {type_name(got)} ({got!r})", hint)
    if got != expected:
        raise GradingFailure(f"{what}: expected {expected!r}, got {got!r}", hint)


@keeps_result_hash
def assert_tensor_close(
    got: Any,
    expected: torch.Tensor | np.ndarray,
    *,
    what: str,
    atol: float = 1e-5,
    rtol: float = 1e-5,
    mistakes: Mistakes = None,
) -> None:
    """Check type, shape, dtype and values of `got` against `expected`.

    `mistakes` maps a hint to the result that known mistake would give (or is a function that makes that
    mapping, called only on a failure); when `got` matches one of them, the failure carries that hint.
    """
    kind = np.ndarray if isinstance(expected, np.ndarray) else torch.Tensor
    if type(got) is not kind:
        raise GradingFailure(f"{what}: expected a {kind.__module__}.{kind.__name__}, got a {type_name(got)}")
    got_t, expected_t = as_tensor(got), as_tensor(expected)
    if got_t.shape != expected_t.shape:
        raise wrong_tensor(f"{what}: expected shape {tuple(expected_t.shape)}, got shape {tuple(got_t.shape)}",
                           got_t, expected_t, atol, rtol, mistakes)
    if got_t.dtype != expected_t.dtype:
        raise GradingFailure(f"{what}: expected dtype {expected_t.dtype}, got dtype {got_t.dtype}",
                             matching_mistake(got_t, known_mistakes(mistakes), atol, rtol))
    problem = describe_difference(got_t, expected_t, atol, rtol)
    if problem:
        raise wrong_tensor(f"{what}: {problem}", got_t, expected_t, atol, rtol, mistakes)


def wrong_tensor(message: str, got: torch.Tensor, expected: torch.Tensor, atol: float, rtol: float,
                 mistakes: Mistakes) -> GradingFailure:
    """The failure for a wrong tensor: the known mistake it matches, else the relation to the expected one
    (grader.feedback.relations), and pictures where it is image-like (grader.feedback.pictures)."""
    hint = (matching_mistake(got, known_mistakes(mistakes), atol, rtol)
            or describe_relation(got, expected, atol, rtol))
    return GradingFailure(message, hint, pictures_of(got, expected, atol, rtol))


def describe_difference(got: torch.Tensor, expected: torch.Tensor, atol: float, rtol: float) -> str:
    """'' when equal within tolerance; otherwise the count, first differing index and max abs error."""
    if expected.dtype == torch.bool or not expected.is_floating_point():
        differs = got != expected
    else:
        differs = ~torch.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=False)
    count = int(differs.sum())
    if count == 0:
        return ""
    first = tuple(int(i) for i in differs.nonzero()[0]) if differs.dim() else ()
    text = (f"{count} of {differs.numel()} values differ; first at index {first}: "
            f"expected {format_item(expected[first])}, got {format_item(got[first])}")
    if expected.is_floating_point():
        error = (got.double() - expected.double()).abs().nan_to_num(nan=float("inf")).max()
        text += f"; max abs error {float(error):.3g}"
    return text


def matching_mistake(got: torch.Tensor, mistakes: Mapping[str, Any], atol: float, rtol: float) -> str | None:
    """The hint of the first known mistake whose result equals `got`."""
    for hint, result in mistakes.items():
        wrong = as_tensor(result)
        if wrong.shape == got.shape and not describe_difference(got.to(wrong.dtype), wrong, atol, rtol):
            return hint
    return None


def as_tensor(value: torch.Tensor | np.ndarray) -> torch.Tensor:
    return torch.from_numpy(value) if isinstance(value, np.ndarray) else value


def format_item(value: torch.Tensor) -> str:
    item = value.item()
    return f"{item:.6g}" if isinstance(item, float) else repr(item)


def type_name(value: Any) -> str:
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
