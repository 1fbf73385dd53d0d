"""The carrier-claim panel as an operator meets it: a real JupyterLab in headless Chromium
opens daily_review.ipynb, finds a dispute whose lost parcel has a claim due, files it and
records the money received; both steps are then in the database. Screenshots land in
test-artifacts/screenshots/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ClaimRow, DisputeRow
from disputekit.adapters.workspace import Workspace
from tests.conftest import SyncedTemplates
from tests.jupyterlab import one_store_lab, run_workbook, screenshot


@pytest.fixture
def lab(workspace: Workspace, credentials: dict[str, str], tmp_path: Path,
        synced_templates: SyncedTemplates) -> Iterator[str]:
    with one_store_lab(workspace, tmp_path, synced_templates) as url:
        yield url


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    screenshot(page, f"claim-{name}")


def open_database(workspace: Workspace) -> Database:
    return Database.open(os.environ.get("DISPUTEKIT_DB_URL") or workspace.db_url)


@pytest.mark.notebook
def test_operator_files_a_claim_and_records_the_money_in_jupyterlab(
        lab: str, browser, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    db = open_database(workspace)
    try:
        with db.session() as s:
            claim, order = s.execute(
                select(ClaimRow, DisputeRow.parent_order_id)
                .join(DisputeRow, (DisputeRow.store_id == ClaimRow.store_id)
                      & (DisputeRow.issue_id == ClaimRow.issue_id))
                .where(ClaimRow.store_id == "volt", ClaimRow.status == "due",
                       DisputeRow.issue_status == "processing")
                .order_by(ClaimRow.logistics_no)).first() or (None, None)
        assert claim is not None, "the demo store always has a lost parcel with a claim due"
        # The carrier pays half of what was claimed: inside what it may pay, whatever the data.
        offer = ((claim.goods_amount + claim.freight_amount) / 2).quantize(Decimal("0.01"))
    finally:
        db.dispose()
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    try:
        run_workbook(page, lab)
        search = page.locator(".widget-text", has_text="Search").locator("input")
        search.fill(str(order))
        search.press("Enter")
        page.wait_for_selector(f"text=order {order}", timeout=30_000)
        page.get_by_role("tab", name="Options").click()
        page.get_by_text("Carrier claim", exact=True).wait_for(timeout=30_000)
        shot(page, "1-due")
        page.get_by_role("button", name="File claim").click()
        page.wait_for_selector("text=✓ claim filed", timeout=30_000)
        page.locator(".widget-text", has_text="Offered").locator("input").fill(str(offer))
        page.get_by_role("button", name="Record carrier's answer").click()
        page.wait_for_selector("text=carrier's answer recorded", timeout=30_000)
        page.locator(".widget-text", has_text="Received").locator("input").fill(str(offer))
        page.get_by_role("button", name="Money received").click()
        page.wait_for_selector(f"text=✓ {offer} USD recovered", timeout=30_000)
        shot(page, "2-recovered")
    except Exception:
        shot(page, "failure")
        raise
    db = open_database(workspace)
    try:
        with db.session() as s:
            row = s.get(ClaimRow, ("volt", claim.logistics_no))
            assert row is not None
            assert (row.status, row.attempts, row.recovered_amount) == (
                "recovered", 1, offer)
    finally:
        db.dispose()
