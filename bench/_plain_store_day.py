"""The store notebook's code run in a plain Python process: no kernel, no Papermill.

    python bench/_plain_store_day.py STORE [STORE ...]    (environment as the runner sets it)

Used by ``daily_run.py``. For each store, in order, it runs the code cells of
``notebooks/store_daily.ipynb`` with the parameters set, and turns what each cell shows
(``display(...)`` and the cell's last expression) into the HTML, PNG or Markdown a kernel
would send, so the figures are computed and drawn as in the notebook. Prints one JSON line:
total seconds, and the seconds spent in ``run_store_day`` alone (the first code cell after
the parameters).
"""

from __future__ import annotations

import ast
import json
import sys
import time
from pathlib import Path
from typing import Any

import nbformat

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "store_daily.ipynb"
_REPRS = ("_repr_html_", "_repr_png_", "_repr_markdown_")


def _render(value: Any) -> int:
    """What a kernel's display formatter would compute for ``value`` (its size, unused)."""
    if value is None:
        return 0
    for name in _REPRS:
        method = getattr(value, name, None)
        if method is not None:
            out = method()
            if out is not None:
                return len(out)
    return len(repr(value))


def _run_cell(source: str, namespace: dict[str, Any]) -> None:
    tree = ast.parse(source)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body = tree.body[:-1]
    exec(compile(tree, "<cell>", "exec"), namespace)
    if last is not None:
        _render(eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace))


def main(store_ids: list[str]) -> int:
    import IPython.display

    IPython.display.display = lambda *values, **_kw: [_render(v) for v in values]
    cells = [c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells
             if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    started = time.perf_counter()
    store_day = 0.0
    for store_id in store_ids:
        namespace: dict[str, Any] = {"store_id": store_id, "run_date": ""}
        for n, source in enumerate(cells):
            cell_started = time.perf_counter()
            _run_cell(source, namespace)
            if n == 0:  # ``day = run_store_day(store_id, run_date)``
                store_day += time.perf_counter() - cell_started
    print(json.dumps({"seconds": time.perf_counter() - started, "run_store_day": store_day}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
