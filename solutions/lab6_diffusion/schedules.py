"""Noise schedules and the forward (noising) process of DDPM (Ho et al. 2020, eq. 4; Nichol & Dhariwal 2021
for the cosine schedule): how much noise step t adds, and how to jump from a clean x0 straight to x_t.
"""

import math

import torch


def linear_beta_schedule(T: int, beta_start: float = 1e-4, beta_end: float = 0.02) -> torch.Tensor:
    """The DDPM paper's schedule: T betas evenly spaced from beta_start to beta_end (both included).

    Args:
        T: number of diffusion steps (1000 in the paper).
        beta_start, beta_end: noise variance added by the first and by the last step.
    Returns:
        betas, shape (T,), float32; betas[t] is the variance step t adds (t = 0 .. T-1).
    """
    if T < 1:
        raise ValueError(f"T must be at least 1, got {T}")
    # BEGIN SOLUTION lab6.1: T evenly spaced float32 values from beta_start to beta_end, both ends included
    return torch.linspace(beta_start, beta_end, T, dtype=torch.float32)
    # END SOLUTION


def cosine_alpha_bar(s: float, offset: float = 0.008) -> float:
    """The cosine schedule's fraction of signal variance left at time s in [0, 1]: cos²((s + o) / (1 + o) · π/2)."""
    return math.cos((s + offset) / (1 + offset) * math.pi / 2) ** 2


def cosine_beta_schedule(T: int, max_beta: float = 0.999) -> torch.Tensor:
    """Nichol & Dhariwal's cosine schedule (diffusers' "squaredcos_cap_v2").

    beta_t = min(1 - alpha_bar((t + 1) / T) / alpha_bar(t / T), max_beta) with alpha_bar = cosine_alpha_bar;
    the cap keeps the last steps from destroying the image in one go.

    Returns:
        betas, shape (T,), float32.
    """
    if T < 1:
        raise ValueError(f"T must be at least 1, got {T}")
    # BEGIN SOLUTION lab6.2: the capped beta for t = 0..T-1 from cosine_alpha_bar, as one float32 tensor
    betas = [min(1 - cosine_alpha_bar((t + 1) / T) / cosine_alpha_bar(t / T), max_beta) for t in range(T)]
    return torch.tensor(betas, dtype=torch.float32)
    # END SOLUTION


def alphas_cumprod(betas: torch.Tensor) -> torch.Tensor:
    """alpha_bar_t = prod_{s <= t} (1 - beta_s): the share of the clean image's variance left after step t.

    Args:
        betas: (T,).
    Returns:
        (T,), decreasing from 1 - betas[0] towards 0.
    """
    # BEGIN SOLUTION lab6.3: alphas = 1 - betas, then their running product along the steps
    return torch.cumprod(1.0 - betas, dim=0)
    # END SOLUTION


def q_sample(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, alphas_cumprod: torch.Tensor) -> torch.Tensor:
    """The forward process in one jump: x_t = sqrt(alpha_bar_t) · x0 + sqrt(1 - alpha_bar_t) · noise.

    Args:
        x0: clean images, shape (B, C, H, W) (any shape whose first dimension is the batch works).
        t: one step index per image, shape (B,), int64 in [0, T-1].
        noise: standard normal noise, the same shape as x0.
        alphas_cumprod: (T,).
    Returns:
        x_t, the same shape as x0. Image b uses alpha_bar[t[b]]: reshape the (B,) factors to (B, 1, 1, 1).
    """
    if noise.shape != x0.shape:
        raise ValueError(f"noise must have x0's shape {tuple(x0.shape)}, got {tuple(noise.shape)}")
    if t.shape != x0.shape[:1]:
        raise ValueError(f"expected one step per image, t of shape ({x0.shape[0]},), got {tuple(t.shape)}")
    # BEGIN SOLUTION lab6.4: gather alpha_bar at t, reshape to (B, 1, 1, 1), mix x0 and noise with the square roots
    alpha_bar = alphas_cumprod.to(x0.device)[t].to(x0.dtype)  # (B,)
    alpha_bar = alpha_bar.view(-1, *([1] * (x0.ndim - 1)))  # (B, 1, 1, 1)
    return alpha_bar.sqrt() * x0 + (1.0 - alpha_bar).sqrt() * noise
    # END SOLUTION
