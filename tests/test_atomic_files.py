"""Writes that cannot corrupt (issue 21, item 6).

On a full disk, ``disputekit run`` left ``index.html`` at 0 bytes, a truncated store report
and invalid executed notebooks, and a second run the same day spoiled the good ones the
same way. Reports, notebooks and the index are now written beside themselves and renamed:
on failure the previous version stays and the run says so in one line.

The full disk is simulated where the bytes are written: ``atomic_files._write`` (every
report and page goes through it) writes half of what it is given and then raises
``OSError(ENOSPC)``, as ``write(2)`` does when the disk fills mid-file; the executed
notebook is written by Papermill, whose stand-in here writes half a notebook and raises the
same. (No small file system can be mounted in CI to fill for real.)
"""

from __future__ import annotations

import errno
import os
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell, new_notebook

from disputekit.adapters import atomic_files
from disputekit.adapters.workspace import Workspace
from disputekit.errors import FileWriteError
from disputekit.render.notebook_html import notebook_to_html
from disputekit.run import runner
from disputekit.run.index import write_index
from disputekit.run.store_run import StoreRun
from tests.conftest import make_workspace

DAY = date(2026, 11, 28)


def fill_the_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    def half_then_full(handle: BinaryIO, data: bytes) -> None:
        handle.write(data[:len(data) // 2])
        handle.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic_files, "_write", half_then_full)


def only_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_full_disk_keeps_the_previous_file_and_says_so_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.html"
    atomic_files.write_text(target, "<p>yesterday</p>")
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)  # readable, as before
    fill_the_disk(monkeypatch)
    with pytest.raises(FileWriteError) as caught:
        atomic_files.write_text(target, "<p>today</p>" * 1000)
    message = str(caught.value)
    assert "\n" not in message and str(target) in message
    assert "No space left on device" in message and "previous version is kept" in message
    assert target.read_text() == "<p>yesterday</p>"
    assert only_files(tmp_path) == ["report.html"]  # no temporary file left behind
    with pytest.raises(FileWriteError, match="there was none before"):
        atomic_files.write_text(tmp_path / "new.html", "x")
    assert only_files(tmp_path) == ["report.html"]


def executed_notebook(path: Path, words: str) -> Path:
    nbformat.write(new_notebook(cells=[new_markdown_cell(f"# {words}")]), path)
    return path


def test_a_report_rendered_on_a_full_disk_keeps_yesterdays(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = tmp_path / "reports" / "volt.html"
    notebook_to_html(executed_notebook(tmp_path / "first.ipynb", "First run"), report)
    first = report.read_text()
    assert "First run" in first
    fill_the_disk(monkeypatch)
    with pytest.raises(FileWriteError, match="previous version is kept"):
        notebook_to_html(executed_notebook(tmp_path / "second.ipynb", "Second run"), report)
    assert report.read_text() == first
    assert only_files(report.parent) == ["volt.html"]


def test_the_index_written_on_a_full_disk_keeps_the_previous_page(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "index.html"
    write_index(DAY, [StoreRun("volt", status="ok")], page)
    first = page.read_text()
    assert "volt" in first and len(first) > 200
    fill_the_disk(monkeypatch)
    with pytest.raises(FileWriteError):
        write_index(DAY, [StoreRun("volt", status="ok"), StoreRun("spark")], page)
    assert page.read_text() == first and only_files(tmp_path) == ["index.html"]


def fake_papermill(words: str, *, disk_full: bool = False, cell_error: bool = False) -> Any:
    """Stands in for Papermill: writes the executed notebook where it is told to, and
    returns it."""
    def execute(_job: Any, _store_id: str, output: Path) -> Any:
        notebook = new_notebook(cells=[new_markdown_cell(f"# {words}")])
        text = nbformat.writes(notebook)
        if disk_full:
            output.write_text(text[:len(text) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        output.write_text(text)
        if cell_error:
            raise RuntimeError("a cell failed")
        return notebook
    return execute


def test_a_second_run_on_a_full_disk_keeps_the_first_runs_notebook_report_and_index(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, credentials: dict[str, str]) -> None:
    ws: Workspace = make_workspace(tmp_path / "ws", "http://127.0.0.1:9/sync")
    monkeypatch.setattr(runner, "_count_queues", lambda *_a: None)  # no database figures here
    monkeypatch.setattr(runner, "_execute", fake_papermill("First run"))
    first = runner.run_stores(ws, ["volt"], DAY, jobs=1)
    assert first.ok, first.runs
    notebook = ws.runs_dir / "2026-11-28" / "volt.ipynb"
    report = ws.reports_dir / "2026-11-28" / "volt.html"
    index = ws.reports_dir / "2026-11-28" / "index.html"
    kept = {p: p.read_bytes() for p in (notebook, report, index)}

    monkeypatch.setattr(runner, "_execute", fake_papermill("Second run", disk_full=True))
    fill_the_disk(monkeypatch)
    second = runner.run_stores(ws, ["volt"], DAY, jobs=1)
    assert not second.ok
    (run,) = second.runs
    assert run.status == "failed" and "\n" not in run.error
    assert str(notebook) in run.error and "previous version is kept" in run.error
    assert "previous version is kept" in second.index_error and "\n" not in second.index_error
    assert {p: p.read_bytes() for p in kept} == kept
    nbformat.validate(nbformat.read(notebook, as_version=4))
    for folder in (notebook.parent, report.parent):
        assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]

    # The disk has room again, and the notebook fails in a cell: written whole, it shows the
    # error and replaces the old one, as before.
    monkeypatch.undo()
    for key, value in credentials.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(runner, "_count_queues", lambda *_a: None)
    monkeypatch.setattr(runner, "_execute", fake_papermill("Third run", cell_error=True))
    third = runner.run_stores(ws, ["volt"], DAY, jobs=1)
    assert not third.ok and "a cell failed" in third.runs[0].error
    assert "Third run" in notebook.read_text() and report.read_bytes() == kept[report]
