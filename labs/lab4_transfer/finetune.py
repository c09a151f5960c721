"""Fine-tune a classifier that outputs logits: AdamW on your parameter groups, cross-entropy, one pass over the
training data per epoch, then accuracy and loss on held-out data; the loop of Lab 2, for a pretrained network.
"""

import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader

from .transfer import param_groups


def freeze_batchnorm_statistics(model: nn.Module) -> None:
    """Put every BatchNorm layer whose parameters are all frozen in eval mode, so its running mean and variance
    stay the pretrained ones (model.train() switches them back: call this after it)."""
    for module in model.modules():
        frozen = not any(p.requires_grad for p in module.parameters())
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and frozen:
            module.eval()


def evaluate(model: nn.Module, loader: DataLoader, device: torch.device | str = "cpu") -> tuple[float, float]:
    """(accuracy in [0, 1], mean cross-entropy per example) of a logits model on `loader`, in eval mode."""
    model.eval()
    correct, total_loss, examples = 0, 0.0, 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)  # (B, 3, H, W), (B,)
            logits = model(images)  # (B, num_classes)
            total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
            correct += (logits.argmax(dim=1) == labels).sum().item()
            examples += len(labels)
    return correct / examples, total_loss / examples


def finetune(
    model: nn.Module,
    train_loader: DataLoader,
    val_loader: DataLoader,
    epochs: int,
    lr_head: float = 1e-3,
    lr_backbone: float = 1e-4,
    weight_decay: float = 1e-4,
    label_smoothing: float = 0.0,
    device: torch.device | str = "cpu",
    log: Callable[[dict[str, float]], None] | None = None,
) -> list[dict[str, float]]:
    """Train the model's trainable parameters for `epochs` passes over train_loader; returns one dict per epoch:

        {"epoch": 1, "train_loss": 2.31, "train_accuracy": 0.27, "val_loss": 2.40, "val_accuracy": 0.22,
         "seconds": 41.5}

    - optimizer: torch.optim.AdamW(param_groups(model, lr_head, lr_backbone), weight_decay=weight_decay);
    - learning rates: cosine-annealed to 0 over the epochs (torch.optim.lr_scheduler.CosineAnnealingLR,
      T_max=epochs, one scheduler.step() per epoch);
    - each epoch: model.train(), then freeze_batchnorm_statistics(model); per batch: move to `device`,
      zero_grad, F.cross_entropy(logits, labels, label_smoothing=label_smoothing), backward, step;
      train_loss / train_accuracy are the means over the epoch's examples (weight each batch by its size);
    - then evaluate(model, val_loader, device) gives val_accuracy and val_loss; seconds is the wall time of the
      epoch (training and evaluation), from time.perf_counter().
    All values are Python numbers ("epoch" an int, the others floats). The model's frozen parameters never move.
    When `log` is given, call it with each epoch's dict as soon as the epoch ends (train.py prints them).
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    model.to(device)
    history: list[dict[str, float]] = []
    # TODO(lab4.5): AdamW on param_groups, cosine schedule; per epoch: train, evaluate, record the metrics
    raise NotImplementedError("lab4.5: AdamW on param_groups, cosine schedule; per epoch: train, evaluate, record the metrics")
