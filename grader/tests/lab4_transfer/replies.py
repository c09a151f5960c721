"""Checks on the form of what Lab 4's harness functions send back, before the judge reads any field."""

from grader import feedback
from grader.tests.lab4_transfer.known_mistakes import requires_grad_hint

HARNESS_HINT = "labs/lab4_transfer/harness.py is given code: restore it from a fresh copy of the lab"
HEADS = {"resnet18": "fc", "efficientnet_lite0": "classifier"}  # the head's attribute in each architecture


def expect_fields(reply: object, fields: tuple[str, ...], what: str) -> dict:
    """`reply` as a dict that has every field; a broken harness is named in the hint."""
    return feedback.expect_fields(reply, fields, what, HARNESS_HINT)


def expect_requires_grad(got: object, expected: dict[str, bool], what: str, arch: str,
                         alternatives: list[tuple[str, dict[str, bool]]] = ()) -> None:
    """The student's {parameter name: requires_grad} equals the reference's; else the first wrong parameters, and
    the hint of a known mistake (`alternatives`), a frozen head or a trainable backbone."""
    feedback.expect(type(got) is dict and set(got) == set(expected),
                    f"{what}: expected requires_grad of the model's {len(expected)} parameters", HARNESS_HINT)
    wrong = [name for name in expected if got[name] != expected[name]]
    if wrong:
        shown = ", ".join(f"{name} {'trainable' if got[name] else 'frozen'}" for name in wrong[:4])
        feedback.expect(False, f"{what}: {len(wrong)} parameter(s) wrong, e.g. {shown}",
                        requires_grad_hint(got, expected, list(alternatives), f"{HEADS[arch]}."))
