"""Where the grader's own folders live, resolved from this file so the grader works from any directory
(the kit's folders, labs/ and solutions/, are decided in ipdl.kit)."""

from pathlib import Path

from ipdl.kit import KIT_ROOT as REPO_ROOT
from ipdl.kit import LABS_DIR, SOLUTIONS_DIR

GRADER_DIR = Path(__file__).resolve().parent
JUDGE_TESTS_DIR = GRADER_DIR / "tests"
GOLDEN_DIR = GRADER_DIR / "golden" / "recorded"  # recorded reference results, in a student release only
WORKER_SCRIPT = GRADER_DIR / "worker" / "worker.py"

__all__ = ["GOLDEN_DIR", "GRADER_DIR", "JUDGE_TESTS_DIR", "LABS_DIR", "REPO_ROOT", "SOLUTIONS_DIR", "WORKER_SCRIPT"]
