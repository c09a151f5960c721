"""What a check from a notebook costs: the first `check("lab1.3")` of a kernel (the judge's imports and a worker
starting), a repeated one (the worker warm), one after an edit of the graded code (a fresh worker), against
`python -m grader lab1 -k conv2d` from the shell.

    python bench/bench_check.py [--repeats 10] [--impl solutions|labs]

The process imports torch first, as a notebook's first cell does. `--impl solutions` (the default) grades the
reference, whose tests all run to the end; the stubs of labs/ fail at their first call.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch  # noqa: F401  (imported before anything is timed, as in a notebook)
from timing import bench_arguments, parse_bench_arguments

REPO_ROOT = Path(__file__).resolve().parent.parent


def seconds_of(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def cli_seconds(impl: str) -> float:
    """Wall seconds of `python -m grader lab1 -k conv2d` on `impl`, from the shell."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "grader", "lab1", "-k", "conv2d", "--target", impl,
                   "--json", str(Path(folder) / "report.json")]
        start = time.perf_counter()
        subprocess.run(command, cwd=REPO_ROOT, capture_output=True, check=False)
        return time.perf_counter() - start


def main() -> None:
    parser = bench_arguments(__doc__.splitlines()[0], repeats=10, repeats_help="repeated checks timed (median)")
    parser.add_argument("--impl", choices=("solutions", "labs"), default="solutions", help="the code checked")
    args = parse_bench_arguments(parser)
    os.environ["IPDL_NOTEBOOK_IMPL"] = args.impl
    started = time.perf_counter()
    from grader import check
    from grader.notebook_check import JUDGE

    imported = time.perf_counter() - started
    first = seconds_of(lambda: check("lab1.3"))
    result = check("lab1.3")
    repeats = [seconds_of(lambda: check("lab1.3")) for _ in range(args.repeats)]
    edited = REPO_ROOT / args.impl / "lab1_convolution" / "convolution.py"
    os.utime(edited)  # what saving the file does to what the judge watches
    after_edit = seconds_of(lambda: check("lab1.3"))
    shell = statistics.median(cli_seconds(args.impl) for _ in range(3))
    print(f"check('lab1.3') on {args.impl}: {result.score:g} / {result.max_score:g}, worker started "
          f"{JUDGE.worker.starts} times")
    print(f"  importing the judge (from grader import check): {imported:.2f} s")
    print(f"  first check of the kernel: {first:.2f} s")
    print(f"  repeated check (median of {args.repeats}; min {min(repeats):.2f}, max {max(repeats):.2f}): "
          f"{statistics.median(repeats):.2f} s")
    print(f"  check after an edit (a fresh worker): {after_edit:.2f} s")
    print(f"python -m grader lab1 -k conv2d --target {args.impl} (median of 3): {shell:.2f} s")
    print(f"load average: {' '.join(f'{load:.2f}' for load in os.getloadavg())} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
