"""Name the earlier exercise to fix first when a Lab 1 function that builds on it gives a wrong answer.

conv2d uses the student's pad2d and conv_output_size, convolve2d their conv2d, and so on. When a check
fails without a more specific hint, the student's earlier functions are probed on small fixed inputs
(only then, so passing code costs nothing) and the first one that is wrong is named.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch

from grader.feedback import GradingFailure, assert_tensor_close, assert_value_equal
from grader.tests.lab1_convolution.forbidden import CONV_OPS, PAD_OPS
from grader.tests.lab1_convolution.photos import astronaut, camera
from grader.worker_client import StudentCodeError
from solutions.lab1_convolution import convolution, sobel

# function -> the earlier exercises it calls, in the order to fix them
BUILDS_ON = {
    "conv2d": (("pad2d", "lab1.1"), ("conv_output_size", "lab1.2")),
    "convolve2d": (("conv2d", "lab1.3"),),
    "sobel_gradients": (("to_grayscale", "lab1.5"), ("conv2d", "lab1.3")),
    "sobel_edges": (("sobel_gradients", "lab1.6"),),
    "edge_map": (("sobel_edges", "lab1.7"),),
}
MODULE = {
    "pad2d": "convolution",
    "conv_output_size": "convolution",
    "conv2d": "convolution",
    "to_grayscale": "sobel",
    "sobel_gradients": "sobel",
    "sobel_edges": "sobel",
}


def probe_cases(name: str) -> list[tuple[tuple, dict]]:
    """Small fixed (args, kwargs) on which the student's `name` must agree with the reference."""
    generator = torch.Generator().manual_seed(7)
    x = torch.randn(1, 2, 5, 6, generator=generator)
    weight = torch.randn(3, 2, 3, 2, generator=generator)
    if name == "pad2d":
        return [((x, (1, 2, 2, 1), mode), {}) for mode in ("zeros", "ones", "reflect", "replicate")]
    if name == "conv_output_size":
        return [((5, 3), {}), ((32, 5), {"padding": 2}), ((7, 3), {"stride": 2, "padding": 1, "dilation": 2})]
    if name == "conv2d":
        options = {"stride": (2, 1), "padding": 1, "dilation": (1, 2), "padding_mode": "replicate"}
        return [((x, weight), {}), ((x, weight, torch.randn(3, generator=generator)), options)]
    images = [camera(), astronaut()]
    return [((img,), {}) for img in images]


def agrees(student, name: str) -> bool:
    """True when the student's `name` matches the reference on every probe case."""
    function = student.function(f"lab1_convolution.{MODULE[name]}.{name}", forbidden_ops=CONV_OPS + PAD_OPS)
    reference = getattr(convolution if MODULE[name] == "convolution" else sobel, name)
    try:
        for args, kwargs in probe_cases(name):
            got, expected = function(*args, **kwargs), reference(*args, **kwargs)
            pairs = zip(got, expected, strict=True) if isinstance(expected, tuple) else [(got, expected)]
            for got_part, expected_part in pairs:
                if isinstance(expected_part, (torch.Tensor, np.ndarray)):
                    assert_tensor_close(got_part, expected_part, what=name, atol=1e-4, rtol=1e-4)
                else:
                    assert_value_equal(got_part, expected_part, what=name)
    except (GradingFailure, StudentCodeError, TypeError, ValueError):
        return False
    return True


@contextmanager
def blame_earlier_exercise(student, function: str) -> Iterator[None]:
    """Re-raise a hintless GradingFailure with a hint naming the first wrong exercise `function` uses."""
    try:
        yield
    except GradingFailure as failure:
        if failure.hint is not None:
            raise
        for name, exercise in BUILDS_ON.get(function, ()):
            if not agrees(student, name):
                hint = (
                    f"{function} builds on your {name} ({exercise}), which does not give the right results "
                    f"yet: fix {exercise} first"
                )
                raise GradingFailure(str(failure), hint) from None
        raise
