"""Inputs for the Lab 5 judge: random weights for the reference's layer shapes (batch-norm statistics included, so
that eval mode matters), random images and class masks, and held-out postcodes the judge reads itself."""

import math

import torch

from ipdl.data.postcodes import Postcodes, heldout_postcodes
from solutions.lab5_unet import harness

State = dict[str, torch.Tensor]


def random_state(shapes: dict[str, list[int]], seed: int) -> State:
    """A state_dict with these name -> shape entries: random weights scaled by their fan-in (activations stay of
    order 1), positive running variances, and num_batches_tracked 0. Drawn in the order of the sorted names, so
    the same shapes give the same weights however the dict is ordered (a student release replays recorded calls
    whose dicts may come back sorted)."""
    generator = torch.Generator().manual_seed(seed)
    state = {}
    for name, shape in sorted(shapes.items()):
        if name.endswith("num_batches_tracked"):
            state[name] = torch.tensor(0)
            continue
        values = torch.randn(shape, generator=generator)
        if name.endswith("running_var"):
            values = 0.5 + values.abs()
        elif len(shape) > 1:
            values = values / math.prod(shape[1:]) ** 0.5
        state[name] = values
    return state


def module_state(kind: str, in_channels: int, out_channels: int, up_mode: str = "transpose", seed: int = 0) -> State:
    """Random weights for the reference's DoubleConv, Down or Up of these sizes."""
    return random_state(harness.module_shapes(kind, in_channels, out_channels, up_mode), seed)


def unet_state(base_channels: int, up_mode: str, seed: int = 0) -> State:
    """Random weights for the reference UNet(1, 11, base_channels, up_mode)."""
    return random_state(harness.parameter_shapes(base_channels, up_mode), seed)


def images(B: int, C: int, H: int, W: int, seed: int) -> torch.Tensor:
    return torch.randn(B, C, H, W, generator=torch.Generator().manual_seed(seed))


def random_masks(shape: tuple[int, ...], num_classes: int, seed: int, absent: tuple[int, ...] = ()) -> torch.Tensor:
    """int64 class masks with values in [0, num_classes), none of the classes in `absent`."""
    generator = torch.Generator().manual_seed(seed)
    allowed = torch.tensor([c for c in range(num_classes) if c not in absent])
    return allowed[torch.randint(len(allowed), shape, generator=generator)]


def noisy_copy(target: torch.Tensor, num_classes: int, share: float, seed: int) -> torch.Tensor:
    """`target` with a `share` of its pixels set to random classes: a prediction that is mostly right."""
    generator = torch.Generator().manual_seed(seed)
    wrong = torch.rand(target.shape, generator=generator) < share
    return torch.where(wrong, torch.randint(num_classes, target.shape, generator=generator), target)


def heldout(count: int) -> Postcodes:
    """The first `count` of the kit's 1,000 held-out postcode canvases (test digits only)."""
    return heldout_postcodes(count)
