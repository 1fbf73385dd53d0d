"""The scheduled run end to end: real kernels via Papermill, rendered reports, and the CLI."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import nbformat
import pytest

from disputekit.adapters.workspace import Workspace
from disputekit.run.runner import run_stores
from disputekit.simulator.app import RunningSimulator
from tests.conftest import ARTIFACTS


@pytest.mark.notebook
def test_run_publishes_a_report_per_store(workspace: Workspace, credentials: dict[str, str],
                                          simulator: RunningSimulator) -> None:
    day = date(2026, 11, 28)
    (workspace.parameters_dir / "broken.yaml").write_text("store_id: broken\nname: x\n")
    summary = run_stores(workspace, run_date=day)

    by_store = {r.store_id: r for r in summary.runs}
    assert set(by_store) == {"bloom", "broken", "spark", "volt"}
    assert not summary.ok  # the broken store failed ...
    assert by_store["broken"].status == "failed"
    assert "missing field 'api'" in by_store["broken"].error
    for store_id in ("bloom", "spark", "volt"):  # ... and the others went on
        run = by_store[store_id]
        assert run.status == "ok", run.error
        assert run.notebook == workspace.runs_dir / "2026-11-28" / f"{store_id}.ipynb"
        executed = nbformat.read(run.notebook, as_version=4)
        injected = [c for c in executed.cells
                    if "injected-parameters" in c.metadata.get("tags", [])]
        assert injected and "store_id" in injected[0].source
        html = (workspace.reports_dir / "2026-11-28" / f"{store_id}.html").read_text()
        assert run.open_disputes and run.open_disputes > 0
        assert f"{run.open_disputes} open disputes" in html
        assert "run_store_day" not in html  # no code in the report
        assert "respond by (UTC)" in html
        assert "Stalled parcels" in html and "days silent" in html
        assert "Carrier claims due" in html
        open_orders = {r.summary["parent_order_id"]
                       for r in simulator.gateway.datasets[store_id].issues
                       if r.summary["issue_status"] == "processing"}
        assert len(open_orders) == run.open_disputes
        assert all(str(order) in html for order in open_orders)  # every open dispute listed
        for secret in credentials.values():  # nothing secret anywhere in runs/ or reports/
            assert secret not in html
            assert secret not in run.notebook.read_text()

    index = (workspace.reports_dir / "2026-11-28" / "index.html").read_text()
    assert summary.index == workspace.reports_dir / "2026-11-28" / "index.html"
    for store_id in ("bloom", "spark", "volt"):
        assert f'href="{store_id}.html"' in index
        assert by_store[store_id].rate is not None and 0 < by_store[store_id].rate < 1
        assert f"{by_store[store_id].rate * 100:.2f} %" in index  # the portfolio figures
    assert "Change this week" in index
    assert "missing field" in index
    # Nothing secret in any file the run wrote: notebooks, logs, reports.
    written = [p for d in (workspace.runs_dir, workspace.reports_dir) for p in d.rglob("*")
               if p.is_file()]
    assert len(written) >= 10
    for path in written:
        text = path.read_bytes().decode("utf-8", errors="replace")
        for secret in credentials.values():
            assert secret not in text, f"{secret[:4]}… leaked into {path}"
    html = (workspace.reports_dir / "2026-11-28" / "volt.html").read_text()
    assert "Dispute rate" in html and "data:image/png;base64" in html  # static charts
    assert "Abusive buyers" in html and "Prevention" in html


@pytest.mark.notebook
def test_reports_open_in_chromium_without_errors(workspace: Workspace,
                                                 credentials: dict[str, str],
                                                 browser) -> None:  # type: ignore[no-untyped-def]
    summary = run_stores(workspace, ["volt", "spark"], run_date=date(2026, 11, 28))
    assert summary.ok
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    for name in ("index", "volt", "spark"):
        page.goto((workspace.reports_dir / "2026-11-28" / f"{name}.html").as_uri())
        page.wait_for_load_state("load")
        page.screenshot(path=str(shots / f"report-{name}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1100, name
        if name != "index":
            images = page.evaluate("[...document.images].map(i => i.naturalWidth)")
            assert images and all(w > 0 for w in images)  # every chart rendered
            # The open disputes' table (the longest) filters and sorts without a server.
            tables = page.locator("table:has(th:has-text('respond by (UTC)'))")
            assert tables.count() == 1, name
            rows = tables.locator("tbody tr")
            if rows.count() > 8:
                box = tables.locator("xpath=preceding-sibling::label[1]//input")
                first_order = rows.nth(0).locator("td").nth(2).inner_text()
                box.fill(first_order)
                assert sum(rows.nth(i).is_visible() for i in range(rows.count())) == 1, name
                box.fill("")
                tables.locator("th button", has_text="USD").click()
                usd = [float(rows.nth(i).locator("td").nth(5).inner_text())
                       for i in range(rows.count())]
                assert usd == sorted(usd), name
    assert errors == []


@pytest.mark.notebook
def test_cli_exit_code_says_whether_a_store_failed(workspace: Workspace,
                                                   credentials: dict[str, str]) -> None:
    cmd = [sys.executable, "-m", "disputekit", "run", "--home", str(workspace.root),
           "--date", "2026-11-27"]
    ok = subprocess.run([*cmd, "--store", "volt"], capture_output=True, text=True, timeout=600)
    assert ok.returncode == 0, ok.stderr
    assert re.search(r"^volt\s+ok\s+\d+", ok.stdout, re.M)
    assert ok.stdout.strip().endswith(str(workspace.reports_dir / "2026-11-27" / "index.html"))

    bad = subprocess.run([*cmd, "--store", "nosuch"], capture_output=True, text=True,
                         timeout=600)
    assert bad.returncode == 1
    assert "unknown store 'nosuch'" in bad.stderr


def test_check_params_reports_invalid_files(tmp_path: Path) -> None:
    (tmp_path / "parameters").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "parameters" / "acme.yaml").write_text("store_id: acme\nname: A\napi: {}\n")
    out = subprocess.run([sys.executable, "-m", "disputekit", "check-params", "--home",
                          str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert "missing field 'api.app_key_env'" in out.stderr


@pytest.mark.notebook
def test_parallel_runs_retry_a_dead_kernel_once_and_log_per_store(
        workspace: Workspace, credentials: dict[str, str]) -> None:
    # A stand-in store notebook whose kernel dies: once for volt, every time for bloom.
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('store_id = "volt"\nrun_date = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "import os, pathlib\n"
        "marker = pathlib.Path(os.environ['DISPUTEKIT_HOME']) / f'died-{store_id}'\n"
        "if store_id == 'bloom' or (store_id == 'volt' and not marker.exists()):\n"
        "    marker.write_text('x')\n"
        "    os._exit(1)\n"
        "print(f'ran {store_id}')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, workspace.notebooks_dir / "store_daily.ipynb")

    summary = run_stores(workspace, run_date=date(2026, 11, 28), jobs=2)

    runs = {r.store_id: r for r in summary.runs}
    assert (runs["volt"].status, runs["volt"].retried) == ("ok", True)
    assert (runs["spark"].status, runs["spark"].retried) == ("ok", False)
    assert runs["bloom"].status == "failed" and runs["bloom"].retried
    assert "died" in runs["bloom"].error.lower()
    assert not summary.ok
    for run in runs.values():
        assert run.log is not None and run.log.exists()
    assert "running it once more" in runs["volt"].log.read_text()
    assert "ran spark" in runs["spark"].log.read_text()  # cell output went to its log
    for secret in credentials.values():
        assert all(secret not in r.log.read_text() for r in runs.values() if r.log)


@pytest.mark.notebook
def test_report_figures_match_the_database(workspace: Workspace,
                                           credentials: dict[str, str]) -> None:
    """All demo stores in parallel; each report's figures recomputed from the database."""
    import re as regex
    from datetime import UTC, datetime

    from sqlalchemy import func, select

    from disputekit.adapters.db.database import Database
    from disputekit.adapters.db.tables import ClaimRow, DisputeRow
    from disputekit.domain import kpis
    from disputekit.services.report_data import disputes_frame, orders_frame

    summary = run_stores(workspace, run_date=date(2026, 11, 28), jobs=3)
    assert summary.ok, [r.error for r in summary.runs]
    db = Database.open(workspace.db_url)
    now = datetime.now(UTC)
    for run in summary.runs:
        html = (workspace.reports_dir / "2026-11-28" / f"{run.store_id}.html").read_text()
        with db.session() as s:
            open_count = s.scalar(select(func.count()).select_from(DisputeRow).where(
                DisputeRow.store_id == run.store_id, DisputeRow.issue_status == "processing"))
            claims_due = s.scalar(select(func.count()).select_from(ClaimRow).where(
                ClaimRow.store_id == run.store_id, ClaimRow.status == "due"))
        assert f"{open_count} open disputes" in html
        assert f"{claims_due} carrier claims due" in html
        found = regex.search(r"([\d.]+)% over the last 30 days \((\d+) disputed orders counted "
                             r"of (\d+); (\d+) cancelled", html)
        assert found, run.store_id
        rate = kpis.dispute_rate(orders_frame(db, [run.store_id]),
                                 disputes_frame(db, now, [run.store_id]), now)
        # The report was computed a few seconds earlier: an order or two may have crossed the
        # 30-day window's edge since (thousands of orders, one every few minutes).
        reported = (int(found[2]), int(found[3]), int(found[4]))
        assert reported[0] == pytest.approx(rate.numerator, abs=2)
        assert reported[1] == pytest.approx(rate.denominator, abs=3)
        assert reported[2] == pytest.approx(rate.cancelled, abs=1)
        assert float(found[1]) == pytest.approx(rate.rate * 100, abs=0.1)
