"""Reporting an extortionist from the workbook, as an operator does it: a real JupyterLab in
headless Chromium runs daily_review.ipynb, opens an extortion case of the demo store,
clicks "Report buyer", reads the pack (the buyer's demand quoted, the order number, where
to file it in Seller Center), copies the text, clicks "Mark filed"; the filing is then in
the database and the panel and the detail say so. Screenshots land in
test-artifacts/screenshots/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import BlocklistRow, BuyerReportRow, DisputeRow
from disputekit.adapters.workspace import Workspace
from disputekit.services.queue import open_disputes
from tests.conftest import SyncedTemplates
from tests.jupyterlab import one_store_lab, run_workbook, screenshot


@pytest.fixture
def lab(workspace: Workspace, credentials: dict[str, str], tmp_path: Path,
        synced_templates: SyncedTemplates) -> Iterator[str]:
    with one_store_lab(workspace, tmp_path, synced_templates) as url:
        yield url


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    screenshot(page, f"lab-report-{name}")


def the_case(db_url: str) -> tuple[int, int, str, str]:
    """An extortion case of the store: (issue, order number, buyer, the buyer's demand)."""
    db = Database.open(db_url)
    try:
        frame = open_disputes(db, datetime.now(UTC))
        row = frame[frame["class"] == "extortion"].iloc[0]
        with db.session() as s:
            dispute = s.get(DisputeRow, ("volt", int(row["issue_id"])))
            assert dispute is not None
            demand = next(p["content"] for p in dispute.detail_json["process_dto_list"]
                          if p["submit_member_type"] == "buyer" and p["content"])
            return dispute.issue_id, dispute.parent_order_id, dispute.buyer_login_id, demand
    finally:
        db.dispose()


@pytest.mark.notebook
def test_operator_reports_an_extortionist_and_marks_it_filed_in_jupyterlab(
        lab: str, browser, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    db_url = os.environ.get("DISPUTEKIT_DB_URL") or workspace.db_url
    issue_id, order_id, buyer, demand = the_case(db_url)
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        run_workbook(page, lab)
        page.get_by_role("button", name="Needs me").click()  # every open dispute
        class_select = page.locator(".widget-dropdown", has=page.get_by_text(
            "Class", exact=True)).locator("select")
        class_select.select_option(label="extortion")
        page.wait_for_timeout(500)
        page.locator(".dk-queue-table tr", has_text=str(order_id)).click()
        page.wait_for_selector(f"text=order {order_id}", timeout=30_000)
        page.get_by_role("tab", name="Options").click()

        page.get_by_role("button", name="Report buyer", exact=True).click()
        pack = page.locator(".widget-html", has_text="Where to file it")
        pack.wait_for(timeout=60_000)
        shot(page, "1-pack")
        shown = pack.inner_text()
        assert f"Report buyer {buyer} to AliExpress" in shown
        assert demand in shown  # the buyer's demand, quoted as text
        assert f"Order {order_id}" in shown
        assert "Seller Center" in shown and "I want to report" in shown
        assert "seller support" in shown
        text = pack.locator("textarea").input_value()
        assert str(order_id) in text and f"Buyer account: {buyer}" in text
        assert " ".join(demand.split()) in text

        pack.get_by_role("button", name="Copy").click()
        pack.get_by_role("button", name="Copied").wait_for(timeout=10_000)
        assert page.evaluate("navigator.clipboard.readText()") == text

        page.get_by_role("button", name="Mark filed").click()
        page.wait_for_selector("text=report marked filed", timeout=60_000)
        page.locator(".widget-html", has_text="Reported to AliExpress on").wait_for()
        page.get_by_role("tab", name="Facts").click()  # the detail says it was reported
        page.locator(".widget-html", has_text="reported on").first.wait_for()
        shot(page, "2-filed")
    except Exception:
        shot(page, "failure")
        raise
    finally:
        context.close()

    db = Database.open(db_url)
    try:
        with db.session() as s:
            filing = s.scalars(select(BuyerReportRow)).one()
            assert (filing.store_id, filing.issue_id, filing.buyer_login_id,
                    filing.operator) == ("volt", issue_id, buyer, "ana")
            assert abs((datetime.now(UTC) - filing.filed_at).total_seconds()) < 600
            assert s.get(BlocklistRow, buyer) is not None
    finally:
        db.dispose()
