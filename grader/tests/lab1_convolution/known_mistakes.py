"""What the usual Lab 1 mistakes produce, so a wrong answer that matches one can be named in the feedback.

Each function returns {hint: tensor that mistake gives}; assert_tensor_close compares the student's result
with every entry (shapes may differ from the right answer). Built on the reference solution (trusted code).
"""

import numpy as np
import torch

from solutions.lab1_convolution.convolution import conv2d, pad2d
from solutions.lab1_convolution.sobel import sobel_gradients, to_grayscale

FLIPPED_KERNEL = "you flipped the kernel: conv2d is cross-correlation (no flip), only convolve2d flips"
NOT_FLIPPED = "you did not flip the kernel: true convolution is cross-correlation with the kernel rotated 180°"
FLIPPED_ROWS_ONLY = "you flipped only the kernel's rows: rotate it by 180° (flip rows AND columns)"
FLIPPED_COLUMNS_ONLY = "you flipped only the kernel's columns: rotate it by 180° (flip rows AND columns)"
VALID_TOO_SMALL = (
    "output one row/column too small: the valid output is (H - kH + 1, W - kW + 1); check conv_output_size (lab1.2)"
)
MISSING_BIAS = "the bias is missing: add bias[o] to every pixel of output channel o"
PER_CHANNEL = "input channels not summed: each output channel is ONE map, summed over all C_in input channels"
PER_CHANNEL_FLAT = "you returned C_out * C_in maps: sum over the C_in input channels to get C_out maps"
ONE_CHANNEL = "only the first input channel was used: sum the products over all C_in input channels"
MEAN_CHANNELS = "input channels averaged instead of summed: use the sum over C_in, kH, kW, not the mean"
PAD_TOTAL = "padding applied in total instead of per side: padding=p adds p rows on top AND p at the bottom"
PAD_SWAPPED = "padding (h, w) swapped: pH pads rows (top/bottom), pW pads columns (left/right)"
PAD_ORDER = (
    "padding order mixed up: pad2d takes (top, bottom, left, right); F.pad's order (left, right, top, bottom) "
    "is the other way round"
)
PAD_ZEROS = "padding_mode ignored: the border was filled with zeros"
SIDES_MISSING = ("padding on one side only: (top, bottom, left, right) adds `top` rows above AND `bottom` rows below, "
                 "`left` columns on the left AND `right` on the right")
ALL_ON_ONE_SIDE = ("all the padding went on one side: `top` rows go above the image and `bottom` rows below it "
                   "(likewise left and right)")
SIDES_SWAPPED = "top and bottom (and left and right) swapped: `top` rows go above the image, `bottom` rows below"
SYMMETRIC = "reflect repeated the edge pixel (that is 'symmetric'): reflect mirrors WITHOUT the edge, [b | a b c]"
REFLECT_FOR_REPLICATE = "replicate copies the edge value ([a | a b c]); you mirrored it (reflect)"
REPLICATE_FOR_REFLECT = "reflect mirrors the pixels next to the edge ([b | a b c]); you copied the edge (replicate)"
ONES_AS_ZEROS = "mode 'ones' fills the border with 1, not 0"
STRIDE_IGNORED = "stride ignored: move the window by `stride` pixels between outputs (row m starts at m*stride)"
STRIDE_SWAPPED = "stride (h, w) swapped: the first value is the vertical step, the second the horizontal"
DILATION_IGNORED = "dilation ignored: kernel tap i reads input row m*stride + i*dilation"
DILATION_SWAPPED = "dilation (h, w) swapped: the first value spaces kernel rows, the second kernel columns"
STRIDE_DILATION_MIXED = "stride and dilation mixed up: stride moves the window (m*stride), dilation spaces taps"
STRIDE_BEFORE_DILATION = (
    "stride applied before dilation: tap (m, i) reads row m*stride + i*dilation, not (m*stride + i)*dilation"
)
OUTPUT_TOO_SMALL = "output one row/column too small: H_out = floor((H + 2p - d(k-1) - 1) / s) + 1 (mind the +1)"
KERNEL_FLIPPED_ROWS = "you flipped the kernel's rows (upside down): conv2d is cross-correlation, no flip at all"
KERNEL_FLIPPED_COLUMNS = "you flipped the kernel's columns (left to right): conv2d is cross-correlation, no flip at all"
KERNEL_TRANSPOSED = "the kernel was transposed: weight[o, c, i, j] multiplies input row m*sH + i*dH, column n*sW + j*dW"
PAD_ONE_SIDE = ("padding on one side only: padding=p adds p rows on top AND p at the bottom, p columns on the left AND "
                "p on the right; pad2d(x, (pH, pH, pW, pW))")
PAD_UNEVEN = ("padding split unevenly between the sides: padding=p puts exactly p rows on top and p at the bottom "
              "(p columns left and right); pad2d(x, (pH, pH, pW, pW))")
PAD_ONE_AXIS = "padding applied to one axis only: pH pads the rows (top and bottom), pW the columns (left and right)"
PAD_ONE_VALUE = "padding's two values: pH pads the rows, pW the columns (you used one of them for both)"
STRIDE_ONE_AXIS = ("stride applied to one axis only: the window moves sH rows down AND sW columns right "
                   "(row m starts at m*sH, column n at n*sW)")
STRIDE_ONE_VALUE = "stride's two values: sH for the rows, sW for the columns (you used one of them for both)"
DILATION_ONE_AXIS = ("dilation applied to one axis only: tap (i, j) reads row m*sH + i*dH AND column n*sW + j*dW "
                     "(dH spaces the kernel's rows, dW its columns)")
DILATION_ONE_VALUE = "dilation's two values: dH spaces the kernel's rows, dW its columns (you used one for both)"


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def conv2d_mistakes(x, weight, bias=None, stride=1, padding=0, dilation=1, padding_mode="zeros") -> dict:
    """Results of the usual conv2d mistakes for these arguments (those that cannot run are left out)."""
    s, p, d = _pair(stride), _pair(padding), _pair(dilation)
    right = (x, weight, bias, s, p, d, padding_mode)
    variants = {
        FLIPPED_KERNEL: (x, weight.flip(-2, -1), bias, s, p, d, padding_mode),
        ONE_CHANNEL: (x[:, :1], weight[:, :1], bias, s, p, d, padding_mode),
        PAD_TOTAL: (x, weight, bias, s, (p[0] // 2, p[1] // 2), d, padding_mode),
        PAD_SWAPPED: (x, weight, bias, s, p[::-1], d, padding_mode),
        PAD_ZEROS: (x, weight, bias, s, p, d, "zeros"),
        STRIDE_IGNORED: (x, weight, bias, (1, 1), p, d, padding_mode),
        STRIDE_SWAPPED: (x, weight, bias, s[::-1], p, d, padding_mode),
        DILATION_IGNORED: (x, weight, bias, s, p, (1, 1), padding_mode),
        DILATION_SWAPPED: (x, weight, bias, s, p, d[::-1], padding_mode),
        STRIDE_DILATION_MIXED: (x, weight, bias, d, p, s, padding_mode),
        STRIDE_BEFORE_DILATION: (x, weight, bias, (s[0] * d[0], s[1] * d[1]), p, d, padding_mode),
    }
    variants.update(one_axis_variants(right))
    if bias is not None:
        variants[MISSING_BIAS] = (x, weight, None, s, p, d, padding_mode)
    mistakes = {}
    for hint, args in variants.items():
        try:
            mistakes[hint] = conv2d(*args)
        except (RuntimeError, ValueError):  # the mistaken kernel or padding does not fit: no such result
            continue
    mistakes.update(uneven_padding_mistakes(*right))
    ref = conv2d(*right)
    mistakes[OUTPUT_TOO_SMALL] = ref[..., :-1, :-1]
    taps = weight.shape[1] * weight.shape[2] * weight.shape[3]
    mean = conv2d(x, weight / taps, None, s, p, d, padding_mode)
    mistakes[MEAN_CHANNELS] = mean if bias is None else mean + bias.view(1, -1, 1, 1)
    padded = pad2d(x, (p[0], p[0], p[1], p[1]), padding_mode)
    per_channel = torch.stack(  # (B, C_out, C_in, H_out, W_out)
        [conv2d(padded[:, c : c + 1], weight[:, c : c + 1], None, s, 0, d) for c in range(x.shape[1])], dim=2
    )
    mistakes[PER_CHANNEL] = per_channel
    mistakes[PER_CHANNEL_FLAT] = per_channel.flatten(1, 2)  # (B, C_out * C_in, H_out, W_out)
    return mistakes


def one_axis_variants(right: tuple) -> dict[str, tuple]:
    """conv2d arguments of the mistakes made on one axis only: the kernel flipped or transposed, padding, stride
    or dilation given to the rows or the columns alone, or one of their two values used for both. Each hint says
    what the student's conv2d did ("yours: stride=(2, 1)")."""
    x, weight, bias, s, p, d, mode = right
    variants = {
        KERNEL_FLIPPED_ROWS: (x, weight.flip(-2), bias, s, p, d, mode),
        KERNEL_FLIPPED_COLUMNS: (x, weight.flip(-1), bias, s, p, d, mode),
    }
    if weight.shape[-1] == weight.shape[-2]:
        variants[KERNEL_TRANSPOSED] = (x, weight.transpose(-2, -1), bias, s, p, d, mode)
    for name, hints, position, (h, w) in (("padding", (PAD_ONE_AXIS, PAD_ONE_VALUE), 4, p),
                                          ("stride", (STRIDE_ONE_AXIS, STRIDE_ONE_VALUE), 3, s),
                                          ("dilation", (DILATION_ONE_AXIS, DILATION_ONE_VALUE), 5, d)):
        neutral = 0 if name == "padding" else 1
        one_axis, one_value = hints
        for hint, pair in ((one_axis, (h, neutral)), (one_axis, (neutral, w)), (one_value, (h, h)),
                           (one_value, (w, w))):
            if pair != (h, w) and (hint != one_value or pair != (w, h)):
                args = list(right)
                args[position] = pair
                variants.setdefault(f"{hint} (yours: {name}={pair})", tuple(args))
    return variants


def uneven_padding_mistakes(x, weight, bias, s, p, d, mode) -> dict[str, torch.Tensor]:
    """conv2d's results when x is padded on one side only, or with the 2p rows (columns) split unevenly, and the
    output size follows the padded input (a kernel that no longer fits has no result)."""
    pH, pW = p
    sides = [(PAD_ONE_SIDE, (pH, 0, pW, 0)), (PAD_ONE_SIDE, (0, pH, 0, pW)),
             (PAD_UNEVEN, (2 * pH, 0, 2 * pW, 0)), (PAD_UNEVEN, (0, 2 * pH, 0, 2 * pW))]
    if min(pH, pW) >= 1:
        sides += [(PAD_UNEVEN, (pH + 1, pH - 1, pW + 1, pW - 1)), (PAD_UNEVEN, (pH - 1, pH + 1, pW - 1, pW + 1))]
    mistakes = {}
    for hint, padding in sides:
        if padding == (pH, pH, pW, pW):
            continue
        try:
            result = conv2d(pad2d(x, padding, mode), weight, bias, s, 0, d)
        except (RuntimeError, ValueError):  # reflect too wide, or the kernel no longer fits
            continue
        mistakes[f"{hint} (yours: (top, bottom, left, right) = {padding})"] = result
    return mistakes


def convolve2d_mistakes(image: torch.Tensor, kernel: torch.Tensor) -> dict:
    """Cross-correlation (no flip) and half-flipped kernels, for the (H, W) image and (kH, kW) kernel."""

    def correlate(k: torch.Tensor) -> torch.Tensor:
        return conv2d(image[None, None], k[None, None])[0, 0]

    right = correlate(kernel.flip(0, 1))
    return {
        NOT_FLIPPED: correlate(kernel),
        FLIPPED_ROWS_ONLY: correlate(kernel.flip(0)),
        FLIPPED_COLUMNS_ONLY: correlate(kernel.flip(1)),
        VALID_TOO_SMALL: right[:-1, :-1],
    }


def pad2d_mistakes(x: torch.Tensor, padding, mode: str) -> dict:
    """Results of the usual pad2d mistakes: wrong order, per-side vs total, wrong mode."""
    t, b, l, r = (padding,) * 4 if isinstance(padding, int) else padding

    def pad_as(sides: tuple[int, int, int, int], as_mode: str) -> torch.Tensor | None:
        """The reference pad2d(x, sides, as_mode); None where that mistake cannot happen (reflect too wide)."""
        try:
            return pad2d(x, sides, as_mode)
        except ValueError:
            return None

    candidates = {
        # (top, bottom, left, right) read as F.pad's (left, right, top, bottom)
        PAD_ORDER: pad_as((l, r, t, b), mode),
        PAD_TOTAL: pad_as((t // 2, b // 2, l // 2, r // 2), mode) if isinstance(padding, int) else None,
        PAD_ZEROS: pad_as((t, b, l, r), "zeros") if mode != "zeros" else None,
        ONES_AS_ZEROS: pad_as((t, b, l, r), "zeros") if mode == "ones" else None,
        REFLECT_FOR_REPLICATE: pad_as((t, b, l, r), "reflect") if mode == "replicate" else None,
        REPLICATE_FOR_REFLECT: pad_as((t, b, l, r), "replicate") if mode == "reflect" else None,
    }
    candidates.update(uneven_sides(pad_as, (t, b, l, r), mode))
    if mode == "reflect":
        widths = [(0, 0)] * (x.ndim - 2) + [(t, b), (l, r)]
        candidates[SYMMETRIC] = torch.from_numpy(np.pad(x.numpy(), widths, mode="symmetric"))
    return {hint: result for hint, result in candidates.items() if result is not None}


def uneven_sides(pad_as, sides: tuple[int, int, int, int], mode: str) -> dict[str, torch.Tensor | None]:
    """pad2d's results with the padding on one side only, all of it on one side, or the sides swapped; each hint
    says which padding the student's result has."""
    t, b, l, r = sides
    wrong = {SIDES_MISSING: [(t, 0, l, 0), (0, b, 0, r)], ALL_ON_ONE_SIDE: [(t + b, 0, l + r, 0), (0, t + b, 0, l + r)],
             SIDES_SWAPPED: [(b, t, r, l)]}
    return {f"{hint} (yours: (top, bottom, left, right) = {padding})": pad_as(padding, mode)
            for hint, paddings in wrong.items() for padding in paddings if padding != sides}


GX_GY_SWAPPED = "gx and gy swapped: gx comes from Kx = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], gy from Ky = Kx.T"
GRADIENT_SIGN = (
    "gradient sign reversed: with conv2d (no flip) Kx gives right minus left; did you flip the kernel, "
    "or swap -1 and 1?"
)
SOBEL_ZERO_PADDING = "zero padding used: pad with padding_mode='replicate' so the image border is not an edge"
NOT_SCALED = "uint8 pixels were not divided by 255: the grayscale image must lie in [0, 1]"
BT709 = "wrong luma weights (0.2126, 0.7152, 0.0722 are BT.709): use BT.601, 0.299 R + 0.587 G + 0.114 B"
PLAIN_MEAN = "you averaged R, G, B: weight them with 0.299, 0.587, 0.114 (the eye is most sensitive to green)"
ALPHA_USED = "the alpha channel was mixed in: use only the first three channels (R, G, B)"
ALPHA_AVERAGED = "you averaged all four channels, alpha included: weight R, G, B with the luma weights"
UINT8_WRAPPED = "uint8 arithmetic wrapped around at 255: convert the image to float before adding the channels"
NOT_NORMALISED = "the magnitude was not divided by its maximum: sobel_edges must lie in [0, 1]"
NO_SQRT = "you used gx² + gy² without the square root: the magnitude is sqrt(gx² + gy²)"
NO_SQRT_NOT_NORMALISED = "you returned gx² + gy²: take the square root, then divide by the maximum"
L1_MAGNITUDE = "you used |gx| + |gy|: the magnitude is sqrt(gx² + gy²)"


def grayscale_mistakes(img: np.ndarray) -> dict:
    """Unscaled uint8, BT.709 weights, plain mean, alpha mixed in."""
    x = torch.from_numpy(np.ascontiguousarray(img)).to(torch.float32)
    scaled = x / 255.0 if img.dtype == np.uint8 else x
    mistakes = {NOT_SCALED: to_grayscale(img) * 255.0} if img.dtype == np.uint8 else {}
    if img.ndim == 3:
        rgb = scaled[..., :3]  # (H, W, 3)
        mistakes[BT709] = rgb @ torch.tensor([0.2126, 0.7152, 0.0722])
        mistakes[PLAIN_MEAN] = rgb.mean(-1)
        if img.dtype == np.uint8:  # R + G + B added as uint8: the sum wraps around at 256
            wrapped = torch.from_numpy(img[..., 0] + img[..., 1] + img[..., 2]).to(torch.float32)
            mistakes[UINT8_WRAPPED] = wrapped / 3 / 255.0
        if img.shape[-1] == 4:
            mistakes[ALPHA_AVERAGED] = scaled.mean(-1)
            mistakes[ALPHA_USED] = scaled @ torch.tensor([0.299, 0.587, 0.114, 1.0])
    return mistakes


def sobel_mistakes(img: np.ndarray) -> tuple[dict, dict]:
    """({hint: wrong gx}, {hint: wrong gy}) for the usual Sobel mistakes."""
    gx, gy = sobel_gradients(img)
    gray = to_grayscale(img)[None, None]  # (1, 1, H, W)
    kx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    zero_padded = conv2d(gray, torch.stack([kx, kx.T])[:, None], padding=1)[0]  # (2, H, W)
    wrong_gx = {GX_GY_SWAPPED: gy, GRADIENT_SIGN: -gx, SOBEL_ZERO_PADDING: zero_padded[0]}
    wrong_gy = {GX_GY_SWAPPED: gx, GRADIENT_SIGN: -gy, SOBEL_ZERO_PADDING: zero_padded[1]}
    if img.dtype == np.uint8:
        wrong_gx[NOT_SCALED] = gx * 255.0
        wrong_gy[NOT_SCALED] = gy * 255.0
    return wrong_gx, wrong_gy


def edges_mistakes(img: np.ndarray) -> dict:
    """Unnormalised, squared and L1 magnitudes."""
    gx, gy = sobel_gradients(img)
    squared = gx**2 + gy**2
    l1 = gx.abs() + gy.abs()
    return {
        NOT_NORMALISED: squared.sqrt(),
        NO_SQRT: squared / squared.max().clamp_min(1e-12),
        NO_SQRT_NOT_NORMALISED: squared,
        L1_MAGNITUDE: l1 / l1.max().clamp_min(1e-12),
    }


# The sheet's "Common mistakes" (solutions/lab1_convolution/README.md), one for one: each bullet's bold words ->
# the (exercise, words of the hint that names it) of each mistake it lists (tests/test_sheet_mistakes.py grades a
# submission that makes each one).
SHEET_MISTAKES = {
    "Flipping the kernel in `conv2d`.": (("lab1.3", FLIPPED_KERNEL), ("lab1.3", KERNEL_FLIPPED_ROWS)),
    "Output size off by one": (("lab1.2", "forgot the + 1"), ("lab1.2", "dilation ignored")),
    "Padding in total instead of per side": (("lab1.3", PAD_TOTAL), ("lab1.3", PAD_ONE_SIDE), ("lab1.3", PAD_UNEVEN),
                                             ("lab1.1", SIDES_MISSING)),
    "`F.pad` order": (("lab1.1", PAD_ORDER),),
    "Not summing over input channels": (("lab1.3", ONE_CHANNEL),),
    "Reflect vs symmetric": (("lab1.1", SYMMETRIC),),
    "Stride and dilation swapped": (("lab1.3", STRIDE_DILATION_MIXED), ("lab1.3", STRIDE_ONE_AXIS),
                                    ("lab1.3", DILATION_ONE_AXIS)),
    "Forgetting the bias": (("lab1.3", MISSING_BIAS), ("lab1.3", "must be equal (or 1)")),
    "Integer images": (("lab1.5", UINT8_WRAPPED),),
}
# bullets no judge test can see, and why
SHEET_NOT_GRADED = {
    "`as_strided` on a non-contiguous tensor": "conv2d is given contiguous tensors, and pad2d returns a new one, so "
    "strides computed as if contiguous are right there: a test on a transposed x would show it",
}
