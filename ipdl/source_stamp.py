"""What changes when a lab's code is edited: the web app re-imports a lab package and a notebook's check() restarts
its worker when the stamp of the lab's .py files changes."""

from pathlib import Path

SourceStamp = tuple[tuple[str, int, int], ...]  # (file, mtime in ns, size) of every .py file below a folder


def source_stamp(folder: Path) -> SourceStamp:
    """What changes when a file of `folder` (or below) is edited, added or removed."""
    stamps = []
    for path in sorted(folder.rglob("*.py")):
        stat = path.stat()
        stamps.append((path.relative_to(folder).as_posix(), stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)
