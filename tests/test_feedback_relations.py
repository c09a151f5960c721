"""Relations (grader.feedback.relations), error translations (grader.feedback.errors) and pictures
(grader.feedback.pictures) on plain tensors: each wrong result is named in plain words."""

import base64
import io

import pytest
import torch
from PIL import Image

from grader.feedback import GradingFailure, assert_tensor_close
from grader.feedback.errors import explain, in_student_terms, pattern_hint
from grader.feedback.pictures import BUDGET_BYTES, MAX_SIDE, PictureBudget
from grader.feedback.relations import describe_relation
from grader.worker_client import StudentCodeError

EXPECTED = torch.randn(2, 3, 10, 12, generator=torch.Generator().manual_seed(0))
SQUARE = torch.randn(2, 3, 9, 9, generator=torch.Generator().manual_seed(1))
PROBABILITIES = torch.softmax(torch.randn(4, 10, generator=torch.Generator().manual_seed(2)), dim=1)


def wrong_border(x: torch.Tensor) -> torch.Tensor:
    y = x.clone()
    y[..., 0, :] = 0.0
    return y


def first_item_only(x: torch.Tensor) -> torch.Tensor:
    y = x.clone()
    y[1:] = 0.5
    return y


RELATIONS = [
    (SQUARE.transpose(-2, -1), SQUARE, "transposed"),
    (EXPECTED.flip(-1), EXPECTED, "left to right"),
    (EXPECTED.flip(-2, -1), EXPECTED, "rotated 180"),
    (EXPECTED.roll(1, -1), EXPECTED, "shifted by 1 pixel"),
    (EXPECTED * 2.5, EXPECTED, "times 2.5"),
    (EXPECTED * 2, EXPECTED, "= B, the batch size: sum where the mean belongs"),
    (EXPECTED + 0.3, EXPECTED, "plus a constant 0.3"),
    (wrong_border(EXPECTED), EXPECTED, "border is wrong"),
    (first_item_only(EXPECTED), EXPECTED, "only the first batch item"),
    (EXPECTED[:, [2, 0, 1]], EXPECTED, "another order"),
    (PROBABILITIES.log(), PROBABILITIES, "log-probabilities where probabilities belong"),
    (PROBABILITIES * 30, PROBABILITIES, "[0, 1]"),
    (EXPECTED.abs().clamp(max=1) * 255, EXPECTED.abs().clamp(max=1), "divide by 255"),
    (torch.where(EXPECTED.abs() > 1.5, float("nan"), EXPECTED), EXPECTED, "NaN or inf"),
]


@pytest.mark.parametrize(("got", "expected", "words"), RELATIONS, ids=[r[2] for r in RELATIONS])
def test_relation_is_named(got, expected, words):
    sentence = describe_relation(got, expected, 1e-5, 1e-5)
    assert sentence is not None and words in sentence, sentence


def test_unrelated_values_name_no_relation():
    other = torch.randn(2, 3, 10, 12, generator=torch.Generator().manual_seed(9))
    assert describe_relation(other, EXPECTED, 1e-5, 1e-5) is None


def test_transposed_shape_is_named():
    assert "transposed shape" in describe_relation(torch.zeros(2, 12, 10), torch.zeros(2, 10, 12), 1e-5, 1e-5)


def test_the_relation_becomes_the_hint_when_no_known_mistake_matched():
    with pytest.raises(GradingFailure) as failure:
        assert_tensor_close(EXPECTED * 3, EXPECTED, what="f(x)")
    assert "times 3" in failure.value.hint


def test_a_failing_image_like_result_carries_four_small_pictures():
    big = torch.rand(1, 1, 300, 200, generator=torch.Generator().manual_seed(3))
    with pytest.raises(GradingFailure) as failure:
        assert_tensor_close(big.roll(1, -1), big, what="f(x)")
    pictures = failure.value.pictures
    assert [p["title"].split(" ")[0] for p in pictures] == ["expected", "got", "|difference|", "beyond"]
    for p in pictures:
        image = Image.open(io.BytesIO(base64.b64decode(p["png_base64"])))
        assert image.size == (p["width"], p["height"]) and max(image.size) <= MAX_SIDE and image.mode == "L"


def test_a_spent_budget_makes_no_pictures_until_the_next_run_starts(monkeypatch):
    image = torch.rand(1, 1, 40, 40, generator=torch.Generator().manual_seed(4))
    monkeypatch.setattr(PictureBudget, "used", BUDGET_BYTES)  # a batch slot's earlier submissions spent it

    def pictures_now() -> list[dict]:
        with pytest.raises(GradingFailure) as failure:
            assert_tensor_close(image.roll(1, -1), image, what="f(x)")
        return failure.value.pictures

    assert pictures_now() == []
    PictureBudget.start_run()  # the plugin does this as each grading run's session starts
    assert len(pictures_now()) == 4 and 0 < PictureBudget.used < BUDGET_BYTES


def test_passing_and_non_image_results_carry_no_pictures():
    assert_tensor_close(EXPECTED.clone(), EXPECTED, what="f(x)")  # passes: nothing made
    with pytest.raises(GradingFailure) as failure:
        assert_tensor_close(PROBABILITIES * 2, PROBABILITIES, what="p")
    assert failure.value.pictures == []


TRACEBACK = '''  File "/tmp/s/labs/lab1_convolution/convolution.py", line 57, in conv2d
    patches = x.as_strided((B, C, kH, kW, H_out, W_out), strides)
  File "/tmp/s/labs/lab1_convolution/harness.py", line 9, in run
    return conv2d(x)
'''
ERRORS = [
    ("RuntimeError", "setStorage: sizes [1, 2, 3, 3, 6, 7] out of bounds for storage of size 896", "pad both sides"),
    ("RuntimeError", "mat1 and mat2 shapes cannot be multiplied (8x400 and 256x120)", "(400) must equal"),
    ("RuntimeError", "The size of tensor a (5) must match the size of tensor b (6) at non-singleton dimension 3",
     "dimension 3 has sizes 5 and 6"),
    ("RuntimeError", "expected scalar type Float but found Double", "different dtypes"),
    ("RuntimeError", "Expected all tensors to be on the same device, but found cuda:0 and cpu", "devices"),
    ("IndexError", "index 10 is out of bounds for dimension 0 with size 10", "0 to size - 1"),
]


@pytest.mark.parametrize(("exc_type", "message", "words"), ERRORS, ids=[e[2] for e in ERRORS])
def test_known_errors_are_explained(exc_type, message, words):
    assert words in pattern_hint(exc_type, message)


def test_the_students_own_line_is_named_not_the_harness():
    error = StudentCodeError("exception", "lab1_convolution.convolution.conv2d", "RuntimeError",
                             "setStorage: sizes [2] out of bounds for storage of size 4", TRACEBACK)
    hint = explain(error)
    assert hint.startswith("at lab1_convolution/convolution.py line 57 (conv2d): patches = x.as_strided")
    assert "pad both sides" in hint


def test_harness_names_become_the_students_function():
    text = in_student_terms("train_probe_one_epoch raised ValueError in lab2_lenet/harness.py", "lab2_lenet",
                            "train_one_epoch")
    assert text == "train_one_epoch raised ValueError in lab2_lenet/harness.py"
