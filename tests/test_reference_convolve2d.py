"""The reference convolve2d, which the judge grades lab1.4 against, equals scipy.signal.convolve2d(mode="valid") for
the image and kernel sizes the judge's tests use (the judge itself no longer imports scipy.signal: 1.4 s of every
grading)."""

import numpy as np
import pytest
import scipy.signal
import torch

from solutions.lab1_convolution.convolution import convolve2d

JUDGE_SIZES = [  # (H, W, kH, kW, dtype) of test_matches_scipy and test_sweep_float64
    (6, 6, 3, 3, torch.float32), (7, 9, 2, 4, torch.float32),
    *[(H, W, kH, kW, torch.float64) for H, W, kH, kW in [(5, 5, 5, 5), (8, 3, 3, 3), (10, 12, 1, 4), (16, 9, 5, 2),
                                                         (4, 7, 4, 1)]],
]
SLIDE_IMAGE = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
SLIDE_KERNEL = [[0, 1, 2], [2, 2, 0], [0, 1, 2]]


@pytest.mark.parametrize(("H", "W", "kH", "kW", "dtype"), JUDGE_SIZES)
def test_reference_equals_scipy(H, W, kH, kW, dtype):
    generator = torch.Generator().manual_seed(H * W + kH * kW)
    image, kernel = torch.randn(H, W, generator=generator, dtype=dtype), torch.randn(kH, kW, generator=generator,
                                                                                      dtype=dtype)
    expected = scipy.signal.convolve2d(image.double().numpy(), kernel.double().numpy(), mode="valid")
    got = convolve2d(image, kernel)
    assert got.dtype == dtype
    assert np.allclose(got.double().numpy(), expected, atol=1e-4 if dtype == torch.float32 else 1e-10)


def test_reference_is_not_the_cross_correlation():
    """On the slide's asymmetric example the convolution differs from the cross-correlation."""
    image, kernel = (torch.tensor(values, dtype=torch.float32) for values in (SLIDE_IMAGE, SLIDE_KERNEL))
    got = convolve2d(image, kernel).numpy()
    assert np.allclose(got, scipy.signal.convolve2d(image.numpy(), kernel.numpy(), mode="valid"))
    assert not np.allclose(got, scipy.signal.correlate2d(image.numpy(), kernel.numpy(), mode="valid"))
