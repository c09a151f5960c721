"""Plain-data doorways into your Lab 4 code for the grader, which runs your code in a separate process: tensors,
numbers, strings, lists and dicts go in and come out, never models. Complete: nothing to do here.

Models are built here with random weights from a seed (ipdl.pretrained.build_model), so grading needs no download;
the grader builds the same models itself and compares what your functions did to them.
"""

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ipdl.pretrained import backbone_stages, build_model, head_name

from .finetune import finetune
from .transfer import freeze_backbone, param_groups, replace_head, unfreeze_last


def set_trainable(model: nn.Module, n_blocks: int) -> nn.Module:
    """The grader's own freezing (not yours): the head and the last n_blocks stages train, nothing else."""
    model.requires_grad_(False)
    getattr(model, head_name(model)).requires_grad_(True)
    stages = backbone_stages(model)
    for stage in stages[len(stages) - n_blocks :]:
        stage.requires_grad_(True)
    return model


def replaced_head(arch: str, num_classes: int, seed: int = 0) -> dict[str, object]:
    """Your replace_head on a fresh `arch`: what it returned, the shapes and sums of every tensor, the module types."""
    model = build_model(arch, seed=seed)
    returned = replace_head(model, num_classes)
    state = model.state_dict()
    return {
        "returned_model": returned is model,
        "shapes": {name: list(tensor.shape) for name, tensor in state.items()},
        "sums": {name: float(tensor.double().sum()) for name, tensor in state.items()},
        "types": {name: type(module).__name__ for name, module in model.named_children()},
    }


def requires_grad_after(arch: str, step: str, n_blocks: int = 0, start: str = "trainable",
                        num_classes: int = 5, seed: int = 0) -> dict[str, bool]:
    """{parameter name: requires_grad} after your freeze_backbone ("freeze") or unfreeze_last ("unfreeze") on a
    fresh `arch` with a new head, starting all trainable ("trainable") or all frozen ("frozen")."""
    model = build_model(arch, num_classes=num_classes, seed=seed)
    model.requires_grad_(start == "trainable")
    if step == "freeze":
        freeze_backbone(model)
    else:
        unfreeze_last(model, n_blocks)
    return {name: parameter.requires_grad for name, parameter in model.named_parameters()}


def groups_of(arch: str, n_blocks: int, lr_head: float, lr_backbone: float, seed: int = 0) -> dict[str, object]:
    """Your param_groups on a fresh `arch` whose head and last n_blocks stages train: each group's parameter names,
    learning rate and keys; and whether torch.optim.AdamW accepts the groups."""
    model = set_trainable(build_model(arch, num_classes=5, seed=seed), n_blocks)
    names = {id(parameter): name for name, parameter in model.named_parameters()}
    groups = param_groups(model, lr_head, lr_backbone)
    described = [{"names": [names.get(id(p), "<not a parameter of the model>") for p in group["params"]],
                  "lr": group.get("lr"), "keys": sorted(group)} for group in groups]
    try:
        torch.optim.AdamW(groups)
        optimizer_error = ""
    except (TypeError, ValueError) as error:
        optimizer_error = f"{type(error).__name__}: {error}"
    return {"groups": described, "optimizer_error": optimizer_error}


def finetune_run(arch: str, train_images: torch.Tensor, train_labels: torch.Tensor, val_images: torch.Tensor,
                 val_labels: torch.Tensor, epochs: int, n_blocks: int, lr_head: float, lr_backbone: float,
                 batch_size: int = 8, seed: int = 0) -> dict[str, object]:
    """Your finetune on a fresh `arch` with a new head whose last n_blocks stages train, on one CPU thread: the
    per-epoch history it returned and every tensor of the model afterwards."""
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    num_classes = int(torch.cat([train_labels, val_labels]).max()) + 1
    model = set_trainable(build_model(arch, num_classes=num_classes, seed=seed), n_blocks)
    train_loader = DataLoader(TensorDataset(train_images, train_labels), batch_size=batch_size, shuffle=True)
    val_loader = DataLoader(TensorDataset(val_images, val_labels), batch_size=64)
    history = finetune(model, train_loader, val_loader, epochs, lr_head, lr_backbone)
    return {"history": history, "state_dict": model.state_dict()}
