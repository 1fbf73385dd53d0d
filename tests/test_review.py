"""The review queue widget, driven without a browser: set values, assert what it shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from disputekit.parameters import load_store
from disputekit.pipeline import connect
from disputekit.review import ALL, ReviewQueue
from disputekit.storage import Database, DisputeRow
from disputekit.sync import sync_store
from disputekit.workspace import Workspace


@pytest.fixture
def synced(workspace: Workspace, credentials: dict[str, str]) -> Database:
    db = Database.open(workspace.db_url)
    for store_id in ("volt", "bloom"):
        store = load_store(store_id, workspace.parameters_dir)
        with connect(store) as client:
            sync_store(store, client, db)
    return db


def test_queue_spans_stores_most_urgent_first(synced: Database) -> None:
    queue = ReviewQueue(synced)
    rows = queue.rows
    assert set(rows["store_id"]) == {"volt", "bloom"}
    due = rows["due_at"].dropna().tolist()
    assert due == sorted(due)
    assert rows["due_at"].isna().sum() == 0 or rows["due_at"].isna().tolist()[-1]
    assert len(queue.list.options) == len(rows)
    assert queue.list.value == (rows.iloc[0]["store_id"], int(rows.iloc[0]["issue_id"]))
    assert f"{len(rows)} open" in queue.counts.value


def test_store_filter(synced: Database) -> None:
    queue = ReviewQueue(synced)
    both = len(queue.rows)
    queue.store_filter.value = "bloom"
    assert set(queue.rows["store_id"]) == {"bloom"}
    assert 0 < len(queue.list.options) < both
    assert all(value[0] == "bloom" for _label, value in queue.list.options)
    queue.store_filter.value = ALL
    assert len(queue.list.options) == both


def test_detail_shows_facts_and_escapes_buyer_text(synced: Database) -> None:
    queue = ReviewQueue(synced)
    store_id, issue_id = queue.list.options[0][1]
    with synced.session() as s:
        row = s.get(DisputeRow, (store_id, issue_id))
        assert row is not None
        row.buyer_opening_text = '<script>alert("x")</script> & <b>refund</b>'
    queue.select(store_id, issue_id)
    shown = queue.detail.value
    assert "<script>" not in shown and "<b>refund</b>" not in shown
    assert "&lt;script&gt;" in shown and "&amp;" in shown
    assert str(queue.rows.iloc[0]["parent_order_id"]) in shown


def test_overdue_disputes_are_counted(synced: Database) -> None:
    later = datetime.now(UTC) + timedelta(days=30)  # by then every timer has run out
    queue = ReviewQueue(synced, now=later)
    timed = queue.rows["due_at"].notna().sum()
    assert f"overdue {timed}" in queue.counts.value
