"""pad2d returns an object that equals anything and looks like the right tensor."""
# select: test_zeros_with_int_padding or test_each_mode_with_per_side_padding
# expect: fail
# feedback: cannot be graded


class EqualsAnything:
    shape = (2, 3, 9, 10)
    dtype = "torch.float32"

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __bool__(self):
        return True


def pad2d(x, padding, mode="zeros"):
    return EqualsAnything()
