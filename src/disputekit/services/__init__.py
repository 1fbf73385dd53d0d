"""Use cases: what notebooks, widgets and the CLI call."""
