"""The module calls sys.exit(0) while it is imported: nothing in it can be graded."""
# select: test_zeros_with_int_padding or test_to_grayscale
# expect: all fail
# feedback: sys.exit(0)

import sys

sys.exit(0)
