"""What the usual Lab 3 mistakes produce, so a wrong answer that matches one can be named in the feedback.

Built with torchvision's transforms and the reference (trusted code), on the same inputs the student's code gets.
"""

import numpy as np
import torch
from PIL import Image
from torch import nn
from torchvision import transforms as T

from grader.tests.lab3_pretrained import known_block_mistakes as block
from solutions.lab3_pretrained.preprocess import IMAGENET_MEAN, IMAGENET_STD

NOT_NORMALISED = "the ImageNet normalisation is missing: T.Normalize(IMAGENET_MEAN, IMAGENET_STD) after ToTensor"
MEAN_STD_SWAPPED = "mean and std swapped: T.Normalize(mean=IMAGENET_MEAN, std=IMAGENET_STD)"
NOT_SCALED = "pixels were not scaled to [0, 1] before normalising: ToTensor divides uint8 values by 255"
SQUARE_RESIZE = ("the photo was squashed to a square: T.Resize(resize_to) with ONE number resizes the shorter side "
                 "and keeps the aspect ratio; T.Resize((256, 256)) distorts it")
RESIZED_TO_CROP = "resized the shorter side to crop_to (224) instead of resize_to (256) before cropping"
NO_RESIZE = "the resize step is missing: first T.Resize(resize_to), then T.CenterCrop(crop_to)"
BGR = "channels in BGR order: the models expect R, G, B"
ALPHA_DROPPED = ("transparent pixels kept their hidden colour: composite RGBA over a white background "
                 "(Image.alpha_composite) before converting to RGB")
ALPHA_ON_BLACK = "transparency was composited over black: use a white background"
PROBABILITIES_NOT_SOFTMAX = "these are the raw logits: turn them into probabilities with softmax first"
LOG_PROBABILITIES = "these are log-probabilities: use softmax, not log_softmax"
ASCENDING = "the classes are in increasing order: the most probable one comes first (torch.topk sorts decreasing)"
WRONG_SOFTMAX_DIM = "softmax ran over the batch: normalise over the class dimension (dim=-1)"
STATE_DICT_COUNT = ("you counted the state_dict, which also holds buffers (BatchNorm's running mean and variance): "
                    "count model.parameters()")
SHARED_TWICE = ("a parameter shared by two layers was counted twice: model.parameters() lists it once, "
                "summing over every module's parameters does not")
FROZEN_COUNTED = "with trainable_only=True, skip the parameters whose requires_grad is False"
TENSORS_COUNTED = "you counted parameter tensors: count their values with p.numel()"
HOOKS_LEFT = "hooks were left on the model: keep the handles from register_forward_hook and call .remove() on each"
MODE_NOT_RESTORED = "the model came in training mode and left in eval mode: restore it with model.train(was_training)"
TRAIN_MODE_FORWARD = ("the forward pass ran in training mode (BatchNorm updated its running statistics): "
                      "call model.eval() before it")
CONTAINERS = ("rows for container modules (Sequential, blocks, the model itself): hook only leaf modules, "
              "those with no children")
NO_BATCH_DIM = "output shapes must include the batch dimension, e.g. [1, 64, 56, 56]"


def preprocess_mistakes(pixels: np.ndarray, resize_to: int = 256, crop_to: int = 224) -> dict[str, torch.Tensor]:
    """Results of the usual preprocessing mistakes on a uint8 (H, W[, 3|4]) array."""
    image = Image.fromarray(pixels)
    rgb = image.convert("RGB")
    if image.mode == "RGBA":
        white = Image.alpha_composite(Image.new("RGBA", image.size, (255, 255, 255, 255)), image).convert("RGB")
        black = Image.alpha_composite(Image.new("RGBA", image.size, (0, 0, 0, 255)), image).convert("RGB")
    else:
        white = black = rgb
    normalise = T.Normalize(IMAGENET_MEAN, IMAGENET_STD)

    def pipeline(img: Image.Image, *steps: object) -> torch.Tensor:
        return T.Compose([*steps, T.ToTensor()])(img)  # (3, crop, crop) in [0, 1]

    unit = pipeline(white, T.Resize(resize_to), T.CenterCrop(crop_to))
    mistakes = {
        NOT_NORMALISED: unit,
        MEAN_STD_SWAPPED: T.Normalize(IMAGENET_STD, IMAGENET_MEAN)(unit),
        NOT_SCALED: normalise(unit * 255),
        BGR: normalise(unit).flip(0),
        SQUARE_RESIZE: normalise(pipeline(white, T.Resize((resize_to, resize_to)), T.CenterCrop(crop_to))),
        RESIZED_TO_CROP: normalise(pipeline(white, T.Resize(crop_to), T.CenterCrop(crop_to))),
    }
    if min(image.size) >= crop_to:
        mistakes[NO_RESIZE] = normalise(pipeline(white, T.CenterCrop(crop_to)))
    if image.mode == "RGBA":
        mistakes[ALPHA_DROPPED] = normalise(pipeline(rgb, T.Resize(resize_to), T.CenterCrop(crop_to)))
        mistakes[ALPHA_ON_BLACK] = normalise(pipeline(black, T.Resize(resize_to), T.CenterCrop(crop_to)))
    return mistakes


def topk_mistakes(logits: torch.Tensor, k: int) -> dict[str, torch.Tensor]:
    """{hint: the (..., k) values that mistake reports} for the usual top-k mistakes."""
    probabilities = logits.softmax(-1)
    mistakes = {
        PROBABILITIES_NOT_SOFTMAX: logits.topk(k, dim=-1).values,
        LOG_PROBABILITIES: logits.log_softmax(-1).topk(k, dim=-1).values,
        ASCENDING: probabilities.topk(k, dim=-1).values.flip(-1),
    }
    if logits.ndim == 2:
        mistakes[WRONG_SOFTMAX_DIM] = logits.softmax(0).topk(k, dim=-1).values
    return mistakes


def count_mistakes(model: nn.Module, trainable_only: bool) -> dict[str, int]:
    """{hint: the count that mistake gives} for a model whose frozen parameters are already frozen."""
    chosen = [p for p in model.parameters() if p.requires_grad or not trainable_only]
    per_module = [p for m in model.modules() for p in m.parameters(recurse=False)
                  if p.requires_grad or not trainable_only]
    return {
        STATE_DICT_COUNT: sum(t.numel() for t in model.state_dict().values()),
        SHARED_TWICE: sum(p.numel() for p in per_module),
        FROZEN_COUNTED: sum(p.numel() for p in model.parameters()),
        TENSORS_COUNTED: len(chosen),
    }


# The sheet's "Common mistakes" (solutions/lab3_pretrained/README.md), one for one: each bullet's bold words -> the
# (exercise, words of the hint that names it) of each mistake it lists (tests/test_sheet_mistakes.py grades a
# submission that makes each one).
SHEET_MISTAKES = {
    "Forgetting to normalise": (("lab3.1", NOT_NORMALISED), ("lab3.1", MEAN_STD_SWAPPED)),
    "Squashing": (("lab3.1", SQUARE_RESIZE), ("lab3.1", NO_RESIZE)),
    "Dropping alpha": (("lab3.1", ALPHA_DROPPED),),
    "Logits as probabilities": (("lab3.2", PROBABILITIES_NOT_SOFTMAX), ("lab3.2", ASCENDING),
                                ("lab3.2", WRONG_SOFTMAX_DIM)),
    "Counting the state_dict": (("lab3.3", STATE_DICT_COUNT), ("lab3.3", SHARED_TWICE)),
    "Leaving hooks on the model": (("lab3.4", HOOKS_LEFT),),
    "Running the summary in training mode": (("lab3.4", TRAIN_MODE_FORWARD),),
    "Convolutions with a bias": (("lab3.5", block.CONV_BIAS),),
    "No projection where the shape changes": (("lab3.5", block.PROJECTION_MISSING), ("lab3.5", block.PROJECTION_EXTRA)),
    "The last ReLU before the addition": (("lab3.6", block.RELU_BEFORE_ADD), ("lab3.6", block.NO_SHORTCUT)),
}
