"""Sync against the simulator: complete, incremental, idempotent, and resilient."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from disputekit.adapters.db.database import Database, upsert
from disputekit.adapters.db.tables import (
    DisputeRow,
    OrderRow,
    StoreRow,
    SyncRunRow,
    TrackingEventRow,
)
from disputekit.adapters.parameters import load_store
from disputekit.adapters.workspace import Workspace
from disputekit.domain.platform_time import parse_pacific, to_pacific_string
from disputekit.errors import AccessTokenError
from disputekit.services.store_day import connect
from disputekit.services.sync import sync_orders, sync_store
from disputekit.simulator.app import serve_in_thread
from disputekit.simulator.dataset import IssueRecord, StoreDataset
from disputekit.simulator.gateway import Faults, Gateway
from tests.conftest import make_workspace


def importable(dataset: StoreDataset, now: datetime | None = None) -> list[IssueRecord]:
    """What a first sync at `now` must import: every open dispute, closed ones of the last
    90 days."""
    horizon = (now or datetime.now(UTC)) - timedelta(days=90)
    return [r for r in dataset.issues if r.summary["issue_status"] == "processing"
            or parse_pacific(r.summary["gmt_create"]) >= horizon]  # type: ignore[operator]


def importable_during(dataset: StoreDataset, began: datetime,
                      ended: datetime) -> tuple[set[int], set[int]]:
    """The issue ids a first sync run between `began` and `ended` must import, and those it
    may: a closed dispute crossing the 90-day horizon meanwhile may land on either side."""
    return ({r.summary["issue_id"] for r in importable(dataset, ended)},
            {r.summary["issue_id"] for r in importable(dataset, began)})


def stored_ids(db: Database) -> set[int]:
    with db.session() as s:
        return set(s.scalars(select(DisputeRow.issue_id)))


def counts(db: Database) -> tuple[int, int, int]:
    with db.session() as s:
        return (s.scalar(select(func.count()).select_from(DisputeRow)) or 0,
                s.scalar(select(func.count()).select_from(OrderRow)) or 0,
                s.scalar(select(func.count()).select_from(TrackingEventRow)) or 0)


@pytest.fixture
def private_simulator(anchor: datetime):  # type: ignore[no-untyped-def]
    """A simulator of our own, so a test may change the platform's data."""
    running = serve_in_thread(Gateway(seed=11, now=anchor))
    yield running
    running.stop()


def test_sync_is_complete_and_idempotent(workspace: Workspace, credentials: dict[str, str],
                                         simulator) -> None:  # type: ignore[no-untyped-def]
    store = load_store("volt", workspace.parameters_dir)
    db = Database.open(workspace.db_url)
    dataset = simulator.gateway.datasets["volt"]
    began = datetime.now(UTC)
    with connect(store) as client:
        first = sync_store(store, client, db)
        ended = datetime.now(UTC)
        after_first = counts(db)
        second = sync_store(store, client, db)
    must, may = importable_during(dataset, began, ended)
    stored = stored_ids(db)
    assert len(must) > 0 and must <= stored <= may
    wanted = [r for r in dataset.issues if r.summary["issue_id"] in stored]
    assert first.status == "ok" and first.fetched == len(wanted)
    # The second sync lists what changed since the first: nothing.
    assert second.fetched == 0 and len(must) <= second.unchanged <= len(wanted)
    assert counts(db) == after_first
    disputes, orders, events = after_first
    assert disputes == len(wanted)
    assert orders == len({r.summary["parent_order_id"] for r in wanted})
    parents = {r.summary["parent_order_id"] for r in wanted}
    numbers = {info["logistics_no"] for pid in parents
               for info in dataset.orders[pid]["logistic_info_list"] if info["logistics_no"]}
    assert events == sum(len(dataset.tracking.get(n, [])) for n in numbers) > 0
    with db.session() as s:
        row = s.get(DisputeRow, ("volt", dataset.issues[0].summary["issue_id"]))
        assert row is not None and row.created_at.tzinfo is not None
        runs = s.scalars(select(SyncRunRow).order_by(SyncRunRow.id)).all()
        assert [r.status for r in runs] == ["ok", "ok"]


def test_only_changed_disputes_are_fetched_again(tmp_path: Path, private_simulator,
                                                 credentials: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(tmp_path / "ws", private_simulator.sync_url)
    store = load_store("spark", ws.parameters_dir)
    db = Database.open(ws.db_url)
    record = private_simulator.gateway.datasets["spark"].issues[3]
    with connect(store) as client:
        sync_store(store, client, db, orders=False)
        # The buyer changes the dispute on the platform.
        record.summary["gmt_modified"] = to_pacific_string(
            private_simulator.gateway.now + timedelta(minutes=5))
        record.detail["reverse_detail_status"] = "wait_for_AE_feedback"
        private_simulator.gateway.call_log.clear()
        again = sync_store(store, client, db, orders=False)
    assert again.fetched == 1
    details = [m for m, _ in private_simulator.gateway.call_log
               if m == "aliexpress.issue.detail.get"]
    assert len(details) == 1
    with db.session() as s:
        row = s.get(DisputeRow, ("spark", record.summary["issue_id"]))
        assert row is not None and row.reverse_detail_status == "wait_for_AE_feedback"


def test_one_malformed_dispute_does_not_stop_the_others(tmp_path: Path, private_simulator,
                                                        credentials: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(tmp_path / "ws", private_simulator.sync_url)
    store = load_store("bloom", ws.parameters_dir)
    db = Database.open(ws.db_url)
    dataset = private_simulator.gateway.datasets["bloom"]
    broken = dataset.issues[5]
    broken.detail["gmt_create"] = "yesterday-ish"  # not a platform time
    began = datetime.now(UTC)
    with connect(store) as client:
        result = sync_store(store, client, db, orders=False)
    must, may = importable_during(dataset, began, datetime.now(UTC))
    assert result.status == "partial"
    assert [issue for issue, _ in result.failures] == [broken.summary["issue_id"]]
    assert "gmt_create" in result.failures[0][1]
    skipped = {broken.summary["issue_id"]}
    assert must - skipped <= stored_ids(db) <= may - skipped


def test_bad_credentials_fail_the_run_and_record_it(workspace: Workspace,
                                                    credentials: dict[str, str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPUTEKIT_VOLT_TOKEN", "revoked")
    monkeypatch.setenv("DISPUTEKIT_VOLT_REFRESH_TOKEN", "also-revoked")
    store = load_store("volt", workspace.parameters_dir)
    db = Database.open(workspace.db_url)
    with connect(store) as client, pytest.raises(AccessTokenError,
                                                 match="Re-authorise store 'volt'"):
        sync_store(store, client, db, orders=False)
    with db.session() as s:
        run = s.scalars(select(SyncRunRow)).one()
        assert run.status == "failed" and "Re-authorise store" in run.error
        assert "revoked" not in run.error


def test_an_expired_token_is_refreshed_and_the_sync_goes_on(
        tmp_path: Path, private_simulator, credentials: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(tmp_path / "ws", private_simulator.sync_url)
    store = load_store("spark", ws.parameters_dir)
    db = Database.open(ws.db_url)
    private_simulator.gateway.faults = Faults(expire_token_after=40)
    began = datetime.now(UTC)
    with connect(store) as client:
        result = sync_store(store, client, db, orders=False)
        assert client.credentials.access_token != credentials["DISPUTEKIT_SPARK_TOKEN"]
    must, may = importable_during(private_simulator.gateway.datasets["spark"], began,
                                  datetime.now(UTC))
    assert result.status == "ok"
    assert must <= stored_ids(db) <= may


def test_a_refresh_meeting_a_gateway_error_is_sent_again_and_the_sync_goes_on(
        tmp_path: Path, private_simulator, credentials: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    # The refresh call had no retry: one 502 or timeout on it failed the store's whole run.
    ws = make_workspace(tmp_path / "ws", private_simulator.sync_url)
    store = load_store("spark", ws.parameters_dir)
    db = Database.open(ws.db_url)
    private_simulator.gateway.faults = Faults(expire_token_after=40, refresh_failures=2)
    with connect(store) as client:
        result = sync_store(store, client, db, orders=False)
        assert client.credentials.access_token != credentials["DISPUTEKIT_SPARK_TOKEN"]
    assert private_simulator.gateway._refreshes_failed == 2  # the hiccups happened
    assert result.status == "ok"
    with db.session() as s:
        assert s.scalars(select(SyncRunRow)).one().status == "ok"


def test_a_token_expiring_again_while_calls_wait_their_turn_is_refreshed_each_time(
        tmp_path: Path, private_simulator, credentials: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    # Tokens that last 9 calls, 8 calls in flight: a call signed with a token another call
    # had just refreshed meets that token's own expiry; it must refresh again, not give up
    # because the token it started with was already replaced (a daily run failed so).
    ws = make_workspace(tmp_path / "ws", private_simulator.sync_url)
    store = load_store("spark", ws.parameters_dir)
    db = Database.open(ws.db_url)
    private_simulator.gateway.faults = Faults(expire_token_after=9)
    issued = len(private_simulator.gateway.tokens)
    with connect(store) as client:
        result = sync_store(store, client, db, orders=False)
    assert result.status == "ok"
    assert len(private_simulator.gateway.tokens) - issued >= 10  # many refreshes, all good
    with db.session() as s:
        assert s.scalars(select(SyncRunRow)).one().status == "ok"


def test_orders_of_the_last_months_are_listed_for_rates(
        workspace: Workspace, credentials: dict[str, str], simulator) -> None:  # type: ignore[no-untyped-def]
    from disputekit.adapters.db.tables import OrderLineRow

    store = load_store("volt", workspace.parameters_dir)
    db = Database.open(workspace.db_url)
    earliest = to_pacific_string(datetime.now(UTC) - timedelta(days=120))
    with connect(store) as client:
        first = sync_store(store, client, db)
        second = sync_store(store, client, db)
    latest = to_pacific_string(datetime.now(UTC) - timedelta(days=120))
    gateway = simulator.gateway
    every = gateway._all_orders(gateway.datasets["volt"])
    # The window's start moves while the test runs: orders right at the edge may go either way.
    surely = {o["order_id"] for o in every if o["gmt_create"] >= latest}
    maybe = {o["order_id"] for o in every if o["gmt_create"] >= earliest}
    expected = [o for o in every if o["order_id"] in surely]
    assert len(surely) <= first.orders <= len(maybe) and len(surely) > 1000
    with db.session() as s:
        rows = s.scalars(select(OrderLineRow)).all()
    assert surely <= {r.order_id for r in rows} <= maybe  # upserted, never duplicated
    assert len(rows) == len({r.order_id for r in rows})
    statuses = {r.status for r in rows}
    assert "FINISH" in statuses and "WAIT_SELLER_SEND_GOODS" in statuses
    assert all(r.carrier and r.service_kind for r in rows)
    disputed = {r.order_id for r in rows if r.issue_status != "NO_ISSUE"}
    assert {o["order_id"] for o in expected if o["issue_status"] != "NO_ISSUE"} <= disputed
    assert second.orders >= first.orders


def test_a_database_from_an_older_version_is_refused_with_a_way_out(tmp_path: Path) -> None:
    import sqlite3

    from disputekit.errors import ConfigError

    path = tmp_path / "old.sqlite"
    Database.open(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as raw:  # as an older release left it: one column fewer
        raw.execute("ALTER TABLE claims DROP COLUMN offered_amount")
    with pytest.raises(ConfigError, match=r"lacks claims\.offered_amount.*Back it up"):
        Database.open(f"sqlite:///{path}")


def test_many_processes_opening_a_new_database_at_once(db_url: str) -> None:
    """The parallel daily run opens one new database from several processes at once."""
    import subprocess
    import sys

    url = db_url
    code = ("import sys; from disputekit.adapters.db.database import Database; "
            "Database.open(sys.argv[1]).dispose()")
    procs = [subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE)
             for _ in range(10)]
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * 10, errors


def _contents(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every stored dispute, order and tracking event, without sync timestamps."""
    with db.session() as s:
        return {
            "disputes": sorted((r.store_id, r.issue_id, r.issue_status, r.modified_at,
                                r.last_buyer_change_at, str(r.detail_json))
                               for r in s.scalars(select(DisputeRow))),
            "orders": sorted((r.store_id, r.order_id, r.logistics_no, r.service_kind,
                              str(r.raw_json)) for r in s.scalars(select(OrderRow))),
            "events": sorted((r.store_id, r.logistics_no, r.seq, r.occurred_at,
                              r.action_code, r.description)
                             for r in s.scalars(select(TrackingEventRow))),
        }


def test_reads_in_flight_store_what_one_at_a_time_stores(
        tmp_path: Path, credentials: dict[str, str], simulator) -> None:  # type: ignore[no-untyped-def]
    """api.concurrency changes how fast a sync reads, never what it writes."""
    store = load_store("bloom", make_workspace(tmp_path / "ws", simulator.sync_url)
                       .parameters_dir)
    stored = []
    for concurrency, name in ((1, "one.sqlite"), (8, "eight.sqlite")):
        db = Database.open(f"sqlite:///{tmp_path / name}")
        with connect(store) as client:
            result = sync_store(store, client, db, orders=False, concurrency=concurrency)
            again = sync_store(store, client, db, orders=False, concurrency=concurrency)
        assert result.status == "ok" and result.fetched > 50 and again.fetched == 0
        stored.append(_contents(db))
        db.dispose()
    assert stored[0] == stored[1]


def _order_lines(db: Database, created_from: datetime) -> list[tuple[object, ...]]:
    """Every stored order-list row created from `created_from` on, without sync timestamps."""
    from disputekit.adapters.db.tables import OrderLineRow

    with db.session() as s:
        return [(r.store_id, r.order_id, r.created_at, r.status, r.issue_status, r.country,
                 r.carrier, r.service_kind, r.product_id, r.product_name, r.amount_usd,
                 r.shipped_at)
                for r in s.scalars(select(OrderLineRow)
                                   .where(OrderLineRow.created_at >= created_from)
                                   .order_by(OrderLineRow.store_id, OrderLineRow.order_id))]


def test_order_pages_in_flight_store_what_one_at_a_time_stores(
        tmp_path: Path, credentials: dict[str, str], simulator) -> None:  # type: ignore[no-untyped-def]
    """Order-list pages read 8 at once store exactly the rows read one page at a time."""
    from disputekit.services.sync import ORDER_HISTORY

    store = load_store("volt", make_workspace(tmp_path / "ws", simulator.sync_url)
                       .parameters_dir)
    dbs = []
    for concurrency in (1, 8):
        db = Database.open(f"sqlite:///{tmp_path / f'orders-{concurrency}.sqlite'}")
        with connect(store) as client:
            result = sync_store(store, client, db, concurrency=concurrency)
        assert result.status == "ok" and result.orders > 1000 and not result.skipped_orders
        dbs.append(db)
    # The 120-day window starts later for the later run: compare what both windows hold.
    window = datetime.now(UTC) - ORDER_HISTORY
    one, eight = (_order_lines(db, window) for db in dbs)
    assert len(one) > 1000 and one == eight
    for db in dbs:
        db.dispose()


class _OrderListInFlight:
    """ASGI middleware: each order-list request is held a moment on the wire (a round trip
    to the platform) and the most ever in flight at once is kept."""

    METHOD = b"method=aliexpress.trade.seller.orderlist.get"

    def __init__(self, app: Any, hold: float) -> None:
        self.app = app
        self.hold = hold
        self.now = 0
        self.most = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.METHOD not in scope.get("query_string", b""):
            await self.app(scope, receive, send)
            return
        self.now += 1  # one event loop: no lock needed
        self.most = max(self.most, self.now)
        try:
            await asyncio.sleep(self.hold)
            await self.app(scope, receive, send)
        finally:
            self.now -= 1


def test_order_list_pages_are_read_several_at_once(
        tmp_path: Path, credentials: dict[str, str], anchor: datetime) -> None:
    """Fails if the order list goes back to one page at a time: with api.concurrency 8 the
    simulator sees several order-list requests at once, with 1 never more than one."""
    watch: list[_OrderListInFlight] = []

    def wrap(app: Any) -> Any:
        watch.append(_OrderListInFlight(app, hold=0.05))
        return watch[0]

    running = serve_in_thread(Gateway(seed=11, now=anchor), wrap=wrap)
    try:
        store = load_store("volt", make_workspace(tmp_path / "ws", running.sync_url)
                           .parameters_dir)
        most = {}
        for concurrency in (1, 8):
            db = Database.open(f"sqlite:///{tmp_path / f'{concurrency}.sqlite'}")
            with db.session() as s:  # what sync_store does first: the orders' store row
                upsert(s, StoreRow, [{"store_id": store.store_id, "name": store.name}])
            watch[0].most = 0
            with connect(store) as client:
                listed = sync_orders(store, client, db, concurrency=concurrency)
            most[concurrency] = watch[0].most
            db.dispose()
            assert listed > 1000  # dozens of pages: room for 8 at once
    finally:
        running.stop()
    assert most[1] == 1
    assert most[8] > 1
