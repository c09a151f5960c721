"""Random small rotations, shifts and scalings of a batch of digits: more varied training digits from the same
4,000 (Simard, Steinkraus & Platt 2003 distort MNIST digits for the same reason)."""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ipdl.data.mnist import MNIST_MEAN, MNIST_STD


@dataclass(frozen=True)
class RandomAffine:
    """Callable on (B, C, H, W) images: each image gets its own random rotation, scale and shift."""

    max_degrees: float = 10.0  # rotation drawn uniformly from [-max_degrees, max_degrees]
    max_shift: float = 2.0  # shift in pixels, drawn uniformly from [-max_shift, max_shift] per axis
    max_scale: float = 0.1  # zoom factor drawn uniformly from [1 - max_scale, 1 + max_scale]
    background: float = -MNIST_MEAN / MNIST_STD  # value of a black pixel after normalisation

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        if images.ndim != 4:
            raise ValueError(f"expected (B, C, H, W) images, got shape {tuple(images.shape)}")
        B, C, H, W = images.shape
        theta = self.random_transforms(B, H, W, images.device)  # (B, 2, 3)
        grid = F.affine_grid(theta, [B, C, H, W], align_corners=False)  # (B, H, W, 2)
        # grid_sample fills the outside with 0; shift so that 0 is the background colour
        moved = F.grid_sample(images - self.background, grid, mode="bilinear", align_corners=False)
        return moved + self.background  # (B, C, H, W)

    def random_transforms(self, B: int, H: int, W: int, device: torch.device) -> torch.Tensor:
        """(B, 2, 3) affine matrices mapping output to input coordinates in [-1, 1] (affine_grid's convention)."""
        angle = (torch.rand(B, device=device) * 2 - 1) * math.radians(self.max_degrees)  # (B,)
        scale = 1 + (torch.rand(B, device=device) * 2 - 1) * self.max_scale  # (B,)
        shift = (torch.rand(B, 2, device=device) * 2 - 1) * self.max_shift  # (B, 2) in pixels
        shift = shift * torch.tensor([2.0 / W, 2.0 / H], device=device)  # (B, 2): a pixel is 2/W wide in [-1, 1]
        cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale  # zooming in = sampling a smaller area
        return torch.stack([
            torch.stack([cos, -sin, shift[:, 0]], dim=1),
            torch.stack([sin, cos, shift[:, 1]], dim=1),
        ], dim=1)  # (B, 2, 3)
