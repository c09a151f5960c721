"""Lab 1's probes for the upstream chain (grader.feedback.chains): conv2d builds on pad2d and conv_output_size,
convolve2d and the Sobel functions on conv2d, and so on (the catalogue's `uses`).

Each probe compares the student's function with the reference, with that function's known mistakes, on small
fixed inputs and, where the failing test gave them, on the inputs that test used (what conv2d was given, the
padding and sizes it needed, the image convolve2d had to flip its kernel over).
"""

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch

from grader.feedback import assert_tensor_close, assert_value_equal, expect
from grader.feedback.chains import blame_upstream
from grader.tests.lab1_convolution import known_mistakes
from grader.tests.lab1_convolution.forbidden import CONV_OPS, PAD_OPS
from grader.tests.lab1_convolution.photos import astronaut, camera
from solutions.lab1_convolution import convolution, sobel

EXERCISE = {"pad2d": "lab1.1", "conv_output_size": "lab1.2", "conv2d": "lab1.3", "convolve2d": "lab1.4",
            "to_grayscale": "lab1.5", "sobel_gradients": "lab1.6", "sobel_edges": "lab1.7", "edge_map": "lab1.8"}
MISTAKES = {"pad2d": known_mistakes.pad2d_mistakes, "conv2d": known_mistakes.conv2d_mistakes,
            "to_grayscale": known_mistakes.grayscale_mistakes, "sobel_edges": known_mistakes.edges_mistakes}


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def fixed_cases(name: str) -> list[tuple[tuple, dict]]:
    """Small fixed (args, kwargs) on which the student's `name` must agree with the reference."""
    generator = torch.Generator().manual_seed(7)
    x = torch.randn(1, 2, 5, 6, generator=generator)
    weight = torch.randn(3, 2, 3, 2, generator=generator)
    if name == "pad2d":
        return [((x, (1, 1, 1, 1), "zeros"), {})] + [((x, (1, 2, 2, 1), mode), {})
                                                    for mode in ("zeros", "ones", "reflect", "replicate")]
    if name == "conv_output_size":
        return [((5, 3), {}), ((32, 5), {"padding": 2}), ((7, 3), {"stride": 2, "padding": 1, "dilation": 2})]
    if name == "conv2d":
        options = {"stride": (2, 1), "padding": 1, "dilation": (1, 2), "padding_mode": "replicate"}
        return [((x, weight), {}), ((x, weight, torch.randn(3, generator=generator)), options)]
    return [((img,), {}) for img in (camera(), astronaut())]


def conv2d_inputs_cases(given: tuple[tuple, dict]) -> dict[str, list[tuple[tuple, dict]]]:
    """What a conv2d called as `given` needs of pad2d and conv_output_size."""
    (x, weight, *_), options = given
    p, s, d = (_pair(options.get(key, default)) for key, default in (("padding", 0), ("stride", 1), ("dilation", 1)))
    mode = options.get("padding_mode", "zeros")
    return {
        "pad2d": [((x, (p[0], p[0], p[1], p[1]), mode), {})],
        "conv_output_size": [((x.shape[-2 + axis], weight.shape[-2 + axis]),
                              {"stride": s[axis], "padding": p[axis], "dilation": d[axis]}) for axis in (0, 1)],
        "conv2d": [((x, weight, *given[0][2:]), options)],
    }


def derived_cases(function: str, given) -> dict[str, list[tuple[tuple, dict]]]:
    """The failing test's own inputs, as the upstream functions of `function` see them."""
    if given is None:
        return {}
    if function == "conv2d":
        return conv2d_inputs_cases(given)
    if function == "convolve2d":
        image, kernel = given
        return conv2d_inputs_cases(((image[None, None], kernel.flip(0, 1)[None, None]), {}))
    img = given  # a Sobel function's photo
    return {name: [((img,), {})] for name in ("to_grayscale", "sobel_gradients", "sobel_edges")}


def compare(name: str, got, expected, args: tuple, kwargs: dict) -> None:
    """Raise with `name`'s own feedback (its known mistakes' hints) when got differs from expected."""
    if isinstance(expected, tuple):
        expect(type(got) is tuple and len(got) == len(expected), f"{name}: expected a tuple of {len(expected)}")
        for got_part, expected_part in zip(got, expected, strict=True):
            compare(name, got_part, expected_part, args, kwargs)
        return
    if not isinstance(expected, (torch.Tensor, np.ndarray)):
        assert_value_equal(got, expected, what=name)
        return
    mistakes = MISTAKES[name](*args, **kwargs) if name in MISTAKES else None
    assert_tensor_close(got, expected, what=name, atol=1e-4, rtol=1e-4, mistakes=mistakes)


def probe(name: str, function: str):
    """A chain probe for the student's `name`, checked on fixed inputs and on what `function`'s test gave."""

    def check(student, given) -> None:
        module = "convolution" if hasattr(convolution, name) else "sobel"
        students = student.function(f"lab1_convolution.{module}.{name}", forbidden_ops=CONV_OPS + PAD_OPS)
        reference = getattr(convolution if module == "convolution" else sobel, name)
        for args, kwargs in derived_cases(function, given).get(name, []) + fixed_cases(name):
            compare(name, students(*args, **kwargs), reference(*args, **kwargs), args, kwargs)

    return check


@contextmanager
def blame_earlier_exercise(student, function: str, given=None) -> Iterator[None]:
    """Re-raise a failure of `function` with 'fix labN.k first: ...' when an exercise it builds on is wrong;
    `given` is the test's call: (args, kwargs) for conv2d, (image, kernel) for convolve2d, the photo otherwise."""
    probes = {EXERCISE[name]: probe(name, function) for name in EXERCISE}
    with blame_upstream(student, EXERCISE[function], probes, given):
        yield


# For any failing Lab 1 test (grader/tests/conftest.py): each exercise checked on its fixed inputs.
CHAIN_PROBES = {exercise: probe(name, "") for name, exercise in EXERCISE.items()}
