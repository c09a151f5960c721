"""The network of Lab 6: a small class-conditional UNet2DModel from diffusers that predicts the noise in
24x24 MNIST digits, and the conversions between MNIST's 28x28 uint8 pixels and its [-1, 1] pixel space.

MNIST digits sit in a 20x20 box centred by mass in 28x28, so the central 24x24 crop keeps 99.8% of the ink
and halves twice cleanly (24 -> 12 -> 6); that makes training about 1.6x cheaper than at 28x28.
"""

from dataclasses import dataclass

import torch
from diffusers import UNet2DModel
from torch import nn

MNIST_SIZE = 28
NUM_DIGITS = 10
NULL_CLASS = NUM_DIGITS  # the extra class "no digit asked for": unconditional samples, classifier-free guidance


@dataclass
class DenoiserConfig:
    image_size: int = 24  # side of the square crop the model works on
    channels: tuple[int, ...] = (32, 64, 64)  # feature channels per resolution (24, 12, 6)
    layers_per_block: int = 1  # ResNet blocks per resolution on the way down (one more on the way up)
    attention: bool = False  # self-attention at the lowest resolution (slower on a CPU, little gain at 6x6)


def build_unet(config: DenoiserConfig) -> UNet2DModel:
    """A fresh UNet2DModel for 1-channel images with NUM_DIGITS + 1 class embeddings (the last is NULL_CLASS)."""
    levels = len(config.channels)
    last_down = "AttnDownBlock2D" if config.attention else "DownBlock2D"
    first_up = "AttnUpBlock2D" if config.attention else "UpBlock2D"
    return UNet2DModel(
        sample_size=config.image_size, in_channels=1, out_channels=1,
        block_out_channels=tuple(config.channels), layers_per_block=config.layers_per_block,
        down_block_types=("DownBlock2D",) * (levels - 1) + (last_down,),
        up_block_types=(first_up,) + ("UpBlock2D",) * (levels - 1),
        norm_num_groups=8, add_attention=config.attention, num_class_embeds=NUM_DIGITS + 1,
    )


class NoisePredictor(nn.Module):
    """Adapts a UNet2DModel to the lab's calling convention: (x_t, t, class_labels or None) -> predicted noise."""

    def __init__(self, unet: UNet2DModel):
        super().__init__()
        self.unet = unet

    def forward(self, x_t: torch.Tensor, t: torch.Tensor, class_labels: torch.Tensor | None = None) -> torch.Tensor:
        if class_labels is None:  # the model is class-conditional: "no class" is a class of its own
            class_labels = torch.full((x_t.shape[0],), NULL_CLASS, dtype=torch.long, device=x_t.device)
        return self.unet(x_t, t, class_labels).sample  # (B, 1, H, W)


def digits_to_model(pixels: torch.Tensor, image_size: int = 24) -> torch.Tensor:
    """uint8 (N, 28, 28) digits in [0, 255] -> float32 (N, 1, S, S) central crops in [-1, 1]."""
    if pixels.dtype != torch.uint8 or pixels.ndim != 3 or pixels.shape[1:] != (MNIST_SIZE, MNIST_SIZE):
        raise ValueError(f"expected (N, 28, 28) uint8 digits, got {pixels.dtype} of shape {tuple(pixels.shape)}")
    border = (MNIST_SIZE - image_size) // 2
    crop = pixels[:, border:border + image_size, border:border + image_size]  # (N, S, S)
    return (crop.to(torch.float32) / 127.5 - 1.0).unsqueeze(1)  # (N, 1, S, S)


def model_to_digits(images: torch.Tensor) -> torch.Tensor:
    """float (N, 1, S, S) samples in [-1, 1] -> uint8 (N, 28, 28) digits, the crop padded back with background."""
    N, C, S, _ = images.shape
    border = (MNIST_SIZE - S) // 2
    pixels = ((images[:, 0].clamp(-1.0, 1.0) + 1.0) * 127.5).round().to(torch.uint8)  # (N, S, S)
    digits = torch.zeros(N, MNIST_SIZE, MNIST_SIZE, dtype=torch.uint8)
    digits[:, border:border + S, border:border + S] = pixels
    return digits
