"""A short fingerprint of the judge (the grader's code and the test cases of the labs graded), so that reports
graded by different judges can be told apart."""

import hashlib
from functools import cache
from pathlib import Path

from grader.paths import GRADER_DIR, JUDGE_TESTS_DIR, REPO_ROOT
from ipdl import catalogue

CATALOGUE_FILE = Path(catalogue.__file__)


@cache
def judge_fingerprint(lab_folders: tuple[str, ...]) -> str:
    """12 hex digits of a hash over the grader's code (its tests of other labs and recordings aside), the kit's
    catalogue, the judge's pytest.ini and the test folders of `lab_folders`."""
    code = [path for path in GRADER_DIR.rglob("*.py") if JUDGE_TESTS_DIR not in path.parents]
    files = [*code, CATALOGUE_FILE, JUDGE_TESTS_DIR / "pytest.ini"]
    for lab in lab_folders:
        files += [path for path in (JUDGE_TESTS_DIR / lab).rglob("*") if path.is_file()]
    digest = hashlib.sha256()
    for path in sorted(files):
        if "__pycache__" in path.parts or not path.exists():
            continue
        digest.update(path.relative_to(REPO_ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def lab_fingerprints(lab_folders: tuple[str, ...]) -> dict[str, str]:
    """Lab id -> the fingerprint of the judge of that lab alone, so that two reports can be compared lab by lab
    whichever other labs each graded."""
    return {catalogue.find_lab(folder).id: judge_fingerprint((folder,)) for folder in lab_folders}
