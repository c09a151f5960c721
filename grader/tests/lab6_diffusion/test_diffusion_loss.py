"""lab6.7 diffusion_loss: t and noise drawn in order from the generator, q_sample, the MSE between the model's
noise prediction and the true noise; checked on a probe denoiser, value and gradient."""

import pytest
import torch
import torch.nn.functional as F

from grader.feedback import assert_tensor_close, expect
from grader.tests.lab6_diffusion.known_mistakes import NOISE_FIRST, PREDICTS_X0, SUMMED
from grader.tests.lab6_diffusion.references import ddpm_scheduler, random_images
from solutions.lab6_diffusion.harness import ProbeDenoiser

pytestmark = pytest.mark.exercise("lab6.7")

WEIGHTS = torch.tensor([0.3, -0.1, 0.5])  # the probe's w, b, s
HARNESS_HINT = "labs/lab6_diffusion/harness.py is given code: restore it from a fresh copy of the lab"


@pytest.fixture(scope="module")
def loss_probe(student):
    return student.function("lab6_diffusion.harness.diffusion_loss_probe", timeout=20)


def expected_loss(x0: torch.Tensor, seed: int, labels: torch.Tensor | None, order: str = "t first",
                  target: str = "noise", reduction: str = "mean") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(loss, gradient of the probe's weights, t) with diffusers' add_noise, replaying the random draws."""
    scheduler = ddpm_scheduler(1000)
    generator = torch.Generator().manual_seed(seed)
    B = x0.shape[0]
    if order == "t first":
        t = torch.randint(0, 1000, (B,), generator=generator)
        noise = torch.randn(x0.shape, generator=generator)
    else:
        noise = torch.randn(x0.shape, generator=generator)
        t = torch.randint(0, 1000, (B,), generator=generator)
    probe = ProbeDenoiser(1000, WEIGHTS)
    prediction = probe(scheduler.add_noise(x0, noise, t), t, labels)
    loss = F.mse_loss(prediction, noise if target == "noise" else x0, reduction=reduction)
    loss.backward()
    return loss.detach(), probe.weights.grad, t


def check_loss(loss_probe, shape: tuple[int, ...], seed: int, labels: torch.Tensor | None = None) -> None:
    x0 = random_images(shape, seed)
    scheduler = ddpm_scheduler(1000)
    reply = loss_probe(x0, scheduler.alphas_cumprod, WEIGHTS, seed=seed, class_labels=labels)
    expect(type(reply) is dict and {"loss", "grad", "calls", "scalar_tensor"} <= set(reply),
           "diffusion_loss_probe sent back something unexpected", HARNESS_HINT)
    expect(reply["scalar_tensor"] is True,
           f"diffusion_loss must return a scalar tensor (shape ()), got {reply['loss']}",
           "return F.mse_loss(eps, noise) itself: a tensor of shape () that backpropagates (no .item())")
    calls = reply["calls"]
    expect(type(calls) is list and len(calls) == 1, f"expected one call of the model, got {len(calls)}")
    loss, grad, t = expected_loss(x0, seed, labels)
    wrong_order, _, _ = expected_loss(x0, seed, labels, order="noise first")
    hint = {PREDICTS_X0: expected_loss(x0, seed, labels, target="x0")[0],
            SUMMED: expected_loss(x0, seed, labels, reduction="sum")[0], NOISE_FIRST: wrong_order}
    what = f"diffusion_loss on a probe model, x0 {shape}, generator seeded with {seed}"
    assert_tensor_close(calls[0]["t"].to(torch.long), t, what=f"{what}: the steps t passed to the model",
                        mistakes={NOISE_FIRST: expected_loss(x0, seed, labels, order="noise first")[2]})
    assert_tensor_close(torch.tensor(reply["loss"]), loss, what=what, atol=1e-5, rtol=1e-4, mistakes=hint)
    assert_tensor_close(reply["grad"], grad, what=f"{what}: the gradient of the loss w.r.t. the probe's weights",
                        atol=1e-5, rtol=1e-4)
    if labels is not None:
        assert_tensor_close(calls[0]["labels"], labels, what=f"{what}: the class labels passed to the model")


@pytest.mark.points(2)
def test_probe_batch(loss_probe):
    """8 images of 1x6x6: the steps the model sees, the loss and its gradient."""
    check_loss(loss_probe, (8, 1, 6, 6), seed=0)


@pytest.mark.points(1)
def test_passes_class_labels(loss_probe):
    """The class labels reach the model unchanged."""
    check_loss(loss_probe, (5, 1, 4, 4), seed=1, labels=torch.tensor([3, 10, 7, 0, 9]))


@pytest.mark.hidden
@pytest.mark.points(1)
def test_colour_batch(loss_probe):
    check_loss(loss_probe, (3, 3, 5, 5), seed=2, labels=torch.tensor([1, 2, 10]))
