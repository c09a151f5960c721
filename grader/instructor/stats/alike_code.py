"""Pairs of students whose code for an exercise is near-identical once names and layout are normalised
(code_tokens): the Jaccard similarity of their sets of 5-token runs, on the code of their own only.

Code of their own is what remains after leaving out the runs that the kit's stub or reference solution also has
(a student who kept the set-up lines or wrote what the reference writes shares nothing suspicious) and the runs that
more than a fifth of the class wrote (common idioms); students with fewer than MIN_OWN_RUNS runs of their own are not
compared (a one-line fix is no evidence). Pairs come from prefix filtering (Bayardo et al., "Scaling up all pairs
similarity search", 2007), exact and fast enough for a thousand students.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from grader.instructor.stats.code_tokens import lab_tokens
from grader.paths import LABS_DIR, SOLUTIONS_DIR
from ipdl.catalogue import Lab

RUN_LENGTH = 5  # tokens per run (k-gram)
MIN_OWN_RUNS = 20
COMMON_SHARE, COMMON_MIN_STUDENTS = 0.2, 5  # a run more than 20% of the students (and more than 5) wrote is common
DEFAULT_THRESHOLD = 0.8


@dataclass(frozen=True)
class CodePair:
    exercise: str
    students: tuple[str, str]
    similarity: float
    own_runs: tuple[int, int]  # how many runs of their own each has


Run = tuple[str, ...]


def runs(tokens: list[str]) -> set[Run]:
    """The set of RUN_LENGTH-token runs (5-grams) of a token list."""
    return set(zip(*(tokens[i:] for i in range(RUN_LENGTH)), strict=False))  # the shortest slice ends it


def kit_runs(lab: Lab, cache: dict) -> dict[str, set[Run]]:
    """Exercise id -> the runs of the kit's own versions of it: its stub and its reference solution (if shipped)."""
    found: dict[str, set[Run]] = {exercise.id: set() for exercise in lab.exercises}
    for folder in (LABS_DIR, SOLUTIONS_DIR):
        for exercise, tokens in lab_tokens(folder, lab, cache).items():
            found[exercise] |= runs(tokens)
    return found


def own_runs(students: dict[str, list[str]], given: set[Run]) -> dict[str, frozenset[int]]:
    """Student -> the runs of their own (see the module's docstring) as numbers, rarest first in the class, for the
    students with enough of them."""
    candidates = {student: runs(tokens) - given for student, tokens in students.items()
                  if len(tokens) >= MIN_OWN_RUNS + RUN_LENGTH - 1}
    held = Counter(run for own in candidates.values() for run in own)
    common_above = max(COMMON_MIN_STUDENTS, COMMON_SHARE * len(students))
    kept = {student: [run for run in own if held[run] <= common_above] for student, own in candidates.items()}
    rank = {run: n for n, run in enumerate(sorted(held, key=held.__getitem__))}  # one order for everyone
    return {student: frozenset(rank[run] for run in own) for student, own in kept.items() if len(own) >= MIN_OWN_RUNS}


def similar_pairs(sets: dict[str, frozenset[int]], threshold: float) -> list[tuple[str, str, float]]:
    """Every pair with Jaccard similarity >= threshold: only pairs whose rarest runs (lowest numbers) overlap are
    scored."""
    index: dict[int, list[str]] = defaultdict(list)
    pairs = []
    for student in sorted(sets, key=lambda s: (len(sets[s]), s)):
        ordered = sorted(sets[student])
        prefix = ordered[: len(ordered) - math.ceil(threshold * len(ordered)) + 1]
        candidates = {other for run in prefix for other in index[run]}
        for run in prefix:
            index[run].append(student)
        for other in candidates:
            a, b = sets[student], sets[other]
            score = len(a & b) / len(a | b)
            if score >= threshold:
                pairs.append((*sorted((student, other)), score))
    return sorted(pairs)


def alike_code(lab: Lab, submissions: dict[str, Path], threshold: float = DEFAULT_THRESHOLD) -> list[CodePair]:
    """The near-identical pairs of each exercise of `lab`, most similar first, among students -> submission."""
    cache: dict[str, dict[str, list[str]]] = {}
    given = kit_runs(lab, cache)
    tokens = {student: lab_tokens(path, lab, cache) for student, path in submissions.items()}
    found = []
    for exercise in lab.exercises:
        written = {student: found_tokens[exercise.id] for student, found_tokens in tokens.items()
                   if found_tokens.get(exercise.id)}
        own = own_runs(written, given[exercise.id])
        for a, b, score in similar_pairs(own, threshold):
            found.append(CodePair(exercise.id, (a, b), round(score, 3), (len(own[a]), len(own[b]))))
    return sorted(found, key=lambda pair: (-pair.similarity, pair.exercise, pair.students))
