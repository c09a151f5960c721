"""ResNet's basic residual block, following the workshop's "ResNet and skip connections" slide (He et al. 2016):
two 3x3 convolutions whose output is added to the block's input, so that the gradient has a short way back.

Attribute names are torchvision's, so a block of a ResNet-18 loads into yours with load_state_dict.
"""

import torch
from torch import nn


class BasicBlock(nn.Module):
    """conv3x3 -> BN -> ReLU -> conv3x3 -> BN, plus the shortcut, then ReLU (torchvision's BasicBlock):

        out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))

        layer       module                                                          output
        input                                                                       (B, in, H, W)
        conv1       nn.Conv2d(in, out, 3, stride=stride, padding=1, bias=False)     (B, out, H', W')
        bn1, relu   nn.BatchNorm2d(out), nn.ReLU()
        conv2       nn.Conv2d(out, out, 3, padding=1, bias=False)                   (B, out, H', W')
        bn2         nn.BatchNorm2d(out)
        downsample  None (identity shortcut) when stride == 1 and in == out; else the projection
                    nn.Sequential(nn.Conv2d(in, out, 1, stride=stride, bias=False), nn.BatchNorm2d(out))

    H' = floor((H - 1) / stride) + 1 for both convolution paths. The convolutions have no bias: the batch norm
    after each one subtracts the mean anyway, and its beta is the shift.

    Args:
        in_channels, out_channels: channels of the input and of the output.
        stride: 1, or 2 where a ResNet stage halves the feature map.
        skip: add the shortcut (True: the residual block); False gives the plain block of the same layers
            (no shortcut, no projection) that the vanishing-gradient experiment stacks.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, skip: bool = True):
        super().__init__()
        self.skip = skip
        # TODO(lab3.5): conv1, bn1, relu, conv2, bn2; downsample: a 1x1 projection where the shape changes
        raise NotImplementedError("lab3.5: conv1, bn1, relu, conv2, bn2; downsample: a 1x1 projection where the shape changes")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, in, H, W) -> (B, out, H', W')."""
        # TODO(lab3.6): the two conv-BN steps (ReLU between), add the shortcut (x, or downsample(x)), ReLU
        raise NotImplementedError("lab3.6: the two conv-BN steps (ReLU between), add the shortcut (x, or downsample(x)), ReLU")
