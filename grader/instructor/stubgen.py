"""Single-source stubs: generate the student's labs/ from solutions/ (`python -m grader sync [--check]`).

In a solution file, a region

    # BEGIN SOLUTION lab1.3: build the im2col view, then one matmul
    ...reference code...
    # END SOLUTION

becomes `# TODO(lab1.3): ...` and `raise NotImplementedError("lab1.3: ...")` in the stub; everything
outside regions (imports, signature, docstring, set-up lines) is kept. Files without regions are copied
unchanged. `# BEGIN HIDDEN` / `# END HIDDEN` regions are removed the same way for student releases.
"""

import argparse
import re
from collections.abc import Callable
from pathlib import Path

from grader.paths import LABS_DIR, SOLUTIONS_DIR
from ipdl.catalogue import LAB_FOLDERS
from ipdl.kit import is_student_release

SOLUTION_BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION (?P<id>lab\d+\.\d+):[ \t]*(?P<task>\S.*?)\s*$")
SOLUTION_END = re.compile(r"^[ \t]*# END SOLUTION\s*$")
HIDDEN_BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN HIDDEN\b.*$")
HIDDEN_END = re.compile(r"^[ \t]*# END HIDDEN\s*$")
CHECKED_SUFFIXES = (".py", ".md")  # other files in labs/ (checkpoints, data) belong to the student


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
    problems += [(path, "has no source in solutions/") for path in orphan_files(expected, labs_dir)]
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


def sync(solutions_dir: Path, labs_dir: Path) -> list[str]:
    """Make labs/ match solutions/; returns one line per file changed."""
    changes = []
    for path, why in stale_lab_files(solutions_dir, labs_dir):
        target = labs_dir / path
        if why == "has no source in solutions/":
            target.unlink()
            changes.append(f"removed labs/{path}")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(expected_lab_files(solutions_dir)[path])
        changes.append(f"wrote labs/{path}")
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grader sync", description="Regenerate the student stubs in labs/ from solutions/.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report stale files; exit 1 if any")
    args = parser.parse_args(argv)
    if is_student_release():
        print("This is a student release: its labs/ holds your work, and there is nothing to regenerate it from.")
        return 2
    try:
        if args.check:
            stale = stale_lab_files(SOLUTIONS_DIR, LABS_DIR)
            for path, why in stale:
                print(f"stale: labs/{path} {why}")
            print("labs/ is up to date." if not stale else "Run 'python -m grader sync' to regenerate labs/.")
            return 1 if stale else 0
        changes = sync(SOLUTIONS_DIR, LABS_DIR)
    except (MarkerError, SyntaxError) as error:
        print(f"Cannot generate the stubs: {error}")
        return 2
    print("\n".join(changes) if changes else "labs/ is already up to date.")
    return 0
