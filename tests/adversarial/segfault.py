"""pad2d crashes the interpreter with a segmentation fault."""
# select: test_zeros_with_int_padding or test_to_grayscale
# expect: fail
# feedback: segmentation fault

import ctypes


def pad2d(x, padding, mode="zeros"):
    ctypes.string_at(0)
