"""Adapt a pretrained network to a new task, following the workshop's "Transfer learning" slides: a new head for
the new classes, a frozen backbone, then the last stages unfrozen and trained with a smaller learning rate.

The head is the final nn.Linear (`fc` in torchvision's ResNet, `classifier` in timm's EfficientNet); the backbone is
everything else, in stages from input to output (ipdl.pretrained.backbone_stages).
"""

import torch
from torch import nn

from ipdl.pretrained import backbone_stages, head_name


def replace_head(model: nn.Module, num_classes: int) -> nn.Module:
    """Swap the model's final nn.Linear for a fresh one with `num_classes` outputs and the same number of inputs.

        ResNet-18:          fc = Linear(512, 1000)          -> Linear(512, num_classes)
        EfficientNet-Lite0: classifier = Linear(1280, 1000)  -> Linear(1280, num_classes)

    Changes `model` in place and returns it. The backbone's weights stay as they are.
    """
    if num_classes < 2:
        raise ValueError(f"a classifier needs at least 2 classes, got num_classes={num_classes}")
    name = head_name(model)  # "fc" or "classifier"
    old_head = getattr(model, name)
    # BEGIN SOLUTION lab4.1: build nn.Linear(old_head.in_features, num_classes) and set it as the attribute `name`
    setattr(model, name, nn.Linear(old_head.in_features, num_classes))
    return model
    # END SOLUTION


def freeze_backbone(model: nn.Module) -> nn.Module:
    """Freeze every parameter except the head's: requires_grad False for the backbone, True for the head.

    A frozen parameter gets no gradient, so no optimizer step moves it. Changes `model` in place and returns it.
    """
    head = getattr(model, head_name(model))
    # BEGIN SOLUTION lab4.2: requires_grad_(False) on every parameter, then requires_grad_(True) on the head's
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    for parameter in head.parameters():
        parameter.requires_grad_(True)
    return model
    # END SOLUTION


def unfreeze_last(model: nn.Module, n_blocks: int) -> nn.Module:
    """Train the head and the last `n_blocks` backbone stages; freeze everything else.

    The stages are ipdl.pretrained.backbone_stages(model): 5 for ResNet-18 (stem, layer1-4), 9 for
    EfficientNet-Lite0 (stem, 7 block groups, head convolution). n_blocks=0 trains the head only (like
    freeze_backbone), n_blocks=len(stages) trains everything. The result does not depend on what was frozen before.
    """
    stages = backbone_stages(model)
    if not 0 <= n_blocks <= len(stages):
        raise ValueError(f"n_blocks must be between 0 and {len(stages)} (the model's stages), got {n_blocks}")
    # BEGIN SOLUTION lab4.3: freeze the backbone with your freeze_backbone, then unfreeze the last n_blocks stages
    freeze_backbone(model)
    for stage in stages[len(stages) - n_blocks :]:
        for parameter in stage.parameters():
            parameter.requires_grad_(True)
    return model
    # END SOLUTION


def param_groups(model: nn.Module, lr_head: float, lr_backbone: float) -> list[dict[str, object]]:
    """Optimizer parameter groups: the new head learns fast, the pretrained backbone slowly.

        [{"params": [trainable head parameters], "lr": lr_head},
         {"params": [trainable backbone parameters], "lr": lr_backbone}]

    Frozen parameters (requires_grad False) are left out; the backbone group is left out when it would be empty.
    Pass the result to an optimizer: torch.optim.AdamW(param_groups(model, 1e-3, 1e-4)).
    """
    head = getattr(model, head_name(model))
    # BEGIN SOLUTION lab4.4: split the trainable parameters into head and backbone (compare by identity), two groups
    head_ids = {id(parameter) for parameter in head.parameters()}
    head_params = [p for p in head.parameters() if p.requires_grad]
    backbone_params = [p for p in model.parameters() if p.requires_grad and id(p) not in head_ids]
    groups: list[dict[str, object]] = [{"params": head_params, "lr": lr_head}]
    if backbone_params:
        groups.append({"params": backbone_params, "lr": lr_backbone})
    return groups
    # END SOLUTION


def trainable_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """What fine-tuning changes: the trainable parameters, plus the running statistics of the BatchNorm layers that
    train (frozen ones stay in eval mode, see finetune.freeze_batchnorm_statistics). Enough to rebuild the
    fine-tuned model from the pretrained one."""
    changed = {name: p.detach() for name, p in model.named_parameters() if p.requires_grad}
    for module_name, module in model.named_modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and any(p.requires_grad for p in module.parameters()):
            for buffer_name, buffer in module.named_buffers(recurse=False):
                changed[f"{module_name}.{buffer_name}"] = buffer.detach()
    return changed
