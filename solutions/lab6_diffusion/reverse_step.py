"""One reverse step of DDPM with an epsilon-predicting network (Ho et al. 2020, eq. 7 and 15): estimate the
clean image from x_t and the predicted noise, then draw x_{t-1} from the posterior q(x_{t-1} | x_t, x0)
with the "fixed small" variance, as diffusers' DDPMScheduler.step does.
"""

import torch


def predict_x0(x_t: torch.Tensor, t: int, eps: torch.Tensor, alphas_cumprod: torch.Tensor) -> torch.Tensor:
    """Invert q_sample for x0: x0_hat = (x_t - sqrt(1 - alpha_bar_t) · eps) / sqrt(alpha_bar_t).

    Args:
        x_t: noisy images at step t, shape (B, C, H, W).
        t: the step, an int in [0, T-1] (the same for the whole batch, as when sampling).
        eps: the network's noise prediction, shape of x_t.
        alphas_cumprod: (T,).
    Returns:
        the estimate of the clean images, shape of x_t.
    """
    # BEGIN SOLUTION lab6.5: read alpha_bar_t at t and solve x_t = sqrt(ab)·x0 + sqrt(1-ab)·eps for x0
    alpha_bar = alphas_cumprod[t]
    return (x_t - (1.0 - alpha_bar).sqrt() * eps) / alpha_bar.sqrt()
    # END SOLUTION


def ddpm_step(x_t: torch.Tensor, t: int, eps: torch.Tensor, alphas_cumprod: torch.Tensor,
              generator: torch.Generator | None = None, clip_x0: bool = True,
              prev_t: int | None = None) -> torch.Tensor:
    """x_{t-1} from x_t: the posterior mean given x0_hat, plus noise with the fixed-small variance.

    Sampling with fewer steps than the schedule has jumps from t to prev_t < t - 1 (diffusers' DDPMScheduler
    after set_timesteps(n)); the formulas stay the same, with "t - 1" read as prev_t.
    With ab = alpha_bar_t, ab_prev = alpha_bar_{prev_t} (1 when prev_t < 0), alpha_t = ab / ab_prev,
    beta_t = 1 - alpha_t:
        x0_hat = predict_x0(x_t, t, eps), clamped to [-1, 1] when clip_x0
        mean   = sqrt(ab_prev) · beta_t / (1 - ab) · x0_hat  +  sqrt(alpha_t) · (1 - ab_prev) / (1 - ab) · x_t
        var    = (1 - ab_prev) / (1 - ab) · beta_t, at least 1e-20
        x_{t-1} = mean + sqrt(var) · z,  z = torch.randn(x_t.shape, generator=generator, dtype=x_t.dtype)
    At t = 0 there is no noise and no random draw: return the mean.

    Args:
        x_t: (B, C, H, W); t: an int in [0, T-1]; eps: the predicted noise, shape of x_t.
        alphas_cumprod: (T,).
        generator: the source of z (draw exactly one randn of x_t's shape, and only when t > 0).
        clip_x0: clamp x0_hat to the data range [-1, 1] first (diffusers' clip_sample).
        prev_t: the step to jump to; None means t - 1.
    Returns:
        x_{t-1}, shape of x_t.
    """
    # BEGIN SOLUTION lab6.6: x0_hat (clamped if clip_x0), the posterior mean, then sqrt(var)·z when t > 0
    prev_t = t - 1 if prev_t is None else prev_t
    alpha_bar = alphas_cumprod[t]
    alpha_bar_prev = alphas_cumprod[prev_t] if prev_t >= 0 else torch.ones_like(alpha_bar)
    alpha_t = alpha_bar / alpha_bar_prev
    beta_t = 1.0 - alpha_t
    x0_hat = predict_x0(x_t, t, eps, alphas_cumprod)
    if clip_x0:
        x0_hat = x0_hat.clamp(-1.0, 1.0)
    mean = (alpha_bar_prev.sqrt() * beta_t / (1.0 - alpha_bar)) * x0_hat \
        + (alpha_t.sqrt() * (1.0 - alpha_bar_prev) / (1.0 - alpha_bar)) * x_t
    if t == 0:
        return mean
    variance = ((1.0 - alpha_bar_prev) / (1.0 - alpha_bar) * beta_t).clamp(min=1e-20)
    z = torch.randn(x_t.shape, generator=generator, dtype=x_t.dtype)
    return mean + variance.sqrt() * z
    # END SOLUTION
