"""Checks on the form of what Lab 3's harness functions send back, before the judge reads any field."""

from grader import feedback

HARNESS_HINT = "labs/lab3_pretrained/harness.py is given code: restore it from a fresh copy of the lab"


def expect_fields(reply: object, fields: tuple[str, ...], what: str) -> dict:
    """`reply` as a dict that has every field; a broken harness is named in the hint."""
    return feedback.expect_fields(reply, fields, what, HARNESS_HINT)
