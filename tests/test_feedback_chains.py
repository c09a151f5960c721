"""The upstream chain (grader.feedback.chains): a test that fails because an earlier exercise it builds on is
wrong says 'fix labN.k <function> first: <that exercise's own feedback>', in every lab, before any hint about
the function under test."""

from pathlib import Path

import pytest
from grading_helpers import failed_hints, grade_reference_with_mistakes

from grader.feedback.chains import upstream_order
from ipdl.catalogue import LABS

FLIPPED_CONV2D = '''

_right_conv2d = conv2d


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, padding_mode="zeros"):
    return _right_conv2d(x, weight.flip(-2, -1), bias, stride, padding, dilation, padding_mode)  # flipped
'''
NO_LOGSUMEXP = '''

def log_softmax(logits, dim=-1):
    return logits - logits.max(dim=dim, keepdim=True).values  # the log of the sum of exponentials is missing
'''
CONV1_BIAS = '''

_right_init = BasicBlock.__init__


def _init_with_bias(self, in_channels, out_channels, stride=1, skip=True):
    _right_init(self, in_channels, out_channels, stride, skip)
    self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=True)  # bias kept


BasicBlock.__init__ = _init_with_bias
'''
FREEZES_NOTHING = '''

def freeze_backbone(model):
    return model  # nothing frozen
'''
NO_SECOND_RELU = '''

def _forward_without_last_relu(self, x):
    return self[4](self[3](self[2](self[1](self[0](x)))))  # the second ReLU is missing


DoubleConv.forward = _forward_without_last_relu
'''
Q_SAMPLE_NO_SQRT = '''

def q_sample(x0, t, noise, alphas_cumprod):
    a = alphas_cumprod[t].view(-1, *([1] * (x0.dim() - 1)))
    return a * x0 + (1 - a) * noise  # the square roots are missing
'''

# (downstream exercise graded, lab folder, module, mistake, the upstream exercise and function it must name)
CHAINS = [
    ("lab1.4", "lab1_convolution", "convolution.py", FLIPPED_CONV2D, "lab1.3 conv2d", "you flipped the kernel"),
    ("lab2.4", "lab2_lenet", "lenet.py", NO_LOGSUMEXP, "lab2.1 log_softmax", ""),
    ("lab3.6", "lab3_pretrained", "residual.py", CONV1_BIAS, "lab3.5 BasicBlock.__init__", ""),
    ("lab4.3", "lab4_transfer", "transfer.py", FREEZES_NOTHING, "lab4.2 freeze_backbone", ""),
    ("lab5.2", "lab5_unet", "unet.py", NO_SECOND_RELU, "lab5.1 DoubleConv", ""),
    ("lab6.7", "lab6_diffusion", "schedules.py", Q_SAMPLE_NO_SQRT, "lab6.4 q_sample", ""),
]


def test_upstream_order_follows_uses_to_the_end():
    """convolve2d builds on conv2d, which builds on pad2d and conv_output_size: those come first."""
    assert upstream_order("lab1.4") == ["lab1.1", "lab1.2", "lab1.3"]
    assert upstream_order("lab1.8") == ["lab1.1", "lab1.2", "lab1.3", "lab1.5", "lab1.6", "lab1.7"]
    assert upstream_order("lab1.1") == []


def test_every_lab_records_what_its_exercises_build_on():
    """Each lab has at least one chain in the catalogue, and each chain points back to an earlier exercise."""
    for lab in LABS:
        ids = [exercise.id for exercise in lab.exercises]
        chained = [exercise for exercise in lab.exercises if exercise.uses]
        assert chained, lab.id
        for exercise in chained:
            assert all(ids.index(used) < ids.index(exercise.id) for used in exercise.uses), exercise


@pytest.mark.parametrize(("exercise", "package", "module", "mistake", "names", "feedback"), CHAINS,
                         ids=[chain[0] for chain in CHAINS])
def test_failure_names_the_wrong_upstream_exercise(tmp_path: Path, exercise, package, module, mistake, names,
                                                   feedback):
    run = grade_reference_with_mistakes(exercise, package, {module: mistake}, tmp_path)
    hints = failed_hints(run.report, exercise)
    assert hints, run.output
    assert all(hint.startswith(f"fix {names} first: {feedback}") for hint in hints), hints
