"""The HTML page of a report (grader.report_page.render): the table, each failure's feedback, hint and
pictures inline, the hidden-tests line, and nothing the page would fetch from elsewhere."""

import base64
import io
import re

import pytest
import torch
from PIL import Image

from grader.feedback import GradingFailure, assert_tensor_close
from grader.instructor.gradescope import test_entry as gradescope_entry
from grader.report_page import render


def failing_report() -> dict:
    image = torch.rand(1, 1, 40, 30, generator=torch.Generator().manual_seed(0))
    with pytest.raises(GradingFailure) as failure:
        assert_tensor_close(image.roll(1, -1), image, what="conv2d(x (1, 1, 40, 30), weight)")
    meta = {"lab": "lab1", "exercise": "lab1.3", "function": "conv2d", "points": 0, "max_points": 2,
            "visibility": "public", "feedback": str(failure.value), "hint": failure.value.hint,
            "pictures": failure.value.pictures}
    passed = {"lab": "lab1", "exercise": "lab1.1", "function": "pad2d", "points": 1, "max_points": 1,
              "visibility": "public"}
    exercises = {"lab1.1": {"name": "pad2d", "score": 1, "max_score": 1},
                 "lab1.3": {"name": "conv2d", "score": 0, "max_score": 2}}
    return {"student": "alice", "target_path": "/tmp/alice/labs",
            "grade": {"score": 1, "max_score": 3, "labs": {"lab1": {"score": 1, "max_score": 3,
                                                                    "exercises": exercises}}},
            "hidden_tests": {"ran": False, "public_points": 3, "points": 10, "hidden_points": 7,
                             "labs": {"lab1": {"public_points": 3, "points": 10, "hidden_points": 7}}},
            "tests": [{"nodeid": "lab1/test_pad2d.py::test_zeros", "outcome": "passed", "metadata": passed},
                      {"nodeid": "lab1/test_conv2d.py::test_bias", "outcome": "failed", "metadata": meta}]}


def test_page_shows_table_failure_hint_pictures_and_hidden_line():
    page = render(failing_report())
    assert "<td>lab1.3</td><td>conv2d</td>" in page and "points missing" in page
    assert "test_bias" in page and "Hint: your result is the expected one shifted by 1 pixel" in page
    assert "the instructor&#x27;s hidden tests add 7 points" in page
    images = re.findall(r"src='data:image/png;base64,([^']+)'", page)
    assert len(images) == 4
    sizes = {Image.open(io.BytesIO(base64.b64decode(data))).size for data in images}
    assert sizes == {(60, 80)}  # 30 x 40, doubled (whole zoom factors only) towards 64 pixels a side


def test_page_requests_nothing_from_elsewhere():
    page = render(failing_report())
    assert not re.search(r"(src|href)\s*=\s*['\"](?!data:)", page)
    assert "http" not in page


def test_gradescope_shows_pictures_as_html():
    entry = gradescope_entry(failing_report()["tests"][1], 1)
    assert entry["output_format"] == "html" and entry["output"].count("data:image/png;base64,") == 4


def report_with_a_hidden_failure() -> dict:
    """failing_report() plus a failed hidden test of lab1.3 with its own name, feedback, hint and pictures."""
    report = failing_report()
    public = report["tests"][1]
    hidden_meta = {**public["metadata"], "visibility": "hidden", "points": 1, "max_points": 3,
                   "feedback": "secret sweep: wrong at stride 3", "hint": "secret hint"}
    report["tests"].append({"nodeid": "lab1/test_conv2d.py::test_secret_sweep", "outcome": "failed",
                            "metadata": hidden_meta})
    report["tests"].append({"nodeid": "lab1/test_conv2d.py::test_secret_dtype", "outcome": "passed",
                            "metadata": {**hidden_meta, "points": 2, "max_points": 2}})
    return report


def test_hand_back_page_counts_hidden_tests_and_never_shows_them():
    page = render(report_with_a_hidden_failure(), hand_back=True)
    assert "lab1 hidden: 2 tests, 3 of 5 points" in page
    assert "Grade for alice: labs</p>" in page and "/tmp/alice" not in page  # not the instructor's folders
    assert "test_secret" not in page and "secret" not in page and "(hidden test)" not in page
    assert "test_bias" in page and "Hint: your result is the expected one shifted by 1 pixel" in page
    assert page.count("data:image/png;base64,") == 4  # the public failure's pictures, none of the hidden one's


def test_instructor_page_shows_hidden_tests_in_full():
    page = render(report_with_a_hidden_failure())
    assert "test_secret_sweep (hidden test)" in page and "secret sweep: wrong at stride 3" in page
    assert "Hint: secret hint" in page and page.count("data:image/png;base64,") == 8
    assert "hidden: 2 tests" not in page


def test_error_report_page_says_why():
    report = {"student": "dave", "error": "dave.zip is not a zip file: upload the .zip you made",
              "grade": {"score": 0, "max_score": 0, "labs": {}}}
    for hand_back in (False, True):
        page = render(report, hand_back=hand_back)
        assert "could not be graded: dave.zip is not a zip file: upload the .zip you made" in page
