"""Turn a photo into the tensor an ImageNet-pretrained network expects, as on the workshop's "Using a pretrained
model" slide: resize the shorter side to 256, crop the central 224x224, scale to [0, 1], normalise per channel.
"""

import numpy as np
import torch
from PIL import Image
from torchvision import transforms as T

IMAGENET_MEAN = (0.485, 0.456, 0.406)  # per-channel mean of the ImageNet training photos (R, G, B), in [0, 1]
IMAGENET_STD = (0.229, 0.224, 0.225)  # and their standard deviations


def imagenet_preprocess(img: Image.Image | np.ndarray, resize_to: int = 256, crop_to: int = 224) -> torch.Tensor:
    """A photo as a normalised (3, crop_to, crop_to) float32 tensor, the input of an ImageNet classifier.

    1. Make it an RGB PIL image: a uint8 numpy array (H, W), (H, W, 3) or (H, W, 4) goes through
       Image.fromarray; gray becomes three equal channels; transparent pixels (RGBA, LA, or a palette with a
       transparent colour) are composited over white, not dropped.
    2. Resize so the SHORTER side is resize_to, keeping the aspect ratio (T.Resize with an int does this).
    3. Crop the central crop_to x crop_to square (T.CenterCrop).
    4. To a float tensor in [0, 1], channels first (T.ToTensor): (3, crop_to, crop_to).
    5. Normalise each channel c: (x[c] - IMAGENET_MEAN[c]) / IMAGENET_STD[c] (T.Normalize).

    Args:
        img: a PIL image in any mode, or a uint8 numpy array (H, W), (H, W, 3) or (H, W, 4).
    Returns:
        float32 (3, crop_to, crop_to); add a batch dimension with [None] before calling a model.
    """
    if isinstance(img, np.ndarray):
        if img.dtype != np.uint8 or not (img.ndim == 2 or (img.ndim == 3 and img.shape[-1] in (3, 4))):
            raise ValueError(f"expected a uint8 array (H, W), (H, W, 3) or (H, W, 4), got {img.dtype} {img.shape}")
    elif not isinstance(img, Image.Image):
        raise TypeError(f"expected a PIL image or a uint8 numpy array, got {type(img).__name__}")
    if not 0 < crop_to <= resize_to:
        raise ValueError(f"need 0 < crop_to <= resize_to, got crop_to={crop_to}, resize_to={resize_to}")
    # BEGIN SOLUTION lab3.1: make an RGB PIL image (alpha over white), then Resize, CenterCrop, ToTensor, Normalize
    if isinstance(img, np.ndarray):
        img = Image.fromarray(img)  # (H, W) -> "L", (H, W, 3) -> "RGB", (H, W, 4) -> "RGBA"
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    transform = T.Compose([
        T.Resize(resize_to),  # shorter side -> resize_to, aspect ratio kept
        T.CenterCrop(crop_to),  # (crop_to, crop_to)
        T.ToTensor(),  # (3, crop_to, crop_to) float32 in [0, 1]
        T.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])
    return transform(img.convert("RGB"))
    # END SOLUTION
