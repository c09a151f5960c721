"""Sobel edge detection on your own conv2d, following the "Edge detection" slide (Sobel & Feldman 1968).

Two 3x3 kernels give the brightness gradients gx, gy; their magnitude, scaled to [0, 1], is the edge strength.
"""

import numpy as np
import torch

from .convolution import conv2d


def to_grayscale(img: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Turn a gray, RGB or RGBA image into a float32 (H, W) brightness image in [0, 1].

    Colour uses the ITU-R BT.601 luma weights, Y = 0.299 R + 0.587 G + 0.114 B; alpha is ignored.

    Args:
        img: (H, W), (H, W, 3) or (H, W, 4); uint8 in [0, 255] or float in [0, 1].
    Returns:
        float32 tensor of shape (H, W).
    """
    if isinstance(img, np.ndarray):
        img = torch.from_numpy(np.ascontiguousarray(img))
    if not (img.ndim == 2 or (img.ndim == 3 and img.shape[-1] in (3, 4))):
        raise ValueError(f"expected an image of shape (H, W), (H, W, 3) or (H, W, 4), got {tuple(img.shape)}")
    if img.dtype != torch.uint8 and not img.dtype.is_floating_point:
        raise ValueError(f"expected uint8 pixels in [0, 255] or floats in [0, 1], got dtype {img.dtype}")
    # BEGIN SOLUTION lab1.5: scale to float32 in [0, 1], then mix R, G, B with the BT.601 luma weights
    x = img.to(torch.float32)
    if img.dtype == torch.uint8:
        x = x / 255.0
    if x.ndim == 2:
        return x  # (H, W)
    luma = torch.tensor([0.299, 0.587, 0.114])  # (3,)
    return x[..., :3] @ luma  # (H, W, 3) @ (3,) -> (H, W)
    # END SOLUTION


def sobel_gradients(img: np.ndarray | torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Horizontal and vertical brightness gradients of an image, with the 3x3 Sobel kernels.

        Kx = [[-1, 0, 1],      Ky = Kx.T = [[-1, -2, -1],
              [-2, 0, 2],                   [ 0,  0,  0],
              [-1, 0, 1]]                   [ 1,  2,  1]]

    Cross-correlate (conv2d, no flip) the grayscale image with both kernels, with replicate padding 1
    so the output keeps the input size and the border does not look like an edge.

    Args:
        img: anything to_grayscale accepts.
    Returns:
        (gx, gy), each float32 (H, W): gx > 0 where brightness increases to the right,
        gy > 0 where it increases downward.
    """
    # BEGIN SOLUTION lab1.6: convert to grayscale, then conv2d with Kx and Ky (replicate padding 1)
    gray = to_grayscale(img)  # (H, W)
    kx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])  # (3, 3)
    weight = torch.stack([kx, kx.T])[:, None]  # (2, 1, 3, 3): output channel 0 = gx, 1 = gy
    grads = conv2d(gray[None, None], weight, padding=1, padding_mode="replicate")  # (1, 2, H, W)
    return grads[0, 0], grads[0, 1]
    # END SOLUTION


def sobel_edges(img: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Edge strength: the gradient magnitude sqrt(gx^2 + gy^2), divided by its maximum.

    Args:
        img: anything to_grayscale accepts.
    Returns:
        float32 (H, W) in [0, 1]; all zeros for a flat image (maximum 0).
    """
    # BEGIN SOLUTION lab1.7: take the gradient magnitude and divide it by its maximum (unless that is 0)
    gx, gy = sobel_gradients(img)
    magnitude = torch.sqrt(gx**2 + gy**2)  # (H, W)
    peak = magnitude.max()
    if peak == 0:
        return torch.zeros_like(magnitude)
    return magnitude / peak
    # END SOLUTION


def edge_map(img: np.ndarray | torch.Tensor, threshold: float = 0.2) -> torch.Tensor:
    """Binary edge map: True where the normalised edge strength is at least `threshold`.

    Args:
        img: anything to_grayscale accepts.
        threshold: in [0, 1]; lower finds more (and weaker) edges.
    Returns:
        bool (H, W).
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1] (edge strengths are normalised), got {threshold}")
    # BEGIN SOLUTION lab1.8: compare the normalised edge strength with the threshold
    return sobel_edges(img) >= threshold
    # END SOLUTION
