"""Write ipdl/data/pokedex.csv (national dex number, name, primary and secondary type of Pokémon #1-649) from the
Generation V pokedex that the PyPI package poke-env ships, so the kit needs poke-env only to regenerate the file.

    pip install "ipdl-lab[data]"                    # poke-env
    python -m ipdl.data.make_pokedex_csv            # rewrites ipdl/data/pokedex.csv
    python -m ipdl.data.make_pokedex_csv --json path/to/gen5pokedex.json --out other.csv
"""

import argparse
import csv
import json
import re
import unicodedata
from importlib import resources
from pathlib import Path

POKEDEX_CSV = Path(__file__).resolve().parent / "pokedex.csv"
POKE_ENV_JSON = "data/static/pokedex/gen5pokedex.json"  # inside the poke_env package
MAX_DEX = 649  # Generation V ends with Genesect, #649: the last Pokémon with Black/White animated sprites
COLUMNS = ("Number", "Name", "Type1", "Type2")  # Name, Type1, Type2 as in Kaggle's "Pokemon Images and Types"


def slug(name: str) -> str:
    """A Pokémon's name as a file name, Kaggle style: "Mr. Mime" -> "mr-mime", "Farfetch’d" -> "farfetchd"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[.'’]", "", ascii_name.lower())
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")


def poke_env_pokedex() -> dict:
    """poke-env's Generation V pokedex: {key: {"num": ..., "name": ..., "types": [...], ...}}."""
    try:
        root = resources.files("poke_env")
    except ModuleNotFoundError as error:
        raise SystemExit("this script reads poke-env's pokedex: run `pip install poke-env` "
                         "(or `pip install -e \".[data]\"`), or pass --json PATH") from error
    return json.loads(root.joinpath(POKE_ENV_JSON).read_text())


def pokedex_rows(pokedex: dict, max_dex: int = MAX_DEX) -> list[dict[str, str]]:
    """One row per species #1..max_dex (base forms only: no megas, regional or cosmetic formes), by number."""
    rows = []
    for entry in pokedex.values():
        number = entry.get("num", 0)
        if not 1 <= number <= max_dex or "forme" in entry:
            continue
        types = list(entry["types"]) + [""]
        rows.append({"Number": str(number), "Name": slug(entry["name"]), "Type1": types[0], "Type2": types[1]})
    rows.sort(key=lambda row: int(row["Number"]))
    numbers = [int(row["Number"]) for row in rows]
    if numbers != list(range(1, max_dex + 1)):
        missing = sorted(set(range(1, max_dex + 1)) - set(numbers))
        raise ValueError(f"the pokedex should list each of #1-{max_dex} once; missing {missing[:10]}, "
                         f"{len(numbers)} rows")
    return rows


def write_csv(rows: list[dict[str, str]], out: Path) -> None:
    with open(out, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ipdl.data.make_pokedex_csv", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--json", type=Path, default=None, help="a gen5pokedex.json (default: poke-env's)")
    parser.add_argument("--out", type=Path, default=POKEDEX_CSV, help="CSV to write")
    args = parser.parse_args(argv)
    pokedex = json.loads(args.json.read_text()) if args.json else poke_env_pokedex()
    rows = pokedex_rows(pokedex)
    write_csv(rows, args.out)
    print(f"wrote {len(rows)} Pokémon to {args.out}")


if __name__ == "__main__":
    main()
