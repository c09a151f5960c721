"""pad2d calls sys.exit(0)."""
# select: test_zeros_with_int_padding or test_to_grayscale
# expect: fail
# feedback: sys.exit(0)

import sys


def pad2d(x, padding, mode="zeros"):
    sys.exit(0)
