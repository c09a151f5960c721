"""The ipdl-lab grader: a trusted pytest judge that calls student code through a sandboxed worker."""
