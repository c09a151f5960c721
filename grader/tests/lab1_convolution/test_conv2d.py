"""lab1.3 conv2d: the slide's example, then channels, bias, stride, padding, dilation and padding modes
against the reference (which equals nn.Conv2d); torch's own convolution and unfold are off limits."""

import pytest
import torch

from grader.feedback import assert_tensor_close
from grader.tests.lab1_convolution.forbidden import CONV_OPS, PAD_OPS
from grader.tests.lab1_convolution.known_mistakes import conv2d_mistakes
from grader.tests.lab1_convolution.upstream import blame_earlier_exercise
from solutions.lab1_convolution.convolution import conv2d as reference_conv2d

pytestmark = pytest.mark.exercise("lab1.3")

SLIDE_INPUT = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
SLIDE_KERNEL = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]
SLIDE_OUTPUT = [[12, 12, 17], [10, 17, 19], [9, 6, 14]]


@pytest.fixture(scope="module")
def conv2d(student):
    return student.function("lab1_convolution.convolution.conv2d", forbidden_ops=CONV_OPS + PAD_OPS)


def random_case(
    B: int,
    C_in: int,
    C_out: int,
    H: int,
    W: int,
    kH: int,
    kW: int,
    seed: int,
    bias: bool = False,
    dtype: torch.dtype = torch.float32,
) -> tuple:
    """(x, weight, bias) drawn from a fixed seed."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(B, C_in, H, W, generator=generator, dtype=dtype)
    weight = torch.randn(C_out, C_in, kH, kW, generator=generator, dtype=dtype)
    b = torch.randn(C_out, generator=generator, dtype=dtype) if bias else None
    return x, weight, b


def check_conv(student, conv2d, x, weight, bias=None, atol: float = 1e-4, **options) -> None:
    """Compare the student's conv2d with the reference for these inputs and keyword options."""
    expected = reference_conv2d(x, weight, bias, **options)
    shown = ", ".join(f"{k}={v!r}" for k, v in options.items())
    what = (
        f"conv2d(x {tuple(x.shape)}, weight {tuple(weight.shape)}, "
        f"bias {'None' if bias is None else tuple(bias.shape)}{', ' + shown if shown else ''})"
    )
    with blame_earlier_exercise(student, "conv2d", given=((x, weight, bias), options)):
        got = conv2d(x, weight, bias, **options)
        assert_tensor_close(
            got, expected, what=what, atol=atol, rtol=1e-4, mistakes=lambda: conv2d_mistakes(x, weight, bias, **options)
        )


@pytest.mark.points(3)
def test_slide_example(student, conv2d):
    """The 5x5 worked example: one channel, 3x3 kernel, no padding, stride 1."""
    x = torch.tensor(SLIDE_INPUT, dtype=torch.float32)[None, None]  # (1, 1, 5, 5)
    weight = torch.tensor(SLIDE_KERNEL, dtype=torch.float32)[None, None]  # (1, 1, 3, 3)
    with blame_earlier_exercise(student, "conv2d", given=((x, weight), {})):
        got = conv2d(x, weight)
        assert_tensor_close(
            got,
            torch.tensor(SLIDE_OUTPUT, dtype=torch.float32)[None, None],
            what="conv2d on the slide's 5x5 example",
            mistakes=lambda: conv2d_mistakes(x, weight),
        )


@pytest.mark.points(2)
def test_sums_over_input_channels(student, conv2d):
    """B=2, C_in=3, C_out=4: every output channel sums over all three input channels."""
    check_conv(student, conv2d, *random_case(2, 3, 4, 8, 9, 3, 3, seed=1))


@pytest.mark.points(2)
def test_bias(student, conv2d):
    check_conv(student, conv2d, *random_case(2, 2, 3, 7, 7, 3, 3, seed=2, bias=True))


@pytest.mark.points(1)
@pytest.mark.parametrize("stride", [2, (2, 1)], ids=["2", "(2,1)"])
def test_stride(student, conv2d, stride):
    check_conv(student, conv2d, *random_case(1, 2, 3, 9, 10, 3, 3, seed=3), stride=stride)


@pytest.mark.points(1)
@pytest.mark.parametrize("padding", [1, (2, 1)], ids=["1", "(2,1)"])
def test_zero_padding(student, conv2d, padding):
    check_conv(student, conv2d, *random_case(2, 2, 2, 6, 7, 3, 3, seed=4), padding=padding)


@pytest.mark.points(1)
@pytest.mark.parametrize("dilation", [2, (1, 3)], ids=["2", "(1,3)"])
def test_dilation(student, conv2d, dilation):
    check_conv(student, conv2d, *random_case(1, 2, 2, 11, 12, 3, 3, seed=5), dilation=dilation)


@pytest.mark.points(1)
@pytest.mark.parametrize("padding_mode", ["ones", "reflect", "replicate"])
def test_padding_modes(student, conv2d, padding_mode):
    check_conv(student, conv2d, *random_case(1, 2, 3, 6, 8, 3, 3, seed=6), padding=2, padding_mode=padding_mode)


@pytest.mark.points(2)
def test_stride_padding_dilation_together(student, conv2d):
    """Stride 2 with dilation 2 and padding: tap (m, i) reads row m*stride + i*dilation of the padded input."""
    x, weight, bias = random_case(2, 3, 2, 13, 11, 3, 2, seed=7, bias=True)
    check_conv(student, conv2d, x, weight, bias, stride=2, padding=(1, 2), dilation=2, padding_mode="replicate")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_non_square_kernel_and_1x1(student, conv2d):
    check_conv(student, conv2d, *random_case(1, 3, 2, 8, 8, 2, 5, seed=8))
    check_conv(student, conv2d, *random_case(2, 4, 5, 6, 5, 1, 1, seed=9, bias=True))


@pytest.mark.hidden
@pytest.mark.points(3)
def test_random_sweep(student, conv2d):
    """Fifty random configurations: shapes, channels, batch, kernel, stride, padding, dilation, mode."""
    generator = torch.Generator().manual_seed(2024)

    def pick(*choices):
        return choices[int(torch.randint(len(choices), (1,), generator=generator))]

    for seed in range(50):
        B, C_in, C_out = pick(1, 2, 3), pick(1, 2, 3, 4), pick(1, 2, 5)
        kH, kW = pick(1, 2, 3, 5), pick(1, 3, 4)
        stride, padding, dilation = pick(1, 2, 3, (1, 2)), pick(0, 1, 2, (2, 0)), pick(1, 2, (2, 1))
        H, W = pick(9, 12, 16), pick(8, 13, 17)
        x, weight, bias = random_case(B, C_in, C_out, H, W, kH, kW, seed=100 + seed, bias=pick(False, True))
        check_conv(
            student,
            conv2d,
            x,
            weight,
            bias,
            stride=stride,
            padding=padding,
            dilation=dilation,
            padding_mode=pick("zeros", "ones", "reflect", "replicate"),
        )


@pytest.mark.hidden
@pytest.mark.points(1)
def test_float64_stays_float64(student, conv2d):
    check_conv(
        student,
        conv2d,
        *random_case(2, 3, 2, 10, 10, 3, 3, seed=10, bias=True, dtype=torch.float64),
        atol=1e-10,
        stride=(1, 2),
        padding=1,
        padding_mode="reflect",
    )


@pytest.mark.hidden
@pytest.mark.points(2)
def test_image_sized_batch(student, conv2d):
    """A LeNet-sized layer on 64x64 images: vectorised code takes milliseconds, a loop over every pixel and
    channel runs out of time."""
    x, weight, bias = random_case(8, 3, 16, 64, 64, 5, 5, seed=11, bias=True)
    check_conv(student, conv2d, x, weight, bias, atol=1e-3, padding=2)
