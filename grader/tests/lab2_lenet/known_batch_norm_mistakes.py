"""What the usual batch-normalisation mistakes of Lab 2 produce over a run of steps, so that a wrong output or
running statistic that matches one can be named. Written with plain torch operations (trusted code); the right
answer itself comes from torch's batch norm (batch_norm_run).
"""

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

INSTANCE_DIMS = ("normalised over (H, W) of each image: batch norm takes each channel's statistics over the whole "
                 "batch, dims (0, 2, 3)")
BATCH_DIM_ONLY = ("normalised over the batch dimension only (per pixel): take each channel's statistics over "
                  "dims (0, 2, 3), batch and space together")
ALL_DIMS = "normalised over all values at once: each channel has its own mean and variance, over dims (0, 2, 3)"
UNBIASED_NORMALISATION = ("normalise with the biased variance (divide by n = B * H * W, unbiased=False); only the "
                          "running variance uses the unbiased one")
BIASED_RUNNING = ("the running variance is updated with the unbiased batch variance, var * n / (n - 1), as "
                  "PyTorch does; you used the biased one")
BATCH_STATS_IN_EVAL = ("in evaluation (training=False) normalise with running_mean and running_var, not with the "
                       "batch's statistics")
RUNNING_UPDATED_IN_EVAL = "in evaluation the running statistics stay as they are: update them only in training"
TRAINING_IGNORED = ("training=False was ignored: in evaluation normalise with running_mean and running_var and leave "
                    "them unchanged")
MOMENTUM_SWAPPED = ("momentum the wrong way round: running <- (1 - momentum) * running + momentum * batch "
                    "(momentum is the weight of the NEW batch, 0.1 by default)")
NOT_IN_PLACE = ("the running statistics did not change: update the tensors you were given in place "
                "(running_mean.mul_(1 - momentum).add_(momentum * mean)); `running_mean = ...` only rebinds a name")
EPS_OUTSIDE_SQRT = "eps goes inside the square root: (x - mean) / sqrt(var + eps)"
GAMMA_BETA_SWAPPED = "gamma scales and beta shifts: gamma * x_hat + beta"
NO_AFFINE = "the two learnable parameters are missing: return gamma * x_hat + beta"
MEAN_DETACHED = ("the gradient that flows through the batch mean and variance is missing: do not detach them or "
                 "call .item() on them (only the running statistics are updated without gradients)")


@dataclass(frozen=True)
class Variant:
    """How a batch_norm2d computes, right or mistaken."""

    dims: tuple[int, ...] = (0, 2, 3)
    unbiased_normalisation: bool = False
    unbiased_running: bool = True
    eval_uses_batch: bool = False
    eval_updates: bool = False
    momentum_swapped: bool = False
    in_place: bool = True
    eps_inside: bool = True
    swap_affine: bool = False
    affine: bool = True


def variant_step(variant: Variant, x, gamma, beta, running_mean, running_var, training, momentum, eps):
    """One step of `variant`: the output, with running_mean and running_var updated in place as it would."""
    C = x.shape[1]
    if training or variant.eval_uses_batch:
        mean = x.mean(dim=variant.dims, keepdim=True)
        var = x.var(dim=variant.dims, keepdim=True, unbiased=variant.unbiased_normalisation)
    else:
        mean, var = running_mean.view(1, C, 1, 1), running_var.view(1, C, 1, 1)
    if (training or variant.eval_updates) and variant.in_place:
        batch_mean = x.mean(dim=(0, 2, 3))
        batch_var = x.var(dim=(0, 2, 3), unbiased=variant.unbiased_running)
        new = momentum if not variant.momentum_swapped else 1 - momentum
        running_mean.mul_(1 - new).add_(new * batch_mean)
        running_var.mul_(1 - new).add_(new * batch_var)
    scale = torch.sqrt(var + eps) if variant.eps_inside else torch.sqrt(var) + eps
    x_hat = (x - mean) / scale
    if not variant.affine:
        return x_hat
    g, b = (beta, gamma) if variant.swap_affine else (gamma, beta)
    return g.view(1, C, 1, 1) * x_hat + b.view(1, C, 1, 1)


def run_steps(step: Callable, batches, running_mean, running_var) -> dict[str, torch.Tensor]:
    """{"outputs", "running_means", "running_vars"} of `step(x, running_mean, running_var)` (which updates the
    statistics in place) over the batches, each stacked over the steps, as the harness's batch_norm_steps reports."""
    running_mean, running_var = running_mean.clone(), running_var.clone()
    outputs, means, variances = [], [], []
    with torch.no_grad():
        for x in batches:
            outputs.append(step(x, running_mean, running_var))
            means.append(running_mean.clone())
            variances.append(running_var.clone())
    return {"outputs": torch.stack(outputs), "running_means": torch.stack(means),
            "running_vars": torch.stack(variances)}


def batch_norm_run(batches, gamma, beta, running_mean, running_var, training, momentum, eps) -> dict:
    """The right answer: torch's batch norm (what nn.BatchNorm2d runs) step after step."""

    def step(x, mean, var):
        return F.batch_norm(x, mean, var, gamma, beta, training, momentum, eps)

    return run_steps(step, batches, running_mean, running_var)


MISTAKES = {
    INSTANCE_DIMS: Variant(dims=(2, 3)),
    BATCH_DIM_ONLY: Variant(dims=(0,)),
    ALL_DIMS: Variant(dims=(0, 1, 2, 3)),
    UNBIASED_NORMALISATION: Variant(unbiased_normalisation=True),
    BIASED_RUNNING: Variant(unbiased_running=False),
    BATCH_STATS_IN_EVAL: Variant(eval_uses_batch=True),
    TRAINING_IGNORED: Variant(eval_uses_batch=True, eval_updates=True),
    RUNNING_UPDATED_IN_EVAL: Variant(eval_updates=True),
    MOMENTUM_SWAPPED: Variant(momentum_swapped=True),
    NOT_IN_PLACE: Variant(in_place=False),
    EPS_OUTSIDE_SQRT: Variant(eps_inside=False),
    GAMMA_BETA_SWAPPED: Variant(swap_affine=True),
    NO_AFFINE: Variant(affine=False),
}


def batch_norm_mistakes(batches, gamma, beta, running_mean, running_var, training, momentum, eps) -> dict[str, dict]:
    """{hint: the run that mistake gives} for these arguments."""
    def mistaken_step(variant: Variant) -> Callable:
        def step(x, mean, var):
            return variant_step(variant, x, gamma, beta, mean, var, training, momentum, eps)
        return step

    return {hint: run_steps(mistaken_step(variant), batches, running_mean, running_var)
            for hint, variant in MISTAKES.items()}
