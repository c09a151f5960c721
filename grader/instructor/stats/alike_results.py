"""Groups of students whose failed tests returned byte-identical wrong values on the same inputs: the same test
and the same `result_hash` (grader.failure_record) in at least MIN_SHARED tests.

Left out, as no lead: results that are what a known mistake gives (`known_mistake`: everyone who flips the kernel
gets the same bytes), wrong shapes, dtypes and types (the values may be right), and results more than a fifth of the
class shares. Reports from before `known_mistake` was recorded leave out every result with a hint.
"""

from typing import Any

from grader.instructor.stats.tests_of import failed_tests, failure_kind_of

MIN_SHARED = 2
COMPARED_KINDS = ("wrong values", "wrong result")
COMMON_SHARE, COMMON_MIN_STUDENTS = 0.2, 5


def wrong_results(reports: list[dict[str, Any]]) -> dict[tuple[str, str], list[str]]:
    """(test id, result hash) -> the students whose unexplained wrong value it is."""
    found: dict[tuple[str, str], list[str]] = {}
    for report in reports:
        for test in failed_tests(report):
            meta = test["metadata"]
            explained = meta.get("known_mistake", bool(meta.get("hint")))
            if meta.get("result_hash") and not explained and failure_kind_of(test) in COMPARED_KINDS:
                found.setdefault((test["nodeid"], meta["result_hash"]), []).append(report["student"])
    return found


def graded_per_test(reports: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for report in reports:
        for test in report.get("tests") or []:
            counts[test["nodeid"]] = counts.get(test["nodeid"], 0) + 1
    return counts


def shared_results(reports: list[dict[str, Any]]) -> dict[tuple[str, str], list[str]]:
    """The wrong results two or more students share, common ones left out."""
    graded = graded_per_test(reports)
    return {key: students for key, students in wrong_results(reports).items()
            if 1 < len(students) <= max(COMMON_MIN_STUDENTS, COMMON_SHARE * graded[key[0]])}


def connected_groups(links: dict[str, set[str]]) -> list[list[str]]:
    """The connected groups of a graph given as student -> linked students."""
    seen: set[str] = set()
    groups = []
    for start in sorted(links):
        if start in seen:
            continue
        group, todo = set(), [start]
        while todo:
            student = todo.pop()
            if student not in group:
                group.add(student)
                todo.extend(links[student] - group)
        seen |= group
        groups.append(sorted(group))
    return groups


def alike_results(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """[{students, tests: [{test, students}]}], largest group first: students linked when they share at least
    MIN_SHARED wrong results."""
    shared = shared_results(reports)
    pair_counts: dict[tuple[str, str], int] = {}
    for students in shared.values():
        for i, a in enumerate(students):
            for b in students[i + 1 :]:
                pair = (min(a, b), max(a, b))
                pair_counts[pair] = pair_counts.get(pair, 0) + 1
    links: dict[str, set[str]] = {}
    for (a, b), count in pair_counts.items():
        if count >= MIN_SHARED:
            links.setdefault(a, set()).add(b)
            links.setdefault(b, set()).add(a)
    groups = []
    for group in connected_groups(links):
        members = set(group)
        tests = [{"test": test, "students": sorted(members.intersection(students))}
                 for (test, _), students in sorted(shared.items()) if len(members.intersection(students)) > 1]
        groups.append({"students": group, "tests": tests})
    return sorted(groups, key=lambda g: (-len(g["students"]), g["students"]))
