"""Numbers a visitor types or an API client sends, parsed with bounded work and checked against what the computation
can hold, with a gr.Error that says the allowed range.

Text is bounded before any arithmetic: at most MAX_NUMBER_TEXT characters, a plain decimal or scientific notation
with an exponent of at most three digits, or a fraction of two such numbers ("1/9"). Python's own parsers are not
used on raw text: `Fraction("1e100000000")` builds a 100-million-digit integer and keeps a thread busy for minutes.
Values that arrive as JSON numbers (NaN and infinities included) go through the same range checks, because the
widgets' ranges only hold in the browser (gr.Slider's own check lets NaN through: every comparison with it is false).
"""

import math
import re
from numbers import Real

import gradio as gr

MAX_NUMBER_TEXT = 40  # characters; "-0.000000001", "123456789/987654321" and "2.5e-3" fit easily
_DECIMAL = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
MAX_EXPONENT_DIGITS = 3  # float() handles 1e-999 to 1e999 at once; longer exponents are decided without it
NUMBER_PATTERN = re.compile(rf"\s*({_DECIMAL})\s*(?:/\s*({_DECIMAL})\s*)?")


def number_from(value: object, name: str) -> float:
    """`value` (a JSON number or short text: "2", "-0.5", "1e-3", "1/9") as a float; NaN and infinities come back as
    they are, for the range checks to name. A gr.Error for anything else, saying what `name` should be."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise gr.Error(f"{name} is empty. Type a number.")
    if isinstance(value, bool):
        raise gr.Error(f"{name} must be a number, not {value}.")
    if isinstance(value, Real):
        return _as_float(value, name)
    if not isinstance(value, str):
        raise gr.Error(f"{name} must be a number, not a {type(value).__name__}.")
    if len(value) > MAX_NUMBER_TEXT:
        raise gr.Error(f"{name} is {len(value)} characters long; type a number of at most {MAX_NUMBER_TEXT}.")
    match = NUMBER_PATTERN.fullmatch(value)
    if match is None:
        raise gr.Error(f"{name} holds {value.strip()!r}, which is not a number. Type a number such as 2, -0.5, 1e-3 "
                       f"or 1/9.")
    numerator, denominator = _decimal(match[1]), _decimal(match[2] or "1")
    if denominator == 0:
        raise gr.Error(f"{name} is {value.strip()!r}: a fraction cannot have 0 below the line.")
    number = numerator / denominator  # inf / 2 = inf, 1 / inf = 0, inf / inf = nan: the range checks report them
    if number == 0 and numerator != 0:
        return math.copysign(math.ulp(0.0), number)  # 1/1e999 is tiny, not 0: let the range check say so
    return number


def _decimal(text: str) -> float:
    """A decimal matched by _DECIMAL as a float; one below float's range is the smallest float above 0 (so that
    range checks see it is not 0), one above it infinite."""
    mantissa, _, exponent = text.lower().partition("e")
    if re.search(r"[1-9]", mantissa) is None:
        return 0.0
    sign = -1.0 if mantissa.startswith("-") else 1.0
    if len(exponent.lstrip("+-").lstrip("0")) > MAX_EXPONENT_DIGITS:
        return sign * (math.ulp(0.0) if exponent.startswith("-") else math.inf)
    number = float(text)  # bounded work: short text, an exponent of at most three digits
    return sign * math.ulp(0.0) if number == 0 else number


def _as_float(value: Real, name: str) -> float:
    """A JSON number as a float; an integer too large for one is reported, not rounded to infinity."""
    try:
        return float(value)
    except OverflowError as error:
        raise gr.Error(f"{name} is a {len(str(abs(int(value))))}-digit number; that is far too large.") from error


def bounded_number(value: object, name: str, low: float, high: float, meaning: str = "") -> float:
    """A finite number in [low, high], or a gr.Error that states the range (and what the setting means)."""
    number = number_from(value, name)
    about = f" ({meaning})" if meaning else ""
    if not (math.isfinite(number) and low <= number <= high):
        raise gr.Error(f"{name} must be a number from {low:g} to {high:g}{about}; got {as_given(value, number)}.")
    return number


def as_given(value: object, number: float) -> str:
    """What the visitor gave, for a message: their text as typed, else the number."""
    if isinstance(value, str):
        return repr(value.strip())
    if isinstance(value, int) and value.bit_length() <= 128:
        return str(value)  # every digit of a seed
    return f"{number:g}"


def whole_number(value: object, name: str, low: int, high: int, meaning: str = "") -> int:
    """A whole number in [low, high] (given as an int, an integral float or short text), or a gr.Error that states
    the range; Python ints are compared exactly, so 64-bit seeds keep every digit."""
    about = f" ({meaning})" if meaning else ""
    if isinstance(value, int) and not isinstance(value, bool):
        if low <= value <= high:
            return value
        number = float(value) if value.bit_length() < 1000 else (math.inf if value > 0 else -math.inf)
    else:
        number = number_from(value, name)
        if math.isfinite(number) and number == math.floor(number) and low <= number <= high:
            return int(number)
    raise gr.Error(f"{name} must be a whole number from {low} to {high}{about}; got {as_given(value, number)}.")

