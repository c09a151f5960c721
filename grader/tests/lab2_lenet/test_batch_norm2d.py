"""lab2.12 batch_norm2d: equal to nn.BatchNorm2d in training and in evaluation, running statistics included, over
several steps; differentiable; torch's normalisation layers are off limits."""

import pytest
import torch
from torch import nn

from grader.feedback import assert_tensor_close, expect
from grader.tests.lab2_lenet.forbidden import NORM_OPS
from grader.tests.lab2_lenet.known_batch_norm_mistakes import MEAN_DETACHED, batch_norm_mistakes, batch_norm_run
from grader.tests.lab2_lenet.replies import expect_fields

pytestmark = pytest.mark.exercise("lab2.12")
FIELDS = (("outputs", "the output"), ("running_means", "running_mean after each step"),
          ("running_vars", "running_var after each step"))
RETURN_OUTPUT = ("return the normalised tensor only, and update running_mean and running_var in place "
                 "(they are not returned)")


@pytest.fixture(scope="module")
def steps(student):
    return student.function("lab2_lenet.harness.batch_norm_steps", forbidden_ops=NORM_OPS)


def case(B: int, C: int, H: int, W: int, steps: int, seed: int) -> tuple:
    """(batches, gamma, beta, running_mean, running_var): shifted, scaled maps and statistics away from 0 and 1."""
    generator = torch.Generator().manual_seed(seed)
    shift = torch.randn(1, C, 1, 1, generator=generator) * 2
    batches = [torch.randn(B, C, H, W, generator=generator) * (0.5 + torch.rand(1, C, 1, 1, generator=generator))
               + shift for _ in range(steps)]
    gamma = 0.5 + torch.rand(C, generator=generator)
    beta = torch.randn(C, generator=generator)
    running_mean = torch.randn(C, generator=generator)
    running_var = 0.5 + torch.rand(C, generator=generator)
    return batches, gamma, beta, running_mean, running_var


def check_run(steps, arguments: tuple, training: bool, momentum: float = 0.1, eps: float = 1e-5) -> None:
    """Each step's output and running statistics against nn.BatchNorm2d's, with the hint of a matching mistake."""
    batches = arguments[0]
    what = (f"batch_norm2d on {len(batches)} batch(es) of shape {tuple(batches[0].shape)}, training={training}, "
            f"momentum={momentum}, eps={eps}")
    reply = expect_fields(steps(*arguments, training, momentum, eps), tuple(field for field, _ in FIELDS), what)
    expected = batch_norm_run(*arguments, training, momentum, eps)
    mistakes = batch_norm_mistakes(*arguments, training, momentum, eps)
    for field, label in FIELDS:
        got = reply[field]
        expect(type(got) is list and len(got) == len(batches), f"{what}: the harness did not report every step")
        for step, tensor in enumerate(got):
            expect(type(tensor) is torch.Tensor, f"{what}: step {step + 1} returned a {type(tensor).__name__}, "
                                                 f"not a tensor", RETURN_OUTPUT if type(tensor) is tuple else None)
            shape = tuple(expected[field].shape[1:])
            expect(tuple(tensor.shape) == shape, f"{what}: {label}: expected shape {shape} at step {step + 1}, "
                                                 f"got {tuple(tensor.shape)}")
        assert_tensor_close(torch.stack(got), expected[field], what=f"{what}: {label} (steps stacked first)",
                            atol=1e-4, rtol=1e-4, mistakes={hint: run[field] for hint, run in mistakes.items()})


@pytest.mark.points(2)
def test_training_output(steps):
    """One batch of (8, 3, 5, 6) maps: each channel normalised with its batch mean and biased variance over
    (B, H, W), then scaled by gamma and shifted by beta."""
    check_run(steps, case(8, 3, 5, 6, steps=1, seed=0), training=True)


@pytest.mark.points(2)
def test_running_statistics(steps):
    """Three training steps: the running mean and (unbiased) variance move 10% towards each batch's."""
    check_run(steps, case(4, 5, 7, 7, steps=3, seed=1), training=True)


@pytest.mark.points(2)
def test_evaluation_uses_running_statistics(steps):
    """Two evaluation steps: the running statistics normalise, and they do not change."""
    check_run(steps, case(6, 4, 5, 3, steps=2, seed=2), training=False)


@pytest.mark.points(1)
def test_gradients(student):
    """Differentiable like nn.BatchNorm2d in training: d/dx goes through the batch mean and variance too."""
    gradients = student.function("lab2_lenet.harness.batch_norm_gradients", forbidden_ops=NORM_OPS)
    batches, gamma, beta, _, _ = case(5, 3, 4, 4, steps=1, seed=3)
    x = batches[0]
    grad_output = torch.randn(x.shape, generator=torch.Generator().manual_seed(4))
    reply = expect_fields(gradients(x, gamma, beta, grad_output), ("x", "gamma", "beta"), "batch_norm2d's gradients")
    expected = torch_gradients(x, gamma, beta, grad_output)
    detached = detached_mean_gradients(x, gamma, beta, grad_output)
    for name in ("x", "gamma", "beta"):
        expect(type(reply[name]) is torch.Tensor, f"d loss / d {name}: no gradient came back (got "
                                                  f"{type(reply[name]).__name__})",
               "keep the output differentiable: no .item(), .detach() or torch.no_grad() around it")
        assert_tensor_close(reply[name], expected[name], what=f"d loss / d {name} through batch_norm2d", atol=1e-4,
                            rtol=1e-4, mistakes={MEAN_DETACHED: detached[name]})


@pytest.mark.hidden
@pytest.mark.points(1)
def test_other_momentum_eps_and_shapes(steps):
    """momentum 0.3 and eps 0.5 (large enough to see where it goes), a batch of one 3x5 map with 6 channels, then
    training followed by evaluation with the statistics it left."""
    check_run(steps, case(1, 6, 3, 5, steps=2, seed=5), training=True, momentum=0.3, eps=0.5)
    batches, gamma, beta, running_mean, running_var = case(3, 2, 4, 4, steps=2, seed=6)
    trained = batch_norm_run(batches, gamma, beta, running_mean, running_var, True, 0.3, 0.5)
    check_run(steps, (batches, gamma, beta, trained["running_means"][-1], trained["running_vars"][-1]),
              training=False, momentum=0.3, eps=0.5)


def torch_gradients(x, gamma, beta, grad_output) -> dict[str, torch.Tensor]:
    """The gradients of sum(grad_output * nn.BatchNorm2d(x)) in training mode."""
    layer = nn.BatchNorm2d(x.shape[1]).train()
    with torch.no_grad():
        layer.weight.copy_(gamma)
        layer.bias.copy_(beta)
    x = x.clone().requires_grad_(True)
    (layer(x) * grad_output).sum().backward()
    return {"x": x.grad, "gamma": layer.weight.grad, "beta": layer.bias.grad}


def detached_mean_gradients(x, gamma, beta, grad_output) -> dict[str, torch.Tensor]:
    """The same gradients with the batch mean and variance treated as constants."""
    x, gamma, beta = (tensor.clone().requires_grad_(True) for tensor in (x, gamma, beta))
    C = x.shape[1]
    mean, var = x.detach().mean(dim=(0, 2, 3), keepdim=True), x.detach().var(dim=(0, 2, 3), keepdim=True,
                                                                             unbiased=False)
    out = gamma.view(1, C, 1, 1) * (x - mean) / torch.sqrt(var + 1e-5) + beta.view(1, C, 1, 1)
    (out * grad_output).sum().backward()
    return {"x": x.grad, "gamma": gamma.grad, "beta": beta.grad}
