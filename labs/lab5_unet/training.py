"""Training steps and held-out evaluation for the postcode U-Net. Complete: nothing to do here; it uses your
UNet, segmentation loss, predict_masks, metrics and read_postcode.
"""

import time
from collections.abc import Callable, Iterable

import torch
from torch import nn

from ipdl.data.postcodes import NUM_CLASSES, Postcodes, make_postcodes

from .losses import segmentation_loss
from .metrics import iou, mean_iou, pixel_accuracy
from .reading import read_postcode
from .unet import predict_masks

EVAL_BATCH_SIZE = 100


def class_frequencies(count: int = 256, seed: int = 0) -> torch.Tensor:
    """(NUM_CLASSES,) share of the pixels of each class on `count` training canvases (background about 94%)."""
    masks = make_postcodes(count, split="train", seed=seed).masks
    return torch.bincount(masks.flatten(), minlength=NUM_CLASSES).float() / masks.numel()


def start_at_class_frequencies(model: nn.Module) -> None:
    """Set the bias of the model's `head` to the log of the class frequencies, so that from the first step the
    model predicts "mostly paper" and learns what differs from that, instead of spending its first hundreds of
    steps learning how rare ink is (Karpathy, "A recipe for training neural networks": initialise well)."""
    with torch.no_grad():
        model.head.bias.copy_(class_frequencies().log())


def train_steps(model: nn.Module, batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
                optimizer: torch.optim.Optimizer, scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
                device: torch.device | str = "cpu", dice_weight: float = 1.0,
                report: Callable[[int, float], None] | None = None) -> float:
    """One optimizer step per (images (B, 1, H, W), masks (B, H, W)) batch; returns the mean loss per batch.

    `report(step, loss)` is called after every step (for progress lines).
    """
    model.train()
    total, steps = 0.0, 0
    for images, masks in batches:
        images, masks = images.to(device), masks.to(device)
        optimizer.zero_grad()
        loss = segmentation_loss(model(images), masks, dice_weight)  # (B, C, H, W) logits -> scalar
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        total += loss.item()
        steps += 1
        if report is not None:
            report(steps, loss.item())
    return total / max(steps, 1)


def predict_all(model: nn.Module, images: torch.Tensor, batch_size: int = EVAL_BATCH_SIZE) -> torch.Tensor:
    """(N, H, W) int64 predicted masks of (N, 1, H, W) images, `batch_size` at a time."""
    return torch.cat([predict_masks(model, chunk) for chunk in images.split(batch_size)])


def foreground_iou(pred: torch.Tensor, target: torch.Tensor) -> float:
    """IoU of "any digit" against background: how well the ink is found, whichever digit it is."""
    return float(iou((pred > 0).long(), (target > 0).long(), 2)[1])


def score_masks(pred: torch.Tensor, codes: Postcodes) -> dict[str, object]:
    """Every figure of a prediction (N, H, W) of the canvases `codes`, as plain numbers."""
    target = codes.masks
    reads = [read_postcode(mask) for mask in pred]
    per_class = iou(pred, target, NUM_CLASSES)  # (11,)
    return {
        "pixel_accuracy": pixel_accuracy(pred, target),
        "foreground_iou": foreground_iou(pred, target),
        "mean_iou_digits": mean_iou(pred, target, NUM_CLASSES, include_background=False),
        "mean_iou": mean_iou(pred, target, NUM_CLASSES),
        "iou_per_class": [round(float(value), 6) for value in per_class],
        "postcodes_read_exactly": sum(read == truth for read, truth in zip(reads, codes.postcodes(),
                                                                            strict=True)) / len(codes),
        "canvases": len(codes),
    }


def evaluate(model: nn.Module, codes: Postcodes) -> dict[str, object]:
    """Score `model` on the canvases `codes` (the held-out ones for every reported figure)."""
    start = time.perf_counter()
    pred = predict_all(model, codes.images)
    scores = score_masks(pred, codes)
    scores["seconds"] = round(time.perf_counter() - start, 2)
    return scores
