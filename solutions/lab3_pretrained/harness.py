"""Plain-data doorways into your Lab 3 code for the grader, which runs your code in a separate process: arrays,
numbers, strings, lists and dicts go in and come out, never models or PIL images. Complete: nothing to do here.

Models are built here with random weights from a seed, so grading needs no download.
"""

import numpy as np
import torch
from PIL import Image
from torch import nn

from ipdl.pretrained import build_model

from .model_summary import count_parameters, describe_model
from .preprocess import imagenet_preprocess
from .residual import BasicBlock

CONV_SETTINGS = ("kernel_size", "stride", "padding", "dilation")


class TiedNet(nn.Module):
    """A small CNN with one weight shared by two layers (count it once) and one ReLU used twice (two rows)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Linear(8, 8, bias=False)
        self.fc2 = nn.Linear(8, 8, bias=False)
        self.fc2.weight = self.fc1.weight  # the same Parameter in two layers
        self.out = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn(self.conv(x)))  # (B, 8, H, W)
        x = self.pool(x).flatten(1)  # (B, 8)
        x = self.fc2(self.relu(self.fc1(x)))  # (B, 8)
        return self.out(x)  # (B, 4)


def fresh_model(arch: str, seed: int = 0) -> nn.Module:
    """"tied_net", "resnet18" or "efficientnet_lite0" with random weights drawn from `seed`."""
    if arch == "tied_net":
        torch.manual_seed(seed)
        return TiedNet()
    return build_model(arch, seed=seed)


def preprocess_pil(pixels: np.ndarray, mode: str | None = None, resize_to: int = 256,
                   crop_to: int = 224) -> torch.Tensor:
    """Your imagenet_preprocess on Image.fromarray(pixels), converted to PIL mode `mode` first when given
    ("P" gives a palette image; "P+transparency" one whose palette colour 0 is transparent)."""
    image = Image.fromarray(pixels)
    if mode == "P+transparency":
        image = image.convert("RGB").quantize(16)
        image.info["transparency"] = 0
    elif mode is not None:
        image = image.convert(mode)
    return imagenet_preprocess(image, resize_to, crop_to)


def parameter_count(arch: str, trainable_only: bool = False, frozen: tuple[str, ...] = (), seed: int = 0) -> int:
    """Your count_parameters on a fresh `arch` whose parameters named with a prefix in `frozen` are frozen."""
    model = fresh_model(arch, seed)
    for name, parameter in model.named_parameters():
        if name.startswith(tuple(frozen)):
            parameter.requires_grad_(False)
    return count_parameters(model, trainable_only)


def model_description(arch: str, input_size: tuple[int, ...] = (1, 3, 224, 224), seed: int = 0,
                      training: bool = True) -> dict[str, object]:
    """Your describe_model on a fresh `arch` in training mode (or eval): its rows, and what it left behind."""
    model = fresh_model(arch, seed).train(training)
    rows = describe_model(model, tuple(input_size))
    hooks = sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())
    return {"rows": rows, "hooks_left": hooks, "training_after": model.training,
            "bn_batches_tracked": sum(int(m.num_batches_tracked) for m in model.modules()
                                      if isinstance(m, nn.modules.batchnorm._BatchNorm))}


def block_state_shapes(in_channels: int, out_channels: int, stride: int = 1, skip: bool = True) -> dict[str, list[int]]:
    """Name -> shape of every tensor in the state_dict of your BasicBlock(in_channels, out_channels, stride, skip)."""
    block = BasicBlock(in_channels, out_channels, stride, skip=skip)
    return {name: list(tensor.shape) for name, tensor in block.state_dict().items()}


def block_convolutions(in_channels: int, out_channels: int, stride: int = 1,
                       skip: bool = True) -> dict[str, dict[str, list[int]]]:
    """Name -> kernel_size, stride, padding and dilation of every nn.Conv2d in your BasicBlock(...) (what the
    state_dict's shapes do not show)."""
    block = BasicBlock(in_channels, out_channels, stride, skip=skip)

    def plain(value):  # a tuple of ints, or a string such as padding="same"
        return list(value) if isinstance(value, tuple) else value

    return {name: {setting: plain(getattr(module, setting)) for setting in CONV_SETTINGS}
            for name, module in block.named_modules() if isinstance(module, nn.Conv2d)}


def block_forward(in_channels: int, out_channels: int, stride: int, state_dict: dict[str, torch.Tensor],
                  x: torch.Tensor, training: bool = False) -> dict[str, object]:
    """Your BasicBlock with these weights (a block of the grader's ResNet-18) on x, in eval mode or in training
    mode: its output and its state_dict afterwards (batch norm updates its running statistics in training)."""
    block = BasicBlock(in_channels, out_channels, stride)
    block.load_state_dict(state_dict)
    block.train(training)
    with torch.no_grad():
        out = block(x)
    return {"output": out, "state_dict": block.state_dict()}
