"""lab3.4 describe_model: one row per leaf-module call with its output shape and parameter count, in call order,
leaving no hooks behind and the model in the mode it came in."""

import pytest

from grader.feedback import assert_value_equal, expect
from grader.tests.lab3_pretrained.known_mistakes import (
    CONTAINERS,
    HOOKS_LEFT,
    MODE_NOT_RESTORED,
    NO_BATCH_DIM,
    TRAIN_MODE_FORWARD,
)
from grader.tests.lab3_pretrained.replies import expect_fields
from solutions.lab3_pretrained.harness import model_description as reference_description

pytestmark = pytest.mark.exercise("lab3.4")

FIELDS = ("name", "type", "output_shape", "parameters")


@pytest.fixture(scope="module")
def model_description(student):
    return student.function("lab3_pretrained.harness.model_description", timeout=60)


def check_rows(got_rows: object, expected_rows: list[dict], what: str) -> None:
    """Row by row: the first difference is reported with the row's position and the field that differs."""
    expect(type(got_rows) is list, f"{what}: expected a list of rows (dicts), got a {type(got_rows).__name__}")
    got_names = [row.get("name") if isinstance(row, dict) else None for row in got_rows]
    expected_names = [row["name"] for row in expected_rows]
    for index, (got, expected) in enumerate(zip(got_rows, expected_rows, strict=False)):
        expect(type(got) is dict and set(got) >= set(FIELDS),
               f"{what}: row {index} must be a dict with keys {list(FIELDS)}, got {got!r:.120}")
        for field in FIELDS:
            hint = None
            if field == "output_shape" and got["output_shape"] == expected["output_shape"][1:]:
                hint = NO_BATCH_DIM
            if field == "name" and got["name"] not in expected_names:
                hint = CONTAINERS if got["name"] == "" or "." not in got["name"] else None
            assert_value_equal(got[field], expected[field], what=f"{what}: row {index} ({expected['name']}), "
                               f"field {field!r}", hint=hint)
    extra = [name for name in got_names if name not in expected_names]
    expect(len(got_rows) == len(expected_rows),
           f"{what}: expected {len(expected_rows)} rows, got {len(got_rows)}"
           + (f"; rows that should not be there: {extra[:5]}" if extra else ""),
           CONTAINERS if extra else None)


def check_description(model_description, arch: str, input_size: tuple[int, ...], training: bool = True) -> None:
    what = f"describe_model({arch}, input_size={input_size})"
    got = expect_fields(model_description(arch, input_size, 0, training),
                        ("rows", "hooks_left", "training_after", "bn_batches_tracked"), what)
    expected = reference_description(arch, input_size, 0, training)
    check_rows(got["rows"], expected["rows"], what)
    expect(got["hooks_left"] == 0, f"{what}: {got['hooks_left']} hook(s) still registered afterwards", HOOKS_LEFT)
    expect(got["bn_batches_tracked"] == 0, f"{what}: BatchNorm layers counted {got['bn_batches_tracked']} "
           "training batches", TRAIN_MODE_FORWARD)
    expect(got["training_after"] == training, f"{what}: the model came in {'training' if training else 'eval'} "
           f"mode and left in {'training' if got['training_after'] else 'eval'} mode", MODE_NOT_RESTORED)


@pytest.mark.points(2)
def test_small_network(model_description):
    """Conv, BatchNorm, a ReLU used twice, pooling, three Linear layers (two share a weight)."""
    check_description(model_description, "tied_net", (2, 3, 16, 16))


@pytest.mark.points(2)
def test_resnet18(model_description):
    check_description(model_description, "resnet18", (1, 3, 64, 64))


@pytest.mark.points(1)
def test_leaves_no_trace(model_description):
    """Called on a model in eval mode, it stays in eval mode; in training mode, no BatchNorm statistics change."""
    check_description(model_description, "tied_net", (1, 3, 8, 8), training=False)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_efficientnet(model_description):
    check_description(model_description, "efficientnet_lite0", (1, 3, 96, 96))
