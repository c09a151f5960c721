"""Grader figures for the README: one submission, a batch of a class, the cost of the judge/worker split, memory.

    python bench/bench_grader.py [--submissions 20] [--parts all,batch,split]

all    wall time of `python -m grader --target solutions` (every lab the reference has), per lab, judge peak RSS
batch  `python -m grader batch` over N copies of the Lab 1 reference, with 1 and with 2 workers, each with a
       long-lived judge per worker slot (the default) and with a fresh grader process per submission
       (--process-each), interleaved so that both see the same load
split  the same test cases (Lab 1, Lab 2, all labs) with the sandboxed worker and with calls in the judge's process
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent


def run_grader(*args: str) -> tuple[float, dict]:
    """Wall seconds of one `python -m grader` run, and its report."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        start = time.perf_counter()
        finished = subprocess.run([sys.executable, "-m", "grader", *args, "--json", str(report)], cwd=REPO_ROOT,
                                  capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if finished.returncode != 0:
            raise RuntimeError(f"grading failed (exit {finished.returncode}):\n{finished.stdout[-2000:]}")
        return seconds, json.loads(report.read_text())


def bench_all_labs() -> None:
    seconds, report = run_grader("--target", "solutions")
    per_lab: dict[str, float] = {}
    for test in report["tests"]:
        lab = test["metadata"]["lab"]
        per_lab[lab] = per_lab.get(lab, 0.0) + sum(test.get(phase, {}).get("duration", 0.0)
                                                   for phase in ("setup", "call", "teardown"))
    labs = ", ".join(f"{lab} {per_lab[lab]:.1f} s" for lab in sorted(per_lab))
    grade = report["grade"]
    print(f"all labs of one submission (the reference): {seconds:.1f} s wall, {grade['score']:g}/{grade['max_score']:g}"
          f" points, {len(report['tests'])} tests; test time per lab: {labs}")
    resources = report["resources"]
    print(f"  judge peak RSS {resources['judge_peak_rss_mb']:.0f} MB; student code {resources['student_seconds']:.1f} s"
          f"; worker: {resources['sandbox']['isolation']}, user {resources['sandbox']['user']}")


BATCH_MODES = {"slots": [], "process-each": ["--process-each"]}


def bench_batch(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        submissions = Path(folder) / "submissions"
        for number in range(count):
            shutil.copytree(REPO_ROOT / "solutions" / "lab1_convolution",
                            submissions / f"student{number:02d}" / "lab1_convolution",
                            ignore=shutil.ignore_patterns("__pycache__"))
        times = {}
        for workers in (1, 2):
            for mode, options in BATCH_MODES.items():
                times[mode, workers] = batch_seconds(submissions, Path(folder) / f"reports-{mode}-{workers}",
                                                     workers, options, f"{workers} worker(s), {mode}")
        for mode in BATCH_MODES:
            print(f"  {mode}: speed-up with 2 workers {times[mode, 1] / times[mode, 2]:.2f}x")
        for workers in (1, 2):
            print(f"  {workers} worker(s): slots {times['process-each', workers] / times['slots', workers]:.2f}x "
                  f"faster than a process per submission")


def batch_seconds(submissions: Path, out: Path, workers: int, options: list[str], label: str) -> float:
    """Wall seconds of one batch run (printed with its CPU seconds and how many submissions it graded)."""
    count = sum(1 for _ in submissions.iterdir())
    cpu_before = children_cpu_seconds()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader", "batch", str(submissions), "--out", str(out),
                    "--workers", str(workers), *options], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    cpu = children_cpu_seconds() - cpu_before
    graded = sum(1 for path in out.glob("*.json") if "error" not in json.loads(path.read_text()))
    print(f"batch of {count} Lab 1 submissions, {label}: {seconds:.0f} s ({seconds / count:.1f} s each, {graded} "
          f"graded; {cpu / count:.1f} CPU s each, {cpu / seconds:.2f} cores busy on average; load "
          f"{os.getloadavg()[0]:.1f})", flush=True)
    return seconds


def children_cpu_seconds() -> float:
    """User and system CPU seconds of every finished child process (and theirs) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def session_seconds(lab: str, in_process: bool) -> float:
    """Seconds of one judge session (a fresh process), with the worker or with calls in the judge's process."""
    command = [sys.executable, str(Path(__file__).resolve()), "--session", lab]
    if in_process:
        command.append("--in-process")
    finished = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return float(finished.stdout.strip().splitlines()[-1])


def bench_split() -> None:
    for lab, repeats in (("lab1", 3), ("lab2", 2), ("all", 1)):
        worker = min(session_seconds(lab, in_process=False) for _ in range(repeats))
        direct = min(session_seconds(lab, in_process=True) for _ in range(repeats))
        print(f"{lab} judge session (best of {repeats}): {worker:.1f} s with the sandboxed worker, {direct:.1f} s "
              f"with calls in the judge's process: {worker / direct:.2f}x")


def run_session(lab: str, in_process: bool) -> None:
    """One judge session in this process; prints its seconds last."""
    from grader.cli import JUDGE_PLUGINS, ReportCollector, parse_args, prepare, pytest_arguments
    from grader.settings import GivenSettings

    with tempfile.TemporaryDirectory() as folder:
        labs = [] if lab == "all" else [lab]
        lazy = ["--lazy-worker"] if in_process else []
        args = parse_args([*labs, *lazy, "--target", "solutions", "--json", str(Path(folder) / "r.json")])
        settings, target, lab_folders = prepare(args)
        options = pytest_arguments(args, lab_folders)
        if in_process:
            sys.path.insert(0, str(BENCH_DIR))
            plugin_at = options.index("grader.plugin") + 1
            options[plugin_at:plugin_at] = ["-p", "in_process_student"]
        collector = ReportCollector()
        start = time.perf_counter()
        status = pytest.main(options, plugins=[*JUDGE_PLUGINS, collector, GivenSettings(settings, target)])
        seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"the {lab} session did not give full marks (pytest status {status})")
    print(f"{seconds:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=20, help="submissions in the batch")
    parser.add_argument("--parts", default="all,batch,split", help="which figures to measure")
    parser.add_argument("--session", help=argparse.SUPPRESS)
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.session:
        run_session(args.session, args.in_process)
        return
    parts = args.parts.split(",")
    if "all" in parts:
        bench_all_labs()
    if "batch" in parts:
        bench_batch(args.submissions)
    if "split" in parts:
        bench_split()


if __name__ == "__main__":
    main()
