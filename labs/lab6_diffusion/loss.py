"""The DDPM training objective (Ho et al. 2020, Algorithm 1, the "simple" loss): noise a batch at random
steps and ask the network to tell the noise apart from the image.
"""

import torch
import torch.nn.functional as F
from torch import nn

from .schedules import q_sample


def diffusion_loss(model: nn.Module, x0: torch.Tensor, alphas_cumprod: torch.Tensor,
                   generator: torch.Generator | None = None,
                   class_labels: torch.Tensor | None = None) -> torch.Tensor:
    """Mean squared error between the true noise and the model's prediction of it, for one batch.

    Steps, in this order (the grader replays your random draws):
        1. t = torch.randint(0, T, (B,), generator=generator)             one step per image
        2. noise = torch.randn(x0.shape, generator=generator, dtype=x0.dtype)
        3. x_t = q_sample(x0, t, noise, alphas_cumprod)
        4. eps = model(x_t, t, class_labels)                                (B, C, H, W)
        5. the mean over all elements of (eps - noise)²

    Args:
        model: predicts the noise: model(x_t (B, C, H, W), t (B,), class_labels (B,) or None) -> (B, C, H, W).
        x0: clean images in [-1, 1], shape (B, C, H, W).
        alphas_cumprod: (T,).
        generator: the source of t and noise (on x0's device).
        class_labels: (B,) int64 or None, passed to the model unchanged.
    Returns:
        the loss, a scalar tensor that backpropagates into the model.
    """
    B = x0.shape[0]
    T = len(alphas_cumprod)
    # TODO(lab6.7): draw t then noise, noise the batch with q_sample, predict the noise, return the MSE
    raise NotImplementedError("lab6.7: draw t then noise, noise the batch with q_sample, predict the noise, return the MSE")
