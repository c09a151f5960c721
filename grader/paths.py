"""Where the kit's folders live, resolved from this file so the grader works from any directory."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
LABS_DIR = REPO_ROOT / "labs"
SOLUTIONS_DIR = REPO_ROOT / "solutions"
JUDGE_TESTS_DIR = Path(__file__).resolve().parent / "tests"
WORKER_SCRIPT = Path(__file__).resolve().parent / "worker.py"
