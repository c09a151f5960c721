"""`python -m grader stats`: the instructor's view of a class (see grader.instructor.stats.command)."""


def main(argv: list[str]) -> int:
    """Run the stats command; imported here, on use, so that grading never waits for matplotlib to load."""
    from grader.instructor.stats.command import main as stats_main

    return stats_main(argv)
