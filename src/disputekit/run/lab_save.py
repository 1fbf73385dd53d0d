"""What JupyterLab saves of the project's notebooks: their committed form.

Using the workbook runs its cells and draws widgets; saving that (JupyterLab autosaves)
would leave outputs, execution counts, the kernel's version and the widgets' state in
the notebook, so git shows it modified and reopening it shows "model not found" for
widgets whose kernel is gone. ``pre_save`` (the lab's ``ContentsManager.pre_save_hook``;
``make lab`` sets it) strips all that from the project's notebooks before they are
written: what the operator was doing is kept in the database instead
(``services.workbook_state``).
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

#: The notebooks the project ships; an operator's own notebooks are saved as they are.
PROJECT_NOTEBOOKS = frozenset({"daily_review.ipynb", "evidence.ipynb", "store_daily.ipynb"})
# Per-cell metadata the lab adds while it is used (timings, view state).
_CELL_NOISE = ("execution", "scrolled", "collapsed", "jupyter", "trusted")


def pre_save(model: dict[str, Any], path: str = "", contents_manager: Any = None,
             **_kwargs: Any) -> None:
    """Strip outputs, counts, widget state and run metadata from a project notebook."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    if PurePosixPath(path or model.get("path", "")).name not in PROJECT_NOTEBOOKS:
        return
    notebook = model["content"]
    metadata = notebook.setdefault("metadata", {})
    metadata.pop("widgets", None)
    spec = metadata.get("kernelspec")
    if isinstance(spec, dict) and spec.get("name") == "python3":
        # ipykernel names its spec "Python 3 (ipykernel)"; the committed form is the plain one
        metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                  "name": "python3"}
    if "language_info" in metadata:
        metadata["language_info"] = {"name": metadata["language_info"].get("name", "python")}
    for cell in notebook.get("cells", []):
        for key in _CELL_NOISE:
            cell.get("metadata", {}).pop(key, None)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
