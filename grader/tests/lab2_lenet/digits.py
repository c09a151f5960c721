"""Real MNIST digits for the judge, from the kit's fixed 4,000/1,000 split (ipdl/data/mnist.py), read by the
judge itself: the held-out digits never pass through student code before the judge scores on them."""

from functools import cache

import torch

from ipdl.data.mnist import MnistSplit, load_mnist, stratified_subset


@cache
def fixed_split() -> MnistSplit:
    """The kit's fixed split, normalised: 4,000 train and 1,000 test digits."""
    return load_mnist()


def training_digits(count: int | None = None, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """`count` training digits, the same number of each class (all 4,000 when None): (N, 1, 28, 28), (N,)."""
    split = fixed_split()
    return _balanced(split.train_images, split.train_labels, count, seed)


def heldout_digits(count: int | None = None, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """`count` held-out digits, the same number of each class (all 1,000 when None): (N, 1, 28, 28), (N,)."""
    split = fixed_split()
    return _balanced(split.test_images, split.test_labels, count, seed)


def _balanced(images: torch.Tensor, labels: torch.Tensor, count: int | None,
              seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    if count is None:
        return images, labels
    keep = torch.from_numpy(stratified_subset(labels.numpy(), count / len(labels), seed))
    return images[keep], labels[keep]
