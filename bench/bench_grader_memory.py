"""How much memory one grading run needs, judge and worker together: what a Gradescope container must allow.

Runs `python -m grader LAB --target solutions` for each lab (and for all labs at once) and samples, every 50 ms,
the memory of the grader's whole process tree (the judge, its worker and anything the worker starts): the sum of
their RSS (shared library pages counted once per process, an upper bound) and of their PSS (shared pages split
between the processes, about what a container's memory cgroup charges).

    OMP_NUM_THREADS=1 python bench/bench_grader_memory.py [--labs lab4 lab5]
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ipdl.catalogue import LABS
from ipdl.kit import KIT_ROOT

SAMPLE_S = 0.05


def children_of() -> dict[int, list[int]]:
    """Every process's children, from /proc (the worker's PID namespace is seen with host pids here)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return children


def process_tree(root: int) -> list[int]:
    children, tree, todo = children_of(), [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB; (0, 0) once it is gone."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0, 0
    values = {line.split(":")[0]: int(line.split()[1]) for line in lines[1:] if line.endswith("kB")}
    return values.get("Rss", 0), values.get("Pss", 0)


def peak_memory(command: list[str]) -> tuple[float, float, float, int]:
    """Run `command`; (peak RSS sum in MB, peak PSS sum in MB, seconds, exit code)."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=KIT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_rss = peak_pss = 0
    while process.poll() is None:
        samples = [memory_kb(pid) for pid in process_tree(process.pid)]
        peak_rss = max(peak_rss, sum(rss for rss, _ in samples))
        peak_pss = max(peak_pss, sum(pss for _, pss in samples))
        time.sleep(SAMPLE_S)
    return peak_rss / 1024, peak_pss / 1024, time.monotonic() - started, process.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--labs", nargs="*", default=[lab.id for lab in LABS] + ["all"],
                        help="labs to grade one at a time ('all': every lab in one run)")
    args = parser.parse_args()
    print(f"{'labs':<8}{'peak RSS (sum)':>16}{'peak PSS (sum)':>16}{'wall':>8}  exit")
    with tempfile.TemporaryDirectory() as folder:
        for name in args.labs:
            selection = [] if name == "all" else [name]
            command = [sys.executable, "-m", "grader", *selection, "--target", "solutions",
                       "--json", str(Path(folder) / "report.json")]
            rss, pss, seconds, code = peak_memory(command)
            print(f"{name:<8}{rss:>13.0f} MB{pss:>13.0f} MB{seconds:>7.0f}s  {code}")


if __name__ == "__main__":
    main()
