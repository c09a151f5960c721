"""How good is a segmentation? Pixel accuracy, and per class the overlap of predicted and true regions: IoU
(Jaccard) and Dice, following the workshop's "Segmentation metrics" slide.

Every function counts over all pixels of the batch together, so called on a whole test set it gives the
test set's IoU of each class (not an average of per-image IoUs). A class that appears in neither the
prediction nor the truth has no IoU or Dice (0 / 0): it is NaN and is left out of averages.
"""

import torch


def check_masks(pred: torch.Tensor, target: torch.Tensor, num_classes: int | None = None) -> None:
    """ValueError unless pred and target are integer class masks of the same shape, values in [0, num_classes)."""
    if pred.shape != target.shape:
        raise ValueError(f"pred and target must have the same shape, got {tuple(pred.shape)} and {tuple(target.shape)}"
                         " (pass class masks, e.g. logits.argmax(dim=1), not logits)")
    if pred.is_floating_point() or target.is_floating_point():
        raise ValueError(f"expected integer class masks, got dtypes {pred.dtype} and {target.dtype}")
    if num_classes is not None and pred.numel() and (min(pred.min(), target.min()) < 0
                                                     or max(pred.max(), target.max()) >= num_classes):
        raise ValueError(f"class masks must hold values in [0, {num_classes}), got values from "
                         f"{int(min(pred.min(), target.min()))} to {int(max(pred.max(), target.max()))}")


def pixel_accuracy(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Share of pixels whose predicted class is the true class.

    Args:
        pred: (B, H, W) (or any shape) int64 predicted classes.
        target: the true classes, same shape.
    Returns:
        a Python float in [0, 1].
    """
    check_masks(pred, target)
    # BEGIN SOLUTION lab5.8: count the pixels where pred equals target, divide by the number of pixels
    return (pred == target).sum().item() / target.numel()
    # END SOLUTION


def iou(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Intersection over union of every class, over all pixels of the batch:

        IoU_c = |P_c and T_c| / |P_c or T_c|,   P_c = pixels predicted c,  T_c = pixels that are c

    Args:
        pred, target: int64 class masks of the same shape, values in [0, num_classes).
        num_classes: C.
    Returns:
        (C,) float32; NaN for a class that is in neither pred nor target (its union is empty).
    """
    check_masks(pred, target, num_classes)
    # BEGIN SOLUTION lab5.9: count per class the intersection and the union (torch.bincount); divide as floats
    intersection = torch.bincount(target[pred == target], minlength=num_classes).float()  # (C,)
    predicted = torch.bincount(pred.flatten(), minlength=num_classes).float()  # (C,) |P_c|
    true = torch.bincount(target.flatten(), minlength=num_classes).float()  # (C,) |T_c|
    return (intersection / (predicted + true - intersection)).cpu()  # 0 / 0 = NaN where the union is empty
    # END SOLUTION


def dice(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Dice coefficient (F1 score) of every class, over all pixels of the batch:

        Dice_c = 2 |P_c and T_c| / (|P_c| + |T_c|)      (= 2 IoU_c / (1 + IoU_c))

    Args:
        pred, target: int64 class masks of the same shape, values in [0, num_classes).
        num_classes: C.
    Returns:
        (C,) float32; NaN for a class that is in neither pred nor target.
    """
    check_masks(pred, target, num_classes)
    # BEGIN SOLUTION lab5.10: count per class the intersection and both sizes (torch.bincount); divide as floats
    intersection = torch.bincount(target[pred == target], minlength=num_classes).float()  # (C,)
    predicted = torch.bincount(pred.flatten(), minlength=num_classes).float()  # (C,) |P_c|
    true = torch.bincount(target.flatten(), minlength=num_classes).float()  # (C,) |T_c|
    return (2 * intersection / (predicted + true)).cpu()
    # END SOLUTION


def mean_iou(pred: torch.Tensor, target: torch.Tensor, num_classes: int, include_background: bool = True) -> float:
    """Mean of the per-class IoUs, leaving out the classes that have none (NaN).

    Args:
        pred, target: int64 class masks of the same shape.
        num_classes: C.
        include_background: False averages over classes 1 .. C-1 only (class 0 is the background).
    Returns:
        a Python float; NaN if no class (of those averaged) appears in pred or target.
    """
    # BEGIN SOLUTION lab5.11: take iou(), drop class 0 unless include_background, average the non-NaN values
    per_class = iou(pred, target, num_classes)  # (C,)
    if not include_background:
        per_class = per_class[1:]
    return per_class.nanmean().item()
    # END SOLUTION
