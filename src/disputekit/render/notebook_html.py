"""An executed notebook as a code-free HTML report (nbconvert with our own template)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat

from disputekit.adapters import atomic_files

TEMPLATES = Path(__file__).parent / "templates" / "nbconvert"


def notebook_to_html(notebook: Path | Any, target: Path) -> Path:
    """Render an executed notebook (a file, or the ``NotebookNode`` Papermill returned:
    not read back from the file it just wrote) without its code cells or prompts; written
    whole or not at all (``FileWriteError``, the previous report kept)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(  # type: ignore[no-untyped-call]
        template_name="report", extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
    )
    executed = (nbformat.read(notebook, as_version=4)  # type: ignore[no-untyped-call]
                if isinstance(notebook, (str, Path)) else notebook)
    body, _resources = exporter.from_notebook_node(executed)
    # Whole or not at all: a full disk keeps yesterday's report, not half of today's.
    return atomic_files.write_text(target, body)
