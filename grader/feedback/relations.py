"""Name the relation between a wrong result and the expected one, when no known mistake matched: transposed,
flipped, shifted by a pixel, scaled (a factor of B or N: sum vs mean), offset, right inside but wrong on the
border, right for the first batch item or channel only, channels or classes permuted, each channel or row offset
by a constant of its own, a True/False map inverted, the wrong range (logits for probabilities, [0, 255] for
[0, 1]), NaN or inf where the expected is finite. Integer results (indices, class maps) are compared as numbers.

Every test is a cheap tensor comparison, run only after a check has failed.
"""

import itertools

import torch


def close(a: torch.Tensor, b: torch.Tensor, atol: float, rtol: float) -> bool:
    return a.shape == b.shape and bool(torch.isclose(a, b, rtol=rtol, atol=atol).all())


def shape_relation(got_shape: tuple, expected_shape: tuple) -> str | None:
    """A sentence when the shapes differ in a known way."""
    if len(got_shape) == len(expected_shape) >= 2 and got_shape[:-2] + got_shape[-2:][::-1] == expected_shape:
        return "your result has the transposed shape: the last two dimensions (rows, columns) are swapped"
    if sorted(got_shape) == sorted(expected_shape):
        return f"your result has the expected sizes in another order {got_shape}: check a permute/transpose/view"
    if len(got_shape) == len(expected_shape):
        off = [i for i, (g, e) in enumerate(zip(got_shape, expected_shape, strict=True)) if g != e]
        if len(off) <= 2 and all(abs(got_shape[i] - expected_shape[i]) <= 2 for i in off) and len(got_shape) >= 2:
            return (f"dimension(s) {off} are off by {[got_shape[i] - expected_shape[i] for i in off]}: "
                    f"check the output size (padding on each side, the +1 in the size formula)")
    if got_shape == expected_shape[1:] or got_shape == expected_shape[:-1]:
        return "a dimension is missing: did you reduce (sum/mean) over one dimension too many?"
    return None


def geometric(got: torch.Tensor, expected: torch.Tensor, atol: float, rtol: float) -> str | None:
    """Transposed, flipped or shifted by one pixel along rows or columns."""
    if expected.dim() < 2:
        return None
    if expected.shape[-1] == expected.shape[-2] and close(got, expected.transpose(-2, -1), atol, rtol):
        return "your result is the expected one transposed (rows and columns swapped)"
    for dims, what in (((-2, -1), "upside down and left to right (rotated 180°)"), ((-2,), "upside down"),
                       ((-1,), "left to right")):
        if close(got, expected.flip(dims), atol, rtol):
            return f"your result is the expected one flipped {what}"
    for shift, dim in itertools.product((1, -1, 2, -2), (-2, -1)):
        n = abs(shift)
        if expected.shape[dim] <= 2 * n + 1:
            continue
        moved = expected.roll(shift, dim).narrow(dim, n, expected.shape[dim] - 2 * n)
        if close(got.narrow(dim, n, got.shape[dim] - 2 * n), moved, atol, rtol):
            axis = "down" if dim == -2 else "right"
            return (f"your result is the expected one shifted by {shift} pixel(s) {axis if shift > 0 else 'back'} "
                    f"({'rows' if dim == -2 else 'columns'}): check the padding on each side and where windows start")
    return None


def scale_and_offset(got: torch.Tensor, expected: torch.Tensor, atol: float, rtol: float) -> str | None:
    """A constant factor (naming B, N, 255 where it equals one) or a constant offset."""
    if got.numel() == 0 or not bool(torch.isfinite(got).all()):
        return None
    difference = got - expected
    if close(difference, difference.flatten()[0].expand_as(difference), atol * 10, rtol) and \
            abs(float(difference.flatten()[0])) > atol:
        return f"your result is the expected one plus a constant {float(difference.flatten()[0]):.4g}"
    big = expected.abs() > atol * 100
    if not bool(big.any()):
        return None
    factor = float((got[big] / expected[big]).median())
    if factor != 0 and abs(factor - 1) > 1e-3 and close(got, expected * factor, atol * 10, rtol * 10):
        return f"your result is the expected one times {factor:.4g}" + factor_name(factor, expected.shape)
    return None


def factor_name(factor: float, shape: tuple) -> str:
    """' (= 255: ...)' or ' (= B, the batch size: sum instead of mean?)' when the factor is a known size."""
    for value, name in ((255.0, "255: pixel values not scaled to [0, 1]?"),
                        (1 / 255.0, "1/255: divided by 255 once too often?"), (100.0, "100: a percentage?")):
        if abs(factor - value) < 1e-3 * value:
            return f" (= {name})"
    sizes = {"B, the batch size": shape[0] if shape else 0, "N, the number of values": int(torch.Size(shape).numel())}
    if len(shape) > 1:
        sizes["the size of dimension 1"] = shape[1]
    for name, size in sizes.items():
        if size > 1 and (abs(factor - size) < 1e-3 * size or abs(factor * size - 1) < 1e-3):
            return f" (= {'1/' if factor < 1 else ''}{name}: sum where the mean belongs, or the other way round?)"
    return ""


def offset_per_slice(got: torch.Tensor, expected: torch.Tensor, atol: float, rtol: float) -> str | None:
    """Each channel (dimension 1) or each row (all but the last dimension) off by a constant of its own."""
    if got.numel() == 0 or not bool(torch.isfinite(got).all()):
        return None
    difference = got - expected
    for dims, what, why in (((0, *range(2, expected.dim())), "channel (dimension 1)",
                             "a per-channel bias or shift (beta) missing, doubled or of the wrong sign?"),
                            ((-1,), "row (along the last dimension)",
                             "normalised or reduced over the wrong dimension (a sum or max over everything?)")):
        if expected.dim() < (3 if what.startswith("channel") else 2):
            continue
        offsets = difference.mean(dim=dims, keepdim=True)
        if close(difference, offsets.expand_as(difference), atol * 10, rtol) and float(offsets.abs().max()) > atol:
            return f"each {what} of your result is the expected one plus a constant of its own: {why}"
    return None


def inverted(got: torch.Tensor, expected: torch.Tensor) -> str | None:
    """A True/False map that is the opposite of the expected one everywhere."""
    if expected.dtype == torch.bool and bool((got == ~expected).all()):
        return "your map is the opposite of the expected one everywhere: a comparison the other way round (< for >=)?"
    return None


def partial(got: torch.Tensor, expected: torch.Tensor, atol: float, rtol: float) -> str | None:
    """Right inside but not on the border, or right for the first batch item / channel only."""
    if expected.dim() >= 2 and min(expected.shape[-2:]) > 2:
        inner = (slice(None),) * (expected.dim() - 2) + (slice(1, -1), slice(1, -1))
        if close(got[inner], expected[inner], atol, rtol):
            return "the interior is right but the border is wrong: check the padding (its mode and its size per side)"
    for dim, what in ((0, "the first batch item"), (1, "the first channel (or class)")):
        if expected.dim() > dim + 1 and expected.shape[dim] > 1 and \
                close(got.select(dim, 0), expected.select(dim, 0), atol, rtol):
            return f"only {what} is right: the others are wrong (an index fixed to 0, or a loop that stops early?)"
    return None


def permuted(got: torch.Tensor, expected: torch.Tensor, atol: float, rtol: float) -> str | None:
    """Channels (dimension 1) or classes (the last dimension) in another order, or sorted the other way."""
    for dim, what in ((1, "channels"), (-1, "classes (last dimension)")):
        if expected.dim() <= (dim if dim >= 0 else 0) or expected.shape[dim] < 2 or expected.shape[dim] > 64:
            continue
        if close(got, expected.flip(dim), atol, rtol):
            return f"your {what} are in reverse order (sorted the wrong way?)"
        slices_got = [got.select(dim, i) for i in range(got.shape[dim])]
        slices_expected = [expected.select(dim, i) for i in range(expected.shape[dim])]
        if all(any(close(g, e, atol, rtol) for e in slices_expected) for g in slices_got):
            return f"every one of your {what} is right but in another order: a permutation"
    return None


def wrong_range(got: torch.Tensor, expected: torch.Tensor, atol: float, rtol: float) -> str | None:
    """NaN/inf where the expected is finite; logits where probabilities belong; [0, 255] where [0, 1] belongs."""
    finite = bool(torch.isfinite(expected).all())
    if finite and not bool(torch.isfinite(got).all()):
        bad = ~torch.isfinite(got)
        at_large = float(expected.abs()[bad].mean()) if bad.any() else 0.0
        where = " where the values are large: an unstable formula (subtract the maximum before exp?)" \
            if at_large > 2 * float(expected.abs().mean()) else ""
        return f"{int(bad.sum())} of your values are NaN or inf where the expected ones are finite{where}"
    if not finite or got.numel() < 2:
        return None
    low, high = float(expected.min()), float(expected.max())
    if low >= 0 and high <= 1 and (float(got.min()) < -1e-6 or float(got.max()) > 1 + 1e-6):
        if float(got.max()) > 2 and float(got.max()) <= 255 and float(got.min()) >= 0:
            return "values should lie in [0, 1] but yours reach [0, 255]: divide by 255"
        if close(got.exp(), expected, atol * 10, rtol * 10):
            return "you returned log-probabilities where probabilities belong: take exp()"
        span = f"[{float(got.min()):.3g}, {float(got.max()):.3g}]"
        return f"values should lie in [0, 1] (probabilities), yours span {span}: logits where probabilities belong?"
    if high <= 0 and close(got.log(), expected, atol * 10, rtol * 10):
        return "you returned probabilities where log-probabilities belong: take the log"
    return None


def describe_relation(got: torch.Tensor, expected: torch.Tensor, atol: float, rtol: float) -> str | None:
    """A plain-words sentence on how `got` relates to `expected` (both plain tensors), or None."""
    if got.shape != expected.shape:
        return shape_relation(tuple(got.shape), tuple(expected.shape))
    if got.dtype != expected.dtype or expected.is_complex():
        return None
    if expected.dtype == torch.bool and inverted(got, expected):
        return inverted(got, expected)
    got, expected = got.double(), expected.double()  # integers (indices, class maps) and booleans as numbers
    tolerance = (max(atol, 1e-7), max(rtol, 1e-7))
    for relation in (wrong_range, geometric, permuted, scale_and_offset, offset_per_slice, partial):
        sentence = relation(got, expected, *tolerance)
        if sentence:
            return sentence
    return None
