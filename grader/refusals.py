"""Why `python -m grader` will not run a command here: an instructor's command asked of a student release, or a
current folder inside another copy of the kit than the one this Python imports.

    command_refusal(sys.argv[1:])   # None: go ahead; else the sentence to print before exiting 2
    target_refusal(args.target)     # the same for the target of a grading run
"""

from pathlib import Path

from ipdl.kit import KIT_ROOT, is_student_release

INSTRUCTOR_COMMANDS = {  # what each instructor's command is for, said to a student who runs it in a release
    "sync": "'python -m grader sync' is for the instructor: it regenerates the stubs in labs/ from the reference "
            "solutions, which a student release does not have, so it leaves your labs/ (your own work) as it is.",
    "release": "'python -m grader release' is for the instructor: it builds a student release like this one from "
               "the kit that holds the solutions and the hidden tests.",
    "gradescope-bundle": "'python -m grader gradescope-bundle' is for the instructor: it packs the solutions and the "
                         "hidden tests into Gradescope's autograder, and a student release has neither.",
    "batch": "'python -m grader batch' is for the instructor: it grades a whole class's submissions with the hidden "
             "tests; check your own work with 'python -m grader lab1' (or another lab).",
}
SOLUTIONS_TARGET = ("'--target solutions' is for the instructor: it grades the reference solutions, which a student "
                    "release does not ship; 'python -m grader lab1' grades your own labs/.")


def command_refusal(argv: list[str]) -> str | None:
    """The reason not to run `python -m grader ARGV` here (another kit's folder, or an instructor's command in a
    student release), or None."""
    if is_student_release() and argv and argv[0] in INSTRUCTOR_COMMANDS:
        return INSTRUCTOR_COMMANDS[argv[0]]
    return other_kit_here(Path.cwd())


def target_refusal(target: str) -> str | None:
    """The reason not to grade `target` here: the reference solutions in a student release."""
    return SOLUTIONS_TARGET if target == "solutions" and is_student_release() else None


def kit_root_above(folder: Path) -> Path | None:
    """The copy of the kit that holds `folder` (a folder with ipdl/kit.py and grader/cli.py), if any."""
    for candidate in (folder, *folder.parents):
        if (candidate / "ipdl" / "kit.py").is_file() and (candidate / "grader" / "cli.py").is_file():
            return candidate
    return None


def other_kit_here(folder: Path) -> str | None:
    """A message when `folder` lies in another copy of the kit than the one this Python imports (which would
    otherwise grade, sync or release that other copy without a word)."""
    found = kit_root_above(folder.resolve())
    if found is None or found == KIT_ROOT:
        return None
    return (f"you are in the kit at {found}, but this Python runs the grader of the kit at {KIT_ROOT}; "
            f"run the command from {found} itself (cd {found}), or install that kit (pip install -e {found})")
