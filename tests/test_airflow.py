"""The Airflow DAG run for real (``make test-airflow``): Airflow in a virtualenv of its own,
its metadata database and disputekit's on PostgreSQL, the stores synced from the simulator.

``airflow dags test`` runs the three demo stores' notebooks through the Papermill provider
(a Jupyter kernel on this project's Python, as a worker's ``DISPUTEKIT_KERNEL``), then the
``portfolio`` task renders the reports. One store has no token the first time: the DAG
run fails, the page names it; run again alone (the others marked done), the page is
rendered again with it. Skipped unless ``DISPUTEKIT_AIRFLOW_VENV`` names the virtualenv.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from disputekit.adapters.workspace import Workspace
from tests.conftest import ARTIFACTS, ON_POSTGRES, REPO, demo_credentials, new_db_url

AIRFLOW_VENV = os.environ.get("DISPUTEKIT_AIRFLOW_VENV", "")
DAG_FILE = REPO / "deploy" / "airflow" / "disputekit_dag.py"
DAY = "2026-11-28"
STORES = ("bloom", "spark", "volt")

pytestmark = [
    pytest.mark.notebook,
    pytest.mark.skipif(not AIRFLOW_VENV, reason="make test-airflow runs these "
                       "(DISPUTEKIT_AIRFLOW_VENV: a virtualenv with Airflow)"),
]

# What the DAG looks like to Airflow, printed by Airflow's own Python.
DAG_SHAPE = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])  # examples are off: AIRFLOW__CORE__LOAD_EXAMPLES
assert not bag.import_errors, bag.import_errors
dag = bag.dags["disputekit_daily"]
print(json.dumps({t: {"type": type(task).__name__, "upstream": sorted(task.upstream_task_ids),
                      "trigger_rule": getattr(task.trigger_rule, "value", task.trigger_rule),
                      "retries": task.retries,
                      "parameters": sorted(getattr(task, "parameters", None) or {})}
                  for t, task in dag.task_dict.items()}))
"""


def _airflow_env(tmp_path: Path, ws: Workspace) -> dict[str, str]:
    """A worker's environment: Airflow's settings, the workspace, the credentials, the
    kernel with disputekit (this test's Python), nothing secret in Airflow itself."""
    venv = Path(AIRFLOW_VENV).resolve()
    home = tmp_path / "airflow"
    dags = home / "dags"
    dags.mkdir(parents=True)
    shutil.copy(DAG_FILE, dags / DAG_FILE.name)
    # disputekit's Python, with this checkout's src first when the tests run that way.
    python = tmp_path / "bin" / "disputekit-python"
    python.parent.mkdir()
    pythonpath = os.environ.get("PYTHONPATH", "")
    python.write_text("#!/bin/sh\n" + (f"export PYTHONPATH='{pythonpath}'\n" if pythonpath
                                       else "") + f"exec '{sys.executable}' \"$@\"\n")
    python.chmod(0o755)
    kernel = tmp_path / "jupyter" / "kernels" / "disputekit"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "disputekit", "language": "python"}))
    metadata = new_db_url(tmp_path).replace("postgresql+psycopg://", "postgresql+psycopg2://")
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path), "LANG": "C.UTF-8",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata,
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "JUPYTER_PATH": str(tmp_path / "jupyter"),
        "DISPUTEKIT_HOME": str(ws.root),
        "DISPUTEKIT_DB_URL": ws.db_url,
        "DISPUTEKIT_KERNEL": "disputekit",
        "DISPUTEKIT_PYTHON": str(python),
        "DISPUTEKIT_TASK_RETRIES": "1",
        "DISPUTEKIT_RETRY_DELAY_MINUTES": "0.05",
    }
    env.update(demo_credentials())
    return env


def _airflow(env: dict[str, str], *args: str, timeout: float = 900
             ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(AIRFLOW_VENV).resolve() / "bin" / "airflow"), *args],
                          env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)


def _executed(notebook: Path) -> bool:
    nb = nbformat.read(notebook, as_version=4)
    meta = nb.metadata.get("papermill", {})
    return meta.get("end_time") is not None and not meta.get("exception")


def test_the_dag_runs_every_store_then_the_reports_on_postgresql(
        tmp_path: Path, workspace: Workspace, browser) -> None:  # type: ignore[no-untyped-def]
    assert ON_POSTGRES, "make test-airflow runs on PostgreSQL (DISPUTEKIT_TEST_PG_URL)"
    env = _airflow_env(tmp_path, workspace)
    migrated = _airflow(env, "db", "migrate")
    assert migrated.returncode == 0, migrated.stderr[-3000:]

    shape = subprocess.run([str(Path(AIRFLOW_VENV).resolve() / "bin" / "python"), "-c",
                            DAG_SHAPE, env["AIRFLOW__CORE__DAGS_FOLDER"]], env=env,
                           capture_output=True, text=True, timeout=300, check=False)
    assert shape.returncode == 0, shape.stderr[-3000:]
    tasks = json.loads(shape.stdout.strip().splitlines()[-1])
    assert sorted(tasks) == sorted([*STORES, "portfolio"])
    for store in STORES:
        assert tasks[store]["type"] == "StoreNotebookOperator"
        assert tasks[store]["parameters"] == ["run_date", "store_id"]
        assert tasks[store]["retries"] == 1
    assert tasks["portfolio"]["upstream"] == list(STORES)
    assert tasks["portfolio"]["trigger_rule"] == "all_done"

    # 1. bloom has no token on this worker: its task fails (twice: one retry), the others
    # run, the page is written and names it, and the DAG run fails.
    first = {k: v for k, v in env.items() if k != "DISPUTEKIT_BLOOM_TOKEN"}
    run = _airflow(first, "dags", "test", "disputekit_daily", DAY, timeout=1800)
    log = run.stdout + run.stderr
    assert run.returncode != 0, log[-3000:]
    assert "DagRun failed" in log, log[-3000:]
    runs = workspace.runs_dir / DAY
    reports = workspace.reports_dir / DAY
    for store in ("spark", "volt"):
        assert _executed(runs / f"{store}.ipynb"), store
        html = (reports / f"{store}.html").read_text()
        assert "open disputes" in html and "run_store_day" not in html
    assert not _executed(runs / "bloom.ipynb")
    assert not (reports / "bloom.html").exists()
    index = (reports / "index.html").read_text()
    assert 'id="failed-stores"' in index
    assert re.search(r'<span class="failed">bloom</span>:[^<]*DISPUTEKIT_BLOOM_TOKEN', index)
    assert 'href="spark.html"' in index and 'href="volt.html"' in index
    assert 'href="bloom.html"' not in index

    # 2. The retry of bloom alone (spark and volt marked done, not run again): bloom runs,
    # then the portfolio task, and the page shows every store ok.
    spark_before = (runs / "spark.ipynb").stat().st_mtime
    again = _airflow(env, "dags", "test", "disputekit_daily", DAY,
                     "--mark-success-pattern", "^(spark|volt)$", timeout=1800)
    assert again.returncode == 0, (again.stdout + again.stderr)[-3000:]
    assert (runs / "spark.ipynb").stat().st_mtime == spark_before  # not run again
    assert _executed(runs / "bloom.ipynb")
    index = (reports / "index.html").read_text()
    assert 'id="failed-stores"' not in index
    for store in STORES:
        assert f'href="{store}.html"' in index
        assert (reports / f"{store}.html").is_file()
    assert "Overdue disputes" in index and "Getting worse" in index
    assert index.count('<svg class="spark" role="img" aria-label="') == len(STORES)

    # The page the DAG left, in Chromium from the disk: no console error, every link opens,
    # every chart has its words. Kept in test-artifacts/ for a look.
    shutil.copytree(reports, ARTIFACTS / "airflow-reports", dirs_exist_ok=True)
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((reports / "index.html").as_uri())
    page.wait_for_load_state("load")
    page.screenshot(path=str(ARTIFACTS / "airflow-reports" / "index.png"), full_page=True)
    labels = page.eval_on_selector_all("svg.spark", "els => els.map(e => e.ariaLabel)")
    assert len(labels) == len(STORES) and all("weekly dispute rate" in x for x in labels)
    for href in set(page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")):
        opened = browser.new_page()
        response = opened.goto(href)
        assert response is not None and response.ok, href
        opened.close()
    assert errors == []

    # Nothing secret in anything the runs wrote, nor in Airflow's task logs.
    secrets = demo_credentials().values()
    written = [p for d in (workspace.runs_dir, workspace.reports_dir,
                           Path(env["AIRFLOW_HOME"]) / "logs")
               if d.exists() for p in d.rglob("*") if p.is_file()]
    assert written
    for path in written:
        text = path.read_bytes().decode("utf-8", errors="replace")
        for secret in secrets:
            assert secret not in text, f"{secret[:4]}… leaked into {path}"


@pytest.mark.parametrize(("home", "message"), [("nowhere", "no parameters folder"),
                                              (None, "set DISPUTEKIT_HOME")])
def test_the_dag_without_a_workspace_says_what_to_set(tmp_path: Path, workspace: Workspace,
                                                      home: str | None, message: str) -> None:
    env = _airflow_env(tmp_path, workspace)
    del env["DISPUTEKIT_HOME"]
    if home is not None:
        env["DISPUTEKIT_HOME"] = str(tmp_path / home)
    loaded = subprocess.run([str(Path(AIRFLOW_VENV).resolve() / "bin" / "python"), "-c",
                             "import runpy, sys; runpy.run_path(sys.argv[1])", str(DAG_FILE)],
                            env=env, capture_output=True, text=True, timeout=300, check=False)
    assert loaded.returncode != 0
    assert message in loaded.stderr
