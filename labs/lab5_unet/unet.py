"""U-Net for semantic segmentation, following the workshop's "U-Net" and "Upsampling" slides (Ronneberger, Fischer
& Brox 2015): an encoder that halves the image four times, a decoder that doubles it back, and skip connections
that hand each decoder level the encoder's features of the same size.

The decoder upsamples in one of the two ways the slides compare:
    "unpool"     max unpooling (SegNet, Badrinarayanan et al. 2017): put each value back where the encoder's
                 max pooling found its maximum, zeros elsewhere; no weights to learn.
    "transpose"  a learned upsampling: a 2x2 transposed convolution with stride 2.
"""

import torch
import torch.nn.functional as F
from torch import nn

UP_MODES = ("unpool", "transpose")
DEPTH = 4  # poolings in the encoder: the input's height and width must be at least 2 ** DEPTH


class DoubleConv(nn.Sequential):
    """(3x3 convolution, batch norm, ReLU) twice; padding 1 keeps H and W.

    The six modules in this order (the grader loads weights by these positions):

        index  module                                           parameter shapes
        0      nn.Conv2d(in, out, 3, padding=1, bias=False)     weight (out, in, 3, 3)
        1      nn.BatchNorm2d(out)                              weight, bias, running_mean, running_var (out,)
        2      nn.ReLU(inplace=True)
        3      nn.Conv2d(out, out, 3, padding=1, bias=False)    weight (out, out, 3, 3)
        4      nn.BatchNorm2d(out)                              (out,) each
        5      nn.ReLU(inplace=True)

    The convolutions have no bias: the batch norm right after them subtracts the mean, and any bias with it.
    (B, in, H, W) -> (B, out, H, W).
    """

    def __init__(self, in_channels: int, out_channels: int):
        # TODO(lab5.1): call super().__init__() with the six modules of the table, in order
        raise NotImplementedError("lab5.1: call super().__init__() with the six modules of the table, in order")


class Down(nn.Module):
    """One encoder level: 2x2 max pooling, then a DoubleConv. It also returns the pooling indices (where each
    maximum was) for the decoder's unpooling.

        pool   nn.MaxPool2d(2, return_indices=True)
        conv   DoubleConv(in_channels, out_channels)
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.conv = DoubleConv(in_channels, out_channels)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, C_in, H, W) -> (features (B, C_out, H // 2, W // 2), indices (B, C_in, H // 2, W // 2)).

        Odd sizes are rounded down (the last row or column is dropped by the pooling).
        """
        # TODO(lab5.2): max-pool x (keeping the indices), apply the DoubleConv, return both
        raise NotImplementedError("lab5.2: max-pool x (keeping the indices), apply the DoubleConv, return both")


class Up(nn.Module):
    """One decoder level: double the size of x, concatenate the encoder's skip features, then a DoubleConv.

    The two ways to double the size, and the layers each needs (names fixed; the grader loads weights by them):

        up_mode="transpose"
            up      nn.ConvTranspose2d(in_channels, out_channels, kernel_size=2, stride=2)
        up_mode="unpool"
            reduce  nn.Conv2d(in_channels, out_channels, kernel_size=1)   first match the skip's channels ...
            unpool  nn.MaxUnpool2d(2)                                     ... then unpool with their indices
        both
            conv    DoubleConv(2 * out_channels, out_channels)            after concatenating [skip, x]

    Unpooling needs as many channels as the encoder pooled (the skip's out_channels), hence `reduce` first.
    """

    def __init__(self, in_channels: int, out_channels: int, up_mode: str = "transpose"):
        super().__init__()
        if up_mode not in UP_MODES:
            raise ValueError(f"up_mode must be one of {UP_MODES}, got {up_mode!r}")
        self.up_mode = up_mode
        # TODO(lab5.3): create `up` (transpose) or `reduce` and `unpool` (unpool), then `conv`
        raise NotImplementedError("lab5.3: create `up` (transpose) or `reduce` and `unpool` (unpool), then `conv`")

    def forward(self, x: torch.Tensor, skip: torch.Tensor, indices: torch.Tensor | None = None) -> torch.Tensor:
        """Upsample x to the skip's size, concatenate, convolve.

        Args:
            x: (B, in_channels, h, w) features from the level below.
            skip: (B, out_channels, H, W) encoder features of this level, H = 2h or 2h + 1 (likewise W).
            indices: (B, out_channels, h, w) the pooling indices Down returned when it pooled `skip`;
                needed for up_mode="unpool", ignored for "transpose".
        Returns:
            (B, out_channels, H, W).

        Odd sizes: unpool straight to the skip's size (MaxUnpool2d's output_size); after the transposed
        convolution (2h x 2w) pad one row of zeros at the bottom and one column at the right where the skip
        is one larger. Concatenate along the channels, the skip first: torch.cat([skip, x], dim=1).
        """
        if self.up_mode == "unpool" and indices is None:
            raise ValueError("up_mode='unpool' needs the pooling indices of the skip features (from Down)")
        # TODO(lab5.4): upsample x to the skip's size, concatenate [skip, x] on dim 1, apply conv
        raise NotImplementedError("lab5.4: upsample x to the skip's size, concatenate [skip, x] on dim 1, apply conv")


class UNet(nn.Module):
    """U-Net: (B, in_channels, H, W) images -> (B, num_classes, H, W) class scores (logits) for every pixel.

    With c = base_channels, the modules (names fixed; the grader loads weights by them) and feature maps:

        module  layer                            output
        inc     DoubleConv(in_channels, c)       x1 (B, c, H, W)
        down1   Down(c, 2c)                      x2 (B, 2c, H/2, W/2)     and the indices of pooling x1
        down2   Down(2c, 4c)                     x3 (B, 4c, H/4, W/4)     ... of pooling x2
        down3   Down(4c, 8c)                     x4 (B, 8c, H/8, W/8)     ... of pooling x3
        down4   Down(8c, 16c)                    x5 (B, 16c, H/16, W/16)  ... of pooling x4
        up1     Up(16c, 8c, up_mode)             (B, 8c, H/8, W/8)        from x5, skip x4 and x4's indices
        up2     Up(8c, 4c, up_mode)              (B, 4c, H/4, W/4)        skip x3
        up3     Up(4c, 2c, up_mode)              (B, 2c, H/2, W/2)        skip x2
        up4     Up(2c, c, up_mode)               (B, c, H, W)             skip x1
        head    nn.Conv2d(c, num_classes, 1)     (B, num_classes, H, W)

    Sizes H/2 etc. are rounded down at every level; any H, W >= 16 works, odd or even.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 11, base_channels: int = 16,
                 up_mode: str = "transpose"):
        super().__init__()
        if up_mode not in UP_MODES:
            raise ValueError(f"up_mode must be one of {UP_MODES}, got {up_mode!r}")
        self.up_mode = up_mode
        c = base_channels
        # TODO(lab5.5): create inc, down1-down4, up1-up4 and head as in the table
        raise NotImplementedError("lab5.5: create inc, down1-down4, up1-up4 and head as in the table")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, in_channels, H, W) -> (B, num_classes, H, W) logits."""
        if x.ndim != 4 or min(x.shape[-2:]) < 2**DEPTH:
            raise ValueError(f"UNet expects (B, C, H, W) images with H, W >= {2**DEPTH} (it halves them "
                             f"{DEPTH} times), got shape {tuple(x.shape)}")
        # TODO(lab5.6): encoder (keep features and indices), decoder with the matching skips, head
        raise NotImplementedError("lab5.6: encoder (keep features and indices), decoder with the matching skips, head")


def predict_masks(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """The most likely class of every pixel, with the model in eval mode and without gradients.

    Args:
        model: maps (B, C, H, W) images to (B, num_classes, H, W) logits.
        images: (B, C, H, W) float32.
    Returns:
        (B, H, W) int64 class indices, on the CPU.
    """
    device = next(model.parameters()).device
    # TODO(lab5.7): eval mode and no gradients; take the argmax over the class dimension
    raise NotImplementedError("lab5.7: eval mode and no gradients; take the argmax over the class dimension")
