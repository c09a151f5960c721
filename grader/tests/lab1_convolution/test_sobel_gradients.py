"""lab1.6 sobel_gradients: direction and sign on ramps, then real photos against the reference."""

import numpy as np
import pytest
import torch

from grader.feedback import assert_tensor_close, expect
from grader.tests.lab1_convolution.forbidden import CONV_OPS, PAD_OPS
from grader.tests.lab1_convolution.known_mistakes import GRADIENT_SIGN, GX_GY_SWAPPED, sobel_mistakes
from grader.tests.lab1_convolution.photos import as_float, astronaut, camera, coffee
from grader.tests.lab1_convolution.upstream import blame_earlier_exercise
from solutions.lab1_convolution.sobel import sobel_gradients as reference_gradients

pytestmark = pytest.mark.exercise("lab1.6")


@pytest.fixture(scope="module")
def sobel_gradients(student):
    return student.function("lab1_convolution.sobel.sobel_gradients", forbidden_ops=CONV_OPS + PAD_OPS)


def gradients_of(sobel_gradients, img: np.ndarray, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The student's (gx, gy), after checking that it is a pair of (H, W) tensors."""
    got = sobel_gradients(img)
    expect(
        isinstance(got, tuple) and len(got) == 2,
        f"sobel_gradients({what}) must return a tuple (gx, gy), got a {type(got).__name__}",
    )
    for name, value in zip(("gx", "gy"), got, strict=True):
        expect(
            isinstance(value, torch.Tensor) and tuple(value.shape) == img.shape[:2],
            f"{name} of sobel_gradients({what}) must be a torch.Tensor of shape {img.shape[:2]}, got "
            f"{type(value).__name__} {tuple(getattr(value, 'shape', ()))}",
            hint="pad by 1 on every side (replicate) so the gradients keep the image size",
        )
    return got


def check_gradients(student, sobel_gradients, img: np.ndarray, what: str) -> None:
    with blame_earlier_exercise(student, "sobel_gradients", given=img):
        got_gx, got_gy = gradients_of(sobel_gradients, img, what)
        gx, gy = reference_gradients(img)
        assert_tensor_close(got_gx, gx, what=f"gx of sobel_gradients({what})", atol=1e-4,
                            mistakes=lambda: sobel_mistakes(img)[0])
        assert_tensor_close(got_gy, gy, what=f"gy of sobel_gradients({what})", atol=1e-4,
                            mistakes=lambda: sobel_mistakes(img)[1])


@pytest.mark.points(2)
def test_direction_and_sign_on_ramps(student, sobel_gradients):
    """Brighter to the right: gx > 0, gy = 0. Brighter downward: gy > 0, gx = 0."""
    to_right = np.tile(np.linspace(0, 1, 12, dtype=np.float32), (10, 1))  # (10, 12)
    with blame_earlier_exercise(student, "sobel_gradients", given=to_right):
        gx, gy = gradients_of(sobel_gradients, to_right, "horizontal ramp (10, 12)")
        swapped = gy.abs().max() > 1e-4 and gx.abs().max() <= 1e-4
        expect(not swapped, "on an image that gets brighter to the right, gx is 0 and gy is not", hint=GX_GY_SWAPPED)
        expect(
            bool((gx[:, 1:-1] > 0).all()),
            "on an image that gets brighter to the right, gx must be > 0 inside",
            hint=GRADIENT_SIGN if bool((gx[:, 1:-1] < 0).all()) else None,
        )
    check_gradients(student, sobel_gradients, to_right, "horizontal ramp (10, 12)")
    check_gradients(student, sobel_gradients, np.ascontiguousarray(to_right.T), "vertical ramp (12, 10)")


@pytest.mark.points(2)
def test_camera_photo(student, sobel_gradients):
    check_gradients(student, sobel_gradients, camera(), "camera, uint8 gray (64, 64)")


@pytest.mark.points(1)
def test_rgb_float_photo(student, sobel_gradients):
    check_gradients(student, sobel_gradients, as_float(astronaut()), "astronaut, float32 RGB (64, 64, 3)")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_rgb_uint8_photo(student, sobel_gradients):
    check_gradients(student, sobel_gradients, coffee(), "coffee, uint8 RGB (50, 75, 3)")
