"""Max, average and min pooling from scratch, following the workshop's "Pooling" slide: each output pixel sums up
one window of its own channel (the largest, the mean or the smallest value), which makes the map smaller without
any parameter to learn.

Plain tensor indexing and reductions only: no torch pooling, no unfold (the grader watches the operations).
"""

import torch


def _pair(value: int | tuple[int, int], name: str) -> tuple[int, int]:
    """Turn an int or an (h, w) pair into an (h, w) tuple of ints."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value, value
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return int(value[0]), int(value[1])
    raise ValueError(f"{name} must be an int or a pair (h, w) of ints, got {value!r}")


def pool_settings(x: torch.Tensor, kernel_size, stride, padding) -> tuple[tuple[int, int], ...]:
    """(kH, kW), (sH, sW), (pH, pW) and (H_out, W_out), checked as torch's pooling checks them."""
    if x.ndim != 4:
        raise ValueError(f"pooling expects (B, C, H, W) images, got shape {tuple(x.shape)}")
    kernel = _pair(kernel_size, "kernel_size")
    step = _pair(kernel_size if stride is None else stride, "stride")
    pad = _pair(padding, "padding")
    if min(kernel) < 1 or min(step) < 1 or min(pad) < 0:
        raise ValueError(f"need kernel_size, stride >= 1 and padding >= 0, got {kernel_size=}, {stride=}, {padding=}")
    if pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:
        raise ValueError(f"padding {pad} must be at most half the kernel {kernel}: a larger one gives windows "
                         f"that hold nothing but padding")
    H, W = x.shape[-2:]
    if kernel[0] > H + 2 * pad[0] or kernel[1] > W + 2 * pad[1]:
        raise ValueError(f"kernel {kernel} is larger than the padded input {H + 2 * pad[0]}x{W + 2 * pad[1]}")
    size = tuple((n + 2 * p - k) // s + 1 for n, k, s, p in zip((H, W), kernel, step, pad, strict=True))
    return kernel, step, pad, size


def pool_windows(x: torch.Tensor, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
                 padding: int | tuple[int, int] = 0, pad_value: float = 0.0) -> torch.Tensor:
    """Every pooling window of every channel, its values in a row: what max, average and min pooling summarise.

        windows[b, c, m, n, i * kW + j] = x_pad[b, c, m * sH + i, n * sW + j]

    x_pad is x with pH rows of `pad_value` above and below and pW columns left and right. Pooling works on each
    channel alone (unlike conv2d, nothing is summed over channels).

    Args:
        x: images, shape (B, C, H, W).
        kernel_size: window size (kH, kW); an int means the same for both.
        stride: step (sH, sW) between windows; None (the default) means kernel_size: windows side by side.
        padding: rows/columns (pH, pW) added on EACH side, at most half the kernel.
        pad_value: what the padding holds (max pooling pads with -inf, min pooling with +inf, average with 0).
    Returns:
        (B, C, H_out, W_out, kH * kW) with H_out = floor((H + 2 pH - kH) / sH) + 1 (same for W).
    """
    (kH, kW), (sH, sW), (pH, pW), (H_out, W_out) = pool_settings(x, kernel_size, stride, padding)
    B, C, H, W = x.shape
    # BEGIN SOLUTION lab2.8: pad with pad_value, view the windows with as_strided, then put each window in a row
    padded = x.new_full((B, C, H + 2 * pH, W + 2 * pW), pad_value)  # (B, C, H + 2 pH, W + 2 pW)
    padded[..., pH : pH + H, pW : pW + W] = x
    sB, sC, sRow, sCol = padded.stride()
    # A view, no copy: sH rows to the next window row, one row to the next row inside a window.
    windows = padded.as_strided((B, C, H_out, W_out, kH, kW), (sB, sC, sRow * sH, sCol * sW, sRow, sCol))
    return windows.reshape(B, C, H_out, W_out, kH * kW)  # (B, C, H_out, W_out, kH * kW)
    # END SOLUTION


def max_pool2d(x: torch.Tensor, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0,
               return_indices: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """The largest value of every window, what F.max_pool2d computes (padding holds -inf, so it never wins).

    With return_indices, also where each maximum sits in its input channel, as F.max_pool2d gives it (and as
    U-Net's unpooling, nn.MaxUnpool2d, needs it): the flat index row * W + column into the unpadded (H, W) plane.
    Where a window holds the maximum twice, the first one (row by row) wins.

    Args:
        x: images, shape (B, C, H, W).
        kernel_size, stride, padding: as for pool_windows (stride defaults to kernel_size).
        return_indices: also return the indices of the maxima.
    Returns:
        (B, C, H_out, W_out) maxima; with return_indices, also (B, C, H_out, W_out) int64 indices in [0, H * W).
    """
    (kH, kW), (sH, sW), (pH, pW), (H_out, W_out) = pool_settings(x, kernel_size, stride, padding)
    W = x.shape[-1]
    # BEGIN SOLUTION lab2.9: max over each window of pool_windows (padding -inf); indices: row * W + column of the max
    windows = pool_windows(x, (kH, kW), (sH, sW), (pH, pW), float("-inf"))  # (B, C, H_out, W_out, kH * kW)
    values, position = windows.max(dim=-1)  # (B, C, H_out, W_out) each; position in [0, kH * kW)
    if not return_indices:
        return values
    top = torch.arange(H_out, device=x.device).view(H_out, 1) * sH - pH  # (H_out, 1): input row of each window's top
    left = torch.arange(W_out, device=x.device).view(1, W_out) * sW - pW  # (1, W_out)
    rows = top + position // kW  # (B, C, H_out, W_out)
    columns = left + position % kW  # (B, C, H_out, W_out)
    return values, rows * W + columns
    # END SOLUTION


def avg_pool2d(x: torch.Tensor, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> torch.Tensor:
    """The mean of every window, what F.avg_pool2d computes with its default count_include_pad=True: padding holds
    zeros, and they count, so every window is divided by kH * kW, also at the border.

    Args:
        x: images, shape (B, C, H, W).
        kernel_size, stride, padding: as for pool_windows (stride defaults to kernel_size).
    Returns:
        (B, C, H_out, W_out).
    """
    # BEGIN SOLUTION lab2.10: mean over each window of pool_windows, padded with zeros
    return pool_windows(x, kernel_size, stride, padding, 0.0).mean(dim=-1)  # (B, C, H_out, W_out)
    # END SOLUTION


def min_pool2d(x: torch.Tensor, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> torch.Tensor:
    """The smallest value of every window: the same as -F.max_pool2d(-x, ...) (padding holds +inf, so it never
    wins). torch has no min pooling; the slides' third kind.

    Args:
        x: images, shape (B, C, H, W).
        kernel_size, stride, padding: as for pool_windows (stride defaults to kernel_size).
    Returns:
        (B, C, H_out, W_out).
    """
    # BEGIN SOLUTION lab2.11: min over each window of pool_windows, padded with +inf
    return pool_windows(x, kernel_size, stride, padding, float("inf")).amin(dim=-1)  # (B, C, H_out, W_out)
    # END SOLUTION
