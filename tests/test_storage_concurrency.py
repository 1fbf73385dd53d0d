"""Two writers of the same rows at once (the schedule's sync and an operator's refresh, or
two syncs of one store): on PostgreSQL rows lock one by one, so read-then-insert would
collide; every write is an upsert, so both succeed and nothing is doubled."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from threading import Barrier

from sqlalchemy import func, select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import (
    BlocklistRow,
    DisputeRow,
    OrderRow,
    ShipmentRow,
    TrackingEventRow,
)
from disputekit.adapters.parameters import load_store
from disputekit.adapters.workspace import Workspace
from disputekit.services.assessment import block_buyer
from disputekit.services.store_day import connect
from disputekit.services.sync import SyncResult, sync_store
from tests.test_sync import importable_during, stored_ids


def test_two_syncs_of_one_store_at_once_end_as_one(
        workspace: Workspace, credentials: dict[str, str], simulator) -> None:  # type: ignore[no-untyped-def]
    store = load_store("volt", workspace.parameters_dir)
    db = Database.open(workspace.db_url)
    dataset = simulator.gateway.datasets["volt"]

    def one(_: int) -> SyncResult:
        with connect(store) as client:
            return sync_store(store, client, db, orders=False)

    try:
        began = datetime.now(UTC)
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(one, range(2)))
        must, may = importable_during(dataset, began, datetime.now(UTC))
        assert [r.status for r in results] == ["ok", "ok"], [r.failures for r in results]
        stored = stored_ids(db)
        assert must <= stored <= may
        wanted = [r for r in dataset.issues if r.summary["issue_id"] in stored]
        parents = {r.summary["parent_order_id"] for r in wanted}
        numbers = {info["logistics_no"] for pid in parents
                   for info in dataset.orders[pid]["logistic_info_list"] if info["logistics_no"]}
        with db.session() as s:
            def count(table: type) -> int:
                return s.scalar(select(func.count()).select_from(table)) or 0
            assert count(DisputeRow) == len(wanted)
            assert count(OrderRow) == len(parents)
            assert count(ShipmentRow) == len(numbers)
            assert count(TrackingEventRow) == sum(len(dataset.tracking.get(n, []))
                                                  for n in numbers)
    finally:
        db.dispose()


def test_operators_blocking_one_buyer_at_once_leave_one_entry(db_url: str) -> None:
    """Several kernels block the same buyer in the same instant: every call succeeds (none
    sees an IntegrityError from the other's insert) and the blocklist holds one row."""
    db = Database.open(db_url)
    start = Barrier(6)

    def block(n: int) -> None:
        start.wait()
        block_buyer(db, "ru1234567abc", f"operator-{n}", "asked for a refund to cancel, twice")

    try:
        for _ in range(5):  # the race is narrow: run it a few times
            with ThreadPoolExecutor(max_workers=6) as pool:
                list(pool.map(block, range(6)))
            with db.session() as s:
                rows = s.scalars(select(BlocklistRow)).all()
            assert [r.buyer_login_id for r in rows] == ["ru1234567abc"]
            assert rows[0].added_by.startswith("operator-")
    finally:
        db.dispose()
