"""The instructor's commands: sync (the generator), batch, gradebook, Gradescope, release."""
