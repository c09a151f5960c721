"""Lab 1 figures for the README: reference conv2d vs torch's, and the wall time of grading Lab 1.

    python bench/bench_lab1.py [--repeats 20] [--threads 2 1]
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from timing import median_seconds, steady_allocator

from solutions.lab1_convolution.convolution import conv2d

REPO_ROOT = Path(__file__).resolve().parent.parent
CASES = {  # name -> (input shape, weight shape, conv2d keyword arguments)
    "3x3, padding 1": ((8, 3, 128, 128), (16, 3, 3, 3), {"padding": 1}),
    "5x5, dilation 2, padding 4": ((8, 3, 128, 128), (16, 3, 5, 5), {"padding": 4, "dilation": 2}),
}


def bench_conv2d(repeats: int, threads: int) -> None:
    torch.set_num_threads(threads)
    generator = torch.Generator().manual_seed(0)
    print(f"conv2d, batch 8, 3->16 channels, 128x128 (median of {repeats}, {threads} thread(s))")
    for name, (x_shape, w_shape, kwargs) in CASES.items():
        x, w = torch.randn(x_shape, generator=generator), torch.randn(w_shape, generator=generator)
        torch.testing.assert_close(conv2d(x, w, **kwargs), F.conv2d(x, w, **kwargs), atol=1e-4, rtol=1e-4)
        ours = median_seconds(lambda: conv2d(x, w, **kwargs), repeats)  # noqa: B023
        theirs = median_seconds(lambda: F.conv2d(x, w, **kwargs), repeats)  # noqa: B023
        print(f"  {name:<28} reference {ours * 1e3:7.2f} ms   torch {theirs * 1e3:7.2f} ms   "
              f"ratio {ours / theirs:.2f}x")


def bench_grading() -> None:
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "grader", "lab1", "--target", "solutions",
                   "--json", str(Path(folder) / "report.json")]
        start = time.perf_counter()
        result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    total = [line for line in result.stdout.splitlines() if line.startswith("Total:")]
    print(f"python -m grader lab1 --target solutions: {seconds:.1f} s wall, exit {result.returncode}, "
          f"{total[0] if total else 'no total printed'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--repeats", type=int, default=20, help="timed runs per case")
    parser.add_argument("--threads", type=int, nargs="+", default=[2, 1], help="torch CPU threads, one run each")
    args = parser.parse_args()
    steady = steady_allocator()
    print("allocator: " + ("glibc's mmap threshold pinned, every buffer from the reused heap (see bench/timing.py)"
                           if steady else "left as it is (no glibc mallopt here)"))
    for threads in args.threads:
        bench_conv2d(args.repeats, threads)
    bench_grading()


if __name__ == "__main__":
    main()
