"""The scheduled job: every store's notebook through Papermill, then the reports.

``run_stores`` executes ``notebooks/store_daily.ipynb`` once per store into
``runs/<date>/<store>.ipynb`` with only the store id and the run date as parameters (no
secret ever travels through Papermill), renders ``reports/<date>/<store>.html`` without
code, and writes ``reports/<date>/index.html`` (:func:`publish`). ``report_stores`` does the
same from notebooks that ran elsewhere (the Airflow DAG's Papermill tasks). A store that
fails is recorded and the others go on; the caller decides the exit code from
``RunSummary.ok``.
"""

from __future__ import annotations

import errno
import logging
import multiprocessing
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import AsyncKernelManager

from disputekit.adapters import atomic_files
from disputekit.adapters.db.arrow import orders_arrow
from disputekit.adapters.db.database import Database
from disputekit.adapters.parameters import check_store_id, load_store, store_files
from disputekit.adapters.workspace import Workspace
from disputekit.domain import kpis
from disputekit.domain.platform_time import utc_now
from disputekit.errors import DisputeKitError, FileWriteError
from disputekit.render.notebook_html import notebook_to_html
from disputekit.run import orphans, warm_kernel
from disputekit.run.index import write_index
from disputekit.run.store_run import RunSummary, StoreRun
from disputekit.services.portfolio import Portfolio, portfolio_of
from disputekit.services.queue import open_disputes
from disputekit.services.report_data import claims_frame, disputes_frame
from disputekit.services.what_works import portfolio_what_works

log = logging.getLogger(__name__)

STORE_NOTEBOOK = "store_daily.ipynb"


class IPCKernelManager(AsyncKernelManager):
    """Kernels talk over Unix sockets in a private temp folder, not loopback TCP ports:
    no port race when kernels start side by side (papermill #511), no Jupyter channel on a
    TCP port, and no "running over TCP without encryption" warning in every log. (ipykernel
    still opens TCP ports of its own, on 127.0.0.1: docs/reliability.md.)"""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", os.path.join(
            tempfile.mkdtemp(prefix=orphans.KERNEL_FOLDER_PREFIX), "kernel"))
        super().__init__(**kwargs)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:  # the sockets are gone: the private folder goes too (it was left)
            with suppress(OSError):
                os.rmdir(os.path.dirname(self.ip))


@contextmanager
def temporary_environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for a block (kernels and workers inherit them), then put
    back what was there."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _kernel_environment(ws: Workspace) -> AbstractContextManager[None]:
    # Kernels inherit this process's environment: tell them where the workspace is,
    # because their working directory is notebooks/.
    return temporary_environment({"DISPUTEKIT_HOME": str(ws.root),
                                  "DISPUTEKIT_DB_URL": ws.db_url,
                                  "DISPUTEKIT_PARAMETERS_DIR": str(ws.parameters_dir)})


def run_stores(
    workspace: Workspace,
    store_ids: Sequence[str] | None = None,
    run_date: date | None = None,
    *,
    jobs: int | None = None,
    kernel_name: str = "python3",
    start_timeout: float = 120,
    execution_timeout: float = 900,
) -> RunSummary:
    """Run every store (or ``store_ids``) and write the reports; never raises for one store.

    Stores run in separate worker processes (``jobs`` at once, default the number of
    cores), each kernel on its own IPC sockets, so one store's crash or hang cannot take the
    others down; a store whose kernel died is run once more.
    """
    day = run_date or utc_now().date()
    ids = list(store_ids) if store_ids else [p.stem for p in store_files(workspace.parameters_dir)]
    summary = RunSummary(day)
    (workspace.runs_dir / day.isoformat()).mkdir(parents=True, exist_ok=True)
    job = _Job(workspace, day, kernel_name, start_timeout, execution_timeout)
    # Create the schema once, here, before the store processes start opening it together.
    Database.open(workspace.db_url).dispose()
    workers = max(1, min(jobs or os.cpu_count() or 1, len(ids) or 1))
    # What a run killed mid-way left running or lying about is ended first (orphans.py).
    active = workspace.runs_dir / orphans.ACTIVE_FOLDER
    orphans.end_stale(active)
    orphans.remove_kernel_folders()
    orphans.register(active, os.getpid())
    try:
        with _kernel_environment(workspace):
            if workers == 1:
                with warm_kernel.kept_warm():
                    summary.runs = [_run_store(job, store_id) for store_id in ids]
            else:
                context = multiprocessing.get_context("spawn")  # no inherited sockets
                with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                         initializer=_worker_started,
                                         initargs=(os.getpid(), active)) as pool:
                    summary.runs = list(pool.map(_run_store, [job] * len(ids), ids))
    finally:
        orphans.forget_run(active, os.getpid())
    return publish(workspace, summary)


def _worker_started(run_pid: int, active: Path) -> None:
    """A worker dies with its run (and so do its kernels), is on record meanwhile, and
    ends its warm kernel when the pool lets it go (a pool's worker leaves through
    multiprocessing's finalizers, not ``atexit``)."""
    from multiprocessing.util import Finalize

    orphans.die_with_parent(run_pid)
    orphans.register(active, run_pid)
    Finalize(None, warm_kernel.end, exitpriority=10)


def publish(workspace: Workspace, summary: RunSummary) -> RunSummary:
    """The run's shared part after the stores: the portfolio figures and
    ``reports/<date>/index.html``. ``disputekit run`` and the Airflow DAG's last task
    (through :func:`report_stores`) both end here, so both leave the same reports."""
    for run in summary.runs:
        if run.status != "ok":
            log.error("store %s failed: %s", run.store_id, run.error)
    portfolio = _count_queues(workspace, summary)
    reports_dir = workspace.reports_dir / summary.run_date.isoformat()
    try:
        summary.index = write_index(summary.run_date, summary.runs, reports_dir / "index.html",
                                    summary.works, portfolio)
    except FileWriteError as exc:  # the previous page stays; the run says so and fails
        summary.index_error = str(exc)
        log.error("%s", exc)
    return summary


def report_stores(workspace: Workspace, run_date: date,
                  store_ids: Sequence[str] | None = None) -> RunSummary:
    """The reports of stores whose notebooks ran elsewhere (Airflow's Papermill tasks): each
    ``runs/<date>/<store>.ipynb`` rendered to ``reports/<date>/<store>.html`` as
    ``disputekit run`` does, then :func:`publish`. A store is ``failed`` when its notebook is
    missing (its task never got to run it) or stopped on an error (the notebook's own
    record, which Papermill keeps: the cell that raised and its error)."""
    ids = list(store_ids) if store_ids else [p.stem for p in store_files(workspace.parameters_dir)]
    summary = RunSummary(run_date)
    runs_dir = workspace.runs_dir / run_date.isoformat()
    for store_id in ids:
        run = StoreRun(store_id)
        summary.runs.append(run)
        try:
            check_store_id(store_id)
        except DisputeKitError as exc:
            run.error = str(exc)
            continue
        notebook = runs_dir / f"{store_id}.ipynb"
        if not notebook.is_file():
            run.error = f"no executed notebook at {notebook}: the store's task did not run it"
            continue
        run.notebook = notebook
        run.error, run.duration = _notebook_outcome(notebook)
        if run.error:
            continue
        try:
            run.report = _render_report(workspace, run_date, store_id, notebook)
            run.status = "ok"
        except Exception as exc:  # a notebook nbconvert cannot read: this store only
            run.error = _short_error(exc)
    return publish(workspace, summary)


def _render_report(workspace: Workspace, day: date, store_id: str, notebook: Path | Any
                   ) -> Path:
    """``reports/<date>/<store>.html``: the one place a store's report is written."""
    return notebook_to_html(notebook, workspace.reports_dir / day.isoformat()
                            / f"{store_id}.html")


def _notebook_outcome(notebook: Path) -> tuple[str, float]:
    """The error an executed notebook stopped on (``""`` when it ran to the end) and its
    duration, from the metadata Papermill writes into it."""
    import nbformat

    executed = nbformat.read(notebook, as_version=4)  # type: ignore[no-untyped-call]
    meta = executed.metadata.get("papermill", {})
    duration = float(meta.get("duration") or 0.0)
    for cell in executed.cells:
        if cell.get("metadata", {}).get("papermill", {}).get("exception"):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    return f"{output.get('ename')}: {output.get('evalue')}"[:500], duration
            return "the notebook stopped on an error", duration
    if meta.get("exception") or meta.get("end_time") is None:
        return "the notebook did not run to its end", duration
    return "", duration


@dataclass(frozen=True)
class _Job:
    workspace: Workspace
    day: date
    kernel_name: str
    start_timeout: float
    execution_timeout: float


def _run_store(job: _Job, store_id: str) -> StoreRun:
    """One store's run, in a worker process: its own log file, one retry if the kernel died."""
    run = StoreRun(store_id)
    try:
        check_store_id(store_id)  # it names the log below: refuse '../x' before opening one
    except DisputeKitError as exc:
        run.error = str(exc)
        return run
    started = time.monotonic()
    runs_dir = job.workspace.runs_dir / job.day.isoformat()
    run.log = runs_dir / f"{store_id}.log"
    handler = logging.FileHandler(run.log, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    watched = [logging.getLogger(name) for name in ("papermill", "disputekit")]
    for logger in watched:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        # Fail fast, before a kernel starts, on what can be checked here.
        store = load_store(store_id, job.workspace.parameters_dir)
        store.credentials()
        run.notebook = runs_dir / f"{store_id}.ipynb"
        executed: Any = None
        for attempt in (1, 2):
            try:
                executed = _execute_whole(job, store_id, run.notebook)
                break
            except Exception as exc:
                if attempt == 2 or not _kernel_died(exc):
                    raise
                run.retried = True
                log.warning("store %s: the kernel died (%s); running it once more",
                            store_id, _short_error(exc))
        # the executed notebook Papermill hands back, not read again from the file it wrote
        run.report = _render_report(job.workspace, job.day, store_id, executed)
        run.status = "ok"
    except DisputeKitError as exc:
        run.error = str(exc)
    except Exception as exc:  # papermill / kernel failures: keep going with the others
        run.error = _short_error(exc)
    finally:
        run.duration = time.monotonic() - started
        if run.error:
            log.error("store %s failed: %s", store_id, run.error)
        for logger in watched:
            logger.removeHandler(handler)
        handler.close()
    return run


def _execute(job: _Job, store_id: str, output: Path) -> Any:
    """Run the store's notebook into ``output`` on this process's warm kernel
    (``run.warm_kernel``); the executed notebook (a NotebookNode)."""
    import papermill

    return papermill.execute_notebook(
        str(job.workspace.notebooks_dir / STORE_NOTEBOOK), str(output),
        parameters={"store_id": store_id, "run_date": job.day.isoformat()},
        cwd=str(job.workspace.notebooks_dir), kernel_name=job.kernel_name,
        progress_bar=False, log_output=True, start_timeout=job.start_timeout,
        execution_timeout=job.execution_timeout, kernel_manager_class=IPCKernelManager,
        engine_name=warm_kernel.ENGINE,
    )


# What a write meets when the disk or the folder refuses it (not a kernel's own OSError).
_WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO})


def _execute_whole(job: _Job, store_id: str, target: Path) -> Any:
    """Execute into a temporary notebook beside ``target``, renamed over it at the end.

    Papermill writes its output as cells run; written in place, a full disk left an invalid
    notebook where yesterday's good one was. A notebook that failed in a cell but was
    written whole replaces the previous one as before (it shows the error); one that could
    not be written whole is removed and the previous one kept (``FileWriteError``). The
    executed notebook (a NotebookNode) is returned."""
    partial = atomic_files.temporary_beside(target)
    try:
        executed = _execute(job, store_id, partial)
    except OSError as exc:
        if exc.errno not in _WRITE_ERRORS:  # a kernel that would not start, a socket...
            _keep_if_whole(partial, target)
            raise
        atomic_files.discard(partial)
        raise FileWriteError(atomic_files.not_written(target, exc)) from exc
    except Exception:
        _keep_if_whole(partial, target)
        raise
    try:
        atomic_files.commit(partial, target)
    except OSError as exc:
        raise FileWriteError(atomic_files.not_written(target, exc)) from exc
    finally:
        atomic_files.discard(partial)
    return executed


def _keep_if_whole(partial: Path, target: Path) -> None:
    try:
        nbformat.read(partial, as_version=4)  # type: ignore[no-untyped-call]
        atomic_files.commit(partial, target)
    except Exception:  # noqa: BLE001 - not a whole notebook, or not writable: keep the old
        log.warning("%s: the failed run's notebook was not written whole; the previous "
                    "one is kept", target)
    finally:
        atomic_files.discard(partial)


def _kernel_died(exc: BaseException) -> bool:
    from nbclient.exceptions import DeadKernelError

    return isinstance(exc, DeadKernelError) or "DeadKernelError" in type(exc).__name__ \
        or "Kernel died" in str(exc)


def _count_queues(workspace: Workspace, summary: RunSummary) -> Portfolio | None:
    """The portfolio figures: each store's queue, dispute rate and its change this week, its
    drift lines, and what works across the stores (``summary.works``); the page's
    portfolio (urgency, trends, money this month, what is getting worse, overdue)."""
    ok = [r.store_id for r in summary.runs if r.status == "ok"]
    if not ok:
        return None
    now = utc_now()
    db = Database.open(workspace.db_url)
    try:
        queue = open_disputes(db, now, ok, triage=False)
        disputes = disputes_frame(db, now, ok)
        claims = claims_frame(db, ok)
        stores = {store_id: load_store(store_id, workspace.parameters_dir) for store_id in ok}
        summary.works, drifting = portfolio_what_works(db, now, ok, stores)
        # the orders read in bulk into Arrow, never as Python objects: the portfolio's
        # rates, trends and lanes are the columnar engine's
        portfolio = portfolio_of(db, now, ok, queue=queue, orders=orders_arrow(db, ok),
                                 disputes=disputes)
    finally:
        db.dispose()
    # each store's rate now and a week ago: the portfolio's, counted by the engine once
    rates = {s.store_id: s for s in portfolio.stores}
    money = disputes.assign(refund_usd=disputes["refund_usd"].astype(float))
    this_week, last_week = {}, {}
    for run in summary.runs:
        if run.status != "ok":
            continue
        mine = queue[queue["store_id"] == run.store_id]
        run.open_disputes = len(mine)
        run.drift = [d.message for d in drifting.get(run.store_id, ())]
        run.due_today = int((mine["hours_left"].fillna(1e9) < 24).sum())
        run.rate = rates[run.store_id].rate
        this_week[run.store_id] = run.rate
        last_week[run.store_id] = rates[run.store_id].rate_week_ago
        recent = money[(money["store_id"] == run.store_id)
                       & (money["created_at"] >= now - timedelta(days=30))]
        recovered = claims[claims["store_id"] == run.store_id]["recovered_amount"].sum()
        run.refunded_30d = float(recent["refund_usd"].sum())
        run.recovered = float(recovered)
    changes = kpis.week_changes(this_week, last_week)
    for row in changes.to_dict("records"):
        match = next(r for r in summary.runs if r.store_id == row["store_id"])
        match.rate_change = row["change"]
    return portfolio


def _short_error(exc: Exception) -> str:
    name = type(exc).__name__
    ename = getattr(exc, "ename", "")
    evalue = getattr(exc, "evalue", "")
    if ename:  # PapermillExecutionError: the error raised inside the notebook
        return f"{ename}: {evalue}"
    return f"{name}: {exc}".splitlines()[0][:500]
