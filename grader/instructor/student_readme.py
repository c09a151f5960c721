"""The student release's README.md, written for students from the lab catalogue and the release's public points
(template: student_readme.md beside this file): the labs, how to check yourself, the web app on your own code,
what hidden tests are, and how to hand in."""

import ast
from pathlib import Path
from string import Template

from ipdl.catalogue import Lab

TEMPLATE = Path(__file__).with_name("student_readme.md")


def tab_title(tabs_dir: Path, module: str) -> str:
    """The TITLE a web tab module declares (read from its source: the grader does not import the web app)."""
    tree = ast.parse((tabs_dir / f"{module}.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["TITLE"]:
            return ast.literal_eval(node.value)
    return module.replace("_", " ").capitalize()


def lab_row(lab: Lab, public_points: float) -> str:
    hidden = lab.points - public_points
    return f"| {lab.number} | `{lab.folder}` | {lab.title} | {public_points:g} + {hidden:g} = {lab.points} |"


def render(labs: list[Lab], public_points: dict[str, float], tabs_dir: Path) -> str:
    """The README of a release of `labs`, whose public tests are worth `public_points[lab.id]`."""
    first = labs[0]
    tabs = [f"{tab_title(tabs_dir, tab)} (Lab {lab.number})" for lab in labs for tab in lab.tabs]
    total = sum(lab.points for lab in labs)
    return Template(TEMPLATE.read_text()).substitute(
        lab_count=f"{len(labs)} lab{'s' if len(labs) > 1 else ''}",
        lab_rows="\n".join(lab_row(lab, public_points[lab.id]) for lab in labs),
        first_folder=first.folder, first_lab=first.id, first_number=first.number,
        first_exercise=first.exercises[0].id, first_function=first.exercises[0].function,
        hidden_points=f"{total - sum(public_points[lab.id] for lab in labs):g}", total_points=total,
        tab_list=", ".join(tabs),
    )
