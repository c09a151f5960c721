"""Class statistics at scale: `python -m grader stats` over generated reports of a large class (the README's figure;
the target is under 30 s for 1,000 reports).

    python bench/bench_stats.py [--students 1000] [--keep DIR]

The reports are made from two real grading runs of Lab 1 (the reference and the stubs): each student gets, per
exercise, the reference's tests (right), the stubs' (unfinished), or failed tests with a hint from a pool, an
unnamed wrong value or an exception; 2% of the students copy another's wrong values and code. Each student also
has a submission folder whose exercise functions hold code of their own, so that the code comparison runs at full
size. Prints the wall and CPU time of the command (a fresh Python process, imports included), the load, and
whether the alike pairs found are the planted copies.
"""

import argparse
import copy
import itertools
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))

from grader.grade import compute_grade  # noqa: E402
from ipdl.catalogue import find_lab  # noqa: E402

LAB = find_lab("lab1")
TARGET_S = 30
FATES = ("right", "right", "right", "unfinished", "hint", "hint", "unnamed", "exception")
NAMES, ATTRIBUTES = ("x", "img", "weight", "out", "acc", "rows"), ("sum", "mean", "flip", "clamp", "view", "abs")


def graded(target: str, folder: Path) -> dict:
    """The report of a real `python -m grader lab1 --target TARGET` run."""
    path = folder / f"{target}.json"
    subprocess.run([sys.executable, "-m", "grader", "lab1", "--target", target, "--json", str(path)], cwd=REPO_ROOT,
                   capture_output=True, check=False, timeout=900)
    return json.loads(path.read_text())


def failed_copy(test: dict, hint: str | None, kind: str, result: str | None) -> dict:
    test = copy.deepcopy(test)
    test["outcome"] = "failed"
    test["metadata"].update(points=0, feedback=f"planted: {kind}", hint=hint, failure_kind=kind)
    if result:
        test["metadata"]["result_hash"] = result
    return test


def student_tests(rng: random.Random, right: dict, unfinished: dict, copied: dict | None) -> tuple[list, dict]:
    """A student's tests, and their fate per exercise (a copier takes the fates and wrong values of `copied`)."""
    fates = copied["fates"] if copied else {e.id: rng.choice(FATES) for e in LAB.exercises}
    mistake = copied["mistake"] if copied else {e.id: rng.randrange(4) for e in LAB.exercises}
    tests = []
    for nodeid, test in right.items():
        exercise = test["metadata"]["exercise"]
        fate = fates[exercise]
        if fate == "right":
            tests.append(test)
        elif fate == "unfinished":
            tests.append(unfinished[nodeid])
        elif fate == "hint":
            tests.append(failed_copy(test, f"{exercise}: mistake {mistake[exercise]}", "wrong values",
                                     f"h{mistake[exercise]}{nodeid}"))
        elif fate == "unnamed":
            tests.append(failed_copy(test, None, "wrong values", copied["hashes"][nodeid] if copied
                                     else f"{rng.getrandbits(64):016x}"))
        else:
            tests.append(failed_copy(test, None, "exception IndexError", None))
    hashes = {t["nodeid"]: t["metadata"].get("result_hash") for t in tests}
    return tests, {"fates": fates, "mistake": mistake, "hashes": hashes}


def own_code(rng: random.Random, statements: int = 6) -> list[str]:
    """A few lines of code of the student's own, of random names, calls and numbers."""
    return [f"    {rng.choice(NAMES)}{rng.randrange(9)} = {rng.choice(NAMES)}.{rng.choice(ATTRIBUTES)}"
            f"({rng.randrange(100)}) {rng.choice('+-*')} {rng.choice(NAMES)}{rng.randrange(9)} * {rng.random():.3f}"
            for _ in range(statements)]


def write_submission(folder: Path, lines: dict[str, list[str]]) -> None:
    """The reference's lab folder with each exercise redefined, its body the student's lines."""
    shutil.copytree(REPO_ROOT / "solutions" / LAB.folder, folder / LAB.folder,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for exercise in LAB.exercises:
        path = folder / LAB.folder / f"{exercise.module}.py"
        body = "\n".join(lines[exercise.id])
        path.write_text(path.read_text() + f"\n\ndef {exercise.function}(x, *args):\n{body}\n    return x\n")


def make_class(root: Path, students: int, seed: int = 0) -> tuple[Path, set[tuple[str, str]]]:
    """`students` reports in root/reports, each naming its submission in root/submissions; and the planted pairs
    (a copier and the student copied)."""
    rng = random.Random(seed)
    right = {t["nodeid"]: t for t in graded("solutions", root)["tests"]}
    stub_report = graded("labs", root)
    unfinished = {t["nodeid"]: t for t in stub_report["tests"]}
    reports = root / "reports"
    reports.mkdir()
    made: list[tuple[dict, dict[str, list[str]]]] = []
    origin: list[int] = []  # whose code each student's is (a copy of a copy is the first one's)
    for number in range(students):
        student = f"s{number:04d}"
        original = rng.randrange(len(made)) if made and rng.random() < 0.02 else None
        copied = made[original] if original is not None else None
        origin.append(number if original is None else origin[original])
        tests, fate = student_tests(rng, right, unfinished, copied[0] if copied else None)
        code = copied[1] if copied else {e.id: own_code(rng) for e in LAB.exercises}
        made.append((fate, code))
        write_submission(root / "submissions" / student, code)
        report = {**stub_report, "student": student, "target": str(root / "submissions" / student), "tests": tests,
                  "grade": compute_grade(tests)}
        (reports / f"{student}.json").write_text(json.dumps(report))
    pairs = itertools.combinations(range(students), 2)
    planted = {(f"s{a:04d}", f"s{b:04d}") for a, b in pairs if origin[a] == origin[b]}
    return reports, planted


def children_cpu_seconds() -> float:
    """User and system CPU seconds of the finished child processes (what the command cost, whatever the load)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--students", type=int, default=1000, help="reports to generate")
    parser.add_argument("--keep", type=Path, help="write the class here and keep it, or time the class kept there "
                                                  "before (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        if (root / "planted.json").exists():  # a class --keep wrote before
            reports = root / "reports"
            planted = {tuple(pair) for pair in json.loads((root / "planted.json").read_text())}
        else:
            reports, planted = make_class(root, args.students)
            (root / "planted.json").write_text(json.dumps(sorted(planted)))
        size_mb = sum(path.stat().st_size for path in reports.glob("*.json")) / 1e6
        print(f"{len(list(reports.glob('*.json')))} reports ({size_mb:.0f} MB), made or read in "
              f"{time.perf_counter() - started:.0f} s")
        command = [sys.executable, "-m", "grader", "stats", str(reports), "--html", str(root / "class.html"),
                   "--json", str(root / "class.json")]
        load_before = os.getloadavg()[0]
        started, cpu_before = time.perf_counter(), children_cpu_seconds()
        finished = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True,
                                  env={**os.environ, "OMP_NUM_THREADS": "1"})
        seconds, cpu = time.perf_counter() - started, children_cpu_seconds() - cpu_before
        if finished.returncode != 0:
            raise SystemExit(f"stats failed:\n{finished.stdout}{finished.stderr}")
        stats = json.loads((root / "class.json").read_text())
        print(f"stats over {len(list(reports.glob('*.json')))} reports: {seconds:.1f} s wall (target under "
              f"{TARGET_S} s: {'met' if seconds < TARGET_S else 'MISSED'}), {cpu:.1f} CPU seconds; load "
              f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
        found = {tuple(pair["students"]) for pair in stats["alike"]["code"]}
        print(f"page {(root / 'class.html').stat().st_size / 1e3:.0f} kB; {len(stats['alike']['results'])} groups of "
              f"identical wrong results; {len(stats['alike']['code'])} near-identical code pairs over "
              f"{len(LAB.exercises)} exercises, between {len(found)} pairs of students: the {len(planted)} planted "
              f"copies {'and no others' if found == planted else 'DIFFER: ' + str(found ^ planted)}")


if __name__ == "__main__":
    main()
