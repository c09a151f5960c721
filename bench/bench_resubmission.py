"""A batch run again after one resubmission: how many submissions it grades again, and how long it takes.

    python bench/bench_resubmission.py [--submissions 20] [--workers 2]

Grades N copies of the Lab 1 reference with `python -m grader batch`, changes one student's sobel.py, runs the same
command again, then once more with nothing changed, and prints the wall time of each run and what it regraded.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
COUNTS = re.compile(r"(\d+) graded, (\d+) regraded \(changed\), (\d+) already graded \(skipped\), (\d+) could not")


def run_batch(submissions: Path, out: Path, workers: int) -> tuple[float, str]:
    """Wall seconds of one batch run, and its last lines."""
    start = time.perf_counter()
    finished = subprocess.run([sys.executable, "-m", "grader", "batch", str(submissions), "--out", str(out),
                               "--workers", str(workers)], cwd=REPO_ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if finished.returncode != 0:
        raise RuntimeError(f"the batch failed (exit {finished.returncode}):\n{finished.stdout[-3000:]}")
    return seconds, finished.stdout


def describe(output: str) -> str:
    graded, regraded, kept, errors = COUNTS.search(output).groups()
    named = re.search(r"^regraded \(changed\): (.*)$", output, re.MULTILINE)
    return (f"{graded} graded, {regraded} regraded ({named.group(1) if named else 'none'}), {kept} kept, "
            f"{errors} errors")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=20, help="copies of the Lab 1 reference")
    parser.add_argument("--workers", type=int, default=2, help="the batch's --workers")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        submissions, out = Path(folder) / "submissions", Path(folder) / "reports"
        for number in range(args.submissions):
            shutil.copytree(REPO_ROOT / "solutions" / "lab1_convolution",
                            submissions / f"student{number:02d}" / "lab1_convolution",
                            ignore=shutil.ignore_patterns("__pycache__"))
        seconds, output = run_batch(submissions, out, args.workers)
        print(f"first run, {args.submissions} submissions: {seconds:.1f} s; {describe(output)}")
        changed = submissions / "student07" / "lab1_convolution" / "sobel.py"
        changed.write_text(changed.read_text() + "\n# resubmitted\n")
        seconds, output = run_batch(submissions, out, args.workers)
        print(f"again after student07 changed sobel.py: {seconds:.1f} s; {describe(output)}")
        seconds, output = run_batch(submissions, out, args.workers)
        print(f"again with nothing changed: {seconds:.1f} s; {describe(output)}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
