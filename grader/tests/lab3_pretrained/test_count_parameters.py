"""lab3.3 count_parameters: all and trainable parameter values of ResNet-18, EfficientNet-Lite0 and a small
network with a shared weight, built with random weights."""

import pytest

from grader.feedback import expect
from grader.tests.lab3_pretrained.known_mistakes import count_mistakes
from solutions.lab3_pretrained.harness import fresh_model
from solutions.lab3_pretrained.harness import parameter_count as reference_count

pytestmark = pytest.mark.exercise("lab3.3")


@pytest.fixture(scope="module")
def parameter_count(student):
    return student.function("lab3_pretrained.harness.parameter_count", timeout=60)


def check_count(parameter_count, arch: str, trainable_only: bool, frozen: tuple[str, ...] = ()) -> None:
    got = parameter_count(arch, trainable_only, frozen)
    expected = reference_count(arch, trainable_only, frozen)
    what = (f"count_parameters({arch}{' with ' + ', '.join(frozen) + ' frozen' if frozen else ''}, "
            f"trainable_only={trainable_only})")
    expect(type(got) is int, f"{what}: expected an int, got a {type(got).__name__} ({got!r:.60})",
           "return a Python int: sum(p.numel() for p in ...) is one")
    if got != expected:
        model = fresh_model(arch)
        for name, parameter in model.named_parameters():
            if name.startswith(frozen):
                parameter.requires_grad_(False)
        hint = next((h for h, value in count_mistakes(model, trainable_only).items() if value == got), None)
        expect(False, f"{what}: expected {expected:,}, got {got:,}", hint)


@pytest.mark.points(2)
def test_resnet18(parameter_count):
    """11,689,512 values in 62 tensors; BatchNorm's running statistics are buffers, not parameters."""
    check_count(parameter_count, "resnet18", trainable_only=False)


@pytest.mark.points(1)
def test_trainable_only(parameter_count):
    """With everything but layer4 and fc frozen, only those count."""
    frozen = ("conv1", "bn1", "layer1", "layer2", "layer3")
    check_count(parameter_count, "resnet18", trainable_only=True, frozen=frozen)
    check_count(parameter_count, "resnet18", trainable_only=False, frozen=frozen)


@pytest.mark.points(1)
def test_shared_weight_counted_once(parameter_count):
    check_count(parameter_count, "tied_net", trainable_only=False)


@pytest.mark.hidden
@pytest.mark.points(1)
def test_efficientnet(parameter_count):
    check_count(parameter_count, "efficientnet_lite0", trainable_only=False)
    check_count(parameter_count, "efficientnet_lite0", trainable_only=True, frozen=("conv_stem", "bn1", "blocks"))
