"""One module per tab; each exposes TITLE and build(impl)."""
