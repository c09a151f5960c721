"""What the usual Lab 5 mistakes produce, so a wrong answer that matches one can be named in the feedback.

Each function returns {hint: what that mistake gives}, computed with trusted torch operations and the reference.
"""

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

from solutions.lab5_unet.reading import MIN_PIXELS

CONV_BIAS = "the 3x3 convolutions of DoubleConv have no bias (bias=False): the batch norm after them removes it"
NOT_SEQUENTIAL_ORDER = ("DoubleConv is an nn.Sequential of exactly six modules: conv, batch norm, ReLU, conv, "
                        "batch norm, ReLU (the grader loads weights by these positions, 0 to 5)")
RELU_BEFORE_NORM = "batch norm comes right after each convolution, then the ReLU: conv, BN, ReLU"
NO_PADDING = "use padding=1 in both 3x3 convolutions so that H and W stay the same"
CONV_BEFORE_POOL = "Down pools first, then convolves: self.conv(pooled), where pooled, indices = self.pool(x)"
NO_INDICES = "Down returns a pair (features, indices): the indices of the max pooling, for the decoder's unpooling"
CAT_ORDER = "concatenate the skip first: torch.cat([skip, x], dim=1) (the grader's DoubleConv expects that order)"
CAT_ROWS = "concatenate along the channels, dim=1 (you stacked the rows, dim=2): torch.cat([skip, x], dim=1)"
CAT_COLUMNS = "concatenate along the channels, dim=1 (you joined the columns, dim=3): torch.cat([skip, x], dim=1)"
NEAREST_NOT_UNPOOL = ("that is nearest-neighbour upsampling: max unpooling puts each value back only where the "
                      "encoder's pooling found its maximum (self.unpool(..., indices)) and zeros elsewhere")
TOP_LEFT_UNPOOL = ("every value landed in the top-left pixel of its 2x2 block: pass the indices that Down "
                   "returned for this level's skip, not made-up ones")
UNPOOL_NO_REDUCE = "unpool self.reduce(x) (1x1 conv to the skip's channels), not x itself"
PAD_TOP_LEFT = "pad the missing row and column at the bottom and right: F.pad(x, (0, W - w, 0, H - h))"
NO_PAD = ("odd sizes: the upsampled x is one row/column short of the skip; pad it with zeros at the bottom and "
          "right (transpose), or pass output_size=skip.shape[-2:] to the unpooling")
SKIPS_REVERSED = "each Up gets the skip of its own size: up1 gets x4, up2 x3, up3 x2, up4 x1"
NO_SKIPS = "the decoder must concatenate the encoder's skip features at every level (U-Net's skip connections)"
ARGMAX_LAST_DIM = "take the argmax over the class dimension, dim=1 of the (B, num_classes, H, W) logits, not the last"
ARGMAX_BATCH_DIM = "take the argmax over the class dimension, dim=1 of the (B, num_classes, H, W) logits, not dim 0"
RETURNED_LOGITS = "return class indices (B, H, W), the argmax over dim 1, not the scores"
NOT_EVAL_MODE = "call model.eval() first: in training mode dropout and batch norm change the outputs"
GRAD_ENABLED = "wrap the forward pass in torch.no_grad(): prediction needs no gradients"
PERCENT = "accuracy is a share in [0, 1], not a percentage"
COUNT_NOT_SHARE = "divide the number of right pixels by the number of pixels"
FOREGROUND_ONLY = "count every pixel, background included"
PYTHON_FLOAT = "return a Python float: turn a one-element tensor into a number with .item()"
EMPTY_AS_ZERO = ("a class in neither pred nor target has no IoU: 0 / 0 must stay NaN, not 0 (an eps in the "
                 "denominator, or a where(union == 0, 0, ...), turns it into 0 and drags mean_iou down)")
EMPTY_AS_ONE = "a class in neither pred nor target has no score: 0 / 0 must stay NaN, not 1"
RECALL = "that is |P and T| / |T| (recall): IoU divides by the union |P or T| = |P| + |T| - |P and T|"
PRECISION = "that is |P and T| / |P| (precision): IoU divides by the union |P or T| = |P| + |T| - |P and T|"
DICE_FOR_IOU = "that is the Dice coefficient 2|P and T| / (|P| + |T|); IoU is |P and T| / |P or T|"
IOU_FOR_DICE = "that is IoU |P and T| / |P or T|; Dice is 2 |P and T| / (|P| + |T|)"
NO_TWO = "Dice has a factor 2 in the numerator: 2 |P and T| / (|P| + |T|)"
PER_IMAGE = "count over all pixels of the batch together, not image by image and then averaged"
INTEGER_DIVISION = "integer division: convert the counts to float before dividing"
NAN_IN_MEAN = "classes with NaN IoU must be left out of the mean (torch.nanmean), not make it NaN"
NAN_AS_ZERO = "classes with NaN IoU are left out of the mean, not counted as 0"
BACKGROUND_INCLUDED = "include_background=False averages over classes 1 .. C-1 only"
BACKGROUND_LEFT_OUT = "include_background=True averages over every class, class 0 included"
SOFTMAX_DIM = "apply the softmax over the class dimension, dim=1 of the (B, C, H, W) logits"
NO_SOFTMAX = "turn the logits into probabilities with a softmax over dim 1 first"
LOG_SOFTMAX = "use probabilities (softmax), not log-probabilities (log_softmax)"
NO_EPS = "add eps to the numerator and the denominator: a class absent everywhere otherwise gives 0 / 0 = NaN"
EPS_DENOMINATOR_ONLY = "add eps to the numerator too: (2 * intersection + eps) / (sizes + eps)"
DICE_PER_IMAGE = "sum over the batch and the pixels, dims (0, 2, 3), so that each class gets one Dice coefficient"
NOT_ONE_MINUS = "the loss is 1 - mean Dice (a perfect prediction costs 0)"
NOT_DIFFERENTIABLE = ("the loss must be differentiable: use softmax probabilities, not argmax or .item(), and "
                      "do not detach")
RIGHT_TO_LEFT = "read the digits left to right: sort the components by their centre column, smallest first"
NO_MIN_PIXELS = "drop components with fewer than min_pixels pixels: they are specks, not digits"
FOUR_CONNECTED = "use 8-connectivity, structure=np.ones((3, 3)): diagonal neighbours belong to the same stroke"
CLASS_NOT_DIGIT = "class k is the digit k - 1 (class 0 is the background): write the digit, not the class"
SORTED_BY_LEFT_EDGE = "order the components by their centre column (mean column), not by their leftmost pixel"


def batch_norm(state: dict, prefix: str, x: torch.Tensor) -> torch.Tensor:
    """Eval-mode batch norm with the statistics and affine weights `prefix`running_mean etc. of `state`."""
    return F.batch_norm(x, state[f"{prefix}running_mean"], state[f"{prefix}running_var"], state[f"{prefix}weight"],
                        state[f"{prefix}bias"], training=False, eps=1e-5)


def double_conv(state: dict, prefix: str, x: torch.Tensor, relu_first: bool = False) -> torch.Tensor:
    """DoubleConv in plain torch from a state_dict (its entries under `prefix`), or with ReLU before the norm."""
    for conv, norm in ((0, 1), (3, 4)):
        x = F.conv2d(x, state[f"{prefix}{conv}.weight"], padding=1)
        bn = f"{prefix}{norm}."
        x = batch_norm(state, bn, F.relu(x)) if relu_first else F.relu(batch_norm(state, bn, x))
    return x


def double_conv_mistakes(state: dict, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Conv, ReLU, BN instead of conv, BN, ReLU."""
    return {RELU_BEFORE_NORM: double_conv(state, "", x, relu_first=True)}


def down_mistakes(state: dict, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Convolve, then pool."""
    return {CONV_BEFORE_POOL: F.max_pool2d(double_conv(state, "conv.", x), 2)}


def upsampled(state: dict, up_mode: str, x: torch.Tensor, skip: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
    """Up's x after upsampling to the skip's size (before the concatenation), in plain torch from a state_dict."""
    H, W = skip.shape[-2:]
    if up_mode == "unpool":
        reduced = F.conv2d(x, state["reduce.weight"], state["reduce.bias"])
        return F.max_unpool2d(reduced, indices, 2, output_size=(H, W))
    up = F.conv_transpose2d(x, state["up.weight"], state["up.bias"], stride=2)
    return F.pad(up, (0, W - up.shape[-1], 0, H - up.shape[-2]))


def concatenation_mistakes(state: dict, up_mode: str, x: torch.Tensor, skip: torch.Tensor,
                           indices: torch.Tensor) -> dict[str, torch.Tensor]:
    """What `conv` receives with the usual mistakes of Up.forward: order, dimension, upsampling, padding."""
    up = upsampled(state, up_mode, x, skip, indices)
    H, W = skip.shape[-2:]
    mistakes = {CAT_ORDER: torch.cat([up, skip], dim=1)}
    if up.shape == skip.shape:
        mistakes[CAT_ROWS] = torch.cat([skip, up], dim=2)
        mistakes[CAT_COLUMNS] = torch.cat([skip, up], dim=3)
    if up_mode == "unpool":
        reduced = F.conv2d(x, state["reduce.weight"], state["reduce.bias"])
        mistakes[NEAREST_NOT_UNPOOL] = torch.cat([skip, F.interpolate(reduced, size=(H, W), mode="nearest")], dim=1)
        top_left = torch.zeros_like(up)
        top_left[..., : 2 * x.shape[-2] : 2, : 2 * x.shape[-1] : 2] = reduced
        mistakes[TOP_LEFT_UNPOOL] = torch.cat([skip, top_left], dim=1)
    else:
        raw = F.conv_transpose2d(x, state["up.weight"], state["up.bias"], stride=2)
        h, w = raw.shape[-2:]
        if (h, w) != (H, W):
            mistakes[PAD_TOP_LEFT] = torch.cat([skip, F.pad(raw, (W - w, 0, H - h, 0))], dim=1)
            mistakes[NO_PAD] = torch.cat([skip[..., :h, :w], raw], dim=1)
    return mistakes


def argmax_mistakes(logits: torch.Tensor) -> dict[str, torch.Tensor]:
    """Argmax over the wrong dimension, or the logits themselves."""
    return {ARGMAX_LAST_DIM: logits.argmax(dim=-1), ARGMAX_BATCH_DIM: logits.argmax(dim=0), RETURNED_LOGITS: logits}


def counts(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> tuple[torch.Tensor, ...]:
    """(intersection, |P|, |T|) per class, float64."""
    intersection = torch.bincount(target[pred == target], minlength=num_classes).double()
    return (intersection, torch.bincount(pred.flatten(), minlength=num_classes).double(),
            torch.bincount(target.flatten(), minlength=num_classes).double())


def iou_mistakes(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> dict[str, torch.Tensor]:
    """Per-class scores the usual IoU mistakes give (float32, like the right answer)."""
    inter, p, t = counts(pred, target, num_classes)
    union = p + t - inter
    mistakes = {
        EMPTY_AS_ZERO: inter / union.clamp(min=1e-6),
        EMPTY_AS_ONE: torch.where(union == 0, 1.0, inter / union),
        RECALL: inter / t,
        PRECISION: inter / p,
        DICE_FOR_IOU: 2 * inter / (p + t),
        INTEGER_DIVISION: torch.div(inter, union, rounding_mode="floor"),
    }
    if pred.ndim == 3 and len(pred) > 1:
        per_image = torch.stack([_iou(a, b, num_classes) for a, b in zip(pred, target, strict=True)])
        mistakes[PER_IMAGE] = per_image.nanmean(dim=0)
    return {hint: value.float() for hint, value in mistakes.items()}


def _iou(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> torch.Tensor:
    inter, p, t = counts(pred, target, num_classes)
    return inter / (p + t - inter)


def dice_mistakes(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> dict[str, torch.Tensor]:
    """Per-class scores the usual Dice mistakes give."""
    inter, p, t = counts(pred, target, num_classes)
    mistakes = {
        EMPTY_AS_ZERO: 2 * inter / (p + t).clamp(min=1e-6),
        EMPTY_AS_ONE: torch.where(p + t == 0, 1.0, 2 * inter / (p + t)),
        IOU_FOR_DICE: inter / (p + t - inter),
        NO_TWO: inter / (p + t),
    }
    return {hint: value.float() for hint, value in mistakes.items()}


def mean_iou_mistakes(per_class: torch.Tensor, include_background: bool) -> dict[str, float]:
    """Means the usual mean_iou mistakes report, from the right per-class IoUs (float32, NaN where none)."""
    chosen = per_class if include_background else per_class[1:]
    other = per_class[1:] if include_background else per_class
    return {
        NAN_IN_MEAN: float(chosen.mean()),
        NAN_AS_ZERO: float(chosen.nan_to_num(0.0).mean()),
        BACKGROUND_INCLUDED if not include_background else BACKGROUND_LEFT_OUT: float(other.nanmean()),
    }


def dice_loss_variant(logits: torch.Tensor, target: torch.Tensor, eps: float = 1.0, probs: str = "softmax",
                      dims: tuple[int, ...] = (0, 2, 3), numerator_eps: bool = True,
                      one_minus: bool = True, softmax_dim: int = 1) -> torch.Tensor:
    """The reference soft Dice loss with one piece changed."""
    C = logits.shape[1]
    if probs == "softmax":
        p = logits.softmax(dim=softmax_dim)
    elif probs == "log_softmax":
        p = logits.log_softmax(dim=1)
    else:
        p = logits
    t = F.one_hot(target, C).permute(0, 3, 1, 2).to(p.dtype)
    inter = (p * t).sum(dim=dims)
    sizes = p.sum(dim=dims) + t.sum(dim=dims)
    score = ((2 * inter + (eps if numerator_eps else 0.0)) / (sizes + eps)).mean()
    return 1 - score if one_minus else score


def dice_loss_mistakes(logits: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
    with torch.no_grad():
        return {
            SOFTMAX_DIM: dice_loss_variant(logits, target, softmax_dim=-1),
            **{f"{SOFTMAX_DIM} (yours: dim={dim})": dice_loss_variant(logits, target, softmax_dim=dim)
               for dim in (0, 2)},
            NO_SOFTMAX: dice_loss_variant(logits, target, probs="none"),
            LOG_SOFTMAX: dice_loss_variant(logits, target, probs="log_softmax"),
            NO_EPS: dice_loss_variant(logits, target, eps=0.0),
            EPS_DENOMINATOR_ONLY: dice_loss_variant(logits, target, numerator_eps=False),
            DICE_PER_IMAGE: dice_loss_variant(logits, target, dims=(2, 3)),
            NOT_ONE_MINUS: dice_loss_variant(logits, target, one_minus=False),
        }


def read_variant(mask: torch.Tensor, min_pixels: int = MIN_PIXELS, eight: bool = True, reverse: bool = False,
                 by_left_edge: bool = False, offset: int = 1) -> str:
    """The reference postcode reading with one piece changed."""
    classes = mask.numpy()
    components, count = ndimage.label(classes > 0, structure=np.ones((3, 3)) if eight else None)
    found = []
    for k in range(1, count + 1):
        rows, cols = np.nonzero(components == k)
        if len(rows) < min_pixels:
            continue
        votes = np.bincount(classes[rows, cols], minlength=11)
        position = cols.min() if by_left_edge else cols.mean()
        found.append((position, int(votes[1:].argmax()) + 1 - offset))
    found.sort(key=lambda item: item[0], reverse=reverse)
    return "".join(str(digit) for _, digit in found)


def read_mistakes(mask: torch.Tensor, min_pixels: int = MIN_PIXELS) -> dict[str, str]:
    return {
        RIGHT_TO_LEFT: read_variant(mask, min_pixels, reverse=True),
        NO_MIN_PIXELS: read_variant(mask, 1),
        FOUR_CONNECTED: read_variant(mask, min_pixels, eight=False),
        CLASS_NOT_DIGIT: read_variant(mask, min_pixels, offset=0),
        SORTED_BY_LEFT_EDGE: read_variant(mask, min_pixels, by_left_edge=True),
    }


# The sheet's "Common mistakes" (solutions/lab5_unet/README.md), one for one: each bullet's bold words -> the
# (exercise, words of the hint that names it) of each mistake it lists (tests/test_sheet_mistakes.py grades a
# submission that makes each one).
SHEET_MISTAKES = {
    "Concatenating in the wrong order or dimension": (("lab5.4", CAT_ORDER), ("lab5.4", CAT_ROWS)),
    "Unpooling without the right indices": (("lab5.4", TOP_LEFT_UNPOOL),),
    "Odd sizes": (("lab5.4", PAD_TOP_LEFT), ("lab5.4", NO_PAD)),
    "IoU that divides by zero": (("lab5.9", EMPTY_AS_ZERO), ("lab5.11", NAN_IN_MEAN)),
    "Argmax over the wrong dimension": (("lab5.7", ARGMAX_LAST_DIM),),
    "Softmax over the wrong dimension": (("lab5.12", SOFTMAX_DIM), ("lab5.12", NOT_DIFFERENTIABLE)),
}
