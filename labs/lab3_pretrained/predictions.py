"""Read a classifier's output: softmax probabilities and the k most likely class names (the "top-5" of ImageNet)."""

from collections.abc import Sequence

import torch


def topk_labels(
    logits: torch.Tensor, k: int, categories: Sequence[str]
) -> list[tuple[str, float]] | list[list[tuple[str, float]]]:
    """The k most probable classes with their softmax probabilities, most probable first.

        p = softmax(logits) = exp(logits) / sum(exp(logits)),  over the class dimension

    Args:
        logits: raw scores, (C,) for one image or (B, C) for a batch.
        k: how many classes to return, 1 <= k <= C.
        categories: the C class names, in output order.
    Returns:
        for (C,): [(name, probability), ...] of length k, probabilities as Python floats in decreasing order;
        for (B, C): a list of B such lists, one per image.
    """
    if logits.ndim not in (1, 2):
        raise ValueError(f"expected logits of shape (C,) or (B, C), got {tuple(logits.shape)}")
    C = logits.shape[-1]
    if len(categories) != C:
        raise ValueError(f"got {len(categories)} category names for {C} classes")
    if not 1 <= k <= C:
        raise ValueError(f"k must be between 1 and the number of classes {C}, got {k}")
    # TODO(lab3.2): softmax over the class dimension, torch.topk, then pair names with probabilities
    raise NotImplementedError("lab3.2: softmax over the class dimension, torch.topk, then pair names with probabilities")
