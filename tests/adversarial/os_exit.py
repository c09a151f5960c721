"""pad2d ends the process with os._exit(0), as if all had gone well."""
# select: test_zeros_with_int_padding or test_to_grayscale
# expect: fail
# feedback: exited with code 0

import os


def pad2d(x, padding, mode="zeros"):
    os._exit(0)
