"""Padding and 2-D convolution from scratch, following the workshop's "Convolution" slides (5x5 example).

Everything here is plain tensor indexing and matrix products: no torch convolution, no unfold.
"""

import torch

PADDING_MODES = ("zeros", "ones", "reflect", "replicate")


def _pair(value: int | tuple[int, int], name: str) -> tuple[int, int]:
    """Turn an int or an (h, w) pair into an (h, w) tuple of ints."""
    if isinstance(value, int):
        return value, value
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return int(value[0]), int(value[1])
    raise ValueError(f"{name} must be an int or a pair (h, w) of ints, got {value!r}")


def pad2d(x: torch.Tensor, padding: int | tuple[int, int, int, int], mode: str = "zeros") -> torch.Tensor:
    """Pad the last two dimensions (H, W) of a tensor.

    Args:
        x: tensor of shape (..., H, W), e.g. (B, C, H, W) images.
        padding: p for p on every side, or (top, bottom, left, right).
            Careful: torch.nn.functional.pad orders it the other way round, (left, right, top, bottom).
        mode: what the new border holds:
            "zeros"     0
            "ones"      1
            "reflect"   mirror without repeating the edge:  [a b c d] -> b | a b c d | c
            "replicate" copy the edge value:                [a b c d] -> a | a b c d | d
    Returns:
        (..., H + top + bottom, W + left + right), same dtype and device as x.
    """
    if x.ndim < 2:
        raise ValueError(f"pad2d pads the last two dims (H, W): need >= 2 dims, got shape {tuple(x.shape)}")
    if isinstance(padding, int):
        padding = (padding, padding, padding, padding)
    if len(padding) != 4 or not all(isinstance(p, int) for p in padding):
        raise ValueError(f"padding must be an int or (top, bottom, left, right) ints, got {padding!r}")
    if min(padding) < 0:
        raise ValueError(f"padding must be >= 0 on every side, got (top, bottom, left, right) = {padding}")
    if mode not in PADDING_MODES:
        raise ValueError(f"mode must be one of {PADDING_MODES}, got {mode!r}")
    top, bottom, left, right = padding
    H, W = x.shape[-2:]
    if mode == "reflect" and (max(top, bottom) >= H or max(left, right) >= W):
        raise ValueError(
            f"reflect padding must be smaller than the input on that side (the mirror does not repeat the "
            f"edge, so at most H-1 rows and W-1 columns are available): got (top, bottom, left, right) = "
            f"{padding} for H={H}, W={W}"
        )
    # TODO(lab1.1): build the padded tensor with indexing or torch.cat, one branch per mode
    raise NotImplementedError("lab1.1: build the padded tensor with indexing or torch.cat, one branch per mode")


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Length of one spatial output dimension of a convolution.

        out = floor((size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1

    dilation * (kernel_size - 1) + 1 is the span the (dilated) kernel covers; the kernel fits at
    (padded size - span) // stride + 1 positions.

    Args:
        size: input length H (or W), before padding.
        kernel_size: kernel length kH (or kW).
        stride: step between two kernel positions.
        padding: zeros added on EACH side (so the padded length is size + 2 * padding).
        dilation: spacing between kernel taps (1 = an ordinary, dense kernel).
    Returns:
        the output length, >= 1.
    """
    if size < 1 or kernel_size < 1 or stride < 1 or dilation < 1 or padding < 0:
        raise ValueError(
            f"need size, kernel_size, stride, dilation >= 1 and padding >= 0, got size={size}, "
            f"kernel_size={kernel_size}, stride={stride}, padding={padding}, dilation={dilation}"
        )
    # TODO(lab1.2): apply the output size formula with integer (floor) division
    raise NotImplementedError("lab1.2: apply the output size formula with integer (floor) division")


def conv2d(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    padding_mode: str = "zeros",
) -> torch.Tensor:
    """2-D cross-correlation, exactly what nn.Conv2d computes (no kernel flip).

        out[b, o, m, n] = bias[o] + sum_{c,i,j} x_pad[b, c, m*sH + i*dH, n*sW + j*dW] * weight[o, c, i, j]

    Every output pixel is the dot product of one kernel with the input patch under it, summed over
    all C_in input channels. The "im2col" trick gathers all patches at once as a strided *view* of the
    padded input; laid out as a matrix (im2col), the convolution of an image is one matrix product.

    Args:
        x: images, shape (B, C_in, H, W).
        weight: kernels, shape (C_out, C_in, kH, kW).
        bias: one value per output channel, shape (C_out,), or None.
        stride: step (sH, sW) between kernel positions; an int means the same for both.
        padding: rows/columns (pH, pW) added on EACH side before sliding; an int means the same for both.
        dilation: spacing (dH, dW) between kernel taps; an int means the same for both.
        padding_mode: "zeros", "ones", "reflect" or "replicate" (see pad2d).
    Returns:
        (B, C_out, H_out, W_out) with H_out = floor((H + 2 pH - dH (kH - 1) - 1) / sH) + 1 (same for W).
    """
    if x.ndim != 4 or weight.ndim != 4:
        raise ValueError(
            f"expected x (B, C_in, H, W) and weight (C_out, C_in, kH, kW), got shapes {tuple(x.shape)} "
            f"and {tuple(weight.shape)}"
        )
    B, C_in, H, W = x.shape
    C_out, C_w, kH, kW = weight.shape
    if C_w != C_in:
        raise ValueError(f"x has C_in={C_in} channels but weight {tuple(weight.shape)} expects {C_w}")
    if bias is not None and tuple(bias.shape) != (C_out,):
        raise ValueError(f"bias must have shape (C_out,) = ({C_out},), got {tuple(bias.shape)}")
    sH, sW = _pair(stride, "stride")
    pH, pW = _pair(padding, "padding")
    dH, dW = _pair(dilation, "dilation")
    if min(sH, sW, dH, dW) < 1 or min(pH, pW) < 0:
        raise ValueError(f"need stride, dilation >= 1, padding >= 0, got {stride=}, {dilation=}, {padding=}")
    if dH * (kH - 1) + 1 > H + 2 * pH or dW * (kW - 1) + 1 > W + 2 * pW:
        raise ValueError(
            f"kernel {kH}x{kW} with dilation ({dH}, {dW}) spans {dH * (kH - 1) + 1}x{dW * (kW - 1) + 1} "
            f"pixels, larger than the padded input {H + 2 * pH}x{W + 2 * pW} "
            f"(input {H}x{W}, padding ({pH}, {pW}) per side)"
        )
    # TODO(lab1.3): pad with pad2d, then sum one strided slice per kernel tap (or im2col and a matmul)
    raise NotImplementedError("lab1.3: pad with pad2d, then sum one strided slice per kernel tap (or im2col and a matmul)")


def convolve2d(image: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """True 2-D convolution of one image with one kernel, "valid" output (no padding).

        y[m, n] = sum_i sum_j x[i, j] h[m - i, n - j]

    Convolution is cross-correlation with the kernel rotated by 180 degrees (flipped along both axes).
    It equals scipy.signal.convolve2d(image, kernel, mode="valid").

    Args:
        image: shape (H, W).
        kernel: shape (kH, kW), with kH <= H and kW <= W.
    Returns:
        (H - kH + 1, W - kW + 1).
    """
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(
            f"expected a (H, W) image and a (kH, kW) kernel, got shapes {tuple(image.shape)} and {tuple(kernel.shape)}"
        )
    # TODO(lab1.4): flip the kernel along both axes, then cross-correlate with your conv2d
    raise NotImplementedError("lab1.4: flip the kernel along both axes, then cross-correlate with your conv2d")
