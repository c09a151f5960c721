"""Extract a student's zip file without trusting it: no paths outside the destination, no links, size limits."""

import stat
import zipfile
from pathlib import Path, PurePosixPath

MAX_BYTES = 256 * 1024**2  # uncompressed, all members together
MAX_MEMBERS = 5000


class UnsafeZipError(ValueError):
    """A zip file the grader refuses to extract, and why."""


def member_path(info: zipfile.ZipInfo) -> PurePosixPath | None:
    """The member's relative path, or an UnsafeZipError for one that could land outside the destination;
    None for entries to skip (folders, macOS resource forks)."""
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if "\0" in name or path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise UnsafeZipError(f"member {info.filename!r} points outside the submission folder")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UnsafeZipError(f"member {info.filename!r} is a symbolic link; submit plain files")
    if info.is_dir() or not path.parts or path.parts[0] == "__MACOSX":
        return None
    return path


def extract(archive: Path, destination: Path, max_bytes: int = MAX_BYTES, max_members: int = MAX_MEMBERS) -> Path:
    """Extract `archive` into `destination` (created); raises UnsafeZipError or zipfile.BadZipFile."""
    with zipfile.ZipFile(archive) as zipped:
        members = zipped.infolist()
        if len(members) > max_members:
            raise UnsafeZipError(f"{archive.name} has {len(members)} entries; at most {max_members} are accepted")
        declared = sum(info.file_size for info in members)
        if declared > max_bytes:
            raise UnsafeZipError(f"{archive.name} unpacks to {declared / 1e6:.0f} MB; at most "
                                 f"{max_bytes / 1e6:.0f} MB are accepted")
        destination.mkdir(parents=True, exist_ok=True)
        budget = max_bytes
        for info in members:
            path = member_path(info)
            if path is not None:
                budget -= copy_member(zipped, info, destination.joinpath(*path.parts), budget)
    return destination


def copy_member(zipped: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Write one member, counting the bytes really written (a forged size field does not help)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with zipped.open(info) as source, open(target, "wb") as sink:
        while chunk := source.read(1 << 20):
            written += len(chunk)
            if written > budget:
                raise UnsafeZipError(f"{zipped.filename}: unpacks to more than the accepted size")
            sink.write(chunk)
    return written
