"""`python -m grader batch SUBMISSIONS --out REPORTS --slurm job.sh`: a Slurm job array that grades a class on a
cluster, one submission per task, instead of grading here.

    python -m grader batch SUBMISSIONS --out REPORTS --slurm job.sh [--labs LAB ...] [--force]
    sbatch job.sh                                   # task i grades the i-th submission into REPORTS/<id>.json
    python -m grader gradebook REPORTS --csv grades.csv

Each task runs the batch itself on its one submission (`--only ID`), so a report, a log, the student's feedback,
the resubmission hash and an error report for bad input come exactly as from a batch run here. The array holds
the submissions the batch would grade now (new, changed, or not graded before); submitting the script again
grades again only those whose files changed since. The kit and its Python must be where the script says on the
cluster's nodes (a shared file system), as must SUBMISSIONS and REPORTS.
"""

import math
import shlex
import sys
from pathlib import Path

from grader.paths import REPO_ROOT

CPUS_PER_TASK = 2  # the judge and the sandboxed worker
MEMORY = "3G"  # judge and worker peak at 2.25 GB RSS grading all six labs (bench/bench_grader_memory.py)
TASK_VARIABLE = "SLURM_ARRAY_TASK_ID"


def time_limit(seconds: float) -> str:
    """Slurm's `--time` (minutes:seconds rounded up to a minute) for a task that may run `seconds`."""
    return f"{math.ceil(seconds / 60)}:00"


def task_command(submissions: Path, out: Path, labs: list[str], budget_s: float, force: bool) -> list[str]:
    """The batch command of one task, before its `--only ID`."""
    return [sys.executable, "-m", "grader", "batch", str(submissions.resolve()), "--out", str(out.resolve()),
            "--workers", "1", "--budget", f"{budget_s:g}", "--progress-every", "60",
            *(["--labs", *labs] if labs else []), *(["--force"] if force else [])]


def job_script(students: list[str], command: list[str], out: Path, task_seconds: float) -> str:
    """The sbatch script: an array of one task per student, each running `command --only <its student>`."""
    logs = out.resolve() / "logs"
    names = "\n".join(f"  {shlex.quote(student)}" for student in students)
    return f"""#!/bin/bash
# Grades {len(students)} submissions, one per task of a Slurm job array (python -m grader batch --slurm).
# Submit with: sbatch {{this file}}; then: python -m grader gradebook {shlex.quote(str(out.resolve()))} --csv grades.csv
#SBATCH --job-name=ipdl-grade
#SBATCH --array=0-{len(students) - 1}
#SBATCH --cpus-per-task={CPUS_PER_TASK}
#SBATCH --mem={MEMORY}
#SBATCH --time={time_limit(task_seconds)}
#SBATCH --output={logs}/slurm-%A_%a.txt
set -euo pipefail
STUDENTS=(
{names}
)
if [ -z "${{{TASK_VARIABLE}:-}}" ]; then
  echo "error: run this script with sbatch (each array task grades the submission \\${TASK_VARIABLE} names)" >&2
  exit 2
fi
STUDENT="${{STUDENTS[${TASK_VARIABLE}]:?no submission for task ${TASK_VARIABLE}=${{{TASK_VARIABLE}}}}}"
cd {shlex.quote(str(REPO_ROOT))}
exec {shlex.join(command)} --only "$STUDENT"
"""


def write_job(path: Path, students: list[str], command: list[str], out: Path, task_seconds: float) -> str:
    """Write the job script (executable) and return what to tell the instructor."""
    (out / "logs").mkdir(parents=True, exist_ok=True)
    path.write_text(job_script(students, command, out, task_seconds))
    path.chmod(0o755)
    return (f"Wrote {path}: a Slurm job array of {len(students)} tasks, one per submission to grade.\n"
            f"Submit it with: sbatch {path}\n"
            f"When it has finished: python -m grader gradebook {out} --csv grades.csv")
