"""Each lab sheet's "Common mistakes" and the judge's hints match one for one: every bullet of the sheet is a key of
its lab's SHEET_MISTAKES (grader/tests/labN_*/known_mistakes.py) or of SHEET_NOT_GRADED, and a submission making
each mistake (tests/sheet_mistake_submissions.py) gets the hint that names it from a failed test of its exercise.

Mistakes of exercises that do not build on each other are graded together, one grader run per group, on those
exercises only (a mistake upstream would be named first by the chain, grader/feedback/chains.py)."""

import importlib
import re
import shutil
from pathlib import Path

import pytest
from grading_helpers import failed_hints, run_grader
from sheet_mistake_submissions import SUBMISSIONS, Submission

from grader.feedback.chains import upstream_order
from grader.paths import LABS_DIR, SOLUTIONS_DIR
from ipdl.catalogue import LABS

BULLET = re.compile(r"^- (?:\*\*(?P<bold>.+?)\*\*|(?P<plain>[^:\n]+?)(?::|\.?$))", re.MULTILINE)
Case = tuple[str, str, str]  # (lab folder, exercise, hint words)


def sheet_bullets(folder: str) -> list[str]:
    """The bold words (else the words before the first colon) of each bullet under the sheet's 'Common mistakes'."""
    text = (SOLUTIONS_DIR / folder / "README.md").read_text()
    if "## Common mistakes" not in text:
        return []
    section = text.split("## Common mistakes", 1)[1].split("\n## ", 1)[0]
    return [match["bold"] or match["plain"].strip() for match in BULLET.finditer(section)]


def lab_tables(folder: str) -> tuple[dict, dict]:
    """(SHEET_MISTAKES, SHEET_NOT_GRADED) of the lab's known_mistakes module ({} where it has none)."""
    module = importlib.import_module(f"grader.tests.{folder}.known_mistakes")
    return getattr(module, "SHEET_MISTAKES", {}), getattr(module, "SHEET_NOT_GRADED", {})


def all_cases() -> list[Case]:
    cases = []
    for lab in LABS:
        mistakes, _ = lab_tables(lab.folder)
        cases += [(lab.folder, exercise, hint) for listed in mistakes.values() for exercise, hint in listed]
    return cases


def interact(a: Case, b: Case) -> bool:
    """True where grading a and b in one submission could blur them: the same exercise, or one builds on the other,
    or both change the same line."""
    if a[1] == b[1] or a[1] in upstream_order(b[1]) or b[1] in upstream_order(a[1]):
        return True
    lines_a = {(SUBMISSIONS[a[0]][a[1:]].module, line) for line, _ in SUBMISSIONS[a[0]][a[1:]].changes}
    return any((SUBMISSIONS[b[0]][b[1:]].module, line) in lines_a for line, _ in SUBMISSIONS[b[0]][b[1:]].changes)


def groups() -> list[list[Case]]:
    """The cases in groups of one lab whose mistakes do not interact, first fit."""
    grouped: list[list[Case]] = []
    for case in all_cases():
        home = next((group for group in grouped if group[0][0] == case[0]
                     and not any(interact(case, other) for other in group)), None)
        if home is None:
            grouped.append([case])
        else:
            home.append(case)
    return grouped


def submission_with(folder: Path, lab_folder: str, submissions: list[Submission]) -> Path:
    """A copy of the stubs whose `lab_folder` is the reference with every submission's lines changed."""
    labs = folder / "labs"
    shutil.copytree(LABS_DIR, labs, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    shutil.rmtree(labs / lab_folder)
    shutil.copytree(SOLUTIONS_DIR / lab_folder, labs / lab_folder, ignore=shutil.ignore_patterns("__pycache__"))
    for submission in submissions:
        path = labs / lab_folder / submission.module
        text = path.read_text()
        for line, mistake in submission.changes:
            assert line in text, f"{lab_folder}/{submission.module} no longer has {line!r}"
            text = text.replace(line, mistake, 1)
        path.write_text(text)
    return labs


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_each_sheet_mistake_has_a_hint_or_a_reason(lab) -> None:
    mistakes, not_graded = lab_tables(lab.folder)
    assert sorted(sheet_bullets(lab.folder)) == sorted([*mistakes, *not_graded])
    assert all(mistakes.values()), "each bullet names at least one (exercise, hint)"
    cases = {(exercise, hint) for listed in mistakes.values() for exercise, hint in listed}
    assert cases == set(SUBMISSIONS.get(lab.folder, {})), "one submission per (exercise, hint), no other"


GROUPS = groups()
GROUP_IDS = [f"{group[0][0][:4]}-{'+'.join(case[1] for case in group)}" for group in GROUPS]


@pytest.mark.parametrize("group", GROUPS, ids=GROUP_IDS)
def test_the_hint_fires_on_a_submission_making_the_mistake(tmp_path: Path, group: list[Case]) -> None:
    lab_folder = group[0][0]
    labs = submission_with(tmp_path, lab_folder, [SUBMISSIONS[lab_folder][case[1:]] for case in group])
    run = run_grader(" ".join(case[1] for case in group), labs, tmp_path / "report.json")
    for _, exercise, hint in group:
        hints = failed_hints(run.report, exercise)
        assert any(hint in said for said in hints), (exercise, hint, hints)
