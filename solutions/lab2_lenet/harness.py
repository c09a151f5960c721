"""Plain-data doorways into your Lab 2 code for the grader, which runs your code in a separate process:
tensors, numbers, lists and dicts go in and come out, never models. Complete: nothing to do here.

The grader never trusts a number these functions compute about accuracy: it loads the weights they return into
its own LeNet and measures that on digits your code never saw. `ProbeNet`, a linear classifier that notes how it
is called, lets it check train_one_epoch, evaluate and predict_proba apart from your LeNet.
"""

import torch
import torch.nn.functional as F
from torch import nn

from ipdl.data.mnist import make_loader

from .lenet import LeNet, nll_loss
from .normalisation import batch_norm2d
from .training import evaluate, predict_proba, train_one_epoch


def nll_loss_gradient(log_probs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """d nll_loss(log_probs, targets) / d log_probs through your nll_loss (training needs it differentiable)."""
    log_probs = log_probs.clone().requires_grad_(True)
    nll_loss(log_probs, targets).backward()
    return log_probs.grad


def parameter_shapes(image_size: int = 28) -> dict[str, list[int]]:
    """Name -> shape of every tensor in a fresh LeNet's state_dict, e.g. {"conv1.weight": [6, 1, 5, 5], ...}."""
    return {name: list(tensor.shape) for name, tensor in LeNet(image_size=image_size).state_dict().items()}


def parameter_count() -> int:
    """Number of trainable values in a fresh LeNet."""
    return sum(parameter.numel() for parameter in LeNet().parameters() if parameter.requires_grad)


def lenet_forward(images: torch.Tensor, state_dict: dict[str, torch.Tensor] | None = None,
                  seed: int = 0) -> torch.Tensor:
    """LeNet's (B, 10) output for (B, 1, 28, 28) images, with the given weights or a fresh init drawn from `seed`."""
    torch.manual_seed(seed)
    model = LeNet()
    if state_dict is not None:
        model.load_state_dict(state_dict)
    model.eval()
    with torch.no_grad():
        return model(images)


def train_lenet(images: torch.Tensor, labels: torch.Tensor, epochs: int = 5, batch_size: int = 64,
                lr: float = 2e-3, seed: int = 0) -> dict[str, object]:
    """Train a fresh LeNet with your train_one_epoch, Adam and a cosine schedule (as train.py does, without
    augmentation) on one CPU thread; returns its state_dict and the epoch losses."""
    torch.manual_seed(seed)
    torch.set_num_threads(1)  # LeNet gains nothing from more, and threads slow down on a busy CPU
    model = LeNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    loader = make_loader(images, labels, batch_size, shuffle=True)
    losses = []
    for _ in range(epochs):
        losses.append(train_one_epoch(model, loader, optimizer, "cpu"))
        schedule.step()
    return {"state_dict": model.state_dict(), "losses": losses}


class ProbeNet(nn.Module):
    """Softmax regression with dropout, (B, 1, 28, 28) -> (B, 10) log-probabilities, that records for every
    forward call whether it ran in training mode and with gradients enabled."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, dropout: float = 0.0):
        super().__init__()
        num_classes, features = weight.shape
        self.linear = nn.Linear(features, num_classes)
        self.linear.load_state_dict({"weight": weight, "bias": bias})
        self.dropout = nn.Dropout(dropout)
        self.calls: list[dict[str, bool]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append({"training": self.training, "grad_enabled": torch.is_grad_enabled()})
        logits = self.dropout(self.linear(x.flatten(1)))  # (B, 784) -> (B, 10)
        return F.log_softmax(logits, dim=1)


def train_probe_one_epoch(weight: torch.Tensor, bias: torch.Tensor, images: torch.Tensor, labels: torch.Tensor,
                          batch_size: int, lr: float) -> dict[str, object]:
    """One epoch of your train_one_epoch on a ProbeNet (left in eval mode, as evaluate() would) with plain SGD,
    batches in order: the new weights, the mean loss your function returned, and how the model was called."""
    model = ProbeNet(weight, bias).eval()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    mean_loss = train_one_epoch(model, make_loader(images, labels, batch_size), optimizer, "cpu")
    return {"weight": model.linear.weight.detach(), "bias": model.linear.bias.detach(),
            "mean_loss": mean_loss, "calls": model.calls}


def evaluate_probe(weight: torch.Tensor, bias: torch.Tensor, images: torch.Tensor, labels: torch.Tensor,
                   batch_size: int, dropout: float = 0.5) -> dict[str, object]:
    """Your evaluate on a ProbeNet with dropout, handed over in training mode: its result, and how it was called."""
    model = ProbeNet(weight, bias, dropout).train()
    result = evaluate(model, make_loader(images, labels, batch_size))
    return {"result": result, "training_after": model.training, "calls": model.calls}


def predict_probe(weight: torch.Tensor, bias: torch.Tensor, images: torch.Tensor,
                  dropout: float = 0.5) -> dict[str, object]:
    """Your predict_proba on a ProbeNet with dropout, handed over in training mode: its result and the calls."""
    model = ProbeNet(weight, bias, dropout).train()
    return {"probabilities": predict_proba(model, images), "calls": model.calls}


def batch_norm_steps(batches: list[torch.Tensor], gamma: torch.Tensor, beta: torch.Tensor,
                     running_mean: torch.Tensor, running_var: torch.Tensor, training: bool, momentum: float = 0.1,
                     eps: float = 1e-5) -> dict[str, list]:
    """Your batch_norm2d on each batch in turn, with one pair of running statistics (updated in place by your
    code): each batch's output, and the running statistics after each step."""
    running_mean, running_var = running_mean.clone(), running_var.clone()
    outputs, means, variances = [], [], []
    for x in batches:
        outputs.append(batch_norm2d(x, gamma, beta, running_mean, running_var, training, momentum, eps))
        means.append(running_mean.clone())
        variances.append(running_var.clone())
    return {"outputs": outputs, "running_means": means, "running_vars": variances}


def batch_norm_gradients(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, grad_output: torch.Tensor,
                         training: bool = True) -> dict[str, torch.Tensor]:
    """d sum(grad_output * batch_norm2d(x, gamma, beta, ...)) / d x, gamma and beta through your batch_norm2d,
    with fresh running statistics (mean 0, variance 1)."""
    x, gamma, beta = (tensor.clone().requires_grad_(True) for tensor in (x, gamma, beta))
    C = x.shape[1]
    out = batch_norm2d(x, gamma, beta, torch.zeros(C), torch.ones(C), training)
    (out * grad_output).sum().backward()
    return {"x": x.grad, "gamma": gamma.grad, "beta": beta.grad}
