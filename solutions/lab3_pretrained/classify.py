"""Classify one photo with a pretrained network using your preprocessing and top-k code. Complete: nothing to do
here; the web app's "Pretrained classifier" tab calls it.

    python -m labs.lab3_pretrained.classify photo.jpg            # EfficientNet-Lite0, offline
    python -m labs.lab3_pretrained.classify photo.jpg --model resnet18 --download
"""

import argparse
from collections.abc import Sequence

import numpy as np
import torch
from PIL import Image
from torch import nn

from ipdl.pretrained import DEFAULT_MODEL, MODELS, load_pretrained

from .predictions import topk_labels
from .preprocess import imagenet_preprocess


def classify_image(model: nn.Module, image: Image.Image | np.ndarray, categories: Sequence[str],
                   k: int = 5) -> list[tuple[str, float]]:
    """The k most probable classes of one photo: [(name, probability), ...], most probable first."""
    x = imagenet_preprocess(image)[None]  # (1, 3, 224, 224)
    model.eval()
    with torch.no_grad():
        logits = model(x)  # (1, 1000)
    return topk_labels(logits[0], k, categories)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m labs.lab3_pretrained.classify",
                                     description="Top-k ImageNet classes of a photo.",
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("image", help="a photo (PNG, JPEG, ...)")
    parser.add_argument("--model", choices=MODELS, default=DEFAULT_MODEL, help="which pretrained network")
    parser.add_argument("--download", action="store_true", help="fetch ResNet-18's weights through torch.hub")
    parser.add_argument("-k", type=int, default=5, help="how many classes to list")
    args = parser.parse_args(argv)
    loaded = load_pretrained(args.model, download=args.download)
    print(f"using {loaded.description}")
    with Image.open(args.image) as image:
        for name, probability in classify_image(loaded.model, image, loaded.categories, args.k):
            print(f"{probability:7.2%}  {name}")


if __name__ == "__main__":
    main()
