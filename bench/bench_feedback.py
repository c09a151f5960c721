"""How often the grader's feedback names a mistake: a corpus of wrong submissions (the reference with one line
changed, most of them mistakes no hint was written for), each graded on its exercise; prints the share that
loses points and the share whose feedback or hint says what the mistake is, and Lab 1's stub report size and time.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_feedback.py [--kit PATH]   # PATH: another checkout to compare
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent

# (name, exercise, file under solutions/, line as written, the mistake, words (any) that name the mistake)
CORPUS = [
    ("conv2d pads one side", "lab1.3", "lab1_convolution/convolution.py", "(pH, pH, pW, pW)", "(pH, 0, pW, 0)",
     ("pad both sides",)),
    ("conv2d pads 2p on one side", "lab1.3", "lab1_convolution/convolution.py", "(pH, pH, pW, pW)",
     "(2 * pH, 0, 2 * pW, 0)", ("shifted", "per side")),
    ("flipped conv2d breaks convolve2d", "lab1.4", "lab1_convolution/convolution.py",
     "kernels = weight.reshape(C_out, C_in * kH * kW)", "kernels = weight.flip(-2, -1).reshape(C_out, C_in * kH * kW)",
     ("fix lab1.3",)),
    ("sobel_edges transposed", "lab1.7", "lab1_convolution/sobel.py", "return magnitude / peak",
     "return (magnitude / peak).T.contiguous() if magnitude.shape[0] == magnitude.shape[1] else magnitude / peak",
     ("transposed",)),
    ("grayscale in [0, 255]", "lab1.5", "lab1_convolution/sobel.py", "x = x / 255.0", "x = x / 1.0",
     ("255",)),
    ("gradients swapped order", "lab1.6", "lab1_convolution/sobel.py", "return grads[0, 0], grads[0, 1]",
     "return grads[0, 1], grads[0, 0]", ("swapped",)),
    ("betas reversed", "lab6.1", "lab6_diffusion/schedules.py",
     "return torch.linspace(beta_start, beta_end, T, dtype=torch.float32)",
     "return torch.linspace(beta_end, beta_start, T, dtype=torch.float32)", ("reverse", "flipped")),
    ("q_sample without square roots", "lab6.4", "lab6_diffusion/schedules.py",
     "return alpha_bar.sqrt() * x0 + (1.0 - alpha_bar).sqrt() * noise",
     "return alpha_bar * x0 + (1.0 - alpha_bar) * noise", ("sqrt", "square root")),
    ("q_sample noise scaled twice", "lab6.4", "lab6_diffusion/schedules.py",
     "return alpha_bar.sqrt() * x0 + (1.0 - alpha_bar).sqrt() * noise",
     "return 2 * (alpha_bar.sqrt() * x0 + (1.0 - alpha_bar).sqrt() * noise)", ("times 2",)),
    ("pixel accuracy in percent", "lab5.8", "lab5_unet/metrics.py",
     "return (pred == target).sum().item() / target.numel()",
     "return 100 * (pred == target).sum().item() / target.numel()", ("100", "percent")),
]


def submission(folder: Path, kit: Path, file: str, line: str, mistake: str) -> Path:
    """A copy of the kit's stubs whose lab holds the reference with `line` replaced by `mistake`."""
    labs = folder / "labs"
    shutil.copytree(kit / "labs", labs, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    lab = file.split("/")[0]
    shutil.rmtree(labs / lab)
    shutil.copytree(kit / "solutions" / lab, labs / lab, ignore=shutil.ignore_patterns("__pycache__"))
    path = labs / file
    text = path.read_text()
    assert line in text, f"{file} no longer has {line!r}"
    path.write_text(text.replace(line, mistake))
    return labs


def grade(kit: Path, selection: str, target: Path, report: Path) -> tuple[dict, float]:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader", *selection.split(), "--target", str(target), "--json",
                    str(report)], cwd=kit, capture_output=True, text=True, timeout=900)
    return json.loads(report.read_text()), time.perf_counter() - start


def named(report: dict, words: tuple[str, ...]) -> bool:
    """True when a failed test's feedback or hint says one of `words`."""
    for test in report["tests"]:
        meta = test.get("metadata", {})
        said = f"{meta.get('feedback') or ''} {meta.get('hint') or ''}".lower()
        if test["outcome"] == "failed" and any(word.lower() in said for word in words):
            return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kit", type=Path, default=KIT, help="the checkout whose grader to measure")
    parser.add_argument("--skip-stubs", action="store_true", help="leave out Lab 1's stub run")
    args = parser.parse_args()
    lost = said = 0
    with tempfile.TemporaryDirectory() as tmp:
        for number, (name, exercise, file, line, mistake, words) in enumerate(CORPUS):
            folder = Path(tmp) / str(number)
            report, _ = grade(args.kit, exercise, submission(folder, args.kit, file, line, mistake),
                              folder / "report.json")
            loses = report["grade"]["score"] < report["grade"]["max_score"]
            names = named(report, words)
            lost, said = lost + loses, said + names
            print(f"{name:<36} loses points: {loses!s:<5} named: {names}", flush=True)
        print(f"corpus {len(CORPUS)}: {lost} lose points, {said} named ({said / len(CORPUS):.0%})")
        if not args.skip_stubs:
            report_path = Path(tmp) / "stubs.json"
            _, seconds = grade(args.kit, "lab1", args.kit / "labs", report_path)
            print(f"lab1 stubs: report {report_path.stat().st_size / 1024:.1f} KiB, {seconds:.1f} s")


if __name__ == "__main__":
    main()
