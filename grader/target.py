"""What is being graded: the kit's `labs` or `solutions`, or a student's submission in any of its shapes, and the
grader's own copy of a submission, which is what the worker mounts.

A submission is a copy of labs/, a folder holding lab folders, a single lab folder, or a .zip file of any of these
(with or without one wrapping folder); lab folders are known by their names in ipdl.catalogue. The worker never
mounts the submission itself but a staged copy of its lab folders, in which every given file (each .py file of a
lab that holds no exercise: harness, training script, __init__.py) is the kit's own, beside the kit's library
(`ipdl`, never a copy the submission ships). The student's files on disk are not changed.
"""

import errno
import importlib.machinery
import os
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

from grader.instructor import safe_zip
from grader.paths import LABS_DIR, SOLUTIONS_DIR
from ipdl.catalogue import LAB_FOLDERS, find_lab
from ipdl.kit import IPDL_DIR

SHAPES = "a copy of labs/, a folder holding lab folders, a single lab folder, or a .zip file of one of these"
GIVEN_FILES_DIR = SOLUTIONS_DIR  # the kit's given files, lab by lab (the same files in a student release)
STAGE_MAX_BYTES = 512 * 1024**2
MAX_SOURCE_BYTES = 2 * 1024**2  # one .py file of a lab folder (the kit's largest holds 12 kB)
IGNORED_NAMES = {"__MACOSX", "__pycache__", ".git", ".ipynb_checkpoints"}


@dataclass(frozen=True)
class Target:
    """The code under test: which package the worker calls and which folders it mounts."""

    label: str  # "labs", "solutions", or the submission as given
    package: str  # package name the calls go to
    mounts: dict[str, Path] = field(default_factory=dict)  # package name -> folder
    staged: bool = False  # mounts[package] is the grader's own copy of a submission, readable by all
    kit_files: tuple[str, ...] = ()  # the given files the staged copy took from the kit ("lab2_lenet/harness.py")
    workspace: TemporaryDirectory | None = field(default=None, repr=False, compare=False)  # holds the staged copy,
    # removed with the target (at the latest when the grader's process ends)

    @property
    def folder(self) -> Path:
        return self.mounts[self.package]

    def staging_note(self) -> dict[str, object]:
        """What the report says about a staged submission ({} for the kit's own targets)."""
        if not self.staged:
            return {}
        return {"note": "graded a copy of the submission, with the kit's own given files; the submission's files "
                        "on disk are not changed", "kit_files": list(self.kit_files)}


def resolve_target(spec: str) -> Target:
    """`labs`, `solutions`, or the path of a submission (see SHAPES); raises ValueError for one it cannot read."""
    library = {"ipdl": IPDL_DIR}  # the kit's own library, always the kit's copy, never the submission's
    if spec == "labs":
        return Target("labs", "labs", {**library, "labs": LABS_DIR})
    if spec == "solutions":
        if not SOLUTIONS_DIR.is_dir():
            raise ValueError("this copy of the kit has no solutions/ folder (a student release?)")
        return Target("solutions", "solutions", {**library, "labs": LABS_DIR, "solutions": SOLUTIONS_DIR})
    return submission_target(spec)


def submission_target(spec: str) -> Target:
    """The staged copy of the submission at `spec`, in a private temporary folder of its own."""
    path = Path(spec).expanduser()
    if not path.is_dir() and not (path.is_file() and path.suffix.lower() == ".zip"):
        raise ValueError(f"target {spec!r} is not a folder or a .zip file: give 'labs', 'solutions' or a "
                         f"submission ({SHAPES})")
    workspace = TemporaryDirectory(prefix="ipdl-submission-")
    root = Path(workspace.name)
    try:
        lab_folders = find_lab_folders(unpack(path.resolve(), root / "unpacked"))
        if not lab_folders:
            raise ValueError(f"{spec} has no lab folders the grader knows ({', '.join(LAB_FOLDERS)}); a submission "
                             f"is {SHAPES}")
        kit_files = stage_submission(lab_folders, root / "labs")
    except OSError as error:  # an unreadable file or folder, a name the file system refuses
        workspace.cleanup()
        raise ValueError(unreadable(spec, error)) from None
    except BaseException:
        workspace.cleanup()
        raise
    finally:
        shutil.rmtree(root / "unpacked", ignore_errors=True)  # an unpacked zip is needed only until it is staged
    os.chmod(root, 0o711)  # a worker with a user of its own may reach the staged copy, not list the folder
    return Target(spec, "labs", {"ipdl": IPDL_DIR, "labs": root / "labs"}, staged=True, kit_files=kit_files,
                  workspace=workspace)


def unreadable(spec: str, error: OSError) -> str:
    """What to do about a submission the grader could not read or copy."""
    if isinstance(error, shutil.Error) and error.args and isinstance(error.args[0], list) and error.args[0]:
        source, _, why = error.args[0][0]  # copytree's first failure
        return f"cannot copy {source} of {spec}: {why}; make the submission's files readable and grade it again"
    where = error.filename or spec
    return f"cannot read {where}: {error.strerror or error}; make the submission's files readable and grade it again"


def unpack(path: Path, destination: Path) -> Path:
    """The submission's folder: `path` itself, or the zip file `path` extracted (safely) below `destination`,
    into a folder named after the zip when that is a lab folder's name (a zip of one lab's files)."""
    if path.is_dir():
        return path
    folder = destination / (path.stem if path.stem in LAB_FOLDERS else "submission")
    try:
        return safe_zip.extract(path, folder)
    except (zipfile.BadZipFile, safe_zip.UnsafeZipError) as error:
        raise ValueError(f"cannot unpack {path.name}: {error}") from None


def is_lab_folder(path: Path) -> bool:
    """A folder (not a link to one) named as one of the catalogue's labs."""
    return path.name in LAB_FOLDERS and path.is_dir() and not path.is_symlink()


def has_lab_folders(folder: Path) -> bool:
    return any(is_lab_folder(child) for child in folder.iterdir())


def find_lab_folders(folder: Path) -> dict[str, Path]:
    """The submission's lab folders by name: `folder` itself when it is one, else those in its labs folder."""
    if is_lab_folder(folder):
        return {folder.name: folder}
    holder = find_labs_folder(folder)
    return {child.name: child for child in sorted(holder.iterdir()) if is_lab_folder(child)}


def find_labs_folder(folder: Path) -> Path:
    """The folder holding the lab folders in a submission: the folder itself, its labs/, or the same one level
    down when everything sits in a single wrapping folder (as zip files often do). Links are not followed."""
    for _ in range(3):
        if has_lab_folders(folder):
            return folder
        if (folder / "labs").is_dir() and not (folder / "labs").is_symlink():
            return folder / "labs"
        children = [child for child in folder.iterdir() if child.name not in IGNORED_NAMES
                    and not child.name.startswith(".")]
        if len(children) != 1 or not children[0].is_dir() or children[0].is_symlink():
            return folder
        folder = children[0]
    return folder


def stage_submission(lab_folders: dict[str, Path], destination: Path) -> tuple[str, ...]:
    """Copy the lab folders into `destination`, readable by all, each with the kit's given files in place of the
    submission's; returns those files ("lab2_lenet/harness.py", ...). Nothing else of the submission is copied
    (no labs/__init__.py, no library the student copied in by mistake)."""
    check_size(sum(folder_size(folder) for folder in lab_folders.values()), "the submission's lab folders")
    for name, folder in lab_folders.items():
        check_plain_files(name, folder)
    destination.mkdir()
    os.chmod(destination, 0o755)
    kit_files = []
    for name, folder in lab_folders.items():
        copy_readable(folder, destination / name)
        kit_files += use_kit_given_files(name, destination / name)
    return tuple(kit_files)


def given_files(lab_folder: str) -> list[Path]:
    """The kit's copies of a lab's given files: its .py files that hold no exercise."""
    kit = GIVEN_FILES_DIR / lab_folder
    exercise_modules = find_lab(lab_folder).exercise_modules
    return sorted(path for path in kit.glob("*.py") if path.stem not in exercise_modules) if kit.is_dir() else []


def use_kit_given_files(lab_folder: str, staged: Path) -> list[str]:
    """Put the kit's given files into a staged lab folder; whatever the submission had under a given module's name
    goes first (its harness.py, and a harness/ package or harness.*.so that Python would import instead)."""
    used = []
    for source in given_files(lab_folder):
        importable = {source.stem, *(source.stem + suffix for suffix in importlib.machinery.all_suffixes())}
        for entry in staged.iterdir():
            if entry.name in importable:
                remove(entry)
        shutil.copyfile(source, staged / source.name)
        os.chmod(staged / source.name, 0o644)
        used.append(f"{lab_folder}/{source.name}")
    return used


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def stage_copy(source: Path, destination: Path, max_bytes: int = STAGE_MAX_BYTES) -> Path:
    """Copy a folder for a worker that runs as another user (see copy_readable); refuses folders larger than
    `max_bytes`."""
    check_size(folder_size(source), str(source), max_bytes)
    return copy_readable(source, destination)


def copy_readable(source: Path, destination: Path) -> Path:
    """Copy a folder readable by all, symbolic links kept as links (never followed by the judge), caches left out."""
    shutil.copytree(source, destination, symlinks=True, ignore=shutil.ignore_patterns(*IGNORED_NAMES, "*.pyc"))
    for folder, _, files in os.walk(destination):  # os.walk does not follow links
        os.chmod(folder, 0o755)
        for name in files:
            if not os.path.islink(os.path.join(folder, name)):
                os.chmod(os.path.join(folder, name), 0o644)
    return destination


def check_plain_files(lab_folder: str, folder: Path) -> None:
    """Refuse a lab folder holding a symbolic link (which may loop or point out of the submission), a pipe or a
    device, or a Python file too large to be lab code; the message says what to do."""
    for parent, folders, files in os.walk(folder):  # os.walk does not follow links
        folders[:] = [name for name in folders if name not in IGNORED_NAMES]
        for name in folders + files:
            path = os.path.join(parent, name)
            shown = f"{lab_folder}/{os.path.relpath(path, folder)}"
            if os.path.islink(path):
                raise ValueError(f"{shown} is a symbolic link ({link_target(path)}); a submission holds plain files "
                                 f"only: put the file itself there, or remove the link, and hand it in again")
            if not (os.path.isdir(path) or os.path.isfile(path)):
                raise ValueError(f"{shown} is not a file or a folder (a pipe or a device): remove it and hand the "
                                 f"submission in again")
            if name.endswith(".py") and os.path.getsize(path) > MAX_SOURCE_BYTES:
                raise ValueError(f"{shown} is {os.path.getsize(path) / 1e6:.0f} MB; a lab's Python file may hold at "
                                 f"most {MAX_SOURCE_BYTES / 1e6:.0f} MB of code: keep data out of .py files (load "
                                 f"it from a file) and hand the submission in again")


def link_target(path: str) -> str:
    """`to 'x.py'`, or `a loop of links` when following it never ends."""
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "a loop of links"
    return f"to {os.readlink(path)!r}"


def check_size(size: int, what: str, max_bytes: int = STAGE_MAX_BYTES) -> None:
    if size > max_bytes:
        raise ValueError(f"{what}: {size / 1e6:.0f} MB of files; the grader copies at most "
                         f"{max_bytes / 1e6:.0f} MB (leave data sets and checkpoints out of submissions)")


def folder_size(folder: Path) -> int:
    """Bytes in the regular files below `folder`, links not followed."""
    total = 0
    for parent, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(parent, name)
            if not os.path.islink(path):
                total += os.path.getsize(path)
    return total
