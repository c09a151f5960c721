"""How often the grader's feedback names a mistake: the wrong submissions of bench/feedback_corpus.py (the reference
with one line changed, most of them mistakes no hint was written for), each graded on its exercise; prints per lab
and in total the share that loses points and the share whose feedback or hint says what the mistake is, then the
report size and grading time of Lab 1's stubs and of a Lab 1 submission with three mistakes.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_feedback.py [--kit PATH] [--labs lab1 lab2]

--kit PATH grades with another checkout's grader, labs and solutions (an older one, to compare): an entry whose file
or line that checkout does not have is counted as not applicable.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from feedback_corpus import CORPUS, THREE_MISTAKES, WrongSubmission

KIT = Path(__file__).resolve().parent.parent
GRADER_TIMEOUT_S = 900


class NotApplicable(Exception):
    """The kit lacks the file or line an entry changes."""


def submission(folder: Path, kit: Path, entries: list[WrongSubmission]) -> Path:
    """A copy of the kit's stubs whose labs hold the reference with each entry's line replaced by its mistake."""
    labs = folder / "labs"
    shutil.copytree(kit / "labs", labs, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    for lab in {entry.file.split("/")[0] for entry in entries}:
        shutil.rmtree(labs / lab)
        shutil.copytree(kit / "solutions" / lab, labs / lab, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    for entry in entries:
        path = labs / entry.file
        text = path.read_text() if path.is_file() else ""
        if entry.line not in text:
            raise NotApplicable(f"{entry.file} has no line {entry.line!r}")
        path.write_text(text.replace(entry.line, entry.mistake, 1))
    return labs


def grade(kit: Path, selection: str, target: Path, report: Path) -> tuple[dict | None, float]:
    """The JSON report of `python -m grader SELECTION --target TARGET` in `kit` (None if it wrote none), and the
    seconds it took."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader", *selection.split(), "--target", str(target), "--json",
                    str(report)], cwd=kit, capture_output=True, text=True, timeout=GRADER_TIMEOUT_S)
    seconds = time.perf_counter() - start
    return (json.loads(report.read_text()) if report.is_file() else None), seconds


def named(report: dict, words: tuple[str, ...]) -> bool:
    """True when a failed test's feedback or hint says one of `words`."""
    for test in report["tests"]:
        meta = test.get("metadata", {})
        said = f"{meta.get('feedback') or ''} {meta.get('hint') or ''}".lower()
        if test["outcome"] == "failed" and any(word.lower() in said for word in words):
            return True
    return False


def first_hint(report: dict) -> str:
    """The hint (else the feedback's first line) of the first failed test."""
    for test in report["tests"]:
        if test["outcome"] == "failed":
            meta = test.get("metadata", {})
            return meta.get("hint") or (meta.get("feedback") or "").split("\n")[0]
    return ""


def grade_entry(kit: Path, folder: Path, entry: WrongSubmission, verbose: bool) -> tuple[bool, bool] | str:
    """(loses points, named), or why the entry does not apply to this kit."""
    try:
        labs = submission(folder, kit, [entry])
    except NotApplicable as reason:
        return str(reason)
    report, _ = grade(kit, entry.exercise, labs, folder / "report.json")
    if report is None:
        return "the grader wrote no report"
    if verbose:
        print(f"    {first_hint(report)[:200]}")
    return report["grade"]["score"] < report["grade"]["max_score"], named(report, entry.words)


def print_shares(counts: dict[str, list[int]]) -> None:
    """Per lab and in total: graded, losing points, named (and their shares), not applicable."""
    total = [0, 0, 0, 0]
    for lab, (graded, lost, said, skipped) in sorted(counts.items()):
        total = [a + b for a, b in zip(total, (graded, lost, said, skipped), strict=True)]
        print(share_line(lab, graded, lost, said, skipped))
    print(share_line("total", *total))


def share_line(what: str, graded: int, lost: int, said: int, skipped: int) -> str:
    shares = f"{lost / graded:.0%} lose points, {said / graded:.0%} named" if graded else "nothing graded"
    return f"{what:<6} {graded:>2} graded: {lost:>2} lose points, {said:>2} named ({shares}); {skipped} not applicable"


def run_corpus(kit: Path, tmp: Path, labs: set[str], names: set[str], verbose: bool) -> None:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for number, entry in enumerate(CORPUS):
        lab = entry.exercise.split(".")[0]
        if (labs and lab not in labs) or (names and entry.name not in names):
            continue
        outcome = grade_entry(kit, tmp / str(number), entry, verbose)
        tally = counts[lab]
        if isinstance(outcome, str):
            tally[3] += 1
            print(f"{entry.name:<42} not applicable: {outcome}", flush=True)
            continue
        loses, says = outcome
        tally[0], tally[1], tally[2] = tally[0] + 1, tally[1] + loses, tally[2] + says
        print(f"{entry.name:<42} {'listed' if entry.listed else 'unlisted':<8} loses points: {loses!s:<5} "
              f"named: {says}", flush=True)
    print_shares(counts)


def report_size_and_time(kit: Path, tmp: Path, what: str, target: Path) -> None:
    report_path = tmp / f"{what.replace(' ', '-')}.json"
    report, seconds = grade(kit, "lab1", target, report_path)
    if report is None:
        print(f"lab1 {what}: the grader wrote no report")
        return
    print(f"lab1 {what}: report {report_path.stat().st_size / 1024:.1f} KiB, {seconds:.1f} s, "
          f"{report['grade']['score']} / {report['grade']['max_score']} points; load {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kit", type=Path, default=KIT, help="the checkout whose grader to measure")
    parser.add_argument("--labs", nargs="*", help="only these labs of the corpus (lab1 lab2 ...); default: all")
    parser.add_argument("--names", nargs="*", help="only the corpus entries of these names")
    parser.add_argument("--verbose", action="store_true", help="print each entry's first failed hint")
    parser.add_argument("--skip-timing", action="store_true", help="leave out the Lab 1 report size and time runs")
    args = parser.parse_args()
    kit = args.kit.resolve()
    print(f"kit {kit}; load {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        run_corpus(kit, Path(tmp), set(args.labs or []), set(args.names or []), args.verbose)
        if args.skip_timing:
            return
        report_size_and_time(kit, Path(tmp), "stubs", kit / "labs")
        three = [entry for entry in CORPUS if entry.name in THREE_MISTAKES]
        try:
            target = submission(Path(tmp) / "three", kit, three)
        except NotApplicable as reason:
            print(f"lab1 three mistakes: not applicable ({reason})")
            return
        report_size_and_time(kit, Path(tmp), "three mistakes", target)


if __name__ == "__main__":
    main()
