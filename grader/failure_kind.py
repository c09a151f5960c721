"""The kind of a failed test ('shape mismatch', 'exception IndexError', 'timeout', 'not implemented', ...), from
its error or, for reports written before the grader recorded it, from its feedback text. No torch here: the class
statistics read it without loading the judge."""

NOT_IMPLEMENTED = "not implemented"
# first words of the judge's own failure messages (grader.feedback, grader.worker_client) -> kind
FEEDBACK_KINDS = (
    ("expected shape", "shape mismatch"),
    ("expected dtype", "dtype mismatch"),
    ("values differ", "wrong values"),
    ("expected a ", "wrong type"),
    ("could not import your code", "import error"),
    ("timed out", "timeout"),
    ("time budget", "budget"),
    ("raised NotImplementedError", NOT_IMPLEMENTED),
)


def kind_from_feedback(text: str) -> str:
    """The kind of failure a feedback text describes ('wrong result' when it names none); also reads reports written
    before the grader recorded the kind."""
    first_line = text.splitlines()[0] if text else ""
    for words, kind in FEEDBACK_KINDS:
        if words in first_line:
            return kind
    if " raised " in first_line:
        return "exception " + first_line.split(" raised ", 1)[1].split(":", 1)[0]
    return "wrong result"


def failure_kind(error: BaseException) -> str:
    """'not implemented', 'exception IndexError', 'timeout', 'shape mismatch', ... for a failed test's error."""
    exc_type, kind = getattr(error, "exc_type", None), getattr(error, "kind", None)
    if exc_type is not None and kind is not None:  # a StudentCodeError from the worker
        if exc_type == "NotImplementedError":
            return NOT_IMPLEMENTED
        return f"exception {exc_type}" if kind == "exception" else kind.replace("_", " ")
    return kind_from_feedback(str(error))
