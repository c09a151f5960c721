"""Checks on the form of what Lab 4's harness functions send back, before the judge reads any field."""

from grader.feedback import expect

HARNESS_HINT = "labs/lab4_transfer/harness.py is given code: restore it from a fresh copy of the lab"


def expect_fields(reply: object, fields: tuple[str, ...], what: str) -> dict:
    """`reply` as a dict that has every field, or a grading failure that says what came back instead."""
    expect(type(reply) is dict, f"{what}: expected a dict, got a {type(reply).__name__}", HARNESS_HINT)
    missing = [field for field in fields if field not in reply]
    expect(not missing, f"{what}: the reply lacks {missing}", HARNESS_HINT)
    return reply
