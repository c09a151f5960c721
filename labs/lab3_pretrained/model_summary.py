"""Look inside a network: count its parameters, and list its layers with the shape of what each one outputs
(what torchinfo or Keras' model.summary() print), using forward hooks.
"""

import torch
from torch import nn


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of values in the model's parameters (weights and biases, not buffers such as BatchNorm's
    running statistics); with trainable_only, only those with requires_grad=True.

    model.parameters() lists a parameter shared by two layers once: count it once.
    """
    # TODO(lab3.3): sum numel() over model.parameters(), skipping frozen ones when trainable_only
    raise NotImplementedError("lab3.3: sum numel() over model.parameters(), skipping frozen ones when trainable_only")


def describe_model(model: nn.Module, input_size: tuple[int, ...] = (1, 3, 224, 224)) -> list[dict[str, object]]:
    """One row per call of a leaf module (a module without children: Conv2d, BatchNorm2d, ReLU, Linear, ...)
    during one forward pass of a zero input of shape `input_size`, in the order they ran:

        {"name": "layer1.0.conv1", "type": "Conv2d", "output_shape": [1, 64, 56, 56], "parameters": 36864}

    name is the module's name in model.named_modules(); output_shape includes the batch dimension ([] when the
    output is not a tensor); parameters counts that module's own parameter values. A module that runs twice
    (a ReLU reused in a block) gives two rows.

    Use forward hooks (module.register_forward_hook), run the model in eval mode under torch.no_grad(), and
    leave no trace: remove every hook afterwards, even when the forward pass fails, and put the model back
    in the training mode it had.
    """
    device = next(model.parameters()).device
    x = torch.zeros(input_size, device=device)
    rows: list[dict[str, object]] = []
    # TODO(lab3.4): hook every leaf module to append a row, run eval + no_grad, then remove hooks, restore mode
    raise NotImplementedError("lab3.4: hook every leaf module to append a row, run eval + no_grad, then remove hooks, restore mode")


def format_summary(rows: list[dict[str, object]]) -> str:
    """describe_model's rows as a text table, with the total parameter count of the rows."""
    lines = [f"{'layer':<36} {'type':<20} {'output shape':<22} {'parameters':>12}"]
    for row in rows:
        shape = "(" + ", ".join(str(n) for n in row["output_shape"]) + ")"
        lines.append(f"{row['name']:<36} {row['type']:<20} {shape:<22} {row['parameters']:>12,}")
    lines.append(f"{'total':<36} {'':<20} {'':<22} {sum(row['parameters'] for row in rows):>12,}")
    return "\n".join(lines)
