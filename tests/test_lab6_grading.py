"""The Lab 6 judge on real targets: the reference earns full marks, the stubs nothing (exit 1, TODO named), and a
submission with one typical mistake per exercise gets that mistake named in the hint."""

from pathlib import Path

import pytest
from grading_helpers import (
    GraderRun,
    check_every_hint_names,
    check_reference_gets_full_marks,
    check_stubs_get_nothing,
    failed_hints,
    grade_reference_with_mistakes,
)

MISTAKES = {  # module -> code appended to the reference module (later definitions win)
    "schedules.py": '''

def alphas_cumprod(betas):
    return torch.cumprod(betas, dim=0)


def q_sample(x0, t, noise, alphas_cumprod):
    ab = alphas_cumprod[t].view(-1, 1, 1, 1)
    return (1 - ab).sqrt() * x0 + ab.sqrt() * noise
''',
    "reverse_step.py": '''

def ddpm_step(x_t, t, eps, alphas_cumprod, generator=None, clip_x0=True, prev_t=None):
    prev_t = t - 1 if prev_t is None else prev_t
    ab = alphas_cumprod[t]
    ab_prev = alphas_cumprod[prev_t] if prev_t >= 0 else torch.ones_like(ab)
    beta = 1 - ab / ab_prev
    x0 = predict_x0(x_t, t, eps, alphas_cumprod)
    x0 = x0.clamp(-1, 1) if clip_x0 else x0
    mean = ab_prev.sqrt() * beta / (1 - ab) * x0 + (1 - beta).sqrt() * (1 - ab_prev) / (1 - ab) * x_t
    z = torch.randn(x_t.shape, generator=generator, dtype=x_t.dtype)
    return mean + beta.sqrt() * z
''',
    "loss.py": '''

def diffusion_loss(model, x0, alphas_cumprod, generator=None, class_labels=None):
    noise = torch.randn(x0.shape, generator=generator, dtype=x0.dtype)
    t = torch.randint(0, len(alphas_cumprod), (x0.shape[0],), generator=generator)
    return F.mse_loss(model(q_sample(x0, t, noise, alphas_cumprod), t, class_labels), noise)
''',
}


@pytest.fixture(scope="module")
def mistaken_run(tmp_path_factory: pytest.TempPathFactory) -> GraderRun:
    folder = tmp_path_factory.mktemp("submission")
    return grade_reference_with_mistakes("lab6", "lab6_diffusion", MISTAKES, folder)


def test_reference_gets_full_marks(tmp_path: Path) -> None:
    check_reference_gets_full_marks("lab6", tmp_path)


def test_stubs_get_nothing(tmp_path: Path) -> None:
    check_stubs_get_nothing("lab6", tmp_path)


def test_cumprod_of_betas_is_named(mistaken_run: GraderRun) -> None:
    check_every_hint_names(mistaken_run, "lab6.3", "running product of the ALPHAS")


def test_swapped_factors_are_named(mistaken_run: GraderRun) -> None:
    check_every_hint_names(mistaken_run, "lab6.4", "multiplies the clean image")


def test_beta_as_variance_is_named(mistaken_run: GraderRun) -> None:
    check_every_hint_names(mistaken_run, "lab6.6", "fixed-small")


def test_loss_sends_the_student_to_q_sample_first(mistaken_run: GraderRun) -> None:
    """diffusion_loss builds on q_sample, which is wrong in this submission too: that is the mistake to fix first."""
    assert mistaken_run.code == 1, mistaken_run.output
    check_every_hint_names(mistaken_run, "lab6.7", "fix lab6.4 q_sample first")
    assert not failed_hints(mistaken_run.report, "lab6.1")  # the untouched exercises keep their points


def test_noise_drawn_before_t_is_named(tmp_path: Path) -> None:
    """With q_sample right, the loss's own mistake is named (graded alone: lab6.7's tests only)."""
    run = grade_reference_with_mistakes("lab6.7", "lab6_diffusion", {"loss.py": MISTAKES["loss.py"]}, tmp_path)
    check_every_hint_names(run, "lab6.7", "draw t first")
