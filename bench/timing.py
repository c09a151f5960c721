"""The timing rules of the bench scripts: one warm-up call, then the median of `repeats` timed calls; and, where
big tensors come and go, an allocator that does not make the first caller pay for fresh memory."""

import argparse
import ctypes
import ctypes.util
import statistics
import time
from collections.abc import Callable

import torch


def median_seconds(function: Callable[[], object], repeats: int,
                   clock: Callable[[], float] = time.perf_counter) -> float:
    """Median duration of `function` by `clock`: wall time, or time.process_time for the CPU time it used (on a
    shared machine the wall time also counts the waits for a core). The warm-up call (loading a model, torch's
    lazy set-up) is not counted."""
    function()
    times = []
    for _ in range(repeats):
        start = clock()
        function()
        times.append(clock() - start)
    return statistics.median(times)


def steady_allocator() -> bool:
    """Keep glibc's malloc from handing out fresh pages on every call, so that timings do not depend on what ran
    before. glibc maps buffers above a threshold straight from the system and unmaps them when freed, and it moves
    that threshold as buffers come and go; a call whose buffers come fresh pays a page fault per 4 KiB touched. On
    this machine that alone moves torch's own conv2d (batch 8, 128x128) between 0.5 and 4.5 ms, depending on what
    the process did earlier. Pinning the threshold (and the trim threshold) at 1 GiB serves every buffer from the
    reused heap. Returns False where the C library has no mallopt (not glibc), leaving the allocator as it is."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold, one_gib = -1, -3, 1 << 30
    return bool(mallopt(m_mmap_threshold, one_gib)) and bool(mallopt(m_trim_threshold, one_gib))


def bench_arguments(doc: str, repeats: int, repeats_help: str) -> argparse.ArgumentParser:
    """The options every single-threaded bench shares: how many timed runs, and torch's CPU threads (default 1:
    on a shared machine torch's default threads can be several times slower than one)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--repeats", type=int, default=repeats, help=repeats_help)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads for every measurement")
    return parser


def parse_bench_arguments(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse the command line and apply --threads before anything is timed."""
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    return args
