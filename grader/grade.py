"""Points from test outcomes: per exercise, per lab and in total (the report's `grade` object)."""

from typing import Any


def compute_grade(tests: list[dict[str, Any]]) -> dict[str, Any]:
    """`{score, max_score, labs: {lab: {score, max_score, exercises: {id: {...}}}}}` from report tests."""
    labs: dict[str, dict[str, Any]] = {}
    for test in tests:
        meta = test.get("metadata", {})
        if "lab" not in meta:
            continue
        lab = labs.setdefault(meta["lab"], {"score": 0, "max_score": 0, "exercises": {}})
        exercise = lab["exercises"].setdefault(
            meta["exercise"],
            {"name": meta.get("function", ""), "score": 0, "max_score": 0, "passed": 0, "failed": 0},
        )
        passed = test["outcome"] == "passed"
        for entry in (lab, exercise):
            entry["score"] += meta["max_points"] if passed else 0
            entry["max_score"] += meta["max_points"]
        exercise["passed" if passed else "failed"] += 1
    for lab in labs.values():
        lab["exercises"] = dict(sorted(lab["exercises"].items(), key=lambda item: id_numbers(item[0])))
    return {
        "score": sum(lab["score"] for lab in labs.values()),
        "max_score": sum(lab["max_score"] for lab in labs.values()),
        "labs": dict(sorted(labs.items(), key=lambda item: id_numbers(item[0]))),
    }


def id_numbers(name: str) -> tuple[int, ...]:
    """`lab12` -> (12,), `lab1.10` -> (1, 10): ids sort as numbers, not as text."""
    parts = name.removeprefix("lab").split(".")
    return tuple(int(part) if part.isdigit() else 0 for part in parts)
