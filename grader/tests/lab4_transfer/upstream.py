"""Lab 4's probes for the upstream chain (grader.feedback.chains): unfreeze_last builds on freeze_backbone,
finetune on param_groups; a failure there first checks those."""


def freeze_probe(student, given) -> None:
    from grader.tests.lab4_transfer.test_freeze_backbone import check_freeze

    check_freeze(student.function("lab4_transfer.harness.requires_grad_after", timeout=60), "resnet18", "trainable")


def param_groups_probe(student, given) -> None:
    from grader.tests.lab4_transfer.test_param_groups import check_groups

    check_groups(student.function("lab4_transfer.harness.groups_of", timeout=60), "resnet18", 1)


CHAIN_PROBES = {"lab4.2": freeze_probe, "lab4.4": param_groups_probe}
