"""What is being graded: `labs`, `solutions`, or a student's copy of the labs/ folder, and where its lab folders are."""

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from grader.paths import LABS_DIR, SOLUTIONS_DIR
from ipdl.kit import IPDL_DIR
from ipdl.catalogue import LAB_FOLDERS

IGNORED_NAMES = {"__MACOSX", "__pycache__", ".git", ".ipynb_checkpoints"}


@dataclass(frozen=True)
class Target:
    """The code under test: which package the worker calls and which folders it mounts."""

    label: str  # "labs", "solutions", or the folder as given
    package: str  # package name the calls go to
    mounts: dict[str, Path] = field(default_factory=dict)  # package name -> folder

    @property
    def folder(self) -> Path:
        return self.mounts[self.package]


def resolve_target(spec: str) -> Target:
    """`labs`, `solutions`, or the path of a student's copy of the labs/ folder (or of a folder holding one)."""
    library = {"ipdl": IPDL_DIR}  # the kit's own library, always the kit's copy, never the submission's
    if spec == "labs":
        return Target("labs", "labs", {**library, "labs": LABS_DIR})
    if spec == "solutions":
        if not SOLUTIONS_DIR.is_dir():
            raise ValueError("this copy of the kit has no solutions/ folder (a student release?)")
        return Target("solutions", "solutions", {**library, "labs": LABS_DIR, "solutions": SOLUTIONS_DIR})
    folder = Path(spec).expanduser()
    if not folder.is_dir():
        raise ValueError(f"target {spec!r} is not a folder: give 'labs', 'solutions' or a copy of labs/")
    return Target(spec, "labs", {**library, "labs": find_labs_folder(folder.resolve())})


def has_lab_folders(folder: Path) -> bool:
    return any(child.is_dir() and child.name in LAB_FOLDERS for child in folder.iterdir())


def find_labs_folder(folder: Path) -> Path:
    """The folder holding the lab folders in a submission: the folder itself, its labs/, or the same one level
    down when everything sits in a single wrapping folder (as zip files often do)."""
    for _ in range(3):
        if has_lab_folders(folder):
            return folder
        if (folder / "labs").is_dir():
            return folder / "labs"
        children = [child for child in folder.iterdir() if child.name not in IGNORED_NAMES
                    and not child.name.startswith(".")]
        if len(children) != 1 or not children[0].is_dir():
            return folder
        folder = children[0]
    return folder


def stage_copy(source: Path, destination: Path, max_bytes: int) -> Path:
    """Copy a submission folder for a worker that runs as another user: readable by all, symbolic links kept as
    links (never followed by the judge), caches left out; refuses folders larger than `max_bytes`."""
    size = folder_size(source)
    if size > max_bytes:
        raise ValueError(f"{source} holds {size / 1e6:.0f} MB of files; the grader copies at most "
                         f"{max_bytes / 1e6:.0f} MB (leave data sets and checkpoints out of submissions)")
    shutil.copytree(source, destination, symlinks=True, ignore=shutil.ignore_patterns(*IGNORED_NAMES, "*.pyc"))
    for folder, _, files in os.walk(destination):  # os.walk does not follow links
        os.chmod(folder, 0o755)
        for name in files:
            if not os.path.islink(os.path.join(folder, name)):
                os.chmod(os.path.join(folder, name), 0o644)
    return destination


def folder_size(folder: Path) -> int:
    """Bytes in the regular files below `folder`, links not followed."""
    total = 0
    for parent, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(parent, name)
            if not os.path.islink(path):
                total += os.path.getsize(path)
    return total
