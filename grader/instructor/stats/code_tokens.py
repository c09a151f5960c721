"""An exercise's code as a student wrote it, normalised for comparison: the function (or class, or method) the
catalogue names, read from a submission folder or zip without running anything (found with `ast`), as tokens with
the names the student chose replaced by one placeholder and comments, docstrings and layout dropped (JPlag's idea:
renaming variables or reflowing lines changes nothing)."""

import ast
import builtins
import keyword
import re
import textwrap
import zipfile
from pathlib import Path, PurePosixPath

from grader.target import find_lab_folders
from ipdl.catalogue import LAB_FOLDERS, Exercise, Lab

MAX_MODULE_BYTES = 1_000_000  # a larger exercise module is not read
KEPT_NAMES = frozenset(keyword.kwlist) | frozenset(dir(builtins))
NAME_PLACEHOLDER, STRING_PLACEHOLDER = "ID", "STR"
QUOTED = r'"""[\s\S]*?"""' + r"|'''[\s\S]*?'''" + r'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*\''''
TOKEN = re.compile(rf"(?P<comment>#[^\n]*)|(?P<string>[rRbBuUfF]{{0,2}}(?:{QUOTED}))|(?P<name>[^\W\d]\w*)"
                   r"|(?P<number>\.?\d(?:[eE][+-]|[\w.])*)|(?P<op>\S)")
IMPORT_LINE = re.compile(r"^(?:import|from)[ \t][^\n(\\]*(?:\([^)]*\)|\\\n[^\n]*)?", re.MULTILINE)  # top level
STATEMENT_LINE = re.compile(r"([ \t]*)[A-Za-z_@]")  # a line that starts a statement (not a closing bracket)


def module_sources(submission: Path, lab: Lab) -> dict[str, str]:
    """Exercise module name -> its text, for `lab` in a submission folder or .zip file (missing ones left out)."""
    try:
        if submission.is_dir():
            return folder_module_sources(find_lab_folders(submission).get(lab.folder), lab)
        if submission.suffix.lower() == ".zip" and submission.is_file():
            return zip_module_sources(submission, lab)
    except OSError:  # unreadable, or vanished while read: compared as if it had no code
        pass
    return {}


def folder_module_sources(folder: Path | None, lab: Lab) -> dict[str, str]:
    if folder is None:
        return {}
    paths = {module: folder / f"{module}.py" for module in lab.exercise_modules}
    return {module: path.read_text(encoding="utf-8", errors="replace") for module, path in paths.items()
            if path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_MODULE_BYTES}


def zip_module_sources(archive: Path, lab: Lab) -> dict[str, str]:
    """The same from a zip, read in memory: `<lab folder>/<module>.py` at any depth, or `<module>.py` in a zip named
    after the lab folder; the shallowest copy wins."""
    found: dict[str, tuple[int, zipfile.ZipInfo]] = {}
    try:
        with zipfile.ZipFile(archive) as zipped:
            for info in zipped.infolist():
                parts = PurePosixPath(info.filename).parts
                if not parts or "__MACOSX" in parts or info.file_size > MAX_MODULE_BYTES:
                    continue
                module = parts[-1].removesuffix(".py")
                in_lab = len(parts) >= 2 and parts[-2] == lab.folder
                single_lab = archive.stem == lab.folder and len(parts) <= 2 and parts[0] not in LAB_FOLDERS
                wanted = parts[-1].endswith(".py") and module in lab.exercise_modules and (in_lab or single_lab)
                if wanted and (module not in found or len(parts) < found[module][0]):
                    found[module] = (len(parts), info)
            return {module: zipped.read(info).decode("utf-8", errors="replace") for module, (_, info) in found.items()}
    except (zipfile.BadZipFile, OSError):
        return {}


def module_tokens(source: str, exercises: tuple[Exercise, ...]) -> dict[str, list[str]]:
    """Exercise id -> normalised tokens, for the `exercises` this module's source defines. Each definition is cut
    out by its indentation (a module is several times the size of its exercises, and parsing it is the slowest
    step); where a cut may have gone wrong (a multi-line string or bracket at column 0), the module is parsed."""
    lines = source.splitlines()
    kept, starts = imported_names(source), statement_starts(lines)
    found, tree = {}, None
    for exercise in exercises:
        code = cut_definition(lines, starts, exercise.function)
        if code is None or not looks_whole(code):
            tree = tree or parse(source)
            node = definition(tree, exercise.function) if tree else None
            code = "\n".join(lines[node.lineno - 1 : node.end_lineno]) if node else None
        if code is not None:
            found[exercise.id] = normalised_tokens(code, kept)
    return found


def statement_starts(lines: list[str]) -> list[tuple[int, int]]:
    """(line number, indentation) of each line that starts with a name, keyword or decorator."""
    return [(n, len(match.group(1))) for n, line in enumerate(lines) if (match := STATEMENT_LINE.match(line))]


def cut_definition(lines: list[str], starts: list[tuple[int, int]], function: str) -> str | None:
    """The lines of the last `def`/`class` of each dotted part of `function`, at its block's indentation, up to the
    next statement at that indentation or less (`starts`: see statement_starts); None where it is not found."""
    start, end, indent = -1, len(lines), 0
    for name in function.split("."):
        header = re.compile(rf"[ \t]*(?:async[ \t]+def|def|class)[ \t]+{re.escape(name)}\b")
        inside = [(n, depth) for n, depth in starts if start < n < end]
        if start >= 0:  # inside the class found so far: its body's indentation (a docstring's lines may be deeper)
            indent = min((depth for _, depth in inside if depth > indent), default=indent + 4)
        headers = [n for n, depth in inside if depth == indent and header.match(lines[n])]
        if not headers:
            return None
        start = headers[-1]
        end = next((n for n, depth in inside if n > start and depth <= indent), end)
    return textwrap.dedent("\n".join(lines[start:end]))


def looks_whole(code: str) -> bool:
    """False where a cut may have ended inside a multi-line string or bracket (then the module is parsed instead);
    counting is several times cheaper than parsing every cut."""
    brackets = all(code.count(opening) == code.count(closing) for opening, closing in ("()", "[]", "{}"))
    return brackets and code.count('"""') % 2 == 0 and code.count("'''") % 2 == 0


def parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def imported_names(source: str) -> frozenset[str]:
    """`torch`, `F`, `np`, ...: the names the module's top-level imports bind, kept as they are when normalising."""
    tree = parse("\n".join(IMPORT_LINE.findall(source)))
    nodes = tree.body if tree else []
    return frozenset((alias.asname or alias.name).split(".")[0] for node in nodes
                     if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names)


def definition(tree: ast.Module, function: str) -> ast.AST | None:
    """The node of `function` ("conv2d", "LeNet.forward", or a class "DoubleConv"); the last definition wins, as
    in Python."""
    node: ast.AST | None = tree
    for name in function.split("."):
        body = getattr(node, "body", [])
        matches = [child for child in body if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                   and child.name == name]
        node = matches[-1] if matches else None
        if node is None:
            return None
    return node


def normalised_tokens(code: str, kept: frozenset[str]) -> list[str]:
    """The code's tokens: keywords, builtins, imported names (`kept`), attributes and numbers as written; other names
    as ID, strings (docstrings too) as STR, operators one character at a time; no comments or layout. A regular
    expression splits them (the code has parsed already), faster than the tokenize module."""
    tokens: list[str] = []
    previous = ""
    for comment, string, name, number, operator in TOKEN.findall(code):
        if name:
            previous = name if previous == "." or name in KEPT_NAMES or name in kept else NAME_PLACEHOLDER
        elif string:
            previous = STRING_PLACEHOLDER
        elif comment:
            continue
        else:
            previous = number or operator
        tokens.append(previous)
    return tokens


def lab_tokens(submission: Path, lab: Lab, cache: dict[str, dict[str, list[str]]]) -> dict[str, list[str]]:
    """Exercise id -> normalised tokens for `lab` in a submission; `cache` maps module sources already read (the
    same stub or untouched file in many submissions) to their tokens."""
    found: dict[str, list[str]] = {}
    for module, source in module_sources(submission, lab).items():
        if source not in cache:
            cache[source] = module_tokens(source, tuple(e for e in lab.exercises if e.module == module))
        found.update(cache[source])
    return found
