"""The lab saves the project's notebooks in their committed form, whatever was run."""

from __future__ import annotations

import copy
import json

import nbformat

from disputekit.run.lab_save import pre_save
from tests.conftest import REPO


def used(name: str) -> dict:  # type: ignore[type-arg]
    """The committed notebook as the lab holds it after a session: outputs, counts, run
    timings, the widgets' state, the kernel's version."""
    notebook = json.loads((REPO / "notebooks" / name).read_text())
    for n, cell in enumerate(c for c in notebook["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = n + 1
        cell["outputs"] = [{"output_type": "display_data", "metadata": {},
                            "data": {"application/vnd.jupyter.widget-view+json":
                                     {"model_id": "abc", "version_major": 2}}}]
        cell["metadata"]["execution"] = {"iopub.execute_input": "2026-12-05T10:00:00Z"}
    notebook["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    notebook["metadata"]["kernelspec"]["display_name"] = "Python 3 (ipykernel)"
    notebook["metadata"]["language_info"] = {"name": "python", "version": "3.11.7",
                                             "mimetype": "text/x-python"}
    return notebook


def test_a_used_workbook_saves_as_committed() -> None:
    for name in ("daily_review.ipynb", "evidence.ipynb", "store_daily.ipynb"):
        model = {"type": "notebook", "content": used(name)}
        pre_save(model, path=f"notebooks/{name}")
        written = nbformat.writes(nbformat.from_dict(model["content"])) + "\n"
        assert written == (REPO / "notebooks" / name).read_text(), name


def test_an_operators_own_notebook_is_saved_as_it_is() -> None:
    content = used("daily_review.ipynb")
    model = {"type": "notebook", "content": copy.deepcopy(content)}
    pre_save(model, path="my_analysis.ipynb")
    assert model["content"] == content
    files = {"type": "file", "content": "text"}
    pre_save(files, path="daily_review.ipynb")
    assert files == {"type": "file", "content": "text"}
