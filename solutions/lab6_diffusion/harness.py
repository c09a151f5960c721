"""Plain-data doorways into your Lab 6 code for the grader, which runs your code in a separate process:
tensors, numbers, lists and dicts go in and come out, never models or generators. Complete: nothing to do here.

`ProbeDenoiser`, a tiny noise predictor that notes how it is called, lets the grader check diffusion_loss
without a UNet: it replays your random draws from the seed and compares the loss and its gradient.
"""

import torch
from torch import nn

from .loss import diffusion_loss
from .reverse_step import ddpm_step


def ddpm_step_seeded(x_t: torch.Tensor, t: int, eps: torch.Tensor, alphas_cumprod: torch.Tensor, seed: int = 0,
                     clip_x0: bool = True, prev_t: int | None = None) -> torch.Tensor:
    """Your ddpm_step with a torch.Generator seeded with `seed`."""
    generator = torch.Generator().manual_seed(seed)
    return ddpm_step(x_t, t, eps, alphas_cumprod, generator, clip_x0=clip_x0, prev_t=prev_t)


class ProbeDenoiser(nn.Module):
    """eps = w · x_t + b + t / T · s + e[label]: one weight per term, and a record of every call's t and labels."""

    def __init__(self, T: int, weights: torch.Tensor):
        super().__init__()
        self.T = T
        self.weights = nn.Parameter(weights.clone())  # (3,): w, b, s
        self.embedding = nn.Parameter(torch.linspace(-0.5, 0.5, 11))  # one offset per label, 10 = no label
        self.calls: list[dict[str, torch.Tensor]] = []

    def forward(self, x_t: torch.Tensor, t: torch.Tensor, class_labels: torch.Tensor | None = None) -> torch.Tensor:
        self.calls.append({"x_t": x_t.detach().clone(), "t": torch.as_tensor(t).detach().clone(),
                           "labels": torch.tensor([]) if class_labels is None else class_labels.detach().clone()})
        w, b, s = self.weights
        shift = (torch.as_tensor(t).to(x_t.dtype) / self.T * s).view(-1, *([1] * (x_t.ndim - 1)))  # (B, 1, 1, 1)
        eps = w * x_t + b + shift
        if class_labels is not None:
            eps = eps + self.embedding[class_labels].view(-1, *([1] * (x_t.ndim - 1)))
        return eps


def diffusion_loss_probe(x0: torch.Tensor, alphas_cumprod: torch.Tensor, weights: torch.Tensor, seed: int = 0,
                         class_labels: torch.Tensor | None = None) -> dict[str, object]:
    """Your diffusion_loss on a ProbeDenoiser with a generator seeded with `seed`: the loss (a float), the
    gradient of the probe's three weights, and each call's x_t, t and labels."""
    model = ProbeDenoiser(len(alphas_cumprod), weights)
    generator = torch.Generator().manual_seed(seed)
    loss = diffusion_loss(model, x0, alphas_cumprod, generator, class_labels)
    if not isinstance(loss, torch.Tensor) or loss.ndim != 0:
        return {"loss": loss if isinstance(loss, float) else str(type(loss)), "grad": torch.zeros(3),
                "calls": model.calls, "scalar_tensor": False}
    loss.backward()
    grad = model.weights.grad if model.weights.grad is not None else torch.zeros(3)
    return {"loss": float(loss), "grad": grad, "calls": model.calls, "scalar_tensor": True}
