"""Where the kit's folders live, resolved from this file so the grader works from any directory."""

from pathlib import Path

GRADER_DIR = Path(__file__).resolve().parent
REPO_ROOT = GRADER_DIR.parent
LABS_DIR = REPO_ROOT / "labs"
SOLUTIONS_DIR = REPO_ROOT / "solutions"
JUDGE_TESTS_DIR = GRADER_DIR / "tests"
GOLDEN_DIR = GRADER_DIR / "golden"  # recorded reference results, in a student release only
WORKER_SCRIPT = GRADER_DIR / "worker.py"
