"""What a folder of submissions holds: one folder or .zip file per student id, the names that are no student id,
the ids two submissions claim, and a hash of each submission's files (paths and contents, never times) that tells
a resubmission from the submission already graded."""

import hashlib
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.instructor import safe_zip
from grader.target import IGNORED_NAMES

STUDENT_ID = re.compile(r"^[\w.@+-]+$")
NOT_IN_AN_ID = re.compile(r"[^\w.@+-]+")
HASH_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path  # a folder or a .zip file
    problem: str = ""  # why it is not graded as it is (a name that is no student id, an id claimed twice)


def find_submissions(folder: Path) -> tuple[list[Submission], list[str]]:
    """Every student folder and .zip file in `folder`, sorted by student id, and the names of the other entries
    (left alone). A name that is no student id, and an id that two entries claim (`alice/` and `alice.zip`), make
    a submission with a `problem` that says what to do."""
    claims: dict[str, list[Path]] = {}
    ignored = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if not (path.is_dir() or path.suffix.lower() == ".zip"):
            ignored.append(path.name)
            continue
        claims.setdefault(student_id(path), []).append(path)
    found = [Submission(student, paths[0], problem_of(student, paths)) for student, paths in sorted(claims.items())]
    return found, ignored


def student_id(path: Path) -> str:
    """The id a submission is filed under: its name without .zip, with every run of characters that a student id
    may not hold made one `_` (`alice smith` -> `alice_smith`)."""
    return NOT_IN_AN_ID.sub("_", base_name(path)).strip("_") or "unnamed"


def base_name(path: Path) -> str:
    """A folder's name, or a zip file's name without `.zip`."""
    return path.name if path.is_dir() or path.suffix.lower() != ".zip" else path.stem


def problem_of(student: str, paths: list[Path]) -> str:
    """Why the submission(s) claiming `student` are not graded, in words that say what to do; "" when they are."""
    if len(paths) > 1:
        names = " and ".join(entry_name(path) for path in paths)
        return (f"{len(paths)} submissions are filed under the student id {student}: {names}; neither is graded. "
                f"Keep one of them (remove or rename the others) and run the batch again")
    if STUDENT_ID.match(base_name(paths[0])):
        return ""
    suffix = "" if paths[0].is_dir() else paths[0].suffix
    return (f"the name {paths[0].name!r} is not a student id (letters, digits and . _ @ + - only, no spaces or line "
            f"breaks): rename it to {student}{suffix} and run the batch again")


def entry_name(path: Path) -> str:
    """`alice/` for a folder, `alice.zip` for a file, quoted where the name holds odd characters."""
    name = path.name + ("/" if path.is_dir() else "")
    return name if STUDENT_ID.match(path.name) else repr(name)


def submission_hash(path: Path) -> str | None:
    """sha256 over the submission's files, each by its path inside the submission and its contents (a link by
    where it points; caches and `.pyc` files left out); None when it cannot be read (grading then says why)."""
    try:
        entries = zip_entries(path) if path.is_file() else folder_entries(path)
    except (OSError, ValueError, zipfile.BadZipFile, safe_zip.UnsafeZipError, RuntimeError, EOFError):
        return None
    digest = hashlib.sha256()
    for name, content_hash in sorted(entries):
        digest.update(f"{len(name)}:{name}:{content_hash}\n".encode(errors="surrogateescape"))
    return digest.hexdigest()


def folder_entries(folder: Path) -> list[tuple[str, str]]:
    """(relative path, content hash) of every entry below `folder`; links are recorded, never followed."""
    entries = []
    for parent, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if name not in IGNORED_NAMES]
        for name in folders + files:
            path = os.path.join(parent, name)
            relative = os.path.relpath(path, folder)
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                entries.append((relative, "link:" + os.readlink(path)))
            elif stat.S_ISREG(mode) and not name.endswith(".pyc"):
                entries.append((relative, file_hash(path)))
            elif not stat.S_ISDIR(mode) and not name.endswith(".pyc"):
                entries.append((relative, "special"))  # a pipe or a device: never opened
    return entries


def file_hash(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while chunk := source.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def zip_entries(archive: Path) -> list[tuple[str, str]]:
    """(member name, content hash) of every file in a zip, reading at most what safe_zip would extract."""
    entries, budget = [], safe_zip.MAX_BYTES
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist()[: safe_zip.MAX_MEMBERS + 1]:
            if info.is_dir():
                continue
            digest = hashlib.sha256()
            with zipped.open(info) as source:
                while (chunk := source.read(HASH_CHUNK_BYTES)) and budget > 0:
                    budget -= len(chunk)
                    digest.update(chunk)
            if budget <= 0:
                raise safe_zip.UnsafeZipError(f"{archive.name} unpacks to more than the accepted size")
            entries.append((info.filename, digest.hexdigest()))
    return entries
