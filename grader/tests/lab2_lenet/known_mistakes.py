"""What the usual Lab 2 mistakes produce, so a wrong answer that matches one can be named in the feedback.

Each function returns {hint: what that mistake gives}, computed with trusted torch operations and the reference.
"""

import torch
import torch.nn.functional as F

from grader.tests.lab2_lenet import known_batch_norm_mistakes as bn
from grader.tests.lab2_lenet import known_pooling_mistakes as pooling
from solutions.lab2_lenet.harness import ProbeNet
from solutions.lab2_lenet.lenet import LeNet

NOT_STABLE = ("exp() overflowed to inf (or 0): subtract each row's maximum first, "
              "log_softmax(z) = (z - m) - log(sum(exp(z - m))) with m = max(z)")
SOFTMAX_NOT_LOG = "you returned probabilities (softmax): return their logarithm, the log-probabilities"
WRONG_DIM = "normalised along the wrong dimension: sum the exponentials along `dim` (the class dimension)"
MAX_ONLY = "you subtracted the maximum but not log(sum(exp(z - m))): the rows' exp() must sum to 1"
NLL_SUM = "you summed over the batch: nll_loss is the MEAN of -log_probs[b, targets[b]]"
NLL_SIGN = "wrong sign: the loss is MINUS the mean log-probability of the right class (so it is >= 0)"
NLL_ROWS = ("log_probs[targets] picks whole rows: pick one value per row with "
            "log_probs[torch.arange(B), targets]")
NLL_BLOCK = ("log_probs[:, targets] picks a (B, B) block: pick one value per row with "
             "log_probs[torch.arange(B), targets]")
NLL_NORMALISES = ("nll_loss must not apply (log_)softmax itself: it picks and averages the values it is given "
                  "(LeNet.forward already ends with log_softmax)")
NO_REDUCTION = "reduce to one number: the mean over the batch, a tensor of shape ()"
FC1_SIZE = ("fc1 must take 16 * 5 * 5 = 400 features: conv1 keeps 28x28 (padding 2), pooling halves it to 14, "
            "conv2 (5x5, no padding) gives 10, pooling gives 5; derive it from image_size")
RAW_LOGITS = ("forward returned raw scores: end with your log_softmax (NLL loss on raw logits does not "
              "train a classifier)")
PROBABILITIES = "forward returned probabilities (softmax): return log-probabilities (log_softmax)"
RELU_ON_OUTPUT = "no ReLU after fc3: log_softmax takes fc3's raw scores (a ReLU there clips every negative score)"
NO_RELU = "use ReLU after conv1, conv2, fc1 and fc2 (without it, the network is one big linear function)"
TANH = "use ReLU after conv1, conv2, fc1 and fc2, not tanh (this kit's LeNet is the modern variant)"
AVG_POOL = "use max pooling, nn.MaxPool2d(2), not average pooling"
CHANNELS_LAST = "flatten (B, 16, 5, 5) in its own order, x.flatten(1) or x.view(B, -1), without permuting"
NO_ZERO_GRAD = ("gradients piled up from batch to batch: call optimizer.zero_grad() before loss.backward() "
                "for every batch")
NO_UPDATE = ("the weights did not change: for every batch call optimizer.zero_grad(), loss.backward(), "
             "optimizer.step(), in this order")
SUMMED_UPSTREAM = "the batch losses were summed, not averaged: your nll_loss (lab2.2) must return the batch MEAN"
LAST_BATCH_LOSS = "you returned the last batch's loss: return the mean over the whole epoch"
SUMMED_BATCH_LOSSES = "you returned the sum of the batch losses: divide by the number of examples"
MEAN_OF_BATCH_MEANS = ("you averaged the batch means: weight each batch's loss by its size (the last batch is "
                       "smaller), sum, and divide by the number of examples")
PERCENT = "accuracy is a fraction in [0, 1], not a percentage"
NOT_EVAL_MODE = "call model.eval() first: in training mode dropout (and batch norm) change the outputs"
GRAD_ENABLED = "wrap the loop in torch.no_grad(): evaluation needs no gradients, and they cost memory and time"
NOT_TRAIN_MODE = ("call model.train() at the start: evaluate() leaves the model in eval mode, which would switch "
                  "off dropout and batch norm while training")
LEFT_TRAIN_MODE = "leave the model in eval mode after evaluating (call model.eval(), do not switch back)"
LOG_PROBS_RETURNED = "predict_proba returns probabilities: exp() of the model's log-probabilities"
PYTHON_FLOAT = "return Python floats: turn a one-element tensor into a number with .item()"


def log_softmax_mistakes(logits: torch.Tensor, dim: int) -> dict[str, torch.Tensor]:
    """Results of the usual log_softmax mistakes."""
    shifted = logits - logits.amax(dim=dim, keepdim=True)
    mistakes = {SOFTMAX_NOT_LOG: torch.softmax(logits, dim), MAX_ONLY: shifted}
    for other in range(logits.ndim):
        if other != dim % logits.ndim:
            mistakes[WRONG_DIM] = torch.log_softmax(logits, other)
    return mistakes


def nll_loss_mistakes(log_probs: torch.Tensor, targets: torch.Tensor) -> dict[str, torch.Tensor]:
    """Results of the usual nll_loss mistakes (those that can run for these shapes)."""
    B = log_probs.shape[0]
    picked = log_probs[torch.arange(B), targets]  # (B,)
    mistakes = {
        NLL_SUM: -picked.sum(),
        NLL_SIGN: picked.mean(),
        NO_REDUCTION: -picked,
        NLL_BLOCK: -log_probs[:, targets].mean(),
        NLL_NORMALISES: F.nll_loss(torch.log_softmax(log_probs, dim=1), targets),
    }
    if int(targets.max()) < B:
        mistakes[NLL_ROWS] = -log_probs[targets].mean()
    return mistakes


def lenet_variant(model: LeNet, x: torch.Tensor, activation=F.relu, pool=F.max_pool2d, output: str = "log_softmax",
                  channels_last: bool = False) -> torch.Tensor:
    """The reference LeNet's forward pass with one piece swapped for a common mistake."""
    with torch.no_grad():
        x = pool(activation(model.conv1(x)), 2)  # (B, 6, 14, 14)
        x = pool(activation(model.conv2(x)), 2)  # (B, 16, 5, 5)
        x = x.permute(0, 2, 3, 1).flatten(1) if channels_last else x.flatten(1)  # (B, 400)
        x = model.fc3(activation(model.fc2(activation(model.fc1(x)))))  # (B, 10)
        if output == "relu":
            return torch.log_softmax(F.relu(x), dim=1)
        if output == "softmax":
            return torch.softmax(x, dim=1)
        return x if output == "raw" else torch.log_softmax(x, dim=1)


def lenet_forward_mistakes(model: LeNet, images: torch.Tensor) -> dict[str, torch.Tensor]:
    """What the usual LeNet.forward mistakes give with the reference weights."""

    def identity(x: torch.Tensor) -> torch.Tensor:
        return x

    return {
        RAW_LOGITS: lenet_variant(model, images, output="raw"),
        PROBABILITIES: lenet_variant(model, images, output="softmax"),
        RELU_ON_OUTPUT: lenet_variant(model, images, output="relu"),
        NO_RELU: lenet_variant(model, images, activation=identity),
        TANH: lenet_variant(model, images, activation=torch.tanh),
        AVG_POOL: lenet_variant(model, images, pool=F.avg_pool2d),
        CHANNELS_LAST: lenet_variant(model, images, channels_last=True),
    }


def sgd_epoch(weight: torch.Tensor, bias: torch.Tensor, images: torch.Tensor, labels: torch.Tensor,
              batch_size: int, lr: float, zero_grad: bool = True,
              reduction: str = "mean") -> tuple[torch.Tensor, torch.Tensor, list]:
    """One epoch of plain SGD on a ProbeNet, batches in order, optionally without zero_grad or with summed batch
    losses: (weight, bias, [(batch loss, batch size), ...])."""
    model = ProbeNet(weight, bias).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    batch_losses = []
    for start in range(0, len(labels), batch_size):
        x, y = images[start : start + batch_size], labels[start : start + batch_size]
        if zero_grad:
            optimizer.zero_grad()
        loss = F.nll_loss(model(x), y, reduction=reduction)
        loss.backward()
        optimizer.step()
        batch_losses.append((loss.item(), len(y)))
    return model.linear.weight.detach(), model.linear.bias.detach(), batch_losses


def mean_loss_mistakes(batch_losses: list[tuple[float, int]]) -> dict[str, float]:
    """Epoch losses the usual averaging mistakes report, given (batch mean loss, batch size) pairs."""
    return {
        LAST_BATCH_LOSS: batch_losses[-1][0],
        SUMMED_BATCH_LOSSES: sum(loss for loss, _ in batch_losses),
        MEAN_OF_BATCH_MEANS: sum(loss for loss, _ in batch_losses) / len(batch_losses),
    }


def matching_number(got: float, expected: float, mistakes: dict[str, float], tolerance: float) -> str | None:
    """The hint of the first mistake whose number equals `got` (and differs from the right answer)."""
    for hint, value in mistakes.items():
        if abs(value - expected) > tolerance and abs(got - value) <= tolerance:
            return hint
    return None


# The sheet's "Common mistakes" (solutions/lab2_lenet/README.md), one for one: each bullet's bold words -> the
# (exercise, words of the hint that names it) of each mistake it lists (tests/test_sheet_mistakes.py grades a
# submission that makes each one).
SHEET_MISTAKES = {
    "NLL loss on raw logits": (("lab2.4", RAW_LOGITS),),
    "Softmax instead of log-softmax": (("lab2.1", SOFTMAX_NOT_LOG),),
    "exp overflow": (("lab2.1", NOT_STABLE),),
    "Forgetting `optimizer.zero_grad()`": (("lab2.5", NO_ZERO_GRAD),),
    "Evaluating in training mode": (("lab2.6", NOT_EVAL_MODE), ("lab2.5", NOT_TRAIN_MODE)),
    "Wrong flatten size": (("lab2.3", FC1_SIZE),),
    "Summing instead of averaging": (("lab2.2", NLL_SUM), ("lab2.5", LAST_BATCH_LOSS)),
    "Pooling with stride 1 by default": (("lab2.8", pooling.STRIDE_ONE),),
    "Padding max pooling with 0": (("lab2.9", pooling.ZERO_PADDING_MAX), ("lab2.11", pooling.ZERO_PADDING_MIN)),
    "Excluding the padding from the average": (("lab2.10", pooling.COUNT_EXCLUDE_PAD),),
    "Indices in the padded plane, in the window, or over all channels": (
        ("lab2.9", pooling.INDEX_IN_PADDED), ("lab2.9", pooling.INDEX_IN_WINDOW)),
    "min pooling as `-max_pool(x)` or `max_pool(-x)`": (("lab2.11", pooling.MINUS_MAX),
                                                        ("lab2.11", pooling.MAX_OF_MINUS)),
    "Batch norm over the wrong dimensions": (("lab2.12", bn.INSTANCE_DIMS),),
    "Biased vs unbiased variance": (("lab2.12", bn.BIASED_RUNNING),),
    "Batch statistics in evaluation": (("lab2.12", bn.BATCH_STATS_IN_EVAL),),
    "Momentum the wrong way round": (("lab2.12", bn.MOMENTUM_SWAPPED),),
    "Not updating in place": (("lab2.12", bn.NOT_IN_PLACE),),
}
