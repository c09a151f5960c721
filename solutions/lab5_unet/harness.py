"""Plain-data doorways into your Lab 5 code for the grader, which runs your code in a separate process:
tensors, numbers, strings, lists and dicts go in and come out, never models. Complete: nothing to do here.

The grader never trusts a number these functions compute about quality: it loads the weights they return into
its own U-Net and scores that on held-out postcodes itself.
"""

import torch
import torch.nn.functional as F
from torch import nn

from ipdl.data.postcodes import NUM_CLASSES, postcode_batches

from .losses import dice_loss
from .training import start_at_class_frequencies
from .unet import DoubleConv, Down, UNet, Up, predict_masks

State = dict[str, torch.Tensor]


class ReachedConv(Exception):
    """Raised by the hook in `up_concatenation` to stop Up.forward once `conv` has its input."""


def with_weights(module: nn.Module, state_dict: State | None) -> nn.Module:
    """`module` with `state_dict` loaded (strictly: every name and shape must match), in eval mode."""
    if state_dict is not None:
        module.load_state_dict(state_dict)
    return module.eval()


def parameter_shapes(base_channels: int = 4, up_mode: str = "transpose", in_channels: int = 1,
                     num_classes: int = NUM_CLASSES) -> dict[str, list[int]]:
    """Name -> shape of every tensor in a fresh UNet's state_dict (batch-norm statistics included)."""
    model = UNet(in_channels, num_classes, base_channels, up_mode)
    return {name: list(tensor.shape) for name, tensor in model.state_dict().items()}


def parameter_count(base_channels: int = 4, up_mode: str = "transpose", in_channels: int = 1,
                    num_classes: int = NUM_CLASSES) -> int:
    """Number of trainable values in a fresh UNet."""
    model = UNet(in_channels, num_classes, base_channels, up_mode)
    return sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)


def module_shapes(kind: str, in_channels: int, out_channels: int, up_mode: str = "transpose") -> dict[str, list[int]]:
    """Name -> shape of every tensor in a fresh DoubleConv, Down or Up (`kind`)."""
    module = make_module(kind, in_channels, out_channels, up_mode)
    return {name: list(tensor.shape) for name, tensor in module.state_dict().items()}


def make_module(kind: str, in_channels: int, out_channels: int, up_mode: str = "transpose") -> nn.Module:
    if kind == "DoubleConv":
        return DoubleConv(in_channels, out_channels)
    if kind == "Down":
        return Down(in_channels, out_channels)
    if kind == "Up":
        return Up(in_channels, out_channels, up_mode)
    raise ValueError(f"kind must be DoubleConv, Down or Up, got {kind!r}")


def double_conv_forward(state_dict: State, x: torch.Tensor, in_channels: int, out_channels: int) -> torch.Tensor:
    """Your DoubleConv with these weights, in eval mode, on x (B, in, H, W)."""
    module = with_weights(DoubleConv(in_channels, out_channels), state_dict)
    with torch.no_grad():
        return module(x)


def down_forward(state_dict: State, x: torch.Tensor, in_channels: int,
                 out_channels: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Your Down with these weights, in eval mode, on x: (features, indices)."""
    module = with_weights(Down(in_channels, out_channels), state_dict)
    with torch.no_grad():
        return module(x)


def up_forward(state_dict: State, x: torch.Tensor, skip: torch.Tensor, indices: torch.Tensor | None,
               in_channels: int, out_channels: int, up_mode: str) -> torch.Tensor:
    """Your Up with these weights, in eval mode."""
    module = with_weights(Up(in_channels, out_channels, up_mode), state_dict)
    with torch.no_grad():
        return module(x, skip, indices)


def up_concatenation(state_dict: State, x: torch.Tensor, skip: torch.Tensor, indices: torch.Tensor | None,
                     in_channels: int, out_channels: int, up_mode: str) -> torch.Tensor | None:
    """What your Up.forward hands to its `conv` (the upsampled x joined with the skip), whatever its shape;
    None if it never calls `conv`. Up.forward is stopped right there."""
    module = with_weights(Up(in_channels, out_channels, up_mode), state_dict)
    seen: list[torch.Tensor] = []

    def catch(_module: nn.Module, inputs: tuple) -> None:
        seen.append(inputs[0].detach().clone())
        raise ReachedConv

    module.conv.register_forward_pre_hook(catch)
    try:
        with torch.no_grad():
            module(x, skip, indices)
    except ReachedConv:
        pass
    return seen[0] if seen else None


def unet_forward(state_dict: State, images: torch.Tensor, base_channels: int, up_mode: str,
                 in_channels: int = 1, num_classes: int = NUM_CLASSES) -> torch.Tensor:
    """Your UNet with these weights, in eval mode: (B, num_classes, H, W) logits."""
    model = with_weights(UNet(in_channels, num_classes, base_channels, up_mode), state_dict)
    with torch.no_grad():
        return model(images)


class ProbeSegmenter(nn.Module):
    """A 1x1 convolution with dropout, (B, C, H, W) -> (B, num_classes, H, W) logits, that records for every
    forward call whether it ran in training mode and with gradients enabled."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, dropout: float = 0.5):
        super().__init__()
        num_classes, channels = weight.shape
        self.conv = nn.Conv2d(channels, num_classes, kernel_size=1)
        self.conv.load_state_dict({"weight": weight[:, :, None, None], "bias": bias})
        self.dropout = nn.Dropout(dropout)
        self.calls: list[dict[str, bool]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append({"training": self.training, "grad_enabled": torch.is_grad_enabled()})
        return self.dropout(self.conv(x))


def predict_probe(weight: torch.Tensor, bias: torch.Tensor, images: torch.Tensor) -> dict[str, object]:
    """Your predict_masks on a ProbeSegmenter with dropout, handed over in training mode: its result and the calls."""
    model = ProbeSegmenter(weight, bias).train()
    return {"masks": predict_masks(model, images), "calls": model.calls}


def dice_loss_gradient(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """d dice_loss(logits, target) / d logits through your dice_loss (training needs it differentiable)."""
    logits = logits.clone().requires_grad_(True)
    dice_loss(logits, target).backward()
    return logits.grad


def train_unet(steps: int = 60, batch_size: int = 8, base_channels: int = 4, up_mode: str = "transpose",
               lr: float = 1e-2, seed: int = 0) -> dict[str, object]:
    """Train a fresh UNet of yours for `steps` AdamW steps on fresh training canvases with plain cross-entropy,
    its head started at the class frequencies, on one CPU thread; returns its state_dict and every step's loss."""
    torch.manual_seed(seed)
    torch.set_num_threads(1)  # the grader's machine is shared; more threads only wait for each other
    model = UNet(1, NUM_CLASSES, base_channels, up_mode)
    start_at_class_frequencies(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    losses = []
    for images, masks in postcode_batches(steps, batch_size, seed=seed):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), masks)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"state_dict": model.state_dict(), "losses": losses}
