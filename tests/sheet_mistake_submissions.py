"""A submission for each mistake a lab sheet's "Common mistakes" lists: the reference with a few lines changed, keyed
by the (exercise, hint words) its lab's SHEET_MISTAKES gives (grader/tests/labN_*/known_mistakes.py). They live
here, not beside the judge, because they quote the reference's lines, which a student release must not ship."""

from typing import NamedTuple

from grader.tests.lab1_convolution import known_mistakes as lab1
from grader.tests.lab2_lenet import known_batch_norm_mistakes as bn
from grader.tests.lab2_lenet import known_mistakes as lab2
from grader.tests.lab2_lenet import known_pooling_mistakes as pooling
from grader.tests.lab3_pretrained import known_block_mistakes as block
from grader.tests.lab3_pretrained import known_mistakes as lab3
from grader.tests.lab4_transfer import known_mistakes as lab4
from grader.tests.lab5_unet import known_mistakes as lab5


class Submission(NamedTuple):
    module: str  # in the lab's folder: "convolution.py"
    changes: tuple[tuple[str, str], ...]  # (a line as the reference writes it, what the student wrote instead)


CONV_KERNELS = "kernels = weight.reshape(C_out, C_in * kH * kW)"
CONV_PAD = "x = pad2d(x, (pH, pH, pW, pW), padding_mode)"
CONV_STRIDE, CONV_DILATION = 'sH, sW = _pair(stride, "stride")', 'dH, dW = _pair(dilation, "dilation")'
CONV_BIAS = "out = out + bias.view(1, C_out, 1, 1)"
REFLECT = ("rows = (H - 1) - ((H - 1) - rows.abs()).abs()\n        cols = (W - 1) - ((W - 1) - cols.abs()).abs()")
SYMMETRIC = ("rows = torch.where(rows < 0, -rows - 1, torch.where(rows >= H, 2 * H - 1 - rows, rows))\n"
             "        cols = torch.where(cols < 0, -cols - 1, torch.where(cols >= W, 2 * W - 1 - cols, cols))")


def module(name: str):
    """A maker of Submissions that change the lab's module `name`."""

    def submission(*changes: tuple[str, str]) -> Submission:
        return Submission(name, changes)

    return submission


conv, sobel = module("convolution.py"), module("sobel.py")
LAB1 = {
    ("lab1.3", lab1.FLIPPED_KERNEL): conv((CONV_KERNELS, "kernels = weight.flip(-2, -1).reshape(C_out, -1)")),
    ("lab1.3", lab1.KERNEL_FLIPPED_ROWS): conv((CONV_KERNELS, "kernels = weight.flip(-2).reshape(C_out, -1)")),
    ("lab1.2", "forgot the + 1"): conv(("return (size + 2 * padding - span) // stride + 1",
                                        "return (size + 2 * padding - span) // stride")),
    ("lab1.2", "dilation ignored"): conv(("span = dilation * (kernel_size - 1) + 1", "span = kernel_size")),
    ("lab1.3", lab1.PAD_TOTAL): conv(('pH, pW = _pair(padding, "padding")',
                                      'pH, pW = (p // 2 for p in _pair(padding, "padding"))')),
    ("lab1.3", lab1.PAD_ONE_SIDE): conv(  # the output size follows the padded input
        (CONV_PAD, "x = pad2d(x, (pH, 0, pW, 0), padding_mode)"),
        ("H_out = conv_output_size(H, kH, sH, pH, dH)", "H_out = (H + pH - dH * (kH - 1) - 1) // sH + 1"),
        ("W_out = conv_output_size(W, kW, sW, pW, dW)", "W_out = (W + pW - dW * (kW - 1) - 1) // sW + 1")),
    ("lab1.3", lab1.PAD_UNEVEN): conv((CONV_PAD, "x = pad2d(x, (2 * pH, 0, 2 * pW, 0), padding_mode)")),
    ("lab1.1", lab1.SIDES_MISSING): conv(("H + top + bottom, W + left + right), 0 if", "H + top, W + left), 0 if")),
    ("lab1.1", lab1.PAD_ORDER): conv(("top, bottom, left, right = padding", "left, right, top, bottom = padding")),
    ("lab1.3", lab1.ONE_CHANNEL): conv((CONV_KERNELS, "kernels = (weight * (torch.arange(C_in) == 0).view(1, -1, 1, 1))"
                                                      ".reshape(C_out, -1)")),
    ("lab1.1", lab1.SYMMETRIC): conv((REFLECT, SYMMETRIC)),
    ("lab1.3", lab1.STRIDE_DILATION_MIXED): conv((CONV_STRIDE, 'sH, sW = _pair(dilation, "dilation")'),
                                                 (CONV_DILATION, 'dH, dW = _pair(stride, "stride")')),
    ("lab1.3", lab1.STRIDE_ONE_AXIS): conv((CONV_STRIDE, f"{CONV_STRIDE}[0], 1")),
    ("lab1.3", lab1.DILATION_ONE_AXIS): conv((CONV_DILATION, 'dH, dW = 1, _pair(dilation, "dilation")[1]')),
    ("lab1.3", lab1.MISSING_BIAS): conv((CONV_BIAS, "out = out")),
    ("lab1.3", "must be equal (or 1)"): conv((CONV_BIAS, "out = out + bias.view(1, 1, 1, C_out)")),
    ("lab1.5", lab1.UINT8_WRAPPED): sobel(
        ("return x[..., :3] @ luma", "return (img[..., 0] + img[..., 1] + img[..., 2]) / 3 / 255.0")),
}

MAX_WINDOWS = 'windows = pool_windows(x, (kH, kW), (sH, sW), (pH, pW), float("-inf"))'
MIN_POOL = 'return pool_windows(x, kernel_size, stride, padding, float("inf")).amin(dim=-1)'
RUNNING_MEAN, RUNNING_VAR = ("running_mean.mul_(1 - momentum).add_(momentum * mean)",
                             "running_var.mul_(1 - momentum).add_(momentum * var * n / (n - 1))")


lenet, training, pooling_py, norm = (module(name) for name in ("lenet.py", "training.py", "pooling.py",
                                                                 "normalisation.py"))
LAB2 = {
    ("lab2.4", lab2.RAW_LOGITS): lenet(("return log_softmax(self.fc3(x), dim=1)", "return self.fc3(x)")),
    ("lab2.1", lab2.SOFTMAX_NOT_LOG): lenet(("return shifted - shifted.exp().sum(dim=dim, keepdim=True).log()",
                                             "return shifted.exp() / shifted.exp().sum(dim=dim, keepdim=True)")),
    ("lab2.1", lab2.NOT_STABLE): lenet(("shifted = logits - logits.amax(dim=dim, keepdim=True)", "shifted = logits")),
    ("lab2.5", lab2.NO_ZERO_GRAD): training(("        optimizer.zero_grad()\n", "")),
    ("lab2.6", lab2.NOT_EVAL_MODE): training(("    model.eval()\n    correct, total_loss", "    correct, total_loss")),
    ("lab2.5", lab2.NOT_TRAIN_MODE): training(("    model.train()\n", "")),
    ("lab2.3", lab2.FC1_SIZE): lenet(("nn.Linear(16 * side * side, 120)", "nn.Linear(16 * 4 * 4, 120)")),
    ("lab2.2", lab2.NLL_SUM): lenet(("return -picked.mean()", "return -picked.sum()")),
    ("lab2.5", lab2.LAST_BATCH_LOSS): training(("return total_loss / examples\n", "return loss.item()\n")),
    ("lab2.8", pooling.STRIDE_ONE): pooling_py(("_pair(kernel_size if stride is None else stride",
                                                "_pair(1 if stride is None else stride")),
    ("lab2.9", pooling.ZERO_PADDING_MAX): pooling_py((MAX_WINDOWS, MAX_WINDOWS.replace('float("-inf")', "0.0"))),
    ("lab2.11", pooling.ZERO_PADDING_MIN): pooling_py((MIN_POOL, MIN_POOL.replace('float("inf")', "0.0"))),
    ("lab2.10", pooling.COUNT_EXCLUDE_PAD): pooling_py((
        "return pool_windows(x, kernel_size, stride, padding, 0.0).mean(dim=-1)",
        'return pool_windows(x, kernel_size, stride, padding, float("nan")).nanmean(dim=-1)')),
    ("lab2.9", pooling.INDEX_IN_PADDED): pooling_py(("return values, rows * W + columns",
                                                     "return values, (rows + pH) * (W + 2 * pW) + columns + pW")),
    ("lab2.9", pooling.INDEX_IN_WINDOW): pooling_py(("return values, rows * W + columns", "return values, position")),
    ("lab2.11", pooling.MINUS_MAX): pooling_py((
        MIN_POOL, 'return -pool_windows(x, kernel_size, stride, padding, float("-inf")).amax(dim=-1)')),
    ("lab2.11", pooling.MAX_OF_MINUS): pooling_py((
        MIN_POOL, 'return pool_windows(-x, kernel_size, stride, padding, float("-inf")).amax(dim=-1)')),
    ("lab2.12", bn.INSTANCE_DIMS): norm(  # statistics of each image; the running ones stay right
        ("mean = x.mean(dim=(0, 2, 3))", "mean = x.mean(dim=(2, 3))"),
        ("var = x.var(dim=(0, 2, 3), unbiased=False)", "var = x.var(dim=(2, 3), unbiased=False)"),
        (RUNNING_MEAN, "running_mean.mul_(1 - momentum).add_(momentum * x.mean(dim=(0, 2, 3)))"),
        (RUNNING_VAR, "running_var.mul_(1 - momentum).add_(momentum * x.var(dim=(0, 2, 3)))"),
        ("x_hat = (x - mean.view(1, C, 1, 1)) / torch.sqrt(var.view(1, C, 1, 1) + eps)",
         "x_hat = (x - mean.reshape(-1, C, 1, 1)) / torch.sqrt(var.reshape(-1, C, 1, 1) + eps)")),
    ("lab2.12", bn.BIASED_RUNNING): norm((RUNNING_VAR, "running_var.mul_(1 - momentum).add_(momentum * var)")),
    ("lab2.12", bn.BATCH_STATS_IN_EVAL): norm(("    if training:\n", "    if True:\n")),
    ("lab2.12", bn.MOMENTUM_SWAPPED): norm((RUNNING_MEAN, "running_mean.mul_(momentum).add_((1 - momentum) * mean)"),
                                           (RUNNING_VAR, "running_var.mul_(momentum).add_((1 - momentum) * var * n "
                                                         "/ (n - 1))")),
    ("lab2.12", bn.NOT_IN_PLACE): norm((RUNNING_MEAN, "running_mean = running_mean * (1 - momentum) + momentum * mean"),
                                       (RUNNING_VAR, "running_var = running_var * (1 - momentum) + momentum * var")),
}

NORMALIZE = "T.Normalize(IMAGENET_MEAN, IMAGENET_STD),"
TOPK = "values, indices = probabilities.topk(k, dim=-1)"
COUNT = "return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)"
PROJECTION = "if skip and (stride != 1 or in_channels != out_channels):"
preprocess, predictions, summary, residual = (module(name) for name in ("preprocess.py", "predictions.py",
                                                                          "model_summary.py", "residual.py"))
LAB3 = {
    ("lab3.1", lab3.NOT_NORMALISED): preprocess((NORMALIZE, "")),
    ("lab3.1", lab3.MEAN_STD_SWAPPED): preprocess((NORMALIZE, "T.Normalize(IMAGENET_STD, IMAGENET_MEAN),")),
    ("lab3.1", lab3.SQUARE_RESIZE): preprocess(("T.Resize(resize_to),", "T.Resize((resize_to, resize_to)),")),
    ("lab3.1", lab3.NO_RESIZE): preprocess(("T.Resize(resize_to),", "")),
    ("lab3.1", lab3.ALPHA_DROPPED): preprocess(('if img.mode in ("RGBA"', 'if False and img.mode in ("RGBA"')),
    ("lab3.2", lab3.PROBABILITIES_NOT_SOFTMAX): predictions((".float().softmax(dim=-1)", ".float()")),
    ("lab3.2", lab3.ASCENDING): predictions((TOPK, f"{TOPK}\n    values, indices = values.flip(-1), indices.flip(-1)")),
    ("lab3.2", lab3.WRONG_SOFTMAX_DIM): predictions((".softmax(dim=-1)", ".softmax(dim=0)")),
    ("lab3.3", lab3.STATE_DICT_COUNT): summary((COUNT, "return sum(t.numel() for t in model.state_dict().values())")),
    ("lab3.3", lab3.SHARED_TWICE): summary((COUNT, "return sum(p.numel() for m in model.modules() "
                                                   "for p in m.parameters(recurse=False) "
                                                   "if p.requires_grad or not trainable_only)")),
    ("lab3.4", lab3.HOOKS_LEFT): summary(("            handle.remove()", "            pass")),
    ("lab3.4", lab3.TRAIN_MODE_FORWARD): summary(("        model.eval()\n", "")),
    ("lab3.5", block.CONV_BIAS): residual(("self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, "
                                                  "padding=1, bias=False)",
                                                  "self.conv1 = nn.Conv2d(in_channels, out_channels, 3, "
                                                  "stride=stride, padding=1)")),
    ("lab3.5", block.PROJECTION_MISSING): residual((PROJECTION, "if False:")),
    ("lab3.5", block.PROJECTION_EXTRA): residual((PROJECTION, "if skip:")),
    ("lab3.6", block.RELU_BEFORE_ADD): residual(("return self.relu(out + shortcut)",
                                                 "return self.relu(out) + shortcut")),
    ("lab3.6", block.NO_SHORTCUT): residual(("return self.relu(out + shortcut)", "return self.relu(out)")),
}

transfer, finetune = module("transfer.py"), module("finetune.py")
HEAD_UNFROZEN = "    for parameter in head.parameters():\n        parameter.requires_grad_(True)"
ALL_FROZEN = "    for parameter in model.parameters():\n        parameter.requires_grad_(False)"
LAB4 = {
    ("lab4.1", lab4.IN_FEATURES): transfer(("name, nn.Linear(old_head.in_features, num_classes)",
                                            "name, nn.Linear(512, num_classes)")),
    ("lab4.2", lab4.HEAD_FROZEN): transfer((HEAD_UNFROZEN, HEAD_UNFROZEN.replace("True", "False"))),
    ("lab4.2", lab4.BACKBONE_TRAINABLE): transfer((ALL_FROZEN, ALL_FROZEN.replace("False", "parameter.dim() < 2"))),
    ("lab4.3", lab4.FIRST_STAGES): transfer(("stages[len(stages) - n_blocks :]", "stages[:n_blocks]")),
    ("lab4.4", lab4.HEAD_IN_BOTH): transfer(("if p.requires_grad and id(p) not in head_ids", "if p.requires_grad")),
    ("lab4.4", lab4.FROZEN_IN_GROUP): transfer(("if p.requires_grad and id(p) not in head_ids",
                                                "if id(p) not in head_ids")),
    ("lab4.5", lab4.BN_STATS_MOVED): finetune(("        freeze_batchnorm_statistics(model)\n", "")),
    ("lab4.5", lab4.TRAIN_AS_VAL): finetune(('"val_accuracy": val_accuracy', '"val_accuracy": correct / examples')),
}

unet, metrics, losses = module("unet.py"), module("metrics.py"), module("losses.py")
CAT = "x = torch.cat([skip, x], dim=1)"
UNPOOL = "x = self.unpool(self.reduce(x), indices, output_size=(H, W))"
TOP_LEFTS = "(2 * torch.arange(x.shape[-2]).view(-1, 1) * W + 2 * torch.arange(x.shape[-1])).expand_as(indices)"
PAD_UP = "x = F.pad(x, (0, W - x.shape[-1], 0, H - x.shape[-2]))"
IOU = "(intersection / (predicted + true - intersection))"
SOFTMAX = "probs = logits.softmax(dim=1)"
LAB5 = {
    ("lab5.4", lab5.CAT_ORDER): unet((CAT, "x = torch.cat([x, skip], dim=1)")),
    ("lab5.4", lab5.CAT_ROWS): unet((CAT, "x = torch.cat([skip, x], dim=2)")),
    ("lab5.4", lab5.TOP_LEFT_UNPOOL): unet((UNPOOL, UNPOOL.replace(", indices,", f", {TOP_LEFTS},"))),
    ("lab5.4", lab5.PAD_TOP_LEFT): unet((PAD_UP, "x = F.pad(x, (W - x.shape[-1], 0, H - x.shape[-2], 0))")),
    ("lab5.4", lab5.NO_PAD): unet((PAD_UP, "skip = skip[..., : x.shape[-2], : x.shape[-1]]")),
    ("lab5.9", lab5.EMPTY_AS_ZERO): metrics((IOU, "(intersection / (predicted + true - intersection).clamp(min=1))")),
    ("lab5.11", lab5.NAN_IN_MEAN): metrics(("per_class.nanmean().item()", "per_class.mean().item()")),
    ("lab5.7", lab5.ARGMAX_LAST_DIM): unet(("return logits.argmax(dim=1).cpu()", "return logits.argmax(dim=-1).cpu()")),
    ("lab5.12", lab5.SOFTMAX_DIM): losses((SOFTMAX, "probs = logits.softmax(dim=0)")),
    ("lab5.12", lab5.NOT_DIFFERENTIABLE): losses((SOFTMAX, "probs = F.one_hot(logits.argmax(dim=1), logits.shape[1])"
                                                           ".permute(0, 3, 1, 2).to(logits.dtype)")),
}

# lab folder -> {(exercise, hint words): the submission that makes that mistake}
SUBMISSIONS = {"lab1_convolution": LAB1, "lab2_lenet": LAB2, "lab3_pretrained": LAB3, "lab4_transfer": LAB4,
               "lab5_unet": LAB5}
