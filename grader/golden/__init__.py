"""Golden fixtures: record the reference's results for the public tests, and replay them in a student release."""
