"""The Lab 6 judge on real targets: the reference earns full marks, the stubs nothing (exit 1, TODO named), and a
submission with one typical mistake per exercise gets that mistake named in the hint."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.paths import LABS_DIR, REPO_ROOT, SOLUTIONS_DIR

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


def run_grader(target: Path | str, report: Path) -> tuple[int, str, dict]:
    result = subprocess.run([sys.executable, "-m", "grader", "lab6", "--target", str(target), "--json", str(report)],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    return result.returncode, result.stdout + result.stderr, json.loads(report.read_text())


def failed_hints(report: dict, exercise: str) -> list[str]:
    return [test["metadata"].get("hint") or "" for test in report["tests"]
            if test["metadata"]["exercise"] == exercise and test["outcome"] == "failed"]


@pytest.fixture(scope="module")
def mistaken_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, dict]:
    folder = tmp_path_factory.mktemp("submission") / "labs"
    shutil.copytree(LABS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(folder / "lab6_diffusion")
    shutil.copytree(SOLUTIONS_DIR / "lab6_diffusion", folder / "lab6_diffusion",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for module, code in MISTAKES.items():
        path = folder / "lab6_diffusion" / module
        path.write_text(path.read_text() + code)
    return run_grader(folder, folder.parent / "report.json")


def test_reference_gets_full_marks(tmp_path: Path) -> None:
    code, output, report = run_grader("solutions", tmp_path / "report.json")
    assert code == 0, output
    assert report["grade"]["labs"]["lab6"]["score"] == report["grade"]["labs"]["lab6"]["max_score"] > 0


def test_stubs_get_nothing(tmp_path: Path) -> None:
    code, output, report = run_grader("labs", tmp_path / "report.json")
    assert code == 1, output
    assert report["grade"]["labs"]["lab6"]["score"] == 0
    assert all("TODO(lab6." in (test["metadata"].get("hint") or "") for test in report["tests"])


def test_cumprod_of_betas_is_named(mistaken_run: tuple[int, str, dict]) -> None:
    hints = failed_hints(mistaken_run[2], "lab6.3")
    assert hints and all("running product of the ALPHAS" in hint for hint in hints), hints


def test_swapped_factors_are_named(mistaken_run: tuple[int, str, dict]) -> None:
    hints = failed_hints(mistaken_run[2], "lab6.4")
    assert hints and all("multiplies the clean image" in hint for hint in hints), hints


def test_beta_as_variance_is_named(mistaken_run: tuple[int, str, dict]) -> None:
    hints = failed_hints(mistaken_run[2], "lab6.6")
    assert hints and all("fixed-small" in hint for hint in hints), hints


def test_noise_drawn_before_t_is_named(mistaken_run: tuple[int, str, dict]) -> None:
    assert mistaken_run[0] == 1, mistaken_run[1]
    hints = failed_hints(mistaken_run[2], "lab6.7")
    assert hints and all("draw t first" in hint for hint in hints), hints
    assert not failed_hints(mistaken_run[2], "lab6.1")  # the untouched exercises keep their points
