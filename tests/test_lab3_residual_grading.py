"""The Lab 3 judge on the residual block (lab3.5, lab3.6): the reference earns every point, the stubs none (each
failure naming a TODO), and the sheet's mistakes are named; and the given vanishing-gradient experiment shows what
the sheet says."""

from pathlib import Path

import pytest
from grading_helpers import failed_hints, grade_reference_with_mistakes, run_grader
from PIL import Image

from grader.tests.lab3_pretrained import known_block_mistakes as block
from solutions.lab3_pretrained import vanishing_gradient

SELECTION = "lab3.5 lab3.6"
MISTAKEN_BLOCK = '''

from torch import nn as _nn

_RightBlock = BasicBlock


class BasicBlock(_RightBlock):
    def __init__(self, in_channels, out_channels, stride=1, skip=True):
        super().__init__(in_channels, out_channels, stride, skip)
        {init}

    def forward(self, x):
        {forward}
'''
RIGHT_FORWARD = "return super().forward(x)"
# the upstream chain's words for a forward whose block's layers are wrong
FIX_INIT_FIRST = f"fix lab3.5 BasicBlock.__init__ first: {block.CONV_BIAS} (BasicBlock.forward builds on your " \
                 f"BasicBlock.__init__, so its own answer cannot be right yet)"
MISTAKES = {  # version -> ((__init__ line, forward line), {exercise: hint})
    "bias": (("self.conv1 = _nn.Conv2d(in_channels, out_channels, 3, stride, 1)", RIGHT_FORWARD),
             {"lab3.5": block.CONV_BIAS, "lab3.6": FIX_INIT_FIRST}),
    "projection for strides only": (
        ("self.downsample = self.downsample if stride != 1 else None", RIGHT_FORWARD),
        {"lab3.5": block.PROJECTION_MISSING}),
    "relu before the addition": (
        ("pass", "return self.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))) + x"),
        {"lab3.6": block.RELU_BEFORE_ADD}),
    "no shortcut": (("pass", "return self.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x))))))"),
                    {"lab3.6": block.NO_SHORTCUT}),
    # the same shapes, so only the convolutions' settings show it (and forward's chain names __init__)
    "stride in conv2 instead of conv1": (
        ("self.conv1, self.conv2 = _nn.Conv2d(in_channels, out_channels, 3, 1, 1, bias=False), "
         "_nn.Conv2d(out_channels, out_channels, 3, stride, 1, bias=False)", RIGHT_FORWARD),
        {"lab3.5": block.STRIDE_IN_CONV1, "lab3.6": FIX_INIT_FIRST.replace(block.CONV_BIAS, block.STRIDE_IN_CONV1)}),
}


def test_reference_gets_full_marks_and_stubs_nothing(tmp_path: Path) -> None:
    reference = run_grader(SELECTION, "solutions", tmp_path / "reference.json")
    assert reference.code == 0, reference.output
    assert reference.report["grade"]["score"] == reference.report["grade"]["max_score"] == 10
    stubs = run_grader(SELECTION, "labs", tmp_path / "stubs.json")
    assert stubs.code == 1 and stubs.report["grade"]["score"] == 0, stubs.output
    assert all("TODO(lab3.5)" in test["metadata"]["hint"] for test in stubs.report["tests"])  # forward needs it


@pytest.mark.parametrize("version", sorted(MISTAKES))
def test_typical_mistake_is_named(tmp_path: Path, version: str) -> None:
    (init, forward), hints = MISTAKES[version]
    code = MISTAKEN_BLOCK.format(init=init, forward=forward)
    run = grade_reference_with_mistakes(" ".join(hints), "lab3_pretrained", {"residual.py": code}, tmp_path)
    for exercise, hint in hints.items():
        assert hint in failed_hints(run.report, exercise), (exercise, run.output)


def test_the_right_version_of_the_mistaken_block_passes(tmp_path: Path) -> None:
    """The subclass above, with nothing changed, is right: each mistake comes from its change alone."""
    code = MISTAKEN_BLOCK.format(init="pass", forward=RIGHT_FORWARD)
    run = grade_reference_with_mistakes(SELECTION, "lab3_pretrained", {"residual.py": code}, tmp_path)
    assert run.code == 0, run.output


def test_vanishing_gradient_experiment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """20 blocks at initialisation: without batch norm the plain stack's gradient at the first block is gone (below
    1e-12, 1e10 times smaller than at its last block) while the residual stack's keeps its size; with batch norm
    in training mode the plain stack's grows over 100 times on the way back, the residual's much less."""
    out = tmp_path / "plot.png"
    vanishing_gradient.main(["--out", str(out)])
    norms = vanishing_gradient.run_experiment(vanishing_gradient.ExperimentConfig())
    plain_off, residual_off = norms[("plain", "off")], norms[("residual", "off")]
    plain_train, residual_train = norms[("plain", "train")], norms[("residual", "train")]
    assert plain_off[0] < 1e-12 and plain_off[-1] / plain_off[0] > 1e10
    assert 0.5 < residual_off[0] / residual_off[-1] < 2
    assert plain_train[0] / plain_train[-1] > 100 > residual_train[0] / residual_train[-1] * 3
    assert "plain      off" in capsys.readouterr().out
    assert Image.open(out).size == (640, 400)
