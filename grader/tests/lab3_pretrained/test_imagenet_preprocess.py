"""lab3.1 imagenet_preprocess: photos of every shape and mode against torchvision's Resize, CenterCrop, ToTensor
and Normalize (the reference); transparency is composited over white."""

import numpy as np
import pytest

from grader.feedback import assert_tensor_close
from grader.tests.lab3_pretrained.known_mistakes import preprocess_mistakes
from grader.tests.lab3_pretrained.photos import camera, chelsea, portrait, with_hidden_magenta
from solutions.lab3_pretrained.harness import preprocess_pil as reference_preprocess_pil
from solutions.lab3_pretrained.preprocess import imagenet_preprocess as reference_preprocess

pytestmark = pytest.mark.exercise("lab3.1")

ATOL = 0.03  # normalised units (about 2 gray levels): resizing a tensor instead of a PIL image is fine too


@pytest.fixture(scope="module")
def imagenet_preprocess(student):
    return student.function("lab3_pretrained.preprocess.imagenet_preprocess", timeout=30)


@pytest.fixture(scope="module")
def preprocess_pil(student):
    return student.function("lab3_pretrained.harness.preprocess_pil", timeout=30)


def check_array(imagenet_preprocess, pixels: np.ndarray, what: str, resize_to: int = 256, crop_to: int = 224) -> None:
    got = imagenet_preprocess(pixels, resize_to, crop_to)
    assert_tensor_close(got, reference_preprocess(pixels, resize_to, crop_to),
                        what=f"imagenet_preprocess({what}, resize_to={resize_to}, crop_to={crop_to})",
                        atol=ATOL, rtol=0, mistakes=lambda: preprocess_mistakes(pixels, resize_to, crop_to))


@pytest.mark.points(2)
def test_rgb_photo(imagenet_preprocess):
    check_array(imagenet_preprocess, chelsea(), "chelsea, uint8 RGB (300, 451, 3)")


@pytest.mark.points(1)
def test_portrait_keeps_aspect_ratio(imagenet_preprocess):
    """A tall photo: the shorter side is the width."""
    check_array(imagenet_preprocess, portrait(), "a portrait, uint8 RGB (400, 260, 3)")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_other_sizes(imagenet_preprocess):
    check_array(imagenet_preprocess, chelsea(), "chelsea, uint8 RGB (300, 451, 3)", resize_to=144, crop_to=128)


@pytest.mark.points(1)
def test_grayscale_array(imagenet_preprocess):
    """(H, W) gray becomes three equal channels."""
    check_array(imagenet_preprocess, camera(), "camera, uint8 gray (512, 512)")


@pytest.mark.points(2)
def test_rgba_composited_on_white(imagenet_preprocess):
    """Transparent pixels hide magenta: it must not show."""
    check_array(imagenet_preprocess, with_hidden_magenta(portrait()), "a portrait, uint8 RGBA with a transparent frame")


@pytest.mark.points(1)
@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_pil_images(preprocess_pil, mode):
    pixels = chelsea()
    got = preprocess_pil(pixels, mode)
    assert_tensor_close(got, reference_preprocess_pil(pixels, mode), what=f"imagenet_preprocess(a PIL {mode} image)",
                        atol=ATOL, rtol=0)


@pytest.mark.hidden
@pytest.mark.points(1)
@pytest.mark.parametrize("mode", ["P+transparency", "CMYK", "LA"])
def test_unusual_pil_modes(preprocess_pil, mode):
    """A palette with a transparent colour, CMYK (as some JPEGs are) and gray with alpha."""
    pixels = chelsea()
    got = preprocess_pil(pixels, mode)
    hint = "convert to RGB last (img.convert('RGB')); composite transparency over white first" if mode != "CMYK" \
        else "a CMYK image has four channels: convert it to RGB"
    assert_tensor_close(got, reference_preprocess_pil(pixels, mode), what=f"imagenet_preprocess(a PIL {mode} image)",
                        atol=ATOL, rtol=0, mistakes={hint: reference_preprocess_pil(pixels, "RGB")})
