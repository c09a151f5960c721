"""LeNet-5 for 28x28 digits, with its output layer (log-softmax) and loss (negative log-likelihood) written
from scratch, following the workshop's "LeNet" and "Softmax and cross-entropy" slides (LeCun et al. 1998).
"""

import torch
import torch.nn.functional as F
from torch import nn


def log_softmax(logits: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Logarithm of the softmax along `dim`, numerically stable.

        log_softmax(z)_i = z_i - log(sum_j exp(z_j)) = (z_i - m) - log(sum_j exp(z_j - m)),  m = max_j z_j

    Subtracting the maximum m changes nothing mathematically but keeps exp() from overflowing:
    every exponent is <= 0, and the largest term is exp(0) = 1, so the log is never log(0).

    Args:
        logits: raw scores, any shape, e.g. (B, 10).
        dim: the class dimension.
    Returns:
        same shape as logits; exp() of it sums to 1 along `dim`. Equals torch.log_softmax(logits, dim).
    """
    # TODO(lab2.1): subtract the maximum along dim, then subtract the log of the sum of exponentials
    raise NotImplementedError("lab2.1: subtract the maximum along dim, then subtract the log of the sum of exponentials")


def nll_loss(log_probs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Negative log-likelihood of the right classes, averaged over the batch (what F.nll_loss computes).

        loss = -(1 / B) * sum_b log_probs[b, targets[b]]

    Used on log_softmax outputs this is the cross-entropy loss. On raw logits it is not: it would reward
    making one score large rather than making its probability large.

    Args:
        log_probs: (B, C) log-probabilities, e.g. the output of log_softmax.
        targets: (B,) int64 class indices in [0, C).
    Returns:
        a scalar tensor (shape ()), differentiable with respect to log_probs.
    """
    if log_probs.ndim != 2 or targets.shape != log_probs.shape[:1]:
        raise ValueError(f"expected (B, C) log-probabilities and (B,) targets, got shapes "
                         f"{tuple(log_probs.shape)} and {tuple(targets.shape)}")
    # TODO(lab2.2): pick each row's log-probability of its target class, then take minus the mean
    raise NotImplementedError("lab2.2: pick each row's log-probability of its target class, then take minus the mean")


class LeNet(nn.Module):
    """LeNet-5 with ReLU and max pooling: 28x28 grayscale digits in, log-probabilities over 10 classes out.

    Attribute names and weight shapes are fixed (the grader loads your trained weights into its own LeNet):

        layer  module                                weight shape    feature map
        input                                                        (B, 1, 28, 28)
        conv1  nn.Conv2d(1, 6, 5, padding=2)         (6, 1, 5, 5)    (B, 6, 28, 28), then ReLU
        pool   nn.MaxPool2d(2)                                       (B, 6, 14, 14)
        conv2  nn.Conv2d(6, 16, 5)                   (16, 6, 5, 5)   (B, 16, 10, 10), then ReLU
        pool   nn.MaxPool2d(2)                                       (B, 16, 5, 5)
        flatten                                                      (B, 400)
        fc1    nn.Linear(400, 120)                   (120, 400)      (B, 120), then ReLU
        fc2    nn.Linear(120, 84)                    (84, 120)       (B, 84), then ReLU
        fc3    nn.Linear(84, 10)                     (10, 84)        (B, 10), then log_softmax

    Every layer also has a bias of shape (out,). 61,706 parameters in all.
    """

    def __init__(self, image_size: int = 28, num_classes: int = 10):
        super().__init__()
        # TODO(lab2.3): create conv1, conv2, pool, fc1, fc2, fc3; derive fc1's input size from image_size
        raise NotImplementedError("lab2.3: create conv1, conv2, pool, fc1, fc2, fc3; derive fc1's input size from image_size")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, 28, 28) normalised digits -> (B, 10) log-probabilities (each row's exp sums to 1)."""
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"LeNet expects (B, 1, H, W) grayscale images, got shape {tuple(x.shape)}")
        # TODO(lab2.4): conv1, ReLU, pool, conv2, ReLU, pool, flatten, fc1, ReLU, fc2, ReLU, fc3, log_softmax
        raise NotImplementedError("lab2.4: conv1, ReLU, pool, conv2, ReLU, pool, flatten, fc1, ReLU, fc2, ReLU, fc3, log_softmax")
