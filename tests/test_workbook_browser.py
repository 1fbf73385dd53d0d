"""The workbook as a tool, in a real JupyterLab in headless Chromium: the most urgent
stalled parcel handled in three clicks, then the next dispute open; a typed draft, offer
and filters kept through a kernel restart and a reopened notebook; an empty filter shows
no draft; the confirmation's currency is the request's; saving leaves git clean."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ActionRow, DisputeRow, ReplySentRow, WorkbookDraftRow
from disputekit.adapters.parameters import load_all
from disputekit.adapters.workspace import Workspace
from disputekit.services.followups import next_reply
from disputekit.services.queue import Filters, OperatorQueue
from disputekit.simulator.app import RunningSimulator
from tests.conftest import ARTIFACTS, REPO, SyncedTemplates
from tests.jupyterlab import one_store_lab, run_workbook, screenshot

NOTEBOOK = "daily_review.ipynb"


@pytest.fixture
def simulator(fresh_simulator: RunningSimulator) -> RunningSimulator:
    return fresh_simulator


@pytest.fixture
def lab(workspace: Workspace, credentials: dict[str, str], tmp_path: Path,
        synced_templates: SyncedTemplates) -> Iterator[str]:
    with one_store_lab(workspace, tmp_path, synced_templates) as url:
        yield url


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    screenshot(page, f"workbook-{name}")


def database(workspace: Workspace) -> Database:
    return Database.open(os.environ.get("DISPUTEKIT_DB_URL") or workspace.db_url)


def most_urgent_stalled(workspace: Workspace) -> tuple[int, str, str]:
    """What the operator should land on: the first stalled parcel of "needs me"."""
    db = database(workspace)
    try:
        stores = {s.store_id: s for s in load_all(workspace.parameters_dir)}
        queue = OperatorQueue(db, datetime.now(UTC), stores=stores)
        row = queue.rows(Filters(dispute_class="stalled_in_transit", needs_me=True)).iloc[0]
        issue_id = int(row["issue_id"])
        reply = next_reply(db, "volt", issue_id, "stalled_in_transit",
                           advice=str(row["recommended"]))
        assert reply.due is not None and reply.due.step.template == "stalled_1_first", \
            "the demo store's most urgent stalled parcel awaits its first answer"
        return issue_id, str(row["parent_order_id"]), reply.currency
    finally:
        db.dispose()


class Clicks:
    """Counts the operator's clicks (a choice in a dropdown is one)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, locator, option: str | None = None) -> None:  # type: ignore[no-untyped-def]
        self.n += 1
        if option is None:
            locator.click()
        else:
            locator.select_option(label=option)


def class_select(page):  # type: ignore[no-untyped-def]
    return page.locator(".widget-dropdown", has=page.get_by_text("Class", exact=True)) \
        .locator("select")


@pytest.mark.notebook
def test_the_most_urgent_stalled_parcel_in_three_clicks(
        lab: str, browser, workspace: Workspace,  # type: ignore[no-untyped-def]
        simulator: RunningSimulator) -> None:
    issue_id, order, currency = most_urgent_stalled(workspace)
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    click = Clicks()
    try:
        run_workbook(page, lab)
        shot(page, "1-queue")
        assert page.locator(".dk-queue-table thead th").all_inner_texts()[:3] == [
            "due ▲", "store", "order"]
        click(class_select(page), "stalled_in_transit")
        page.wait_for_selector(f"text=order {order}", timeout=30_000)
        button = page.get_by_role("button", name="Do it: extend 15 days, refuse, send reply 1")
        click(button)
        confirmation = page.locator(".dk-confirmation")
        confirmation.wait_for(timeout=30_000)
        said = confirmation.inner_text()
        assert "The buyer will read" in said and f"0.00 {currency}" in said
        shot(page, "2-confirm")
        click(page.get_by_role("button", name="Confirm"))
        page.wait_for_selector("text=✓ done", timeout=60_000)
        shot(page, "3-done")
        heading = page.locator(".dk-state").first.locator("xpath=..").inner_text()
        assert f"order {order}" not in heading  # the next dispute is open
        assert page.locator(".dk-queue-table tr", has_text=order).count() == 0

        # The keyboard: ↓ moves, "r" asks for the recommended handling; neither key
        # reaches JupyterLab ("r" there would turn a cell into a raw cell).
        kinds = page.locator(".jp-Notebook .jp-Cell").evaluate_all(
            "cells => cells.map(c => c.className)")
        selected = page.locator(".dk-queue-table tr.dk-selected")
        first = selected.get_attribute("data-key")
        page.locator(".dk-queue").focus()
        page.keyboard.press("ArrowDown")
        page.wait_for_function(
            f"() => document.querySelector('.dk-queue-table tr.dk-selected')"
            f"?.dataset.key !== {first!r}", timeout=30_000)
        # The answer to "r": the confirmation, or (a dispute that cannot be one click) why not.
        answered = ("() => !!document.querySelector('.dk-confirmation') || "
                    "[...document.querySelectorAll('.widget-html span')]"
                    ".some(s => s.style.color === 'rgb(176, 0, 32)')")
        assert not page.evaluate(answered)
        page.keyboard.press("r")
        page.wait_for_function(answered, timeout=30_000)
        assert page.locator(".jp-Notebook .jp-Cell").evaluate_all(
            "cells => cells.map(c => c.className)") == kinds
    except Exception:
        shot(page, "failure")
        raise
    assert click.n == 3

    db = database(workspace)
    try:
        with db.session() as s:
            journal = [(a.kind, a.status, a.operator) for a in s.scalars(
                select(ActionRow).where(ActionRow.issue_id == issue_id).order_by(ActionRow.id))]
            assert journal == [("extend_protection", "ok", "ana"), ("refuse", "ok", "ana")]
            refusal = s.scalars(select(ActionRow).where(ActionRow.kind == "refuse")).one()
            assert refusal.request_json["currency"] == currency
            sent = s.scalars(select(ReplySentRow)).one()
            assert (sent.issue_id, sent.template) == (issue_id, "stalled_1_first")
    finally:
        db.dispose()
    record = simulator.gateway.lifecycle.index["volt"][issue_id]
    assert simulator.gateway.lifecycle.extensions[int(order)] == 15
    assert record.detail["seller_solution_list"][-1]["content"] == sent.text
    assert not [e for e in errors if "disputekit" in e or "anywidget" in e], errors


def wait_for_draft(workspace: Workspace, needle: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db = database(workspace)
        try:
            with db.session() as s:
                texts = s.scalars(select(WorkbookDraftRow.text)).all()
        finally:
            db.dispose()
        if any(needle in t for t in texts):
            return
        time.sleep(0.5)
    pytest.fail(f"the draft with {needle!r} was not kept within {timeout} s")


def reply_text(page) -> str:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="Reply").click()
    area = page.locator(".widget-textarea textarea").first
    area.wait_for(timeout=30_000)
    return str(area.input_value())


@pytest.mark.notebook
def test_restart_and_reopen_keep_the_draft_offer_and_filters(
        lab: str, browser, workspace: Workspace,  # type: ignore[no-untyped-def]
        simulator: RunningSimulator) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    try:
        run_workbook(page, lab)
        class_select(page).select_option(label="stalled_in_transit")
        page.wait_for_timeout(800)
        order = page.locator(".dk-queue-table tr.dk-selected td").nth(2).inner_text()
        area_text = reply_text(page)
        assert area_text
        area = page.locator(".widget-textarea textarea").first
        area.click()
        area.press("Control+End")
        area.type(" P.S. draft-kept-42")
        page.get_by_role("tab", name="Options").click()
        page.get_by_role("spinbutton", name="Offer", exact=True).fill("1.5")
        page.locator(".widget-text", has_text="Reason").locator("input").fill("kept reason 42")
        wait_for_draft(workspace, "draft-kept-42")

        # A kernel restart: every cell runs again in a new kernel.
        page.get_by_role("menuitem", name="Kernel").click()
        page.get_by_text("Restart Kernel and Run All Cells…", exact=True).click()
        page.locator(".jp-Dialog").get_by_role("button", name="Confirm Kernel Restart").click()
        page.wait_for_timeout(3_000)
        page.wait_for_selector(".dk-queue-table", timeout=120_000)
        page.wait_for_selector(f"text=order {order}", timeout=60_000)
        assert class_select(page).input_value() == "stalled_in_transit"
        assert "draft-kept-42" in reply_text(page)
        shot(page, "4-restarted")

        # The notebook closed and opened again (the kernel shut down with it).
        page.keyboard.press("Control+s")
        page.wait_for_timeout(1_500)
        page.get_by_role("menuitem", name="Kernel").click()
        page.get_by_text("Shut Down Kernel", exact=True).click()
        page.wait_for_timeout(1_500)
        run_workbook(page, lab)
        page.wait_for_selector(f"text=order {order}", timeout=60_000)
        assert class_select(page).input_value() == "stalled_in_transit"
        assert "draft-kept-42" in reply_text(page)
        page.get_by_role("tab", name="Options").click()
        assert page.get_by_role("spinbutton", name="Offer", exact=True).input_value() == "1.5"
        assert page.locator(".widget-text", has_text="Reason").locator("input") \
            .input_value() == "kept reason 42"
        shot(page, "5-reopened")

        # Nothing matches: no draft stays live.
        search = page.locator(".widget-text", has_text="Search").locator("input")
        search.fill("no-such-order")
        search.press("Enter")
        page.wait_for_selector("text=No open dispute matches.", timeout=30_000)
        assert reply_text(page) == ""
        assert page.locator(".widget-textarea textarea").first.is_disabled()
        search.fill("")
        search.press("Enter")
        page.wait_for_selector(f"text=order {order}", timeout=30_000)

        # A two-click refusal: the confirmation's currency is the one sent.
        page.get_by_role("tab", name="Options").click()
        page.locator(".widget-text", has_text="Reason").locator("input").fill("Our offer")
        page.get_by_role("button", name="Refuse / counter-offer").click()
        asked = page.locator(".widget-html", has_text="Refuse the buyer's plan and offer")
        asked.wait_for(timeout=30_000)
        words = asked.inner_text()
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_selector("text=AliExpress ok", timeout=60_000)
        page.keyboard.press("Control+s")
        page.wait_for_timeout(1_500)
    except Exception:
        shot(page, "failure")
        raise
    db = database(workspace)
    try:
        with db.session() as s:
            action = s.scalars(select(ActionRow).where(ActionRow.kind == "partial_refund")).one()
            dispute = s.get(DisputeRow, ("volt", action.issue_id))
            assert dispute is not None and str(dispute.parent_order_id) == order
            assert f"offer 1.50 {action.request_json['currency']}" in words
            assert action.request_json["currency"] == dispute.local_currency
    finally:
        db.dispose()
    # Saved while in use: the notebook on disk is the committed one, byte for byte.
    saved = (workspace.notebooks_dir / NOTEBOOK).read_bytes()
    (ARTIFACTS / "saved-daily_review.ipynb").write_bytes(saved)
    assert saved == (REPO / "notebooks" / NOTEBOOK).read_bytes()

