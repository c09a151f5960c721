"""lab2.3 LeNet.__init__: the layer names and weight shapes the docstring fixes, 61,706 parameters, sizes derived."""

import pytest

from grader.feedback import assert_value_equal, expect
from grader.tests.lab2_lenet.known_mistakes import FC1_SIZE
from solutions.lab2_lenet.lenet import LeNet

pytestmark = pytest.mark.exercise("lab2.3")


def reference_shapes(image_size: int = 28) -> dict[str, list[int]]:
    return {name: list(tensor.shape) for name, tensor in LeNet(image_size=image_size).state_dict().items()}


def check_shapes(got: object, expected: dict[str, list[int]], what: str) -> None:
    """Same names, then same shapes, with the flatten-size hint where fc1 is the only difference."""
    expect(type(got) is dict, f"{what}: expected a dict of name -> shape, got a {type(got).__name__}")
    missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
    expect(not missing and not extra,
           f"{what}: expected the tensors {sorted(expected)}; missing {missing}, unexpected {extra}",
           "name the layers exactly conv1, conv2, fc1, fc2, fc3 (attributes of self, not an nn.Sequential)")
    wrong = {name: (got[name], shape) for name, shape in expected.items() if got[name] != shape}
    if wrong:
        listed = "; ".join(f"{name}: expected {want}, got {have}" for name, (have, want) in wrong.items())
        hint = FC1_SIZE if set(wrong) == {"fc1.weight"} else None
        expect(False, f"{what}: wrong shapes: {listed}", hint)


@pytest.mark.points(2)
def test_names_and_shapes(student):
    """conv1 (6, 1, 5, 5), conv2 (16, 6, 5, 5), fc1 (120, 400), fc2 (84, 120), fc3 (10, 84), and their biases."""
    shapes = student.function("lab2_lenet.harness.parameter_shapes")
    check_shapes(shapes(), reference_shapes(), what="LeNet().state_dict()")


@pytest.mark.points(1)
def test_parameter_count(student):
    count = student.function("lab2_lenet.harness.parameter_count")
    expected = sum(parameter.numel() for parameter in LeNet().parameters())
    assert_value_equal(count(), expected, what="the number of trainable parameters of LeNet()",
                       hint="LeNet has exactly conv1, conv2, fc1, fc2, fc3 with biases and nothing else")


@pytest.mark.hidden
@pytest.mark.points(1)
def test_sizes_follow_image_size(student):
    """LeNet(image_size=32), the original paper's input: fc1 then takes 16 * 6 * 6 = 576 features."""
    shapes = student.function("lab2_lenet.harness.parameter_shapes")
    check_shapes(shapes(image_size=32), reference_shapes(32), what="LeNet(image_size=32).state_dict()")
