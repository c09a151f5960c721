"""Errors raised inside the student's code, said in the student's terms: the exception, the last line of their
own file that ran (not the kit's given harness), and for errors whose cause is known, a sentence on what to check.
Names of the kit's harness functions, which students never wrote, become the exercise's function.

    explain(error)  ->  "at lab1_convolution/convolution.py line 57 (conv2d): windows = x_pad.as_strided(...):
                         the view reaches past the end of the padded input: did you pad both sides?"
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from grader.paths import LABS_DIR, SOLUTIONS_DIR
from grader.worker_client import StudentCodeError

FRAME = re.compile(r'File "[^"]*?/(?P<file>lab\d+_\w+/[^"/]+\.py)", line (?P<line>\d+), in (?P<function>\S+)\n'
                   r'(?:[ \t]+(?P<source>\S[^\n]*))?')
GIVEN_FILES = ("harness.py",)  # the kit's own files in a lab folder, which call the student's functions


@dataclass(frozen=True)
class Frame:
    file: str  # "lab1_convolution/convolution.py"
    line: int
    function: str
    source: str  # the line of code, as the traceback shows it ("" when not shown)


def student_frames(traceback: str) -> list[Frame]:
    """The traceback's frames in the student's own files (the kit's harness left out), most recent last."""
    frames = [Frame(m["file"], int(m["line"]), m["function"], (m["source"] or "").strip())
              for m in FRAME.finditer(traceback)]
    return [frame for frame in frames if frame.file.rpartition("/")[2] not in GIVEN_FILES]


def pattern_hint(exc_type: str, message: str) -> str | None:
    """A sentence for an error whose usual cause is known, naming the shapes or sizes the message gives."""
    if "setStorage" in message or ("as_strided" in message and "out of bounds" in message):
        return ("the as_strided view reaches past the end of the tensor it views (x_pad): its size and strides "
                "ask for more rows or columns than there are: did you pad both sides (top AND bottom, left AND "
                "right), and compute H_out from the padded size?")
    matmul = re.search(r"shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)", message)
    if matmul:
        rows, inner, other, cols = matmul.groups()
        return (f"a matrix product of ({rows} x {inner}) and ({other} x {cols}): the first one's columns ({inner}) "
                f"must equal the second one's rows ({other}); check which dimension you flattened or transposed")
    broadcast = re.search(r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\) at "
                          r"non-singleton dimension (\d+)", message)
    if broadcast:
        a, b, dim = broadcast.groups()
        return (f"two tensors were combined whose dimension {dim} has sizes {a} and {b}: they must be equal (or 1); "
                f"check the shapes just before that line (a missing keepdim=True, or a transposed tensor?)")
    view = re.search(r"shape '(\[[^\]]*\])' is invalid for input of size (\d+)", message)
    if view:
        return (f"view/reshape to {view[1]} needs as many values as the tensor has ({view[2]}): "
                f"derive the sizes from x.shape instead of fixed numbers")
    if re.search(r"expected (scalar type|m1 and m2 to have the same dtype|.*dtype)|found dtype|"
                 r"same dtype|dtype .* but got", message, re.IGNORECASE):
        return ("two tensors of different dtypes met (e.g. float32 and float64, or an integer index): "
                "convert with .to(x.dtype), or build new tensors with dtype=x.dtype")
    if "same device" in message:
        return "tensors on different devices met: create new tensors with device=x.device"
    if exc_type == "IndexError" or "out of bounds for dimension" in message or "out of range" in message:
        return ("an index reached past the end of a dimension: valid indices run from 0 to size - 1; "
                "check the loop bounds and the output size")
    return None


def explain(error: StudentCodeError) -> str | None:
    """Where in the student's own file the exception was raised, and what its known cause is."""
    if error.kind != "exception" or error.exc_type == "NotImplementedError":
        return None
    frames = student_frames(error.traceback)
    where = ""
    if frames:
        frame = frames[-1]
        where = f"at {frame.file} line {frame.line} ({frame.function})" + (f": {frame.source}" if frame.source else "")
    known = pattern_hint(error.exc_type, error.message)
    if not where and not known:
        return None
    return ": ".join(part for part in (where, known) if part)


@cache
def harness_functions(lab_folder: str) -> tuple[str, ...]:
    """Functions the kit's harness.py in `lab_folder` defines (the judge calls them; students never wrote them)."""
    for root in (SOLUTIONS_DIR, LABS_DIR):
        path = Path(root) / lab_folder / "harness.py"
        if path.is_file():
            return tuple(re.findall(r"^def (\w+)\(", path.read_text(), re.MULTILINE))
    return ()


def in_student_terms(text: str, lab_folder: str, function: str) -> str:
    """`text` with the harness's function names replaced by the exercise's `function`."""
    names = harness_functions(lab_folder)
    if not names or not text:
        return text
    return re.sub(r"(?<![\w./])(" + "|".join(map(re.escape, names)) + r")\b(?!\.py)", function, text)
