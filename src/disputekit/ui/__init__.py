"""Widgets for the workbooks: wiring only."""
