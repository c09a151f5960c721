"""Read a postcode from a segmentation mask: every connected blob of digit pixels is one digit, read left to right
as the class most of its pixels have (a majority vote, which forgives a few wrong pixels).
"""

import numpy as np
import torch
from scipy import ndimage

from ipdl.data.postcodes import NUM_CLASSES

MIN_PIXELS = 20  # blobs smaller than this are specks of noise, not digits
EIGHT_NEIGHBOURS = np.ones((3, 3), dtype=bool)  # diagonal pixels touch: thin slanted strokes stay in one piece


def read_postcode(mask: torch.Tensor, min_pixels: int = MIN_PIXELS) -> str:
    """The digits written in a postcode mask, left to right.

    1. Find the connected components of the non-background pixels (mask > 0), with 8-connectivity:
       scipy.ndimage.label(mask > 0, structure=np.ones((3, 3))).
    2. Drop components with fewer than min_pixels pixels.
    3. Order the rest by their centre column (the mean column of their pixels), left to right.
    4. Read each as its majority class: the class most of its pixels have; class k is the digit k - 1
       (ties: the smaller class).

    Args:
        mask: (H, W) int64: 0 background, 1 + d for digit d.
        min_pixels: smallest component that counts as a digit.
    Returns:
        the digits as a string, e.g. "40213"; "" when there are none.
    """
    if mask.ndim != 2 or mask.is_floating_point():
        raise ValueError(f"expected an (H, W) integer mask, got {mask.dtype} of shape {tuple(mask.shape)}")
    classes = mask.cpu().numpy()
    # BEGIN SOLUTION lab5.13: label the components, drop the small ones, sort by centre column, majority vote each
    components, count = ndimage.label(classes > 0, structure=EIGHT_NEIGHBOURS)  # (H, W) ids 1..count
    ids = components.ravel()
    sizes = np.bincount(ids, minlength=count + 1)  # (count + 1,): pixels per component, id 0 is background
    columns = np.broadcast_to(np.arange(classes.shape[1]), classes.shape).ravel()
    centres = np.bincount(ids, weights=columns, minlength=count + 1) / np.maximum(sizes, 1)
    votes = np.bincount(ids * NUM_CLASSES + classes.ravel(), minlength=(count + 1) * NUM_CLASSES)
    votes = votes.reshape(count + 1, NUM_CLASSES)  # votes[k, c]: pixels of class c in component k
    kept = [k for k in sorted(range(1, count + 1), key=centres.__getitem__) if sizes[k] >= min_pixels]
    return "".join(str(int(votes[k, 1:].argmax())) for k in kept)
    # END SOLUTION
