"""Lab 3's probes for the upstream chain (grader.feedback.chains): BasicBlock.forward builds on the layers its
__init__ makes, so a forward that fails while those layers are wrong says to fix lab3.5 first."""

from grader.tests.lab3_pretrained.blocks import block_size, resnet18_block, state_shapes


def block_layers_probe(student, given) -> None:
    """The student's BasicBlock layers for ResNet-18's identity and projection blocks: names, shapes, and where the
    block strides."""
    from grader.tests.lab3_pretrained.test_basic_block_layers import check_convolutions, check_state

    shapes = student.function("lab3_pretrained.harness.block_state_shapes", timeout=30)
    convolutions = student.function("lab3_pretrained.harness.block_convolutions", timeout=30)
    for name in ("layer1.0", "layer2.0"):
        expected = resnet18_block(name)
        check_state(shapes, state_shapes(expected), *block_size(expected))
        check_convolutions(convolutions, expected)


CHAIN_PROBES = {"lab3.5": block_layers_probe}
