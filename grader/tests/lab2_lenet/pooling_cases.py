"""Inputs and torch's answers for Lab 2's pooling exercises (trusted torch code, the same in a student release).

Settings are (kernel_size, stride, padding) as the student's functions take them; stride None means kernel_size.
"""

import torch
import torch.nn.functional as F


def pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def settings_of(kernel_size, stride, padding) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """((kH, kW), (sH, sW), (pH, pW)) with the default stride filled in."""
    return pair(kernel_size), pair(kernel_size if stride is None else stride), pair(padding)


def images(B: int, C: int, H: int, W: int, seed: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Random (B, C, H, W) maps from a fixed seed; whole numbers / 4 so that ties happen, as after a ReLU."""
    generator = torch.Generator().manual_seed(seed)
    return (torch.randint(-8, 9, (B, C, H, W), generator=generator) / 4).to(dtype)


def torch_windows(x: torch.Tensor, kernel_size, stride=None, padding=0, pad_value: float = 0.0) -> torch.Tensor:
    """(B, C, H_out, W_out, kH * kW): every window of x padded with pad_value, row by row (what pool_windows gives)."""
    (kH, kW), (sH, sW), (pH, pW) = settings_of(kernel_size, stride, padding)
    padded = F.pad(x, (pW, pW, pH, pH), value=pad_value)  # (B, C, H + 2 pH, W + 2 pW)
    windows = padded.unfold(2, kH, sH).unfold(3, kW, sW)  # (B, C, H_out, W_out, kH, kW)
    return windows.flatten(-2)  # (B, C, H_out, W_out, kH * kW)


def describe(function: str, x: torch.Tensor, kernel_size, stride=None, padding=0, **more) -> str:
    """`max_pool2d(x (2, 3, 8, 8), kernel_size=3, stride=2, padding=1)`, for failure messages."""
    options = {"kernel_size": kernel_size, "stride": stride, "padding": padding, **more}
    shown = ", ".join(f"{name}={value!r}" for name, value in options.items() if value is not None)
    return f"{function}(x {tuple(x.shape)}, {shown})"


def random_settings(generator: torch.Generator) -> tuple:
    """(B, C, H, W, kernel_size, stride, padding) for a random sweep: odd sizes, rectangles, default strides."""

    def pick(*choices):
        return choices[int(torch.randint(len(choices), (1,), generator=generator))]

    kernel_size = pick(1, 2, 3, (2, 3), (3, 1), 4)
    kH, kW = pair(kernel_size)
    padding = pick(0, 0, (kH // 2, kW // 2), (min(1, kH // 2), 0))
    stride = pick(None, 1, 2, (1, 2), 3)
    return pick(1, 2, 3), pick(1, 2, 4), pick(5, 7, 8, 11), pick(4, 6, 9, 13), kernel_size, stride, padding
