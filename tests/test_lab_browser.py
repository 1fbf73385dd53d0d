"""The workbook as an operator meets it: a real JupyterLab in headless Chromium opens
daily_review.ipynb, runs it, filters the queue, opens a dispute, switches the reply
language and refuses with a counter-offer; the action is then in the database and on the
simulator. Screenshots land in test-artifacts/screenshots/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ActionRow
from disputekit.adapters.workspace import Workspace
from disputekit.simulator.app import RunningSimulator
from tests.conftest import SyncedTemplates
from tests.jupyterlab import one_store_lab, run_workbook, screenshot


@pytest.fixture
def simulator(fresh_simulator: RunningSimulator) -> RunningSimulator:
    """Tests here act on the simulator: each gets one in the state its copy was synced from."""
    return fresh_simulator


@pytest.fixture
def lab(workspace: Workspace, credentials: dict[str, str], tmp_path: Path,
        synced_templates: SyncedTemplates) -> Iterator[str]:
    with one_store_lab(workspace, tmp_path, synced_templates) as url:
        yield url


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    screenshot(page, f"lab-{name}")


@pytest.mark.notebook
def test_operator_refuses_with_a_counter_offer_in_jupyterlab(
        lab: str, browser, workspace: Workspace,  # type: ignore[no-untyped-def]
        simulator: RunningSimulator) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        run_workbook(page, lab)
        shot(page, "1-queue")

        class_select = page.locator(".widget-dropdown", has=page.get_by_text(
            "Class", exact=True)).locator("select")
        class_select.select_option(label="stalled_in_transit")
        page.wait_for_timeout(500)
        classes = page.locator(".dk-queue-table tbody td.dk-col-class")
        assert classes.count() > 0
        assert set(classes.all_inner_texts()) == {"stalled in transit"}
        page.locator(".dk-queue-table tbody tr").first.click()
        page.wait_for_timeout(800)
        shot(page, "2-dispute")
        page.get_by_role("tab", name="Reply").click()

        lang = page.locator(".widget-dropdown", has=page.get_by_text(
            "Reply in", exact=True)).locator("select")
        lang.select_option(label="Español")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.widget-textarea textarea')]"
            ".some(t => /Hola|Estimad|pedido/i.test(t.value))", timeout=30_000)

        page.get_by_role("tab", name="Options").click()
        page.get_by_role("spinbutton", name="Offer", exact=True).fill("0")
        page.locator(".widget-text", has_text="Reason").locator("input").fill(
            "Protection extended; the parcel is with the carrier")
        page.get_by_role("button", name="Refuse / counter-offer").click()
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_selector("text=AliExpress ok", timeout=60_000)
        shot(page, "3-refused")
    except Exception:
        shot(page, "failure")
        raise

    db = Database.open(os.environ.get("DISPUTEKIT_DB_URL") or workspace.db_url)
    with db.session() as s:
        action = s.scalars(select(ActionRow)).one()
        assert (action.operator, action.kind, action.status) == ("ana", "refuse", "ok")
    record = simulator.gateway.lifecycle.index["volt"][action.issue_id]
    assert record.detail["seller_solution_list"][-1]["content"].startswith("Protection extended")
