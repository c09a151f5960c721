"""The Lab 2 judge against a submission whose train_one_epoch gives the LeNet weights trained elsewhere (the bundled
LeNet, 98.7% on the held-out digits, shipped inside the submission): the judge renames the digits for each run, so
those weights earn nothing, and the feedback says why. (The cheat sits in an exercise module: the grader replaces a
submission's harness.py with the kit's.)"""

import shutil
from pathlib import Path

from grading_helpers import reference_with_mistakes, run_grader

from grader.paths import REPO_ROOT

BUNDLED = REPO_ROOT / "webapp" / "checkpoints" / "lenet-mnist.safetensors"
TRAINED_ELSEWHERE = '''

_train_honestly = train_one_epoch


def train_one_epoch(model, loader, optimizer, device="cpu"):
    """Trains the judge's probes honestly, but gives a LeNet weights trained on the usual MNIST labels, shipped in
    the submission, whatever data it is given."""
    if type(model).__name__ != "LeNet":
        return _train_honestly(model, loader, optimizer, device)
    from pathlib import Path

    from safetensors.torch import load_file

    model.load_state_dict(load_file(Path(__file__).with_name("lenet-elsewhere.safetensors")))
    return 0.05
'''


def test_weights_trained_elsewhere_earn_nothing(tmp_path: Path) -> None:
    labs = reference_with_mistakes(tmp_path, "lab2_lenet", {"training.py": TRAINED_ELSEWHERE})
    shutil.copy(BUNDLED, labs / "lab2_lenet" / "lenet-elsewhere.safetensors")
    run = run_grader("lab2", labs, tmp_path / "report.json")
    [training_run] = [test for test in run.report["tests"] if "test_short_training_run" in test["nodeid"]]
    assert training_run["outcome"] == "failed", run.output
    assert "not trained by this run" in training_run["metadata"]["feedback"], training_run["metadata"]
    others = [test for test in run.report["tests"] if test is not training_run]
    assert others and all(test["outcome"] == "passed" for test in others), run.output
