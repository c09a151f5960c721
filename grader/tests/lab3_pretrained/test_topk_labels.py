"""lab3.2 topk_labels: the k most probable ImageNet classes with softmax probabilities, for one image and a batch."""

import pytest
import torch

from grader.feedback import assert_tensor_close, expect
from grader.tests.lab3_pretrained.known_mistakes import topk_mistakes
from ipdl.pretrained import imagenet_categories
from solutions.lab3_pretrained.predictions import topk_labels as reference_topk

pytestmark = pytest.mark.exercise("lab3.2")

FLOAT_HINT = "return Python floats: probability.item(), or .tolist() on the tensor of values"


@pytest.fixture(scope="module")
def topk_labels(student):
    return student.function("lab3_pretrained.predictions.topk_labels", timeout=20)


def random_logits(shape: tuple[int, ...], seed: int) -> torch.Tensor:
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed)) * 3


def pairs_of(got: object, k: int, what: str) -> tuple[list[str], torch.Tensor]:
    """The names and probabilities of one image's answer, after checking its form."""
    expect(type(got) is list and len(got) == k, f"{what}: expected a list of {k} (name, probability) pairs, got "
           f"{type(got).__name__}{' of length ' + str(len(got)) if isinstance(got, list) else ''}")
    for pair in got:
        expect(type(pair) is tuple and len(pair) == 2, f"{what}: every entry must be a tuple (name, probability), "
               f"got {pair!r:.80}")
        expect(type(pair[0]) is str, f"{what}: names must be strings, got {type(pair[0]).__name__}",
               "look the index up in categories: categories[index]")
        expect(type(pair[1]) is float, f"{what}: probabilities must be floats, got {type(pair[1]).__name__}",
               FLOAT_HINT)
    return [name for name, _ in got], torch.tensor([p for _, p in got], dtype=torch.float64)


def check_one(got: object, expected: list[tuple[str, float]], mistakes: dict, what: str) -> None:
    names, values = pairs_of(got, len(expected), what)
    expected_values = torch.tensor([p for _, p in expected], dtype=torch.float64)
    assert_tensor_close(values, expected_values, what=f"{what}: probabilities", atol=1e-5,
                        mistakes={hint: v.double() for hint, v in mistakes.items()})
    expected_names = [name for name, _ in expected]
    expect(names == expected_names, f"{what}: expected classes {expected_names}, got {names}",
           "pair each probability with categories[index] of the same index")


@pytest.mark.points(2)
def test_one_image_top5(topk_labels):
    logits = random_logits((1000,), seed=0)
    categories = list(imagenet_categories())
    check_one(topk_labels(logits, 5, categories), reference_topk(logits, 5, categories),
              topk_mistakes(logits, 5), "topk_labels(logits (1000,), k=5, ImageNet categories)")


@pytest.mark.points(1)
def test_top1_and_small_model(topk_labels):
    """k=1, and a 3-class model where all probabilities are large."""
    logits = torch.tensor([0.5, 2.0, -1.0])
    categories = ["cat", "dog", "bird"]
    for k in (1, 3):
        check_one(topk_labels(logits, k, categories), reference_topk(logits, k, categories),
                  topk_mistakes(logits, k), f"topk_labels([0.5, 2.0, -1.0], k={k}, ['cat', 'dog', 'bird'])")


@pytest.mark.points(2)
def test_batch(topk_labels):
    """(B, C) logits: one list per image, softmax over the classes of each image."""
    logits = random_logits((4, 10), seed=1)
    categories = [f"class {c}" for c in range(10)]
    got = topk_labels(logits, 3, categories)
    what = "topk_labels(logits (4, 10), k=3)"
    expect(type(got) is list and len(got) == 4, f"{what}: expected a list of 4 lists (one per image), got "
           f"{type(got).__name__} of length {len(got) if isinstance(got, list) else '-'}")
    expected = reference_topk(logits, 3, categories)
    mistakes = topk_mistakes(logits, 3)
    for b in range(4):
        check_one(got[b], expected[b], {hint: v[b] for hint, v in mistakes.items()}, f"{what}, image {b}")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_large_logits_do_not_overflow(topk_labels):
    """Scores around 1000: a naive exp() overflows, softmax does not."""
    logits = random_logits((1000,), seed=2) + 1000.0
    categories = list(imagenet_categories())
    check_one(topk_labels(logits, 5, categories), reference_topk(logits, 5, categories), {},
              "topk_labels(logits around 1000, k=5)")
