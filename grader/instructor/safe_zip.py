"""Extract a student's zip file without trusting it: no paths outside the destination, no links, size limits; a zip
that cannot be read says why and what to ask the student for."""

import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

MAX_BYTES = 256 * 1024**2  # uncompressed, all members together
MAX_MEMBERS = 5000
LEAVE_OUT = "zip only the lab folders (no data sets, checkpoints, .git or virtual environments)"


class UnsafeZipError(ValueError):
    """A zip file the grader refuses to extract or cannot read, why, and what to do."""


def zip_again(how: str = "") -> str:
    """What to do about a zip that cannot be read."""
    return f"zip the lab folders again{how} (zip -r, or the file manager's Compress) and hand the zip in again"


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
    """Extract `archive` into `destination` (created); raises UnsafeZipError, whose message says what to do."""
    if archive.stat().st_size == 0:
        raise UnsafeZipError(f"it is empty (0 bytes): the upload or the download failed; {zip_again()}")
    try:
        zipped = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as error:
        raise UnsafeZipError(f"it is not a zip file that can be read ({error}); {zip_again()}") from None
    except UnicodeDecodeError:
        raise UnsafeZipError(f"its file names are marked as UTF-8 but are not; {zip_again()}") from None
    with zipped:
        try:
            extract_members(zipped, destination, max_bytes, max_members)
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            raise UnsafeZipError(f"it is damaged ({error or 'cut short'}); {zip_again()}") from None
        except NotImplementedError as error:  # a compression method Python cannot read (LZMA is fine, Deflate64 not)
            raise UnsafeZipError(f"{error}; {zip_again(' with the usual Deflate compression')}") from None
        except RuntimeError as error:  # an encrypted member
            raise UnsafeZipError(f"{error}; {zip_again(' without a password')}") from None
    return destination


def extract_members(zipped: zipfile.ZipFile, destination: Path, max_bytes: int, max_members: int) -> None:
    members = zipped.infolist()
    if len(members) > max_members:
        raise UnsafeZipError(f"it has {len(members)} entries; at most {max_members} are accepted: {LEAVE_OUT}")
    declared = sum(info.file_size for info in members)
    if declared > max_bytes:
        raise UnsafeZipError(f"it unpacks to {declared / 1e6:.0f} MB; at most {max_bytes / 1e6:.0f} MB are "
                             f"accepted: {LEAVE_OUT}")
    destination.mkdir(parents=True, exist_ok=True)
    budget = max_bytes
    for info in members:
        path = member_path(info)
        if path is not None:
            budget -= copy_member(zipped, info, destination.joinpath(*path.parts), budget)


def copy_member(zipped: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Write one member, counting the bytes really written (a forged size field does not help)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with zipped.open(info) as source, open(target, "wb") as sink:
        while chunk := source.read(1 << 20):
            written += len(chunk)
            if written > budget:
                raise UnsafeZipError(f"it unpacks to more than the accepted size: {LEAVE_OUT}")
            sink.write(chunk)
    return written
