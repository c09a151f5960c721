"""The cost of an endless loop: Lab 1's reference with a conv2d that never returns, graded with the real CLI.

    python bench/bench_timeouts.py [--runs 1]

Prints the wall time of `python -m grader lab1` on that submission and on the reference, the points of each
exercise, how many tests timed out and how many were not run after the two-timeouts rule stopped conv2d, and how
often the worker was started.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ENDLESS_CONV2D = '''

def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, padding_mode="zeros"):
    while True:
        pass
'''


def endless_submission(folder: Path) -> Path:
    """A copy of the Lab 1 reference whose conv2d loops forever (sobel.py imports this conv2d too)."""
    lab = folder / "lab1_convolution"
    shutil.copytree(REPO_ROOT / "solutions" / "lab1_convolution", lab, ignore=shutil.ignore_patterns("__pycache__"))
    module = lab / "convolution.py"
    module.write_text(module.read_text() + ENDLESS_CONV2D)
    return folder


def grade(target: Path | str, report: Path) -> tuple[float, dict]:
    """Wall seconds of one `python -m grader lab1` run, and its report."""
    start = time.perf_counter()
    finished = subprocess.run([sys.executable, "-m", "grader", "lab1", "--target", str(target), "--json", str(report)],
                              cwd=REPO_ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if finished.returncode not in (0, 1):
        raise RuntimeError(f"grading failed (exit {finished.returncode}):\n{finished.stdout[-2000:]}"
                           f"{finished.stderr[-2000:]}")
    return seconds, json.loads(report.read_text())


def describe(report: dict) -> str:
    """Points per exercise, and how the failed tests failed."""
    exercises = report["grade"]["labs"]["lab1"]["exercises"]
    points = ", ".join(f"{exercise} {entry['score']:g}/{entry['max_score']:g}" for exercise, entry in exercises.items())
    feedback = [test["metadata"].get("feedback", "") for test in report["tests"] if test["outcome"] != "passed"]
    timed_out = sum("did not finish within" in text for text in feedback)
    not_run = sum("timed out twice" in text for text in feedback)
    return (f"{report['grade']['score']:g}/{report['grade']['max_score']:g} points ({points}); "
            f"{timed_out} tests timed out, {not_run} not run after two timeouts, "
            f"{report['resources']['worker_starts']} worker starts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1, help="times to grade each target")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        submission = endless_submission(Path(folder) / "endless")
        for label, target in (("reference", "solutions"), ("endless conv2d", submission)):
            for _ in range(args.runs):
                seconds, report = grade(target, Path(folder) / "report.json")
                print(f"{label}: {seconds:.1f} s wall; {describe(report)}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
