"""pad2d never returns."""
# select: test_zeros_with_int_padding or test_to_grayscale
# expect: fail
# feedback: did not finish within


def pad2d(x, padding, mode="zeros"):
    while True:
        pass
