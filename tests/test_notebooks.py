"""The lab notebooks are tested like code: each one runs headless (nbclient) on the reference (IPDL_NOTEBOOK_IMPL=
solutions: every cell runs, every check gives full marks, every plotting cell draws its picture, no request leaves
the machine) and on the stubs of labs/ (every cell runs or says which TODO to fill in, never a traceback, and every
check gives 0 points naming a TODO). The kit ships them without outputs, the same in labs/ as in solutions/.

Small data where a cell only shows how a thing works: the test puts a cell after each notebook's `parameters` cell
(papermill's convention) with smaller settings.
"""

import csv
import json
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from PIL import Image
from safetensors.torch import load_file

from ipdl.catalogue import LABS
from ipdl.kit import LABS_DIR, SOLUTIONS_DIR
from ipdl.notebook import BUNDLED_DIR, IMPL_VARIABLE

NOTEBOOKS = {lab.folder: SOLUTIONS_DIR / lab.folder / f"{lab.folder}.ipynb" for lab in LABS}
CELL_TIMEOUT = 600  # seconds; the first check of a kernel starts a worker, on a busy machine that is slow
NO_NETWORK = '''
import sys as _sys

def _no_request_leaves(event, args):
    """The notebook test's guard: a connection or name lookup beyond this machine fails the cell."""
    local = ("127.0.0.1", "::1", "localhost", None)
    if event == "socket.connect" and isinstance(args[1], tuple) and not str(args[1][0]).startswith("127."):
        if args[1][0] not in local:
            raise OSError(f"notebook test: a request to {args[1]} would leave the machine")
    if event == "socket.getaddrinfo" and args[0] not in local and not str(args[0]).startswith("127."):
        raise OSError(f"notebook test: a name lookup of {args[0]} would leave the machine")

_sys.addaudithook(_no_request_leaves)
'''
TOTAL = re.compile(r"Total: (\d+(?:\.\d+)?) / (\d+(?:\.\d+)?)")


def small_settings(folder: str, work: Path, sprites: Path) -> str:
    """The test's settings for a notebook, run after its parameters cell."""
    settings = {
        "lab2_lenet": "EPOCHS = 1",
        "lab4_transfer": f"DATA = Path({str(sprites)!r})\nCHECKPOINT = Path({str(work / 'pokemon.safetensors')!r})\n"
                         'TRAIN_ARGUMENTS = ["--image-size", "32", "--epochs", "1", "--threads", "1"]',
        "lab5_unet": f"CHECKPOINT = Path({str(work / 'unet.safetensors')!r})\n"
                     'TRAIN_ARGUMENTS = ["--epochs", "1", "--steps-per-epoch", "3", "--batch-size", "4", '
                     '"--progress-canvases", "8", "--test-canvases", "16", "--threads", "1"]',
        "lab6_diffusion": "SAMPLING_STEPS = 4",
    }
    return "from pathlib import Path\n" + settings.get(folder, "")


def executed(folder: str, impl: str, work: Path, sprites: Path) -> nbformat.NotebookNode:
    """The notebook of `folder` run in a fresh kernel on `impl`, with the test's guard and settings cells."""
    notebook = nbformat.read(NOTEBOOKS[folder], as_version=4)
    cells = notebook.cells
    where = next((i for i, cell in enumerate(cells) if "parameters" in cell.metadata.get("tags", [])), None)
    if where is not None:
        cells.insert(where + 1, nbformat.v4.new_code_cell(small_settings(folder, work, sprites)))
    cells.insert(0, nbformat.v4.new_code_cell(NO_NETWORK))
    os.environ[IMPL_VARIABLE] = impl  # the kernel inherits it
    try:
        client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=impl == "labs",
                                resources={"metadata": {"path": str(NOTEBOOKS[folder].parent)}})
        client.execute()
    finally:
        del os.environ[IMPL_VARIABLE]
    return notebook


def text_of(cell: nbformat.NotebookNode) -> str:
    """Everything a code cell printed or displayed, as text."""
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.append(str(output.get("data", {}).get("text/plain", "")))
        parts.append(str(output.get("data", {}).get("text/html", "")))
    return "\n".join(parts)


def has_picture(cell: nbformat.NotebookNode) -> bool:
    return any("image/png" in output.get("data", {}) for output in cell.get("outputs", []))


@pytest.fixture(scope="module")
def sprites(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Lab 4's data, small: the bundled gallery's sprites as pokemon.csv + images/<name>.png, each with a mirrored
    back view and a palette-swapped shiny view."""
    # Copied from tests/test_lab4_training.py (sprites_folder), without the web app's helpers.
    root = tmp_path_factory.mktemp("pokemon")
    (root / "images").mkdir()
    tensors = load_file(str(BUNDLED_DIR / "pokemon-gallery.safetensors"))
    entries = json.loads((BUNDLED_DIR / "pokemon-gallery.json").read_text())["pokemon"]
    with open(root / "pokemon.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["Name", "Type1", "Type2"])
        for entry in entries:
            name, pixels = entry["name"], tensors[entry["name"]].numpy()
            Image.fromarray(pixels).save(root / "images" / f"{name}.png")
            (root / "images" / name).mkdir()
            Image.fromarray(pixels[:, ::-1].copy()).save(root / "images" / name / "back.png")
            shiny = pixels.copy()
            shiny[..., :3] = pixels[..., [2, 0, 1]]
            Image.fromarray(shiny).save(root / "images" / name / "shiny.png")
            writer.writerow([name, entry["type1"], entry["type2"]])
    return root


def test_every_lab_has_a_notebook_output_free_and_the_same_in_labs() -> None:
    for folder, path in NOTEBOOKS.items():
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name} ships outputs: clear them"
        assert (LABS_DIR / folder / path.name).read_bytes() == path.read_bytes(), "run `python -m grader sync`"
        assert "# BEGIN SOLUTION" not in path.read_text()
        assert "Time plan" in notebook.cells[0].source and "Going further" in notebook.cells[0].source


@pytest.mark.parametrize("folder", list(NOTEBOOKS))
def test_notebook_on_the_reference(folder: str, tmp_path: Path, sprites: Path) -> None:
    notebook = executed(folder, "solutions", tmp_path, sprites)
    checks = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        assert not any(output.output_type == "error" for output in cell.outputs), text_of(cell)[-2000:]
        if "plt.show()" in cell.source:
            assert has_picture(cell), f"no picture from:\n{cell.source}"
        if cell.source.startswith("check("):
            scores = TOTAL.findall(text_of(cell))
            assert scores and scores[0][0] == scores[0][1] != "0", f"{cell.source}: {text_of(cell)[-1500:]}"
            checks += 1
    assert checks >= 3


@pytest.mark.parametrize("folder", list(NOTEBOOKS))
def test_notebook_on_the_stubs(folder: str, tmp_path: Path, sprites: Path) -> None:
    notebook = executed(folder, "labs", tmp_path, sprites)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        text = text_of(cell)
        errors = [output for output in cell.outputs if output.output_type == "error"]
        assert not any(output.get("traceback") for output in errors), f"a traceback from:\n{cell.source}\n{text}"
        if errors:
            assert re.search(r"fill in TODO\(lab\d+\.\d+\)", text), f"{cell.source}: {text[-1500:]}"
        if cell.source.startswith("check("):
            scores = TOTAL.findall(text)
            assert scores and scores[0][0] == "0" and "fill in TODO(lab" in text, f"{cell.source}: {text[-1500:]}"
