"""lab4.5 finetune: a short fine-tune of a randomly initialised network with a trainable head and last stage on a
tiny generated image set. The judge loads the returned weights into its own network and checks that frozen
weights and statistics did not move, that the reported metrics are right, and that it beats chance."""

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from grader.feedback import expect
from grader.tests.lab4_transfer.colour_images import colour_images
from grader.tests.lab4_transfer.known_mistakes import (
    BN_STATS_MOVED,
    FROZEN_MOVED,
    NOT_TRAINED,
    PERCENT,
    PYTHON_NUMBERS,
    TRAIN_AS_VAL,
)
from grader.tests.lab4_transfer.replies import expect_fields
from ipdl.pretrained import build_model
from solutions.lab4_transfer.finetune import evaluate
from solutions.lab4_transfer.harness import set_trainable

pytestmark = pytest.mark.exercise("lab4.5")

RUN = {"epochs": 3, "n_blocks": 1, "lr_head": 1e-2, "lr_backbone": 1e-3}
KEYS = ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds")
MIN_ACCURACY = 0.6  # chance is 1/3; the reference reaches 1.0 on this set


@pytest.fixture(scope="module")
def finetune_run(student):
    return student.function("lab4_transfer.harness.finetune_run", timeout=120)


@pytest.fixture(scope="module")
def colour_sets() -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    return colour_images(12, seed=0), colour_images(8, seed=1)


class SharedRun:
    """One fine-tune shared by several tests, run at the first test that needs it (inside that test, so a failure
    there is graded with feedback like any other), its result or its error kept for the next ones."""

    def __init__(self, finetune_run, colour_sets):
        self.finetune_run, self.colour_sets = finetune_run, colour_sets
        self.outcome: dict | Exception | None = None

    def get(self) -> dict:
        if self.outcome is None:
            (train_x, train_y), (val_x, val_y) = self.colour_sets
            try:
                reply = self.finetune_run("resnet18", train_x, train_y, val_x, val_y, **RUN)
                self.outcome = expect_fields(reply, ("history", "state_dict"), "finetune_run")
            except Exception as error:  # StudentCodeError or GradingFailure: every test sharing the run fails alike
                self.outcome = error
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


@pytest.fixture(scope="module")
def shared_run(finetune_run, colour_sets) -> SharedRun:
    return SharedRun(finetune_run, colour_sets)


def judge_model(arch: str, state_dict: dict[str, torch.Tensor] | None = None) -> torch.nn.Module:
    """The judge's own network: the same fresh build as the harness's, optionally loaded with returned weights."""
    model = set_trainable(build_model(arch, num_classes=3, seed=0), RUN["n_blocks"])
    if state_dict is not None:
        model.load_state_dict(state_dict)
    return model


def returned_weights(run: dict, arch: str) -> dict[str, torch.Tensor]:
    state = run["state_dict"]
    expected = judge_model(arch).state_dict()
    expect(type(state) is dict and set(state) == set(expected),
           "finetune_run must return the model's complete state_dict", "labs/lab4_transfer/harness.py is given code")
    return state


@pytest.mark.points(2)
def test_history(shared_run):
    """One dict per epoch with epoch, train and val loss and accuracy, seconds; Python numbers in range."""
    history = shared_run.get()["history"]
    expect(type(history) is list and len(history) == RUN["epochs"],
           f"finetune must return a list of {RUN['epochs']} dicts (one per epoch), got {type(history).__name__}"
           f"{' of length ' + str(len(history)) if isinstance(history, list) else ''}")
    for number, row in enumerate(history, start=1):
        expect(type(row) is dict and all(key in row for key in KEYS),
               f"epoch {number}: expected a dict with keys {list(KEYS)}, got {row!r:.160}")
        expect(row["epoch"] == number, f"epoch {number}: 'epoch' should be {number}, got {row['epoch']!r}")
        for key in KEYS[1:]:
            expect(type(row[key]) is float, f"epoch {number}: {key} must be a float, got {type(row[key]).__name__}",
                   PYTHON_NUMBERS)
        for key in ("train_accuracy", "val_accuracy"):
            expect(0.0 <= row[key] <= 1.0, f"epoch {number}: {key} = {row[key]} is not in [0, 1]", PERCENT)
        expect(row["train_loss"] > 0 and row["val_loss"] > 0 and row["seconds"] > 0,
               f"epoch {number}: losses and seconds must be positive, got {row}")


@pytest.mark.points(2)
def test_frozen_weights_do_not_move(shared_run):
    state = returned_weights(shared_run.get(), "resnet18")
    fresh = judge_model("resnet18")
    initial = fresh.state_dict()
    parameters = dict(fresh.named_parameters())
    moved = [name for name, p in parameters.items()
             if not p.requires_grad and not torch.equal(state[name], initial[name])]
    expect(not moved, f"{len(moved)} frozen parameter(s) changed, e.g. {moved[:3]}", FROZEN_MOVED)
    still = [name for name, p in parameters.items() if p.requires_grad and torch.equal(state[name], initial[name])]
    expect(not still, f"{len(still)} trainable parameter(s) did not change, e.g. {still[:3]}", NOT_TRAINED)


@pytest.mark.points(1)
def test_frozen_batchnorm_statistics_do_not_move(shared_run):
    """BatchNorm layers of frozen stages keep their running statistics (freeze_batchnorm_statistics)."""
    state = returned_weights(shared_run.get(), "resnet18")
    fresh = judge_model("resnet18")
    initial = fresh.state_dict()
    frozen_bn = [name for name, module in fresh.named_modules()
                 if isinstance(module, torch.nn.BatchNorm2d) and not module.weight.requires_grad]
    moved = [name for name in frozen_bn if not torch.equal(state[f"{name}.running_mean"],
                                                           initial[f"{name}.running_mean"])]
    expect(not moved, f"running statistics of {len(moved)} frozen BatchNorm layer(s) changed, e.g. {moved[:3]}",
           BN_STATS_MOVED)


@pytest.mark.points(2)
def test_beats_chance_and_reports_it(shared_run, colour_sets):
    """The judge measures the returned weights on the validation images itself: better than chance (1/3), and
    equal to the last epoch's reported val_accuracy."""
    run = shared_run.get()
    state = returned_weights(run, "resnet18")
    _, (val_x, val_y) = colour_sets
    accuracy, _ = evaluate(judge_model("resnet18", state), DataLoader(TensorDataset(val_x, val_y), batch_size=64))
    expect(accuracy >= MIN_ACCURACY, f"after {RUN['epochs']} epochs the model gets {accuracy:.0%} of the "
           f"{len(val_y)} validation images right; at least {MIN_ACCURACY:.0%} expected (chance: 33%)")
    reported = run["history"][-1].get("val_accuracy")
    expect(isinstance(reported, float) and abs(reported - accuracy) < 1e-6,
           f"the last epoch reports val_accuracy {reported!r}, but the returned weights get {accuracy:.4f} on the "
           "validation images", TRAIN_AS_VAL)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_efficientnet(finetune_run, colour_sets):
    (train_x, train_y), (val_x, val_y) = colour_sets
    run = expect_fields(finetune_run("efficientnet_lite0", train_x, train_y, val_x, val_y, **RUN),
                        ("history", "state_dict"), "finetune_run")
    state = returned_weights(run, "efficientnet_lite0")
    accuracy, _ = evaluate(judge_model("efficientnet_lite0", state),
                           DataLoader(TensorDataset(val_x, val_y), batch_size=64))
    expect(accuracy >= MIN_ACCURACY, f"EfficientNet-Lite0: {accuracy:.0%} of the validation images right after "
           f"{RUN['epochs']} epochs; at least {MIN_ACCURACY:.0%} expected")
