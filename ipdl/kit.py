"""Where the kit's folders are, and the one answer to "is this the instructor's kit or a student release?".

A student release (`python -m grader release`) is marked by `ipdl/release.json`, which the builder writes: which
labs it holds and what their hidden tests are worth. Every command and the web app ask `is_student_release()`.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

IPDL_DIR = Path(__file__).resolve().parent
KIT_ROOT = IPDL_DIR.parent
LABS_DIR = KIT_ROOT / "labs"
SOLUTIONS_DIR = KIT_ROOT / "solutions"
RELEASE_FILE = IPDL_DIR / "release.json"


def is_student_release() -> bool:
    """True in a student release (no reference code: the grader answers from recordings), False in the kit."""
    return RELEASE_FILE.is_file()


@cache
def release_info() -> dict[str, Any]:
    """What the release builder recorded (labs, points of the public and hidden tests); {} in the kit."""
    return json.loads(RELEASE_FILE.read_text()) if is_student_release() else {}
