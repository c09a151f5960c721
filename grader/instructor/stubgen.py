"""Single-source stubs: generate the student's labs/ from solutions/ (`python -m grader sync [--check]`).

In a solution file, a region

    # BEGIN SOLUTION lab1.3: build the im2col view, then one matmul
    ...reference code...
    # END SOLUTION

becomes `# TODO(lab1.3): ...` and `raise NotImplementedError("lab1.3: ...")` in the stub; everything
outside regions (imports, signature, docstring, set-up lines) is kept. Files without regions are copied
unchanged. `# BEGIN HIDDEN` / `# END HIDDEN` regions are removed the same way for student releases.

Sync never overwrites or removes a file in labs/ that is not what it generated last time (someone edited it by
hand): it names the file and needs `--force`. What it generated is recorded in `labs/.generated-stubs.json`
(a SHA-256 per file), which is committed with labs/ and left out of student releases.
"""

import argparse
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

from grader.paths import LABS_DIR, SOLUTIONS_DIR
from ipdl.catalogue import LAB_FOLDERS

SOLUTION_BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION (?P<id>lab\d+\.\d+):[ \t]*(?P<task>\S.*?)\s*$")
SOLUTION_END = re.compile(r"^[ \t]*# END SOLUTION\s*$")
HIDDEN_BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN HIDDEN\b.*$")
HIDDEN_END = re.compile(r"^[ \t]*# END HIDDEN\s*$")
CHECKED_SUFFIXES = (".py", ".md", ".ipynb")  # other files in labs/ (checkpoints, data) belong to the student
RECORD_NAME = ".generated-stubs.json"  # in labs/: path under labs/ -> SHA-256 of what sync last wrote there
NO_SOURCE = "has no source in solutions/"


class MarkerError(ValueError):
    """Unbalanced or malformed region markers in a solution file."""


def replace_regions(text: str, where: str, begin: re.Pattern, end: re.Pattern,
                    replacement: Callable[[re.Match], list[str]]) -> str:
    """Replace every begin..end region (markers included) with `replacement(begin_match)`."""
    out: list[str] = []
    opened: tuple[int, re.Match] | None = None
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if opened is None:
            start = begin.match(line)
            if start:
                opened = (number, start)
            elif end.match(line):
                raise MarkerError(f"{where}:{number}: end marker without a begin marker")
            else:
                out.append(line)
        elif begin.match(line):
            raise MarkerError(f"{where}:{number}: region opened at line {opened[0]} is not closed")
        elif end.match(line):
            out.extend(replacement(opened[1]))
            opened = None
    if opened is not None:
        raise MarkerError(f"{where}:{opened[0]}: region is never closed")
    return "".join(out)


def todo_lines(start: re.Match) -> list[str]:
    """The stub's replacement for one solution region."""
    indent, todo, task = start["indent"], start["id"], start["task"]
    message = f"{todo}: {task}".replace("\\", "\\\\").replace('"', '\\"')
    return [f"{indent}# TODO({todo}): {task}\n", f'{indent}raise NotImplementedError("{message}")\n']


def make_stub(text: str, where: str) -> str:
    """The student stub of a solution file; checks that it is still valid Python."""
    if "# BEGIN SOLUTION" not in text and "# END SOLUTION" not in text:
        return text
    stub = replace_regions(text, where, SOLUTION_BEGIN, SOLUTION_END, todo_lines)
    if "# BEGIN SOLUTION" in stub:
        raise MarkerError(f"{where}: a '# BEGIN SOLUTION' line lacks its 'labN.k: task' label")
    compile(stub, where, "exec")
    return stub


def strip_hidden(text: str, where: str) -> str:
    """Remove `# BEGIN HIDDEN` ... `# END HIDDEN` regions (for student releases)."""
    return replace_regions(text, where, HIDDEN_BEGIN, HIDDEN_END, lambda start: [])


def expected_lab_files(solutions_dir: Path) -> dict[Path, bytes]:
    """Relative path (under labs/) -> content, for every file generated from solutions/."""
    files: dict[Path, bytes] = {}
    for lab in (solutions_dir / folder for folder in LAB_FOLDERS if (solutions_dir / folder).is_dir()):
        for source in sorted(lab.rglob("*")):
            if source.is_dir() or "__pycache__" in source.parts or source.suffix == ".pyc":
                continue
            relative = source.relative_to(solutions_dir)
            content = source.read_bytes()
            if source.suffix == ".py":
                content = make_stub(content.decode(), f"solutions/{relative}").encode()
            files[relative] = content
    return files


def stale_lab_files(solutions_dir: Path, labs_dir: Path) -> list[tuple[Path, str]]:
    """(path under labs/, why) for every generated file that is missing, differs, or has no source."""
    expected = expected_lab_files(solutions_dir)
    problems = [(path, "missing") for path in expected if not (labs_dir / path).exists()]
    problems += [(path, "differs from its source in solutions/") for path, content in expected.items()
                 if (labs_dir / path).exists() and (labs_dir / path).read_bytes() != content]
    problems += [(path, NO_SOURCE) for path in orphan_files(expected, labs_dir)]
    return sorted(problems)


def orphan_files(expected: dict[Path, bytes], labs_dir: Path) -> list[Path]:
    """Code and sheets in generated lab folders that solutions/ no longer has."""
    lab_folders = {path.parts[0] for path in expected}
    found = []
    for folder in sorted(lab_folders):
        for path in (labs_dir / folder).rglob("*"):
            relative = path.relative_to(labs_dir)
            if (path.suffix in CHECKED_SUFFIXES and "__pycache__" not in path.parts
                    and relative not in expected):
                found.append(relative)
    return found


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def read_record(labs_dir: Path) -> dict[str, str]:
    """What sync last wrote into `labs_dir`: path -> SHA-256 ({} before its first run)."""
    record = labs_dir / RECORD_NAME
    return json.loads(record.read_text()) if record.is_file() else {}


def write_record(labs_dir: Path, expected: dict[Path, bytes]) -> None:
    entries = {path.as_posix(): digest(content) for path, content in sorted(expected.items())}
    if entries != read_record(labs_dir):
        (labs_dir / RECORD_NAME).write_text(json.dumps(entries, indent=1) + "\n")


def edited_by_hand(labs_dir: Path, stale: list[tuple[Path, str]]) -> list[Path]:
    """The stale files sync would overwrite or remove whose content is not what it generated last time."""
    generated = read_record(labs_dir)
    return [path for path, why in stale if why != "missing"
            and generated.get(path.as_posix()) != digest((labs_dir / path).read_bytes())]


def unrecorded(solutions_dir: Path, labs_dir: Path) -> list[Path]:
    """Files of labs/ that match solutions/ but are not in sync's record as they are (sync records them)."""
    generated = read_record(labs_dir)
    return [path for path, content in expected_lab_files(solutions_dir).items()
            if (labs_dir / path).is_file() and generated.get(path.as_posix()) != digest(content)
            and (labs_dir / path).read_bytes() == content]


class EditedFiles(RuntimeError):
    """Sync would overwrite or remove files someone edited by hand."""

    def __init__(self, paths: list[Path]):
        self.paths = paths
        names = ", ".join(f"labs/{path}" for path in paths)
        super().__init__(f"{names}: not what sync generated last time (edited by hand?); nothing was changed. "
                         f"Move the edits into solutions/, or pass --force to overwrite them")


def sync(solutions_dir: Path, labs_dir: Path, force: bool = False) -> list[str]:
    """Make labs/ match solutions/ and record what it wrote; returns one line per file changed. Raises
    EditedFiles (having changed nothing) when a file to change was edited by hand, unless `force`."""
    stale = stale_lab_files(solutions_dir, labs_dir)
    edited = edited_by_hand(labs_dir, stale)
    if edited and not force:
        raise EditedFiles(edited)
    expected = expected_lab_files(solutions_dir)
    changes = []
    for path, why in stale:
        target = labs_dir / path
        if why == NO_SOURCE:
            target.unlink()
            changes.append(f"removed labs/{path}")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(expected[path])
        changes.append(f"wrote labs/{path}")
    labs_dir.mkdir(parents=True, exist_ok=True)
    write_record(labs_dir, expected)
    return changes


def check(solutions_dir: Path, labs_dir: Path) -> int:
    """`sync --check`: print the stale files (and which of them were edited by hand); 1 if any, else 0."""
    stale, not_recorded = stale_lab_files(solutions_dir, labs_dir), unrecorded(solutions_dir, labs_dir)
    edited = edited_by_hand(labs_dir, stale)
    for path, why in stale:
        print(f"stale: labs/{path} {why}" + (" (edited by hand)" if path in edited else ""))
    for path in not_recorded:
        print(f"unrecorded: labs/{path} matches solutions/ but is not in labs/{RECORD_NAME}")
    if edited:
        print("Move the edits of the files edited by hand into solutions/ before 'python -m grader sync', which "
              "refuses to overwrite them ('--force' overwrites them).")
    elif stale or not_recorded:
        print("Run 'python -m grader sync' to regenerate labs/.")
    else:
        print("labs/ is up to date.")
    return 1 if stale or not_recorded else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grader sync", description="Regenerate the student stubs in labs/ from solutions/.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report stale files; exit 1 if any")
    parser.add_argument("--force", action="store_true", help="also overwrite files edited by hand in labs/")
    args = parser.parse_args(argv)
    try:
        if args.check:
            return check(SOLUTIONS_DIR, LABS_DIR)
        changes = sync(SOLUTIONS_DIR, LABS_DIR, force=args.force)
    except (MarkerError, SyntaxError) as error:
        print(f"Cannot generate the stubs: {error}")
        return 2
    except EditedFiles as error:
        print(f"error: {error}")
        return 2
    print("\n".join(changes) if changes else "labs/ is already up to date.")
    return 0
