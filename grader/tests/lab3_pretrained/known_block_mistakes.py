"""What the usual BasicBlock mistakes of Lab 3 give, so that a wrong state_dict or output can be named. Built on
torchvision's block (trusted code) with the same weights the student's block got."""

import copy

import torch
import torch.nn.functional as F
from torchvision.models.resnet import BasicBlock

CONV_BIAS = ("the convolutions have no bias (bias=False): the batch norm after each one subtracts the mean anyway, "
             "and its beta is the shift")
PROJECTION_MISSING = ("the shape changes here (stride != 1 or in_channels != out_channels): the shortcut needs the "
                      "projection downsample = nn.Sequential(nn.Conv2d(in, out, 1, stride=stride, bias=False), "
                      "nn.BatchNorm2d(out))")
PROJECTION_EXTRA = "the shape does not change here: the shortcut is the identity, downsample = None"
PLAIN_HAS_PROJECTION = "skip=False is the plain block: no shortcut, so no projection either (downsample = None)"
PROJECTION_NOT_1X1 = "the projection is a 1x1 convolution (kernel_size=1) with the block's stride"
STRIDE_IN_CONV1 = ("conv1 (3x3, padding 1) and the 1x1 projection take the block's stride; conv2 (3x3, padding 1) "
                   "keeps stride 1, as in torchvision's BasicBlock")
NAMES = ("name the layers as torchvision does: conv1, bn1, relu, conv2, bn2, downsample (an nn.Sequential of the "
         "1x1 conv and its batch norm), so that a ResNet's weights load into your block")
NO_FINAL_RELU = "the ReLU after the addition is missing: out = relu(bn2(conv2(...)) + shortcut)"
RELU_BEFORE_ADD = "the last ReLU comes after the addition, not before it: relu(bn2(conv2(...)) + shortcut)"
NO_SHORTCUT = "the shortcut is missing: add x (or downsample(x) where the shape changes) before the last ReLU"
SHORTCUT_BEFORE_BN = "add the shortcut after bn2, not before it: relu(bn2(conv2(out)) + shortcut)"
NO_MIDDLE_RELU = "the ReLU between the two convolutions is missing: relu(bn1(conv1(x))) goes into conv2"


def state_mistake(got: dict, expected: dict, skip: bool = True) -> str | None:
    """The hint that explains how the name -> shape dicts differ, if a known mistake does."""
    extra, missing = set(got) - set(expected), set(expected) - set(got)
    if any(name.endswith(".bias") and (name.startswith(("conv", "downsample.0"))) for name in extra):
        return CONV_BIAS
    if any(name.startswith("downsample.") for name in missing):
        return PROJECTION_MISSING
    if any(name.startswith("downsample.") for name in extra):
        return PROJECTION_EXTRA if skip else PLAIN_HAS_PROJECTION
    if extra or missing:
        return NAMES
    if "downsample.0.weight" in got and got["downsample.0.weight"][2:] != [1, 1]:
        return PROJECTION_NOT_1X1
    return None


def forward_mistakes(block: BasicBlock, x: torch.Tensor, training: bool) -> dict[str, torch.Tensor]:
    """{hint: the output that mistake gives} with `block`'s weights (each on a copy: training updates statistics)."""

    def run(variant) -> torch.Tensor:
        copied = copy.deepcopy(block).train(training)
        with torch.no_grad():
            return variant(copied)

    def shortcut(b: BasicBlock) -> torch.Tensor:
        return x if b.downsample is None else b.downsample(x)

    def first(b: BasicBlock) -> torch.Tensor:
        return F.relu(b.bn1(b.conv1(x)))

    variants = {
        NO_FINAL_RELU: lambda b: b.bn2(b.conv2(first(b))) + shortcut(b),
        RELU_BEFORE_ADD: lambda b: F.relu(b.bn2(b.conv2(first(b)))) + shortcut(b),
        NO_SHORTCUT: lambda b: F.relu(b.bn2(b.conv2(first(b)))),
        SHORTCUT_BEFORE_BN: lambda b: F.relu(b.bn2(b.conv2(first(b)) + shortcut(b))),
        NO_MIDDLE_RELU: lambda b: F.relu(b.bn2(b.conv2(b.bn1(b.conv1(x)))) + shortcut(b)),
    }
    return {hint: run(variant) for hint, variant in variants.items()}
