"""Losses for segmentation: the soft Dice loss (Milletari, Navab & Ahmadi 2016), which scores every class by its
overlap and so is not swamped by the background, combined with the per-pixel cross-entropy.
"""

import torch
import torch.nn.functional as F

DICE_EPS = 1.0  # added to the numerator and the denominator: a class absent from target and prediction scores 1


def dice_loss(logits: torch.Tensor, target: torch.Tensor, eps: float = DICE_EPS) -> torch.Tensor:
    """1 - the mean over classes of the soft Dice coefficient, differentiable.

        p = softmax(logits) over the class dimension,  t = one-hot target, both (B, C, H, W)
        Dice_c = (2 * sum(p_c * t_c) + eps) / (sum(p_c) + sum(t_c) + eps),  sums over the batch and all pixels
        loss = 1 - mean_c Dice_c

    Args:
        logits: (B, C, H, W) raw class scores.
        target: (B, H, W) int64 classes in [0, C).
        eps: smoothing; keeps a class that is absent everywhere from dividing 0 by 0.
    Returns:
        a scalar tensor in [0, 1].
    """
    if logits.ndim != 4 or target.shape != (logits.shape[0], *logits.shape[2:]):
        raise ValueError(f"expected (B, C, H, W) logits and a (B, H, W) target, got shapes "
                         f"{tuple(logits.shape)} and {tuple(target.shape)}")
    # BEGIN SOLUTION lab5.12: softmax over dim 1, one-hot target, per-class sums over dims (0, 2, 3), smooth with eps
    C = logits.shape[1]
    probs = logits.softmax(dim=1)  # (B, C, H, W)
    onehot = F.one_hot(target, C).permute(0, 3, 1, 2).to(probs.dtype)  # (B, H, W, C) -> (B, C, H, W)
    intersection = (probs * onehot).sum(dim=(0, 2, 3))  # (C,)
    sizes = probs.sum(dim=(0, 2, 3)) + onehot.sum(dim=(0, 2, 3))  # (C,)
    return 1 - ((2 * intersection + eps) / (sizes + eps)).mean()
    # END SOLUTION


def segmentation_loss(logits: torch.Tensor, target: torch.Tensor, dice_weight: float = 1.0) -> torch.Tensor:
    """Cross-entropy (every pixel counts) plus dice_weight times the Dice loss (every class counts)."""
    return F.cross_entropy(logits, target) + dice_weight * dice_loss(logits, target)
