"""The public part of a judge test module, as a student release ships it: without the tests marked hidden (a
hidden module, class or function) and without the hidden cases of a parametrized test
(`pytest.param(999, marks=pytest.mark.hidden)`), so that neither their code nor their inputs ship and the
release's grader counts exactly the points its README announces."""

import ast
import re


def is_hidden_mark(node: ast.AST) -> bool:
    return ast.unparse(node).endswith("mark.hidden")


def is_hidden_case(node: ast.AST) -> bool:
    """A `pytest.param(..., marks=pytest.mark.hidden)` (or marks=[..., pytest.mark.hidden, ...])."""
    if not (isinstance(node, ast.Call) and ast.unparse(node.func).endswith("param")):
        return False
    marks = [keyword.value for keyword in node.keywords if keyword.arg == "marks"]
    return any(is_hidden_mark(mark) or any(is_hidden_mark(element) for element in getattr(mark, "elts", []))
               for mark in marks)


def parametrize_values(decorator: ast.AST) -> ast.List | ast.Tuple | None:
    """The argvalues list of a `pytest.mark.parametrize(names, [...])` decorator written as a literal list."""
    if isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith("mark.parametrize"):
        values = decorator.args[1] if len(decorator.args) > 1 else next(
            (keyword.value for keyword in decorator.keywords if keyword.arg == "argvalues"), None)
        if isinstance(values, (ast.List, ast.Tuple)):
            return values
    return None


def offset(line_starts: list[int], line: int, column: int) -> int:
    """The byte offset of an AST position (1-based line, UTF-8 byte column)."""
    return line_starts[line - 1] + column


def decorated_lines(node: ast.FunctionDef | ast.ClassDef, line_starts: list[int]) -> tuple[int, int]:
    """The byte span of a decorated test's whole lines, from its first decorator to its last line."""
    first = min(decorator.lineno for decorator in node.decorator_list)
    return line_starts[first - 1], line_starts[node.end_lineno]


def hidden_case_spans(values: ast.List | ast.Tuple, line_starts: list[int]) -> list[tuple[int, int]]:
    """Byte spans to cut so that the hidden cases and their commas leave the list."""
    elements = values.elts
    spans = []
    for index, element in enumerate(elements):
        if not is_hidden_case(element):
            continue
        end = offset(line_starts, element.end_lineno, element.end_col_offset)
        if any(not is_hidden_case(kept) for kept in elements[:index]):  # from the end of the case before
            before = elements[index - 1]
            spans.append((offset(line_starts, before.end_lineno, before.end_col_offset), end))
        else:  # only hidden cases before it: up to the next case, "pytest.param(...), "
            following = elements[index + 1]
            spans.append((offset(line_starts, element.lineno, element.col_offset),
                          offset(line_starts, following.lineno, following.col_offset)))
    return spans


def drop_hidden_tests(text: str, where: str) -> str | None:
    """The test module without its hidden tests and hidden cases; None when the whole module is hidden."""
    tree = ast.parse(text)
    for node in tree.body:
        targets = [getattr(target, "id", "") for target in getattr(node, "targets", [])]
        if "pytestmark" in targets and "mark.hidden" in ast.unparse(node.value):
            return None
    source = text.encode()
    line_starts = [0]
    for line in source.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    spans: list[tuple[int, int]] = []
    for node in ast.walk(tree):
        decorators = getattr(node, "decorator_list", [])
        if any(is_hidden_mark(d) for d in decorators):
            spans.append(decorated_lines(node, line_starts))
            continue
        for values in filter(None, map(parametrize_values, decorators)):
            if values.elts and all(is_hidden_case(element) for element in values.elts):  # every case hidden
                spans.append(decorated_lines(node, line_starts))
            else:
                spans += hidden_case_spans(values, line_starts)
    kept, end_of_kept = b"", 0
    for start, end in sorted(spans):  # a span inside one cut before (a hidden class's methods) adds nothing
        kept += source[end_of_kept:max(start, end_of_kept)]
        end_of_kept = max(end_of_kept, end)
    kept = (kept + source[end_of_kept:]).decode()
    result = re.sub(r"\n{4,}", "\n\n\n", kept)
    compile(result, where, "exec")
    return result


def hidden_test_names(text: str) -> list[str]:
    """The names of the tests (functions and classes) marked hidden in a judge test module."""
    tree = ast.parse(text)
    return [node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef))
            and any(is_hidden_mark(d) for d in node.decorator_list)]
