"""The hint for a function not written yet names the file that holds its TODO."""

from grader.plugin import hint_for_student_error
from grader.worker_client import StudentCodeError

HARNESS_THEN_EXERCISE = (
    '  File "/tmp/ipdl/labs/lab2_lenet/harness.py", line 50, in train_lenet\n'
    "    loss = train_one_epoch(model, loader, optimizer, device)\n"
    '  File "/tmp/ipdl/labs/lab2_lenet/training.py", line 40, in train_one_epoch\n'
    '    raise NotImplementedError("lab2.5: write the loop")\n'
)


def not_implemented(function: str, traceback: str) -> StudentCodeError:
    return StudentCodeError("exception", function, "NotImplementedError", "lab2.5: write the loop", traceback)


def test_hint_names_the_file_that_raised_not_the_harness_the_judge_called() -> None:
    hint = hint_for_student_error(not_implemented("lab2_lenet.harness.train_lenet", HARNESS_THEN_EXERCISE))
    assert hint == "not implemented yet: fill in TODO(lab2.5) in lab2_lenet/training.py"


def test_without_a_traceback_the_hint_names_the_called_module() -> None:
    hint = hint_for_student_error(not_implemented("lab2_lenet.training.train_one_epoch", ""))
    assert hint == "not implemented yet: fill in TODO(lab2.5) in lab2_lenet/training.py"
