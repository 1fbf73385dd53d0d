"""The scheduled run, the portfolio index, the CLI."""
