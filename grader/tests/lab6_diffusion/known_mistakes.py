"""What the usual Lab 6 mistakes produce, so a wrong answer that matches one can be named in the feedback."""

import math

import torch

LINSPACE_NO_END = "the last beta must be beta_end itself: T evenly spaced values with both ends included (linspace)"
REVERSED = "the betas grow with t: from beta_start at t = 0 up to beta_end at t = T-1"
COSINE_NO_OFFSET = "use the small offset s = 0.008 in cos²((t/T + s) / (1 + s) · π/2), as cosine_alpha_bar does"
COSINE_NO_CAP = "cap every beta at max_beta (0.999): the last steps of the raw cosine schedule reach beta = 1"
COSINE_SHIFTED = "beta_t compares alpha_bar((t + 1) / T) with alpha_bar(t / T), for t = 0 .. T-1"
CUMPROD_BETAS = "alpha_bar is the running product of the ALPHAS, 1 - beta, not of the betas"
CUMPROD_SHIFTED = "alpha_bar_t includes step t itself: alpha_bar_0 = 1 - beta_0, not 1"
CUMSUM = "alpha_bar is a running product (torch.cumprod), not a sum"
NO_SQRT = "mix with the square roots: sqrt(alpha_bar_t) · x0 + sqrt(1 - alpha_bar_t) · noise"
SWAPPED = "sqrt(alpha_bar_t) multiplies the clean image x0, sqrt(1 - alpha_bar_t) the noise"
T_MINUS_ONE = "index alpha_bar with t itself: steps are numbered 0 .. T-1, no shift"
NO_RESHAPE = ("alphas_cumprod[t] has shape (B,): reshape it to (B, 1, 1, 1) so each image gets its own factor "
              "(as it is, it broadcasts along the last dimension, the image width)")
X0_SIGN = "x0_hat = (x_t - sqrt(1 - alpha_bar_t) · eps) / sqrt(alpha_bar_t): subtract the noise, then divide"
X0_NO_SQRT = "divide by sqrt(alpha_bar_t) and scale eps by sqrt(1 - alpha_bar_t): square roots, as in q_sample"
NO_NOISE = "add sqrt(variance) · z with z drawn from the generator (for t > 0): the step is random"
FIXED_LARGE = "use the posterior (fixed-small) variance (1 - alpha_bar_prev) / (1 - alpha_bar_t) · beta_t, not beta_t"
NO_CLIP = "clamp x0_hat to [-1, 1] when clip_x0 is true, before computing the mean"
CLIP_ALWAYS = "clamp x0_hat only when clip_x0 is true"
PREV_T_IGNORED = "alpha_bar_prev is alpha_bar at prev_t (t - 1 only when prev_t is None)"
NOISE_FIRST = "draw t first (torch.randint), then the noise (torch.randn): the grader replays this order"
PREDICTS_X0 = "the target is the NOISE that was added, not the clean image x0"
SUMMED = "average the squared error over all elements (F.mse_loss's mean), do not sum it"


def linear_mistakes(T: int, beta_start: float, beta_end: float) -> dict[str, torch.Tensor]:
    """Betas that the usual linear-schedule mistakes give."""
    step = (beta_end - beta_start) / T
    return {LINSPACE_NO_END: torch.arange(T, dtype=torch.float32) * step + beta_start,
            REVERSED: torch.linspace(beta_end, beta_start, T, dtype=torch.float32)}


def alpha_bar_cosine(s: float, offset: float) -> float:
    return math.cos((s + offset) / (1 + offset) * math.pi / 2) ** 2


def cosine_mistakes(T: int) -> dict[str, torch.Tensor]:
    """Betas that the usual cosine-schedule mistakes give."""
    def betas(offset: float, cap: float | None, shift: int) -> torch.Tensor:
        values = []
        for t in range(shift, T + shift):
            ratio = alpha_bar_cosine(t / T, offset) / max(alpha_bar_cosine((t - 1) / T, offset), 1e-12)
            beta = 1 - ratio
            values.append(min(beta, cap) if cap is not None else beta)
        return torch.tensor(values, dtype=torch.float32)
    return {COSINE_NO_OFFSET: betas(0.0, 0.999, 1), COSINE_NO_CAP: betas(0.008, None, 1),
            COSINE_SHIFTED: betas(0.008, 0.999, 0)}


def cumprod_mistakes(betas: torch.Tensor) -> dict[str, torch.Tensor]:
    """alpha_bar as the usual mistakes compute it."""
    right = torch.cumprod(1 - betas, dim=0)
    return {CUMPROD_BETAS: torch.cumprod(betas, dim=0), CUMSUM: torch.cumsum(1 - betas, dim=0),
            CUMPROD_SHIFTED: torch.cat([torch.ones(1), right[:-1]])}


def q_sample_mistakes(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor,
                      alphas_cumprod: torch.Tensor) -> dict[str, torch.Tensor]:
    """x_t as the usual forward-process mistakes compute it."""
    shape = (-1,) + (1,) * (x0.ndim - 1)
    ab = alphas_cumprod[t].view(shape)
    ab_prev = alphas_cumprod[(t - 1).clamp(min=0)].view(shape)
    mistakes = {NO_SQRT: ab * x0 + (1 - ab) * noise, SWAPPED: (1 - ab).sqrt() * x0 + ab.sqrt() * noise,
                T_MINUS_ONE: ab_prev.sqrt() * x0 + (1 - ab_prev).sqrt() * noise}
    if x0.shape[-1] == len(t):  # the missing reshape broadcasts over the width without an error
        flat = alphas_cumprod[t]
        mistakes[NO_RESHAPE] = flat.sqrt() * x0 + (1 - flat).sqrt() * noise
    return mistakes


def predict_x0_mistakes(x_t: torch.Tensor, t: int, eps: torch.Tensor,
                        alphas_cumprod: torch.Tensor) -> dict[str, torch.Tensor]:
    """x0_hat as the usual mistakes compute it."""
    ab = alphas_cumprod[t]
    return {X0_SIGN: (x_t + (1 - ab).sqrt() * eps) / ab.sqrt(), X0_NO_SQRT: (x_t - (1 - ab) * eps) / ab}


def ddpm_step_variant(x_t: torch.Tensor, t: int, eps: torch.Tensor, alphas_cumprod: torch.Tensor, seed: int,
                      clip: bool, prev_t: int, variance: str = "fixed_small", noise: str = "t>0") -> torch.Tensor:
    """One DDPM step with a chosen variance ("fixed_small", "fixed_large") and noise rule ("t>0", "always", "never")."""
    ab = alphas_cumprod[t]
    ab_prev = alphas_cumprod[prev_t] if prev_t >= 0 else torch.tensor(1.0)
    alpha, beta = ab / ab_prev, 1 - ab / ab_prev
    x0 = (x_t - (1 - ab).sqrt() * eps) / ab.sqrt()
    x0 = x0.clamp(-1, 1) if clip else x0
    mean = ab_prev.sqrt() * beta / (1 - ab) * x0 + alpha.sqrt() * (1 - ab_prev) / (1 - ab) * x_t
    if noise == "never" or (noise == "t>0" and t == 0):
        return mean
    var = beta if variance == "fixed_large" else ((1 - ab_prev) / (1 - ab) * beta).clamp(min=1e-20)
    z = torch.randn(x_t.shape, generator=torch.Generator().manual_seed(seed), dtype=x_t.dtype)
    return mean + var.sqrt() * z


def ddpm_step_mistakes(x_t: torch.Tensor, t: int, eps: torch.Tensor, alphas_cumprod: torch.Tensor, seed: int,
                       clip: bool, prev_t: int) -> dict[str, torch.Tensor]:
    """x_{t-1} as the usual reverse-step mistakes compute it."""
    def variant(**changes: object) -> torch.Tensor:
        options = {"clip": clip, "prev_t": prev_t} | changes
        return ddpm_step_variant(x_t, t, eps, alphas_cumprod, seed, **options)
    mistakes = {NO_CLIP if clip else CLIP_ALWAYS: variant(clip=not clip),
                FIXED_LARGE: variant(variance="fixed_large", noise="always")}  # beta_t > 0 even at t = 0
    if t > 0:
        mistakes[NO_NOISE] = variant(noise="never")
    if prev_t != t - 1:
        mistakes[PREV_T_IGNORED] = variant(prev_t=t - 1)
    return mistakes
