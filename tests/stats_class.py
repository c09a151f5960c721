"""A generated class for the class statistics and gradebook tests: a few crafted Lab 1 submissions with planted
mistakes, graded for real by `python -m grader batch`, then duplicated and varied to 50 students (each with a
submission folder of its own, so that their code can be compared).

Planted: a flipped kernel in conv2d ("flipped"), padding in total instead of per side in conv2d ("padded"), an
IndexError in convolve2d with the Sobel exercises unfinished ("unfinished"), and one to_grayscale that divides by 256,
written by carol, handed in again by carol02 and fay and copied by dave (names and layout changed): the only alike
submissions. gina has a to_grayscale bug of her own; hugo and ivan wrote their own correct pad2d, and hugo's
sobel_edges returns a (1, H, W) tensor.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from grader.paths import LABS_DIR, REPO_ROOT, SOLUTIONS_DIR

LAB = "lab1_convolution"
CAROL_GRAY = """    values = img.double() if img.dtype != torch.uint8 else img.double() / 256
    if values.ndim == 3:
        weights = (0.299, 0.587, 0.114)
        total = torch.zeros(values.shape[:2], dtype=torch.float64)
        for channel, weight in enumerate(weights):
            total += weight * values[:, :, channel]
        values = total
    return values.float()
"""
DAVE_GRAY = """    v = img.double() if img.dtype != torch.uint8 else img.double()/256
    if v.ndim == 3:
        w = (0.299, 0.587, 0.114)

        acc = torch.zeros(v.shape[:2], dtype = torch.float64)
        for i, wi in enumerate(w):  # weighted sum of the channels
            acc += wi*v[:, :, i]
        v = acc
    return v.float()
"""
GINA_GRAY = """    gray = img.to(torch.float32) / (255.0 if img.dtype == torch.uint8 else 1.0)
    if gray.ndim == 3:
        gray = 0.3 * gray[..., 0] + 0.59 * gray[..., 1] + 0.11 * gray[..., 2]
    return gray
"""
HUGO_PAD = """    rows = [min(max(r, 0), H - 1) for r in range(-top, H + bottom)]
    cols = [min(max(c, 0), W - 1) for c in range(-left, W + right)]
    if mode == "reflect":
        rows = [abs(r) if r < H else 2 * (H - 1) - r for r in range(-top, H + bottom)]
        cols = [abs(c) if c < W else 2 * (W - 1) - c for c in range(-left, W + right)]
    result = x[..., rows, :][..., cols]
    if mode in ("zeros", "ones"):
        fill = 0.0 if mode == "zeros" else 1.0
        result = torch.full(x.shape[:-2] + (H + top + bottom, W + left + right), fill, dtype=x.dtype)
        for row in range(H):
            for col in range(W):
                result[..., top + row, left + col] = x[..., row, col]
    return result
"""
IVAN_PAD = """    if mode in ("zeros", "ones"):
        value = 0 if mode == "zeros" else 1
        above = x.new_full((*x.shape[:-2], top, W), value)
        below = x.new_full((*x.shape[:-2], bottom, W), value)
        tall = torch.cat([above, x, below], dim=-2)
        sides = [tall.new_full((*tall.shape[:-1], width), value) for width in (left, right)]
        return torch.cat([sides[0], tall, sides[1]], dim=-1)
    if mode == "replicate":
        tall = torch.cat([x[..., :1, :]] * top + [x] + [x[..., -1:, :]] * bottom, dim=-2)
        return torch.cat([tall[..., :1]] * left + [tall] + [tall[..., -1:]] * right, dim=-1)
    tall = torch.cat([x[..., 1 : top + 1, :].flip(-2), x, x[..., H - bottom - 1 : H - 1, :].flip(-2)], dim=-2)
    return torch.cat([tall[..., 1 : left + 1].flip(-1), tall, tall[..., W - right - 1 : W - 1].flip(-1)], dim=-1)
"""
HUGO_EDGES = """    gx, gy = sobel_gradients(img)
    strength = (gx * gx + gy * gy).sqrt()
    top = strength.max()
    return (strength / top if top > 0 else torch.zeros_like(strength))[None]
"""
# crafted submission -> module -> (exercise, how, code): "insert" puts the code first in the exercise's solution
# region (the stub's set-up lines and names stay as the sheet gives them), "replace" writes the region anew
CRAFTED: dict[str, dict[str, list[tuple[str, str, str]]]] = {
    "correct": {},
    "flipped": {"convolution": [("lab1.3", "insert", "    weight = weight.flip(-2, -1)\n")]},
    "padded": {"convolution": [("lab1.3", "insert", "    pH, pW = pH // 2, pW // 2\n")]},
    "unfinished": {"convolution": [("lab1.4", "insert", "    image = image[image.shape[0]]\n")]},
    "carol": {"sobel": [("lab1.5", "replace", CAROL_GRAY)]},
    "dave": {"sobel": [("lab1.5", "replace", DAVE_GRAY)]},
    "gina": {"sobel": [("lab1.5", "replace", GINA_GRAY)]},
    "hugo": {"convolution": [("lab1.1", "replace", HUGO_PAD)], "sobel": [("lab1.7", "replace", HUGO_EDGES)]},
    "ivan": {"convolution": [("lab1.1", "replace", IVAN_PAD)]},
}
UNFINISHED_STUBS = {"unfinished": ("sobel",)}  # modules left as the kit's stub
# crafted submission -> how many students of the class handed it in (fay copied carol's file as it was)
CLASS = {"correct": 19, "flipped": 10, "padded": 6, "unfinished": 8, "carol": 3, "dave": 1, "gina": 1, "hugo": 1,
         "ivan": 1}
CLASS_SIZE = 50
FAY = "carol03"  # the third of carol's copies is fay's


def student_ids(crafted: str) -> list[str]:
    """The class's students who handed in `crafted`: carol, carol02, ...; fay for the third copy of carol's."""
    ids = [crafted if n == 1 else f"{crafted}{n:02d}" for n in range(1, CLASS[crafted] + 1)]
    return ["fay" if student == FAY else student for student in ids]


ALIKE = {*student_ids("carol"), "dave"}


def write_submission(crafted: str, folder: Path) -> Path:
    """A lab folder: the reference with the crafted changes, or the stub where unfinished."""
    lab = folder / LAB
    shutil.copytree(SOLUTIONS_DIR / LAB, lab, ignore=shutil.ignore_patterns("__pycache__"))
    for module in UNFINISHED_STUBS.get(crafted, ()):
        shutil.copyfile(LABS_DIR / LAB / f"{module}.py", lab / f"{module}.py")
    for module, changes in CRAFTED[crafted].items():
        path = lab / f"{module}.py"
        text = path.read_text()
        for exercise, how, code in changes:
            text = change_region(text, exercise, how, code)
        path.write_text(text)
    return folder


def change_region(text: str, exercise: str, how: str, code: str) -> str:
    """`text` with the solution region of `exercise` (between its BEGIN SOLUTION line and the next END SOLUTION)
    begun with `code` ("insert") or replaced by it ("replace")."""
    lines = text.splitlines(keepends=True)
    begin = next(n for n, line in enumerate(lines) if line.strip().startswith(f"# BEGIN SOLUTION {exercise}:"))
    end = next(n for n in range(begin, len(lines)) if lines[n].strip() == "# END SOLUTION")
    kept = lines[begin + 1 : end] if how == "insert" else []
    return "".join([*lines[: begin + 1], code, *kept, *lines[end:]])


def grade_crafted(root: Path) -> Path:
    """Write and batch-grade every crafted submission (Lab 1); returns the folder of their reports."""
    for crafted in CRAFTED:
        write_submission(crafted, root / "crafted" / crafted)
    reports = root / "crafted-reports"
    command = [sys.executable, "-m", "grader", "batch", str(root / "crafted"), "--out", str(reports), "--workers", "2",
               "--labs", "lab1"]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert "0 could not be graded" in result.stdout, result.stdout + result.stderr
    # the batch ends with the command that makes the class page of what it graded
    assert f"Class statistics: python -m grader stats {reports} --html {reports}/class.html" in result.stdout
    return reports


def build_class(root: Path, crafted_reports: Path) -> tuple[Path, Path]:
    """50 students, each a copy of a crafted submission and of its real report; returns (submissions, reports)."""
    submissions, reports = root / "submissions", root / "reports"
    reports.mkdir()
    versions = json.loads((crafted_reports / "correct.json").read_text())["versions"]
    for crafted in CLASS:
        report = json.loads((crafted_reports / f"{crafted}.json").read_text())
        report["versions"] = versions  # one grader for the class, though the kit's code changed while it graded
        for student in student_ids(crafted):
            shutil.copytree(root / "crafted" / crafted, submissions / student)
            report.update(student=student, target=str(submissions / student))
            (reports / f"{student}.json").write_text(json.dumps(report))
            copy_feedback(crafted_reports, crafted, reports, student)
    assert len(list(reports.glob("*.json"))) == CLASS_SIZE
    return submissions, reports


def copy_feedback(crafted_reports: Path, crafted: str, reports: Path, student: str) -> None:
    """The feedback the batch wrote for the crafted submission, as the student's (whatever files it wrote for it)."""
    for page in crafted_reports.rglob(f"{crafted}.*"):
        if page.suffix != ".json" and "logs" not in page.parts:
            destination = reports / page.relative_to(crafted_reports).with_name(student + page.suffix)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page, destination)
