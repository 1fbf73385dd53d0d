"""``disputekit report``: the reports of notebooks that ran elsewhere (the Airflow DAG's), a
store's status read from its executed notebook's own record, no kernel started here."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import nbformat

from disputekit.adapters.workspace import Workspace
from disputekit.run.runner import report_stores
from tests.conftest import copy_parameters

DAY = date(2026, 11, 28)


def _notebook(path: Path, *, error: tuple[str, str] | None = None,
              finished: bool = True) -> None:
    """What Papermill leaves: its metadata, and on the cell that raised, the error."""
    nb = nbformat.v4.new_notebook()
    ok = nbformat.v4.new_markdown_cell("## volt · 28 Nov 2026\n\n**12 open disputes**")
    cell = nbformat.v4.new_code_cell("run_store_day(store_id)")
    cell.metadata["papermill"] = {"exception": error is not None}
    if error:
        cell.outputs = [nbformat.v4.new_output("error", ename=error[0], evalue=error[1],
                                               traceback=[])]
    nb.cells = [ok, cell]
    nb.metadata["papermill"] = {"duration": 12.5, "exception": error is not None,
                                "end_time": "2026-11-28T06:31:00" if finished else None}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def test_report_reads_each_store_from_its_notebook(tmp_path: Path) -> None:
    copy_parameters(tmp_path, "http://127.0.0.1:9/sync")
    (tmp_path / "notebooks").mkdir()
    ws = Workspace.at(tmp_path, env={})
    runs = ws.runs_dir / DAY.isoformat()
    _notebook(runs / "volt.ipynb")
    _notebook(runs / "spark.ipynb", error=("ConfigError", "set DISPUTEKIT_SPARK_TOKEN <b>"))
    # bloom: its task never got to run the notebook

    summary = report_stores(ws, DAY)

    by_store = {r.store_id: r for r in summary.runs}
    assert by_store["volt"].status == "ok" and by_store["volt"].duration == 12.5
    assert by_store["spark"].error == "ConfigError: set DISPUTEKIT_SPARK_TOKEN <b>"
    assert "no executed notebook" in by_store["bloom"].error
    assert not summary.ok
    reports = ws.reports_dir / DAY.isoformat()
    assert "12 open disputes" in (reports / "volt.html").read_text()
    assert not (reports / "spark.html").exists()
    index = (reports / "index.html").read_text()
    assert 'href="volt.html"' in index and 'href="spark.html"' not in index
    assert "set DISPUTEKIT_SPARK_TOKEN &lt;b&gt;" in index  # errors are text

    # The same through the command line, whose exit code says a store failed.
    cli = [sys.executable, "-m", "disputekit", "report", "--home", str(tmp_path),
           "--date", DAY.isoformat()]
    failed = subprocess.run(cli, capture_output=True, text=True, timeout=300, check=False)
    assert failed.returncode == 1, failed.stderr
    assert "no executed notebook" in failed.stderr
    _notebook(runs / "spark.ipynb")
    _notebook(runs / "bloom.ipynb", finished=True)
    done = subprocess.run(cli, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert 'id="failed-stores"' not in (reports / "index.html").read_text()


def test_a_notebook_that_did_not_finish_is_a_failed_store(tmp_path: Path) -> None:
    copy_parameters(tmp_path, "http://127.0.0.1:9/sync")
    ws = Workspace.at(tmp_path, env={})
    _notebook(ws.runs_dir / DAY.isoformat() / "volt.ipynb", finished=False)
    summary = report_stores(ws, DAY, ["volt"])
    assert summary.runs[0].error == "the notebook did not run to its end"
