"""Which labs and exercises a grading run grades: names as a user types them (`lab1`, `1`, `lab1_convolution`,
or an exercise `lab1.3`), checked against the lab catalogue."""

from ipdl.catalogue import LABS, Exercise, Lab, find_exercise, find_lab, is_exercise_id, lab_of


def canonical_names(names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """`1`, `lab1_convolution` -> `lab1`; `lab1.3` stays; an unknown name raises the catalogue's UnknownLab."""
    found = (find_exercise(name).id if is_exercise_id(name) else find_lab(name).id for name in names)
    return tuple(dict.fromkeys(found))


def selected_labs(selection: tuple[str, ...]) -> list[Lab]:
    """The labs named, or holding an exercise named, in the catalogue's order."""
    wanted = {name.split(".")[0] for name in selection}
    return [lab for lab in LABS if lab.id in wanted]


def is_selected(exercise: Exercise, selection: tuple[str, ...]) -> bool:
    """Whether the tests of `exercise` run: everything when nothing is selected, else its lab or itself."""
    return not selection or exercise.id in selection or lab_of(exercise.id).id in selection
