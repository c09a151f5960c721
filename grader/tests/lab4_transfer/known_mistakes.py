"""Hints for the usual Lab 4 mistakes, and helpers that recognise them in what came back."""

NOT_RETURNED = "return the model at the end (it is changed in place, and returned for chaining)"
OUT_FEATURES = "the new head must have num_classes outputs: nn.Linear(in_features, num_classes)"
IN_FEATURES = ("the new head must take as many inputs as the old one: read old_head.in_features (512 for ResNet-18, "
               "1280 for EfficientNet-Lite0) instead of a fixed number")
WRONG_ATTRIBUTE = ("the new head went to a new attribute, so the model still ends in the old one: set the attribute "
                   "the head lives in (setattr(model, name, ...), name from head_name(model))")
BACKBONE_CHANGED = "only the head may change: the backbone's pretrained weights must stay exactly as they were"
HEAD_FROZEN = "the head must stay trainable: requires_grad_(True) on its parameters after freezing the rest"
BACKBONE_TRAINABLE = "every backbone parameter must be frozen (requires_grad False), the stem and BatchNorm layers too"
NOT_RESET = ("unfreeze_last must give the same result whatever was frozen before: freeze the backbone first (your "
             "freeze_backbone), then unfreeze the last n_blocks stages")
FIRST_STAGES = "unfreeze the LAST n_blocks stages (those nearest the output): stages[len(stages) - n_blocks:]"
OFF_BY_ONE = "one stage too many or too few: unfreeze exactly n_blocks stages, stages[len(stages) - n_blocks:]"
GROUP_ORDER = "two groups, the head's first ({'params': head, 'lr': lr_head}), then the backbone's"
LR_SWAPPED = "learning rates swapped: the new head learns with lr_head, the pretrained backbone with lr_backbone"
FROZEN_IN_GROUP = "leave frozen parameters (requires_grad False) out of the groups"
HEAD_IN_BOTH = "a parameter may be in one group only: the head's parameters are not part of the backbone group"
EMPTY_GROUP = "leave the backbone group out when no backbone parameter trains"
FROZEN_MOVED = ("frozen parameters changed during training: build the optimizer from your param_groups, which leave "
                "them out, and do not change requires_grad inside finetune")
NOT_TRAINED = "the trainable parameters did not change: one optimizer.zero_grad(), backward(), step() per batch"
BN_STATS_MOVED = ("the running statistics of frozen BatchNorm layers changed: call freeze_batchnorm_statistics(model) "
                  "right after model.train() in every epoch")
TRAIN_AS_VAL = "val_accuracy must be measured on val_loader with evaluate(), after the epoch's training"
PERCENT = "accuracies are fractions in [0, 1], not percentages"
PYTHON_NUMBERS = "return Python numbers in the history: .item() on one-element tensors"



def requires_grad_hint(got: dict[str, bool], expected: dict[str, bool],
                       alternatives: list[tuple[str, dict[str, bool]]], head_prefix: str) -> str | None:
    """The hint for a wrong {name: requires_grad} map: a known alternative it equals, a frozen head, or
    backbone parameters left trainable."""
    for hint, wrong in alternatives:
        if got == wrong and wrong != expected:
            return hint
    if any(not got.get(name, True) for name in expected if name.startswith(head_prefix)):
        return HEAD_FROZEN
    if any(value and not expected.get(name, True) for name, value in got.items()):
        return BACKBONE_TRAINABLE
    return None


# The sheet's "Common mistakes" (solutions/lab4_transfer/README.md), one for one: each bullet's words before the first
# colon -> the (exercise, words of the hint that names it) of each mistake it lists (tests/test_sheet_mistakes.py
# grades a submission that makes each one).
SHEET_MISTAKES = {
    "Hard-coding `nn.Linear(512, ...)`": (("lab4.1", IN_FEATURES),),
    "Freezing the head along with the backbone (nothing trains), or forgetting biases and BatchNorm parameters": (
        ("lab4.2", HEAD_FROZEN), ("lab4.2", BACKBONE_TRAINABLE)),
    "Unfreezing the *first* stages instead of the last ones": (("lab4.3", FIRST_STAGES),),
    "The same parameter in two groups (the optimizer refuses), or frozen parameters in a group": (
        ("lab4.4", HEAD_IN_BOTH), ("lab4.4", FROZEN_IN_GROUP)),
    "Forgetting `freeze_batchnorm_statistics` after `model.train()`": (("lab4.5", BN_STATS_MOVED),),
    "Reporting the last batch's loss, or training accuracy as validation accuracy": (("lab4.5", TRAIN_AS_VAL),),
}
# bullets no judge test can see, and why
SHEET_NOT_GRADED = {
    "Comparing fine-tuning with training from scratch on different budgets (epochs, image size, augmentation)":
        "a question of how the experiment is run and reported, not of a function the judge calls",
}
