"""disputekit on Airflow: every store's daily notebook, one Papermill task per store.

The stores are the ``parameters/*.yaml`` files of the workspace named by the environment
variable ``DISPUTEKIT_HOME`` or, failing that, the Airflow Variable ``disputekit_home``
(``DISPUTEKIT_PARAMETERS_DIR`` overrides the parameters folder, as for the CLI). Each task
executes ``notebooks/store_daily.ipynb`` into ``runs/<run date>/<store>.ipynb``, exactly
like ``disputekit run``, with two parameters only: ``store_id`` and ``run_date``.

Credentials are never Papermill parameters, Variables or task arguments: the notebook
reads them from the worker's environment (the variables that ``parameters/<store>.yaml``
names in ``api.*_env``), so they appear in no rendered template, XCom or output notebook.

After the stores, one task (``portfolio``) renders every store's HTML report and the
portfolio page ``reports/<run date>/index.html`` with ``disputekit report``: the same code
``disputekit run`` ends with, so a DAG run leaves the same ``runs/`` and ``reports/``. It runs
whatever the stores did (``all_done``): a failed store is on the page, and the task then
fails too, so the DAG run is failed. Clearing a store's task with its downstream
(``airflow tasks clear disputekit_daily -t '^volt$' --downstream``) runs the store again
and then the page.

This file imports only Airflow and the standard library: the scheduler does not need
disputekit installed. The kernel that runs the notebook does, and so does the Python that
renders the reports (``DISPUTEKIT_PYTHON``; see README.md beside it).
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.providers.papermill.operators.papermill import PapermillOperator

from airflow.exceptions import AirflowException

try:  # Airflow 3
    from airflow.sdk import DAG, BaseOperator, CronTriggerTimetable, Variable
except ImportError:  # Airflow 2.4+
    from airflow import DAG
    from airflow.models import BaseOperator, Variable
    from airflow.timetables.trigger import CronTriggerTimetable

log = logging.getLogger(__name__)

DAG_ID = "disputekit_daily"
# When the stores run: a cron expression in TIMEZONE. The run date handed to the notebook
# is the day of the run (a trigger timetable, not the previous day's data interval).
SCHEDULE = "30 6 * * *"
TIMEZONE = "UTC"
STORE_NOTEBOOK = "store_daily.ipynb"
STORE_ID = re.compile(r"[a-z][a-z0-9_-]{0,39}")  # disputekit.adapters.parameters.STORE_ID
# {{ ds }}; Airflow 3 runs triggered without a logical date have no `ds`: use their day.
RUN_DATE = "{{ ds if ds is defined else dag_run.run_after.strftime('%Y-%m-%d') }}"
PORTFOLIO_TASK = "portfolio"
# A store's task runs again once after a failure (a network blip, a platform outage), ten
# minutes later; both can be changed on the scheduler's environment.
RETRIES = int(os.environ.get("DISPUTEKIT_TASK_RETRIES", "1"))
RETRY_DELAY = timedelta(minutes=float(os.environ.get("DISPUTEKIT_RETRY_DELAY_MINUTES", "10")))


def workspace_home() -> Path:
    """The workspace folder: ``$DISPUTEKIT_HOME``, else the Variable ``disputekit_home``."""
    home = os.environ.get("DISPUTEKIT_HOME")
    if not home:
        try:
            home = Variable.get("disputekit_home", None)
        except Exception as exc:  # no metadata database / API while parsing
            log.warning("could not read the Airflow Variable disputekit_home: %s", exc)
            home = None
    if not home:
        raise RuntimeError(
            "disputekit: set DISPUTEKIT_HOME (or the Airflow Variable disputekit_home) to "
            "the workspace folder holding parameters/ and notebooks/"
        )
    return Path(home).expanduser().resolve()


def store_ids(parameters_dir: Path) -> list[str]:
    """The store ids of ``parameters/*.yaml`` (file names; ignored: hidden, invalid names)."""
    if not parameters_dir.is_dir():
        raise RuntimeError(f"disputekit: no parameters folder at {parameters_dir}")
    stores = []
    for path in sorted(parameters_dir.glob("*.yaml")):
        if path.name.startswith("."):
            continue
        if not STORE_ID.fullmatch(path.stem):
            log.warning("disputekit: %s skipped: not a valid store id (lower-case letters, "
                        "digits, '-', '_')", path)
            continue
        if path.stem == PORTFOLIO_TASK:
            raise RuntimeError(f"disputekit: a store may not be called {PORTFOLIO_TASK!r} "
                               f"under Airflow (the reports' task is): rename {path}")
        stores.append(path.stem)
    return stores


class StoreNotebookOperator(PapermillOperator):
    """``PapermillOperator`` that creates the output folder (Papermill will not) and tells
    the kernel where the workspace is when the worker's environment does not."""

    def __init__(self, *, disputekit_home: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.disputekit_home = disputekit_home

    def execute(self, context: Any) -> Any:
        os.environ.setdefault("DISPUTEKIT_HOME", self.disputekit_home)
        if not self.kernel_name:  # a Jupyter kernel with disputekit installed, if not python3
            self.kernel_name = os.environ.get("DISPUTEKIT_KERNEL") or None
        output = Path(str(getattr(self.output_nb, "url", self.output_nb)))
        output.parent.mkdir(parents=True, exist_ok=True)
        # A try that fails before Papermill writes must not leave an earlier try's notebook
        # for the page to read as this one's.
        output.unlink(missing_ok=True)
        return super().execute(context)


class PortfolioOperator(BaseOperator):
    """``disputekit report``: every store's HTML report and the portfolio page, from the
    notebooks the store tasks left. Fails (after writing the page) when a store failed."""

    template_fields = ("run_date",)

    def __init__(self, *, disputekit_home: str, run_date: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.disputekit_home = disputekit_home
        self.run_date = run_date

    def execute(self, context: Any) -> None:
        # The Python that has disputekit installed: the workers' own, or the virtualenv the
        # kernel runs in (DISPUTEKIT_PYTHON). Credentials are not needed to render.
        python = os.environ.get("DISPUTEKIT_PYTHON") or sys.executable
        command = [python, "-m", "disputekit", "report", "--date", self.run_date,
                   "--home", self.disputekit_home]
        log.info("disputekit: %s", " ".join(command))
        done = subprocess.run(command, capture_output=True, text=True, check=False,
                              env={**os.environ, "DISPUTEKIT_HOME": self.disputekit_home})
        for line in (done.stdout + done.stderr).splitlines():
            log.info("%s", line)
        if done.returncode == 1 and "reports: " in done.stdout:  # the page is written
            raise AirflowException(
                "disputekit: a store failed (the portfolio page names it); clear that store's "
                "task with its downstream to run it and this page again")
        if done.returncode != 0:
            raise AirflowException(f"disputekit report exited {done.returncode}: "
                                   f"{done.stderr.strip()[-500:]}")


HOME = workspace_home()
PARAMETERS_DIR = Path(os.environ.get("DISPUTEKIT_PARAMETERS_DIR") or HOME / "parameters")

with DAG(
    dag_id=DAG_ID,
    description="disputekit: every store's daily notebook (Papermill), then the reports",
    schedule=CronTriggerTimetable(SCHEDULE, timezone=TIMEZONE),
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    max_active_tasks=2,  # each store is a kernel syncing over the network: keep it small
    default_args={
        "owner": "disputekit",
        "retries": RETRIES,
        "retry_delay": RETRY_DELAY,
        "execution_timeout": timedelta(hours=1),
    },
    tags=["disputekit"],
    doc_md=__doc__,
) as dag:
    portfolio = PortfolioOperator(
        task_id=PORTFOLIO_TASK,
        disputekit_home=str(HOME),
        run_date=RUN_DATE,
        trigger_rule="all_done",  # the page says which stores failed: render it anyway
        retries=0,  # a failed store fails it; retrying the store re-runs it
    )
    for store in store_ids(PARAMETERS_DIR):
        StoreNotebookOperator(
            task_id=store,
            disputekit_home=str(HOME),
            input_nb=str(HOME / "notebooks" / STORE_NOTEBOOK),
            output_nb=f"{HOME}/runs/{RUN_DATE}/{store}.ipynb",
            # Only these two. Credentials come from the worker's environment, never from
            # here: parameters end up in the rendered task and in the output notebook.
            parameters={"store_id": store, "run_date": RUN_DATE},
        ) >> portfolio
