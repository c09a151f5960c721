"""What the usual pooling mistakes of Lab 2 produce, so a wrong answer that matches one can be named.

Each function returns {hint: what that mistake gives} for the arguments the student's function got, computed with
torch (trusted code); variants that cannot run for these arguments are left out.
"""

import contextlib
from collections.abc import Callable

import torch
import torch.nn.functional as F

from grader.tests.lab2_lenet.pooling_cases import settings_of, torch_windows

STRIDE_ONE = "stride=None means stride = kernel_size (windows side by side, not overlapping), not stride 1"
SIZES_SWAPPED = "(h, w) pairs swapped: the first value of kernel_size, stride and padding is for rows (H)"
PADDING_TOTAL = "padding applied in total instead of per side: padding=p adds p rows on top AND p at the bottom"
OUTPUT_TOO_SMALL = "one window row/column missing: H_out = floor((H + 2p - k) / s) + 1 (mind the +1)"
PAD_VALUE_IGNORED = "the padding must hold pad_value (max pooling passes -inf, min pooling +inf), not 0"
WINDOW_COLUMNS = "each window's values must be row by row, index i * kW + j; you went column by column"
NOT_FLATTENED = "put each window's kH * kW values in one last dimension: reshape to (B, C, H_out, W_out, kH * kW)"
WINDOWS_FIRST = "the window's values go LAST: (B, C, H_out, W_out, kH * kW), not (B, C, kH * kW, H_out, W_out)"
ZERO_PADDING_MAX = ("max pooling pads with -inf, so that padding never wins: with 0, a window of negative values "
                    "at the border returns 0")
AVERAGE_FOR_MAX = "you averaged: max pooling takes the largest value of each window"
MIN_FOR_MAX = "you took the smallest value: max pooling takes the largest"
INDEX_IN_WINDOW = "the indices are places in the window (0 to kH*kW-1): give row * W + column in the input plane"
INDEX_IN_PADDED = ("the indices count in the padded plane: give row * W + column of the unpadded input "
                   "(subtract the padding, and use W, not W + 2p)")
INDEX_OVER_CHANNELS = "each channel's indices start at 0: row * W + column within its own (H, W) plane"
INDEX_TRANSPOSED = "index = row * W + column (row-major, as view(H * W) numbers the plane), not column * H + row"
INDEX_LAST_TIE = "where a window holds its maximum twice, the first one (row by row) wins, as in F.max_pool2d"
COUNT_EXCLUDE_PAD = ("with count_include_pad=True (torch's default) the padded zeros count: divide every window by "
                     "kH * kW, also at the border")
SUM_FOR_MEAN = "you summed each window: average pooling divides the sum by kH * kW"
MAX_FOR_AVERAGE = "you took the maximum: average pooling takes each window's mean"
MINUS_MAX = "min pooling is -max_pool(-x): you returned -max_pool(x), the largest value with its sign flipped"
MAX_OF_MINUS = "min pooling is -max_pool(-x): the outer minus is missing"
MAX_FOR_MIN = "you took the largest value: min pooling takes the smallest"
ZERO_PADDING_MIN = "min pooling pads with +inf, so that padding never wins: with 0, a positive border window gives 0"
NEG_INF_PADDING_MIN = "min pooling pads with +inf: padded with -inf, every border window returns -inf"


def _settings_variants(kernel_size, stride, padding) -> dict[str, tuple]:
    """Mistaken (kernel_size, stride, padding) for these settings; the right ones are not among them."""
    (kH, kW), (sH, sW), (pH, pW) = settings_of(kernel_size, stride, padding)
    variants = {
        STRIDE_ONE: ((kH, kW), (1, 1), (pH, pW)) if stride is None else None,
        SIZES_SWAPPED: ((kW, kH), (sW, sH), (pW, pH)),
        PADDING_TOTAL: ((kH, kW), (sH, sW), (pH // 2, pW // 2)),
    }
    right = ((kH, kW), (sH, sW), (pH, pW))
    return {hint: settings for hint, settings in variants.items() if settings is not None and settings != right}


def _settings_mistakes(pool: Callable, kernel_size, stride, padding) -> dict[str, torch.Tensor]:
    """pool(kernel_size, stride, padding) for each mistaken setting that can run on this input."""
    results = {}
    for hint, settings in _settings_variants(kernel_size, stride, padding).items():
        with contextlib.suppress(RuntimeError, ValueError):  # the mistaken settings do not fit this input
            results[hint] = pool(*settings)
    return results


def window_mistakes(x, kernel_size, stride=None, padding=0, pad_value: float = 0.0) -> dict[str, torch.Tensor]:
    """Results of the usual pool_windows mistakes."""
    results = _settings_mistakes(lambda k, s, p: torch_windows(x, k, s, p, pad_value), kernel_size, stride, padding)
    (kH, kW), (sH, sW), (pH, pW) = settings_of(kernel_size, stride, padding)
    if pad_value != 0 and max(pH, pW) > 0:
        results[PAD_VALUE_IGNORED] = torch_windows(x, kernel_size, stride, padding, 0.0)
    right = torch_windows(x, kernel_size, stride, padding, pad_value)  # (B, C, H_out, W_out, kH * kW)
    unflattened = right.unflatten(-1, (kH, kW))  # (B, C, H_out, W_out, kH, kW)
    results[NOT_FLATTENED] = unflattened
    if kH > 1 and kW > 1:
        results[WINDOW_COLUMNS] = unflattened.transpose(-2, -1).flatten(-2)
    results[WINDOWS_FIRST] = right.permute(0, 1, 4, 2, 3)  # (B, C, kH * kW, H_out, W_out)
    results[OUTPUT_TOO_SMALL] = right[:, :, :-1, :-1]
    return results


def max_value_mistakes(x, kernel_size, stride=None, padding=0) -> dict[str, torch.Tensor]:
    """Results of the usual max_pool2d mistakes (the values)."""
    results = _settings_mistakes(lambda k, s, p: F.max_pool2d(x, k, s, p), kernel_size, stride, padding)
    k, s, p = settings_of(kernel_size, stride, padding)
    if max(p) > 0:
        results[ZERO_PADDING_MAX] = torch_windows(x, k, s, p, 0.0).amax(-1)
    results[AVERAGE_FOR_MAX] = F.avg_pool2d(x, k, s, p)
    results[MIN_FOR_MAX] = -F.max_pool2d(-x, k, s, p)
    return results


def max_index_mistakes(x, kernel_size, stride=None, padding=0) -> dict[str, torch.Tensor]:
    """Results of the usual mistakes in max_pool2d's indices."""
    (kH, kW), (sH, sW), (pH, pW) = settings_of(kernel_size, stride, padding)
    B, C, H, W = x.shape
    windows = torch_windows(x, (kH, kW), (sH, sW), (pH, pW), float("-inf"))  # (B, C, H_out, W_out, kH * kW)
    first = windows.argmax(-1)  # (B, C, H_out, W_out): torch gives the first maximum
    last = kH * kW - 1 - windows.flip(-1).argmax(-1)
    H_out, W_out = windows.shape[2:4]
    top = torch.arange(H_out).view(H_out, 1) * sH  # row of each window's top in the padded plane
    left = torch.arange(W_out).view(1, W_out) * sW
    rows, columns = top + first // kW, left + first % kW  # in the padded plane
    last_rows, last_columns = top + last // kW - pH, left + last % kW - pW
    plane = (torch.arange(B).view(B, 1, 1, 1) * C + torch.arange(C).view(1, C, 1, 1)) * H * W  # first index of each
    right = (rows - pH) * W + (columns - pW)
    results = {
        INDEX_IN_WINDOW: first,
        INDEX_TRANSPOSED: (columns - pW) * H + (rows - pH),
        INDEX_LAST_TIE: last_rows * W + last_columns,
        INDEX_OVER_CHANNELS: right + plane,
    }
    if max(pH, pW) > 0:
        results[INDEX_IN_PADDED] = rows * (W + 2 * pW) + columns
    return {hint: indices for hint, indices in results.items() if not torch.equal(indices, right)}


def avg_mistakes(x, kernel_size, stride=None, padding=0) -> dict[str, torch.Tensor]:
    """Results of the usual avg_pool2d mistakes."""
    results = _settings_mistakes(lambda k, s, p: F.avg_pool2d(x, k, s, p), kernel_size, stride, padding)
    k, s, p = settings_of(kernel_size, stride, padding)
    if max(p) > 0:
        results[COUNT_EXCLUDE_PAD] = F.avg_pool2d(x, k, s, p, count_include_pad=False)
    results[SUM_FOR_MEAN] = F.avg_pool2d(x, k, s, p) * (k[0] * k[1])
    results[MAX_FOR_AVERAGE] = F.max_pool2d(x, k, s, p)
    return results


def min_mistakes(x, kernel_size, stride=None, padding=0) -> dict[str, torch.Tensor]:
    """Results of the usual min_pool2d mistakes."""
    results = _settings_mistakes(lambda k, s, p: -F.max_pool2d(-x, k, s, p), kernel_size, stride, padding)
    k, s, p = settings_of(kernel_size, stride, padding)
    results[MINUS_MAX] = -F.max_pool2d(x, k, s, p)
    results[MAX_OF_MINUS] = F.max_pool2d(-x, k, s, p)
    results[MAX_FOR_MIN] = F.max_pool2d(x, k, s, p)
    if max(p) > 0:
        results[ZERO_PADDING_MIN] = torch_windows(x, k, s, p, 0.0).amin(-1)
        results[NEG_INF_PADDING_MIN] = torch_windows(x, k, s, p, float("-inf")).amin(-1)
    return results
