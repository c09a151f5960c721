"""The untrusted side of the grader: the worker that runs student code, its sandbox, limits and wire format.

Nothing here imports the judge (the rest of `grader`): the worker loads these files as plain scripts.
"""
