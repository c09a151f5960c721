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
    # BEGIN SOLUTION lab3.3: sum numel() over model.parameters(), skipping frozen ones when trainable_only
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
    # END SOLUTION


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
    # BEGIN SOLUTION lab3.4: hook every leaf module to append a row, run eval + no_grad, then remove hooks, restore mode
    def recorder(name: str, module: nn.Module):
        def record(_module: nn.Module, _inputs: tuple, output: object) -> None:
            shape = list(output.shape) if isinstance(output, torch.Tensor) else []
            count = sum(p.numel() for p in module.parameters())
            rows.append({"name": name, "type": type(module).__name__, "output_shape": shape, "parameters": count})
        return record

    was_training = model.training
    handles = [module.register_forward_hook(recorder(name, module))
               for name, module in model.named_modules() if next(module.children(), None) is None]
    try:
        model.eval()
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return rows
    # END SOLUTION


def format_summary(rows: list[dict[str, object]]) -> str:
    """describe_model's rows as a text table, with the total parameter count of the rows."""
    lines = [f"{'layer':<36} {'type':<20} {'output shape':<22} {'parameters':>12}"]
    for row in rows:
        shape = "(" + ", ".join(str(n) for n in row["output_shape"]) + ")"
        lines.append(f"{row['name']:<36} {row['type']:<20} {shape:<22} {row['parameters']:>12,}")
    lines.append(f"{'total':<36} {'':<20} {'':<22} {sum(row['parameters'] for row in rows):>12,}")
    return "\n".join(lines)
