"""lab1.2 conv_output_size: floor((size + 2p - d(k-1) - 1) / s) + 1, checked on named cases and a sweep."""

import pytest

from grader.feedback import assert_value_equal
from solutions.lab1_convolution.convolution import conv_output_size as reference_size

pytestmark = pytest.mark.exercise("lab1.2")


@pytest.fixture(scope="module")
def conv_output_size(student):
    return student.function("lab1_convolution.convolution.conv_output_size")


def size_hint(got, size: int, kernel_size: int, stride: int, padding: int, dilation: int) -> str | None:
    """Name the mistake that gives `got`, if one does."""
    if not isinstance(got, int) or isinstance(got, bool):
        return "return a Python int: use integer division // (not /), and no numpy or tensor types"
    span = dilation * (kernel_size - 1) + 1
    mistakes = [  # most likely first: the first one that gives `got` is named
        ((size + 2 * padding - span) // stride, "forgot the + 1: a kernel that fits exactly gives 1 output"),
        ((size + 2 * padding - kernel_size) // stride + 1, "dilation ignored: the kernel spans d*(k-1)+1 pixels"),
        ((size + 2 * padding - span) // stride + 2, "one too many: the formula already counts the first position"),
        ((size + padding - span) // stride + 1, "padding is added on EACH side: use size + 2 * padding"),
        (round((size + 2 * padding - span) / stride) + 1, "rounded instead of floored: use integer division //"),
        (-((size + 2 * padding - span) // -stride) + 1, "rounded up instead of down: use integer division //"),
        (size + 2 * padding - span + 1, "stride ignored: divide by the stride"),
    ]
    right = reference_size(size, kernel_size, stride, padding, dilation)
    return next((hint for value, hint in mistakes if value == got and value != right), None)


def check_size(conv_output_size, size: int, kernel_size: int, stride: int, padding: int, dilation: int) -> None:
    got = conv_output_size(size, kernel_size, stride=stride, padding=padding, dilation=dilation)
    assert_value_equal(
        got,
        reference_size(size, kernel_size, stride, padding, dilation),
        what=f"conv_output_size({size}, kernel_size={kernel_size}, stride={stride}, padding={padding}, "
        f"dilation={dilation})",
        hint=size_hint(got, size, kernel_size, stride, padding, dilation),
    )


@pytest.mark.points(1)
def test_slide_example(conv_output_size):
    """5x5 input, 3x3 kernel, no padding, stride 1 -> 3 (the worked example)."""
    got = conv_output_size(5, 3)
    assert_value_equal(got, 3, what="conv_output_size(5, 3)", hint=size_hint(got, 5, 3, 1, 0, 1))


@pytest.mark.points(1)
def test_stride_and_padding(conv_output_size):
    """ "Same" padding (32, 5, p=2 -> 32), stride 2 (28, 5 -> 12) and stride 3 with padding (10, 3, p=1 -> 4)."""
    check_size(conv_output_size, 32, 5, stride=1, padding=2, dilation=1)
    check_size(conv_output_size, 28, 5, stride=2, padding=0, dilation=1)
    check_size(conv_output_size, 10, 3, stride=3, padding=1, dilation=1)


@pytest.mark.points(1)
def test_dilation(conv_output_size):
    """A 3-tap kernel with dilation 2 spans 5 pixels."""
    check_size(conv_output_size, 7, 3, stride=2, padding=1, dilation=2)
    check_size(conv_output_size, 9, 3, stride=1, padding=0, dilation=3)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_sweep(conv_output_size):
    """Every combination of a few sizes, kernels, strides, paddings and dilations where the kernel fits."""
    for size in (1, 4, 7, 16):
        for kernel_size in (1, 2, 3, 5):
            for stride in (1, 2, 3):
                for padding in (0, 1, 2):
                    for dilation in (1, 2):
                        if dilation * (kernel_size - 1) + 1 <= size + 2 * padding:
                            check_size(conv_output_size, size, kernel_size, stride, padding, dilation)
