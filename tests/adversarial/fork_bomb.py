"""pad2d forks until it cannot; every child leaves the process group (setsid) and sleeps, to outlive the grader."""
# select: test_zeros_with_int_padding or test_to_grayscale
# expect: fail
# feedback: too many processes
# needs: own-user

import os
import time


def pad2d(x, padding, mode="zeros"):
    while True:
        if os.fork() == 0:
            os.setsid()
            time.sleep(600)
            os._exit(0)
