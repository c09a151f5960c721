"""The training loop, evaluation and prediction for a classifier that outputs log-probabilities, as on the
workshop's "Training LeNet" slide: NLL loss on log-softmax outputs, Adam, one pass over the data per epoch.
"""

import torch
from torch import nn
from torch.utils.data import DataLoader

from .lenet import nll_loss


def train_one_epoch(model: nn.Module, loader: DataLoader, optimizer: torch.optim.Optimizer,
                    device: torch.device | str = "cpu") -> float:
    """One pass over `loader`, one optimizer step per batch; returns the epoch's mean training loss.

    For every (images, labels) batch: move it to `device`, clear the old gradients, compute the NLL loss of
    the model's log-probabilities, backpropagate, step. Put the model in training mode first (evaluate()
    leaves it in eval mode, which would switch off dropout and batch-norm updates).

    Args:
        model: maps (B, 1, 28, 28) images to (B, 10) log-probabilities, already on `device`.
        loader: yields (images (B, 1, 28, 28) float32, labels (B,) int64).
        optimizer: e.g. torch.optim.Adam(model.parameters(), lr=1e-3).
        device: where the model lives.
    Returns:
        the mean loss per example over the epoch: sum over batches of (batch loss * batch size) / examples.
    """
    # BEGIN SOLUTION lab2.5: train mode; per batch: to(device), zero_grad, nll_loss, backward, step; average the loss
    model.train()
    total_loss, examples = 0.0, 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)  # (B, 1, 28, 28), (B,)
        optimizer.zero_grad()
        loss = nll_loss(model(images), labels)  # (B, 10) log-probabilities -> scalar
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(labels)
        examples += len(labels)
    return total_loss / examples
    # END SOLUTION


def evaluate(model: nn.Module, loader: DataLoader) -> tuple[float, float]:
    """Accuracy and mean NLL loss of `model` on `loader`, in eval mode and without gradients.

    Leaves the model in eval mode. Runs on the device the model's parameters are on.

    Returns:
        (accuracy in [0, 1], mean loss per example).
    """
    device = next(model.parameters()).device
    # BEGIN SOLUTION lab2.6: eval mode and torch.no_grad(); count correct argmax predictions and sum the losses
    model.eval()
    correct, total_loss, examples = 0, 0.0, 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)  # (B, 1, 28, 28), (B,)
            log_probs = model(images)  # (B, 10)
            total_loss += nll_loss(log_probs, labels).item() * len(labels)
            correct += (log_probs.argmax(dim=1) == labels).sum().item()
            examples += len(labels)
    return correct / examples, total_loss / examples
    # END SOLUTION


def predict_proba(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """Class probabilities for a batch of normalised images, in eval mode and without gradients.

    Args:
        model: maps (B, 1, 28, 28) images to (B, 10) log-probabilities.
        images: (B, 1, 28, 28) float32, normalised like the training data.
    Returns:
        (B, 10) float32 probabilities on the CPU; every row sums to 1.
    """
    device = next(model.parameters()).device
    # BEGIN SOLUTION lab2.7: eval mode, no gradients, then turn the model's log-probabilities into probabilities
    model.eval()
    with torch.no_grad():
        log_probs = model(images.to(device))  # (B, 10)
    return log_probs.exp().cpu()
    # END SOLUTION
