"""ipdl/data/postcodes.py: shapes, determinism, labels that match the digits and the ink, the train/test split of
the digits, digits that never touch, speed; and the preview script."""

import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from scipy import ndimage

from ipdl.data.mnist import MnistPixels, load_mnist_pixels
from ipdl.data.postcodes import (
    CANVAS_HEIGHT,
    CANVAS_WIDTH,
    HELDOUT_COUNT,
    HELDOUT_SEED,
    MAX_DIGITS,
    MIN_DIGITS,
    RENDER_CHUNK,
    heldout_postcodes,
    make_postcodes,
    postcode_batches,
)
from ipdl.data.preview_postcodes import main as preview_main
from solutions.lab5_unet.reading import read_postcode


@pytest.fixture(scope="module")
def codes():
    return make_postcodes(300, split="train", seed=7)


def test_shapes_dtypes_and_ranges(codes) -> None:
    assert codes.images.shape == (300, 1, CANVAS_HEIGHT, CANVAS_WIDTH) and codes.images.dtype == torch.float32
    assert codes.masks.shape == (300, CANVAS_HEIGHT, CANVAS_WIDTH) and codes.masks.dtype == torch.int64
    assert codes.digits.shape == (300, MAX_DIGITS)
    assert codes.images.min() >= 0.0 and codes.images.max() <= 1.0
    assert codes.masks.min() >= 0 and codes.masks.max() <= 10
    lengths = (codes.digits >= 0).sum(dim=1)
    assert set(lengths.tolist()) == set(range(MIN_DIGITS, MAX_DIGITS + 1))
    assert all(len(codes.postcode(i)) == lengths[i] for i in range(len(codes)))


def test_same_seed_same_canvases_other_seed_others() -> None:
    first, again, other = (make_postcodes(20, seed=s) for s in (3, 3, 4))
    assert torch.equal(first.images, again.images) and torch.equal(first.masks, again.masks)
    assert torch.equal(first.digits, again.digits)
    assert not torch.equal(first.masks, other.masks)


def test_mask_classes_are_the_written_digits(codes) -> None:
    """Every digit of the postcode has pixels of its class in the mask, and no other digit class appears."""
    for i in range(len(codes)):
        written = {int(d) + 1 for d in codes.digits[i] if d >= 0}
        assert set(codes.masks[i].unique().tolist()) - {0} == written


def test_labels_sit_on_the_ink(codes) -> None:
    """Digit pixels are much darker than background pixels, on every canvas."""
    for image, mask in zip(codes.images[:, 0], codes.masks, strict=True):
        assert image[mask > 0].mean() < image[mask == 0].mean() - 0.25


def test_digits_never_touch_so_the_true_mask_reads_right(codes) -> None:
    """One 8-connected blob per digit: the reference read_postcode reads >= 98% of the true masks right (the rest
    have a thin stroke that resampling broke in two)."""
    right = sum(read_postcode(codes.masks[i]) == codes.postcode(i) for i in range(len(codes)))
    assert right >= 0.98 * len(codes)
    blobs = [ndimage.label(mask.numpy() > 0, structure=np.ones((3, 3)))[1] for mask in codes.masks[:100]]
    lengths = (codes.digits[:100] >= 0).sum(dim=1).tolist()
    assert sum(b == n for b, n in zip(blobs, lengths, strict=True)) >= 97


def test_train_canvases_use_train_digits_and_test_canvases_test_digits() -> None:
    """With every training digit relabelled 3 and every test digit 7, the splits cannot mix."""
    real = load_mnist_pixels()
    pixels = MnistPixels(real.train_images[:200], np.full(200, 3), real.test_images[:200], np.full(200, 7), "test")
    train = make_postcodes(10, split="train", seed=0, pixels=pixels)
    test = make_postcodes(10, split="test", seed=0, pixels=pixels)
    assert set(train.masks.unique().tolist()) == {0, 4} and set("".join(train.postcodes())) == {"3"}
    assert set(test.masks.unique().tolist()) == {0, 8} and set("".join(test.postcodes())) == {"7"}


def test_unknown_split_is_rejected() -> None:
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        make_postcodes(1, split="validation")


def test_heldout_canvases_are_the_same_every_time() -> None:
    heldout = heldout_postcodes()
    assert len(heldout) == HELDOUT_COUNT
    again = make_postcodes(HELDOUT_COUNT, split="test", seed=HELDOUT_SEED)
    assert torch.equal(heldout.images, again.images) and torch.equal(heldout.masks, again.masks)
    assert heldout[:5].postcodes() == again.postcodes()[:5]


@pytest.mark.parametrize("count", [0, 20, RENDER_CHUNK, RENDER_CHUNK + 1])
def test_the_first_heldout_canvases_are_drawn_alone_alike(count: int) -> None:
    """heldout_postcodes(count) draws only the chunks the first `count` canvases are in: the same canvases."""
    first, everything = heldout_postcodes(count), heldout_postcodes()
    assert len(first) == count
    assert torch.equal(first.images, everything.images[:count]) and torch.equal(first.masks, everything.masks[:count])
    assert torch.equal(first.digits, everything.digits[:count])


def test_there_are_no_more_heldout_canvases_than_a_thousand() -> None:
    with pytest.raises(ValueError, match="1000 held-out canvases"):
        heldout_postcodes(HELDOUT_COUNT + 1)


def test_batches_are_fresh_and_reproducible() -> None:
    first = list(postcode_batches(3, 4, seed=1))
    again = list(postcode_batches(3, 4, seed=1))
    assert [images.shape for images, _ in first] == [(4, 1, CANVAS_HEIGHT, CANVAS_WIDTH)] * 3
    assert all(torch.equal(a[1], b[1]) for a, b in zip(first, again, strict=True))
    assert not torch.equal(first[0][1], first[1][1])


def test_vectorised_generator_is_fast() -> None:
    """Hundreds of canvases per CPU second at the very least (about 1,500 on one core of the kit's machine)."""
    make_postcodes(16, seed=0)  # load the digits first
    start = time.process_time()
    make_postcodes(512, seed=1)
    assert time.process_time() - start < 512 / 300


def test_preview_script_writes_a_grid(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "preview.png"
    preview_main(["--count", "3", "--split", "test", "--scale", "1", "--out", str(out)])
    with Image.open(out) as grid:
        assert grid.size == (2 * CANVAS_WIDTH, 3 * (CANVAS_HEIGHT + 14))
    assert "3 test canvases" in capsys.readouterr().out
