"""The scheduled job: every store's notebook through Papermill, then the reports.

``run_stores`` executes ``notebooks/store_daily.ipynb`` once per store into
``runs/<date>/<store>.ipynb`` with only the store id and the run date as parameters (no
secret ever travels through Papermill), renders ``reports/<date>/<store>.html`` without
code, and writes ``reports/<date>/index.html``. A store that fails is recorded and the
others go on; the caller decides the exit code from ``RunSummary.ok``.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager

from disputekit.dispute_queue import open_disputes
from disputekit.errors import DisputeKitError
from disputekit.parameters import load_store, store_files
from disputekit.platform_time import utc_now
from disputekit.report import notebook_to_html, write_index
from disputekit.storage import Database
from disputekit.workspace import Workspace

log = logging.getLogger(__name__)

STORE_NOTEBOOK = "store_daily.ipynb"


class IPCKernelManager(AsyncKernelManager):
    """Kernels talk over Unix sockets in a private temp folder, not loopback TCP ports:
    no port race when kernels start side by side (papermill #511), nothing listening on
    the network, and no "running over TCP without encryption" warning in every log."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", os.path.join(tempfile.mkdtemp(prefix="disputekit-kernel-"),
                                             "kernel"))
        super().__init__(**kwargs)


@dataclass
class StoreRun:
    store_id: str
    status: str = "failed"  # ok / failed
    duration: float = 0.0
    notebook: Path | None = None
    report: Path | None = None
    error: str = ""
    open_disputes: int | None = None
    due_today: int | None = None


@dataclass
class RunSummary:
    run_date: date
    runs: list[StoreRun] = field(default_factory=list)
    index: Path | None = None

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.status == "ok" for r in self.runs)


@contextmanager
def _kernel_environment(ws: Workspace) -> Iterator[None]:
    # Kernels inherit this process's environment: tell them where the workspace is,
    # because their working directory is notebooks/.
    wanted = {"DISPUTEKIT_HOME": str(ws.root), "DISPUTEKIT_DB_URL": ws.db_url,
              "DISPUTEKIT_PARAMETERS_DIR": str(ws.parameters_dir)}
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_stores(
    workspace: Workspace,
    store_ids: Sequence[str] | None = None,
    run_date: date | None = None,
    *,
    kernel_name: str = "python3",
    start_timeout: float = 120,
    execution_timeout: float = 900,
) -> RunSummary:
    """Run every store (or ``store_ids``) and write the reports; never raises for one store."""
    import papermill

    day = run_date or utc_now().date()
    ids = list(store_ids) if store_ids else [p.stem for p in store_files(workspace.parameters_dir)]
    summary = RunSummary(day)
    runs_dir = workspace.runs_dir / day.isoformat()
    reports_dir = workspace.reports_dir / day.isoformat()
    runs_dir.mkdir(parents=True, exist_ok=True)
    with _kernel_environment(workspace):
        for store_id in ids:
            run = StoreRun(store_id)
            summary.runs.append(run)
            started = time.monotonic()
            try:
                # Fail fast, before a kernel starts, on what can be checked here.
                store = load_store(store_id, workspace.parameters_dir)
                store.credentials()
                run.notebook = runs_dir / f"{store_id}.ipynb"
                papermill.execute_notebook(
                    str(workspace.notebooks_dir / STORE_NOTEBOOK), str(run.notebook),
                    parameters={"store_id": store_id, "run_date": day.isoformat()},
                    cwd=str(workspace.notebooks_dir), kernel_name=kernel_name,
                    progress_bar=False, start_timeout=start_timeout,
                    execution_timeout=execution_timeout,
                    kernel_manager_class=IPCKernelManager,
                )
                run.report = notebook_to_html(run.notebook, reports_dir / f"{store_id}.html")
                run.status = "ok"
            except DisputeKitError as exc:
                run.error = str(exc)
            except Exception as exc:  # papermill / kernel failures: keep going with the others
                run.error = _short_error(exc)
            run.duration = time.monotonic() - started
            if run.status != "ok":
                log.error("store %s failed: %s", store_id, run.error)
    _count_queues(workspace, summary)
    summary.index = write_index(day, summary.runs, reports_dir / "index.html")
    return summary


def _count_queues(workspace: Workspace, summary: RunSummary) -> None:
    db = Database.open(workspace.db_url)
    try:
        queue = open_disputes(db, utc_now(), [r.store_id for r in summary.runs])
    finally:
        db.dispose()
    for run in summary.runs:
        if run.status != "ok":
            continue
        mine = queue[queue["store_id"] == run.store_id]
        run.open_disputes = len(mine)
        run.due_today = int((mine["hours_left"].fillna(1e9) < 24).sum())


def _short_error(exc: Exception) -> str:
    name = type(exc).__name__
    ename = getattr(exc, "ename", "")
    evalue = getattr(exc, "evalue", "")
    if ename:  # PapermillExecutionError: the error raised inside the notebook
        return f"{ename}: {evalue}"
    return f"{name}: {exc}".splitlines()[0][:500]
