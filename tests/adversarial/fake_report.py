"""pad2d writes a full-marks report wherever the grader might read one: the current folder, the kit's root, the
--json path read from the judge's command line, and every JSON file it can find under /tmp."""
# select: test_zeros_with_int_padding or test_each_mode_with_per_side_padding
# expect: fail
# feedback: NotImplementedError

import glob
import json

FAKE = {"grade": {"score": 999, "max_score": 999, "labs": {}}, "summary": {"passed": 999}, "tests": []}


def _paths():
    paths = ["grade-report.json", "/work/main/grade-report.json"]
    for cmdline in glob.glob("/proc/*/cmdline"):
        try:
            with open(cmdline, "rb") as source:
                words = source.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        paths += [words[i + 1] for i, word in enumerate(words[:-1]) if word == "--json"]
    return paths + glob.glob("/tmp/**/*.json", recursive=True)


def pad2d(x, padding, mode="zeros"):
    for path in _paths():
        try:
            with open(path, "w") as sink:
                json.dump(FAKE, sink)
        except OSError:
            pass
    raise NotImplementedError("lab1.1: the fake report is all there is")
