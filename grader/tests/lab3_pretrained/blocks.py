"""torchvision's residual blocks for Lab 3's BasicBlock exercises, with random weights and batch-norm statistics
(trusted code, no download): blocks of a ResNet-18 and blocks of other sizes made as ResNet's _make_layer makes them.
"""

import torch
from torch import nn
from torchvision.models.resnet import BasicBlock

from ipdl.pretrained import build_model


def randomise_batch_norm(module: nn.Module, seed: int) -> nn.Module:
    """Give every BatchNorm2d of `module` random gamma, beta and running statistics (a fresh one has 1, 0, 0, 1,
    under which a batch norm in the wrong place changes nothing)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.BatchNorm2d):
                C = layer.num_features
                layer.weight.copy_(0.5 + torch.rand(C, generator=generator))
                layer.bias.copy_(torch.randn(C, generator=generator) * 0.5)
                layer.running_mean.copy_(torch.randn(C, generator=generator) * 0.5)
                layer.running_var.copy_(0.5 + torch.rand(C, generator=generator))
    return module


def resnet18_block(name: str, seed: int = 0) -> BasicBlock:
    """The block `name` ("layer2.0") of a ResNet-18 with random weights drawn from `seed`, in eval mode."""
    block = build_model("resnet18", seed=seed).get_submodule(name)
    return randomise_batch_norm(block, seed).eval()


def torchvision_block(in_channels: int, out_channels: int, stride: int = 1, seed: int = 0) -> BasicBlock:
    """torchvision's BasicBlock of this size, with the 1x1 projection where _make_layer would put one, in eval mode."""
    torch.manual_seed(seed)
    downsample = None
    if stride != 1 or in_channels != out_channels:
        downsample = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                                   nn.BatchNorm2d(out_channels))
    block = BasicBlock(in_channels, out_channels, stride, downsample)
    return randomise_batch_norm(block, seed).eval()


def block_size(block: BasicBlock) -> tuple[int, int, int]:
    """(in_channels, out_channels, stride) of a torchvision block."""
    return block.conv1.in_channels, block.conv2.out_channels, block.conv1.stride[0]


def state_shapes(block: nn.Module) -> dict[str, list[int]]:
    return {name: list(tensor.shape) for name, tensor in block.state_dict().items()}


CONV_SETTINGS = ("kernel_size", "stride", "padding", "dilation")  # what the harness's block_convolutions reports


def convolutions(block: nn.Module) -> dict[str, dict[str, list[int]]]:
    """Name -> CONV_SETTINGS of each convolution of a torchvision block, as the harness's block_convolutions."""
    return {name: {setting: list(getattr(module, setting)) for setting in CONV_SETTINGS}
            for name, module in block.named_modules() if isinstance(module, nn.Conv2d)}


def feature_maps(B: int, C: int, H: int, W: int, seed: int) -> torch.Tensor:
    return torch.randn(B, C, H, W, generator=torch.Generator().manual_seed(seed))
