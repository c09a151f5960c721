"""The reference pad2d, printing a megabyte on every call: printing costs nothing but time, and the points are
earned."""
# select: test_zeros_with_int_padding or test_each_mode_with_per_side_padding
# expect: pass

_reference_pad2d = pad2d  # noqa: F821  (appended to the reference module, which defines it)


def pad2d(x, padding, mode="zeros"):
    print("x" * 1024 * 1024)
    return _reference_pad2d(x, padding, mode)
