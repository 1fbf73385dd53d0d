"""The tables a store report shows: masked buyers, escaped buyer-supplied text."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd

from disputekit.adapters.parameters import parse_store
from disputekit.services.queue import QUEUE_COLUMNS, TRIAGE_COLUMNS
from disputekit.services.sync import SyncResult
from disputekit.ui.store_report import StoreReport

STORE = parse_store({"store_id": "acme", "name": "Acme", "api": {
    "app_key_env": "K", "app_secret_env": "S", "access_token_env": "T"}}, "test")


def day_with(rows: list[dict[str, object]]) -> StoreReport:
    queue = pd.DataFrame(rows, columns=QUEUE_COLUMNS + TRIAGE_COLUMNS)
    queue["due_at"] = pd.to_datetime(queue["due_at"], utc=True)
    return StoreReport(STORE, date(2026, 11, 28), datetime(2026, 11, 28, tzinfo=UTC),
                    SyncResult("acme"), queue)


def row(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {c: "" for c in QUEUE_COLUMNS + TRIAGE_COLUMNS}
    base.update(store_id="acme", issue_id=1, parent_order_id=3040123, order_id=3040124,
                buyer="br1429846753xkqae", amount_usd=18.9, hours_left=5.0,
                urgency="due in 24 h", status="wait_for_seller_response",
                due_at=datetime(2026, 11, 28, 5, tzinfo=UTC), confidence=0.9,
                recommended="partial_refund", recommended_cost=4.5)
    base.update(overrides)
    return base


def test_report_table_masks_buyers_and_escapes_text() -> None:
    day = day_with([row(product="<img src=x> & <b>y</b>")])
    html = day.report_table().to_html()
    assert "<img" not in html and "&lt;img src=x&gt;" in html
    assert "&amp;" in html and "<b>y" not in html
    assert "br1429846753xkqae" not in html and "br14…qae" in html
    assert "seller response" in html  # readable status, not the wire enum
    assert "partial refund" in html
    assert day.due_today == 1


def test_empty_queue_renders() -> None:
    day = day_with([])
    assert day.due_today == 0
    assert "<table" in day.report_table().to_html()
    assert "<table" in day.by_reason().to_html()
