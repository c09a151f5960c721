"""The Lab 2 judge on pooling and batch normalisation (lab2.8-lab2.12): the reference earns every point, the stubs
none (each failure naming its TODO), and each mistake the sheet lists is named in the hint."""

from pathlib import Path

import pytest
from grading_helpers import failed_hints, grade_reference_with_mistakes, run_grader

from grader.tests.lab2_lenet import known_batch_norm_mistakes as bn
from grader.tests.lab2_lenet import known_pooling_mistakes as pooling
from ipdl.catalogue import find_lab

EXERCISES = ("lab2.8", "lab2.9", "lab2.10", "lab2.11", "lab2.12")
SELECTION = " ".join(EXERCISES)

# Max, average and min pooling are redefined (later definitions win), each built on the right windows, so that one
# mistake per function shows alone; a wrong pool_windows is graded on its own, as the others build on it.
RIGHT_WINDOWS = '''

_right_windows = pool_windows
'''
WINDOWS_PADDED_WITH_ZEROS = RIGHT_WINDOWS + '''

def pool_windows(x, kernel_size, stride=None, padding=0, pad_value=0.0):
    return _right_windows(x, kernel_size, stride, padding, 0.0)  # pad_value ignored
'''
POOLING_A = RIGHT_WINDOWS + '''

def max_pool2d(x, kernel_size, stride=None, padding=0, return_indices=False):
    windows = _right_windows(x, kernel_size, stride, padding, 0.0)  # zeros: a negative border window gives 0
    values, position = windows.max(dim=-1)
    return (values, position) if return_indices else values  # the place in the window, not in the plane


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    windows = _right_windows(x, kernel_size, stride, padding, float("nan"))
    return windows.nanmean(dim=-1)  # padding not counted


def min_pool2d(x, kernel_size, stride=None, padding=0):
    return -_right_windows(x, kernel_size, stride, padding, float("-inf")).amax(dim=-1)  # -max_pool(x)
'''
POOLING_B = RIGHT_WINDOWS + '''

def max_pool2d(x, kernel_size, stride=None, padding=0, return_indices=False):
    import torch

    flipped = _right_windows(x, kernel_size, stride, padding, float("-inf")).flip(-1)
    values, position = flipped.max(dim=-1)
    if not return_indices:
        return values
    k = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    s = k if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    p = (padding, padding) if isinstance(padding, int) else padding
    position = k[0] * k[1] - 1 - position  # the last maximum of the window, not the first
    H_out, W_out = values.shape[-2:]
    rows = torch.arange(H_out).view(-1, 1) * s[0] - p[0] + position // k[1]
    columns = torch.arange(W_out).view(1, -1) * s[1] - p[1] + position % k[1]
    return values, rows * x.shape[-1] + columns


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    return _right_windows(x, kernel_size, stride, padding, 0.0).sum(dim=-1)  # the sum, not the mean


def min_pool2d(x, kernel_size, stride=None, padding=0):
    return _right_windows(x, kernel_size, stride, padding, 0.0).amin(dim=-1)  # zeros win at the border
'''
POOLING_HINTS = {  # version -> exercise -> the hints its failures give
    "a": {"lab2.9": (pooling.ZERO_PADDING_MAX, pooling.INDEX_IN_WINDOW), "lab2.10": (pooling.COUNT_EXCLUDE_PAD,),
          "lab2.11": (pooling.MINUS_MAX,)},
    "b": {"lab2.9": (pooling.INDEX_LAST_TIE,), "lab2.10": (pooling.SUM_FOR_MEAN,),
          "lab2.11": (pooling.ZERO_PADDING_MIN,)},
}
# the upstream chain's words for a pooling whose windows are wrong
FIX_WINDOWS_FIRST = "fix lab2.8 pool_windows first"
POOLING_CODE = {"a": POOLING_A, "b": POOLING_B}

# batch_norm2d with one of the sheet's mistakes, by a change of the reference's lines
BATCH_NORM = '''

import torch as _torch


def batch_norm2d(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    C = x.shape[1]
    n = x.numel() // C
    if training or {eval_uses_batch}:
        mean = x.mean(dim={dims})
        var = x.var(dim={dims}, unbiased=False)
        with _torch.no_grad():
            new = {new}
            {mean_target} = running_mean * (1 - new) + new * x.mean(dim=(0, 2, 3))
            {var_target} = running_var * (1 - new) + new * x.var(dim=(0, 2, 3), unbiased={unbiased_running})
    else:
        mean, var = running_mean, running_var
    shape = (1, C, 1, 1) if mean.ndim == 1 else mean.shape[:1] + (C, 1, 1)
    x_hat = (x - mean.reshape(shape)) / _torch.sqrt(var.reshape(shape) + eps)
    return gamma.view(1, C, 1, 1) * x_hat + beta.view(1, C, 1, 1)
'''
RIGHT = {"eval_uses_batch": "False", "dims": "(0, 2, 3)", "new": "momentum", "mean_target": "running_mean[:]",
         "var_target": "running_var[:]", "unbiased_running": "True"}
BATCH_NORM_MISTAKES = {  # hint -> (changed lines, the test that shows it)
    bn.INSTANCE_DIMS: ({"dims": "(2, 3)"}, "test_training_output"),
    bn.BIASED_RUNNING: ({"unbiased_running": "False"}, "test_running_statistics"),
    bn.BATCH_STATS_IN_EVAL: ({"eval_uses_batch": "True", "new": "0.0"}, "test_evaluation_uses_running_statistics"),
    bn.MOMENTUM_SWAPPED: ({"new": "1 - momentum"}, "test_running_statistics"),
    bn.NOT_IN_PLACE: ({"mean_target": "running_mean", "var_target": "running_var"}, "test_running_statistics"),
}


def test_reference_gets_full_marks_and_stubs_nothing(tmp_path: Path) -> None:
    points = sum(exercise.points for exercise in find_lab("lab2").exercises if exercise.id in EXERCISES)
    reference = run_grader(SELECTION, "solutions", tmp_path / "reference.json")
    assert reference.code == 0, reference.output
    assert reference.report["grade"]["score"] == reference.report["grade"]["max_score"] == points == 28
    stubs = run_grader(SELECTION, "labs", tmp_path / "stubs.json")
    assert stubs.code == 1 and stubs.report["grade"]["score"] == 0, stubs.output
    for test in stubs.report["tests"]:
        assert f"TODO({test['metadata']['exercise']})" in test["metadata"]["hint"], test["metadata"]


def test_a_wrong_pool_windows_is_named_and_blamed_by_the_poolings_it_breaks(tmp_path: Path) -> None:
    run = grade_reference_with_mistakes("lab2.8 lab2.9 lab2.10 lab2.11", "lab2_lenet",
                                        {"pooling.py": WINDOWS_PADDED_WITH_ZEROS}, tmp_path)
    assert pooling.PAD_VALUE_IGNORED in failed_hints(run.report, "lab2.8"), run.output
    assert run.report["grade"]["labs"]["lab2"]["exercises"]["lab2.10"]["score"] == 4  # average pooling pads with 0
    for exercise in ("lab2.9", "lab2.11"):  # max and min pooling on padded negative (positive) maps
        hints = failed_hints(run.report, exercise)
        assert hints and all(hint.startswith(FIX_WINDOWS_FIRST) for hint in hints), (exercise, hints)


@pytest.mark.parametrize("version", sorted(POOLING_CODE))
def test_pooling_mistakes_are_named(tmp_path: Path, version: str) -> None:
    run = grade_reference_with_mistakes("lab2.9 lab2.10 lab2.11", "lab2_lenet", {"pooling.py": POOLING_CODE[version]},
                                        tmp_path)
    for exercise, hints in POOLING_HINTS[version].items():
        for hint in hints:
            assert hint in failed_hints(run.report, exercise), (exercise, failed_hints(run.report, exercise))


@pytest.mark.parametrize("hint", sorted(BATCH_NORM_MISTAKES))
def test_batch_norm_mistakes_are_named(tmp_path: Path, hint: str) -> None:
    changes, test_name = BATCH_NORM_MISTAKES[hint]
    code = BATCH_NORM.format(**{**RIGHT, **changes})
    run = grade_reference_with_mistakes("lab2.12", "lab2_lenet", {"normalisation.py": code}, tmp_path,
                                        options=("-k", test_name))
    assert failed_hints(run.report, "lab2.12") == [hint], run.output


def test_the_right_version_of_the_mistaken_batch_norm_passes(tmp_path: Path) -> None:
    """The template above, with no line changed, is right: each mistake comes from its change alone."""
    run = grade_reference_with_mistakes("lab2.12", "lab2_lenet", {"normalisation.py": BATCH_NORM.format(**RIGHT)},
                                        tmp_path)
    assert run.code == 0, run.output
