"""pad2d allocates memory until something gives (the grader runs this case with a 1 GB memory limit)."""
# select: test_zeros_with_int_padding or test_to_grayscale
# expect: fail
# feedback: memory limit
# options: --memory-gb 1

import torch


def pad2d(x, padding, mode="zeros"):
    hoard = []
    while True:
        hoard.append(torch.ones(64 * 1024 * 1024 // 4))  # 64 MB at a time, written so it is really used
