"""Numbers from visitors and API clients: bounded parsing (the inputs that once stalled a server thread for minutes
come back at once), range checks that name the allowed range, and 64-bit seeds kept exactly."""

import math

import gradio as gr
import pytest

from webapp.number_inputs import MAX_NUMBER_TEXT, bounded_number, number_from, whole_number


@pytest.mark.parametrize(("text", "expected"), [
    ("2", 2.0), ("-0.5", -0.5), ("1/9", 1 / 9), (" 3 / 4 ", 0.75), (".5e-3", 5e-4), ("00012e0003", 12_000.0),
    (7, 7.0), (2.5, 2.5), (2**70, float(2**70)),
])
def test_numbers_and_fractions(text: object, expected: float) -> None:
    assert number_from(text, "X") == pytest.approx(expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("1e100000000", math.inf), ("-1e100000000", -math.inf), ("1e309", math.inf), ("1e999/1e999", math.nan),
])
def test_huge_exponents_are_decided_without_building_the_number(text: str, expected: float) -> None:
    value = number_from(text, "X")
    assert value == expected or (math.isnan(expected) and math.isnan(value))


@pytest.mark.parametrize("text", ["1e-100000000", "1e-999", "1/1e999", "-1e-400"])
def test_tiny_numbers_are_not_zero(text: str) -> None:
    value = number_from(text, "X")
    assert value != 0 and abs(value) == math.ulp(0.0)


@pytest.mark.parametrize("text", ["0", "0e99999999", "-0.000"])
def test_zero_is_zero(text: str) -> None:
    assert number_from(text, "X") == 0


@pytest.mark.parametrize(("value", "message"), [
    ("abc", "X holds 'abc', which is not a number. Type a number such as 2, -0.5, 1e-3 or 1/9."),
    ("inf", "which is not a number"),
    ("nan", "which is not a number"),
    ("1/0", "X is '1/0': a fraction cannot have 0 below the line."),
    ("  ", "X is empty"),
    (None, "X is empty"),
    (True, "X must be a number, not True."),
    ([1, 2], "X must be a number, not a list."),
    ("9" * (MAX_NUMBER_TEXT + 1), f"X is {MAX_NUMBER_TEXT + 1} characters long"),
])
def test_what_is_no_number_says_so(value: object, message: str) -> None:
    with pytest.raises(gr.Error) as error:
        number_from(value, "X")
    assert message in error.value.message


@pytest.mark.parametrize(("value", "shown"), [
    (math.nan, "nan"), (math.inf, "inf"), (7, "7"), ("1e100000000", "'1e100000000'"), (0.5, "0.5"),
])
def test_bounded_number_names_the_range(value: object, shown: str) -> None:
    with pytest.raises(gr.Error) as error:
        bounded_number(value, "Guidance", 1.0, 5.0, "1 = none")
    assert error.value.message == f"Guidance must be a number from 1 to 5 (1 = none); got {shown}."
    assert bounded_number("2.5", "Guidance", 1.0, 5.0) == 2.5  # and a good value still works


def test_whole_numbers_keep_every_digit_of_a_64_bit_seed() -> None:
    assert whole_number(2**64 - 1, "Seed", 0, 2**64 - 1) == 2**64 - 1
    assert whole_number(3.0, "Seed", 0, 9) == 3 and whole_number("12", "Seed", 0, 99) == 12
    with pytest.raises(gr.Error) as error:
        whole_number(2**64, "Seed", 0, 2**64 - 1, "64 bits")
    assert error.value.message == ("Seed must be a whole number from 0 to 18446744073709551615 (64 bits); "
                                   "got 18446744073709551616.")


@pytest.mark.parametrize(("value", "shown"), [
    (1.5, "1.5"), (math.nan, "nan"), (-math.inf, "-inf"), (-1, "-1"), (10**5000, "inf"), ("1e-999", "'1e-999'"),
], ids=["fraction", "nan", "-inf", "negative", "5000 digits", "tiny"])
def test_whole_number_refuses_what_is_not_a_whole_number_in_range(value: object, shown: str) -> None:
    with pytest.raises(gr.Error) as error:
        whole_number(value, "Steps", 1, 1000)
    assert error.value.message == f"Steps must be a whole number from 1 to 1000; got {shown}."
