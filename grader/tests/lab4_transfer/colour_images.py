"""A tiny generated image set for the fine-tuning checks: 32x32 noisy images whose class is their tint (red, green
or blue), already normalised; a network with a trained head separates them after a few steps, chance is 1/3."""

import torch

TINTS = torch.tensor([[1.5, -1.0, -1.0], [-1.0, 1.5, -1.0], [-1.0, -1.0, 1.5]])  # (3 classes, 3 channels)


def colour_images(per_class: int, seed: int, size: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    """(images (3 * per_class, 3, size, size) float32, labels (3 * per_class,) int64), drawn from `seed`."""
    generator = torch.Generator().manual_seed(seed)
    images, labels = [], []
    for label, tint in enumerate(TINTS):
        noise = torch.randn(per_class, 3, size, size, generator=generator)  # (N, 3, S, S)
        images.append(tint.view(1, 3, 1, 1) + noise)
        labels.append(torch.full((per_class,), label, dtype=torch.int64))
    return torch.cat(images), torch.cat(labels)
