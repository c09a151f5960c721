"""Lab 2's probes for the upstream chain (grader.feedback.chains): LeNet.forward builds on log_softmax and the
layers, training on nll_loss, max, average and min pooling on pool_windows (lab2.8). Probes run only after a failure."""

import torch

from grader.feedback import GradingFailure, assert_tensor_close, expect
from grader.tests.lab2_lenet.forbidden import POOL_OPS
from grader.tests.lab2_lenet.pooling_cases import images, torch_windows
from grader.worker_client import StudentCodeError

# (kernel_size, stride, padding, pad_value) on a (2, 3, 7, 8) input
PROBES = ((2, None, 0, 0.0), (3, 2, 1, float("-inf")), ((3, 2), (1, 2), (1, 0), float("inf")))


def pool_windows_agrees(student) -> bool:
    """True when the student's pool_windows gives torch's windows on every probe."""
    pool_windows = student.function("lab2_lenet.pooling.pool_windows", forbidden_ops=POOL_OPS)
    x = images(2, 3, 7, 8, seed=99)
    try:
        for kernel_size, stride, padding, pad_value in PROBES:
            assert_tensor_close(pool_windows(x, kernel_size, stride, padding, pad_value),
                                torch_windows(x, kernel_size, stride, padding, pad_value), what="pool_windows")
    except (GradingFailure, StudentCodeError):
        return False
    return True


def log_softmax_probe(student, given) -> None:
    from grader.tests.lab2_lenet.test_log_softmax import SOFTMAX_OPS, check_log_softmax

    logits = torch.randn(4, 10, generator=torch.Generator().manual_seed(31)) * 3
    check_log_softmax(student.function("lab2_lenet.lenet.log_softmax", forbidden_ops=SOFTMAX_OPS), logits)


def nll_loss_probe(student, given) -> None:
    from grader.tests.lab2_lenet.test_nll_loss import NLL_OPS, check_nll, random_batch

    check_nll(student.function("lab2_lenet.lenet.nll_loss", forbidden_ops=NLL_OPS), *random_batch(8, 10, seed=31),
              what="nll_loss(log_probs (8, 10), targets (8,))")


def lenet_layers_probe(student, given) -> None:
    from grader.tests.lab2_lenet.test_lenet_layers import check_shapes, reference_shapes

    check_shapes(student.function("lab2_lenet.harness.parameter_shapes")(), reference_shapes(), what="LeNet()")


def pool_windows_probe(student, given) -> None:
    expect(pool_windows_agrees(student), "pool_windows does not give torch's windows")


# For any failing Lab 2 test (grader/tests/conftest.py): the exercises others build on.
CHAIN_PROBES = {"lab2.1": log_softmax_probe, "lab2.2": nll_loss_probe, "lab2.3": lenet_layers_probe,
                "lab2.8": pool_windows_probe}
