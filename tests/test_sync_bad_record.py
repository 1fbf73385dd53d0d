"""A malformed record from the platform damages nothing already stored.

The platform sends one dispute's answer spoiled (a field missing, of the wrong type, a time
in the wrong format, an id too large, an order or a parcel event that cannot be read). The
sync must still bring every other dispute up to date, leave the bad dispute's stored rows
exactly as they were, and say which dispute and which field (in its result and in the
``sync_runs`` row); once the platform sends it right again, the next sync takes it in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import DisputeRow, SyncRunRow, TrackingEventRow
from disputekit.adapters.parameters import StoreParameters, load_store
from disputekit.domain.platform_time import parse_pacific, to_pacific_string
from disputekit.services.store_day import connect
from disputekit.services.sync import SyncResult, sync_store
from disputekit.simulator.app import RunningSimulator, serve_in_thread
from disputekit.simulator.dataset import IssueRecord
from disputekit.simulator.gateway import Gateway
from disputekit.simulator.generator import MIN_DISPUTES
from tests.badinput import names_a_prefix, spoiled
from tests.conftest import demo_credentials, make_workspace
from tests.dbdump import normalised, snapshot

STORE = "volt"


@dataclass
class Setup:
    sim: RunningSimulator
    store: StoreParameters
    db: Database

    def sync(self, orders: bool = False) -> SyncResult:
        with connect(self.store) as client:
            return sync_store(self.store, client, self.db, orders=orders)

    @property
    def records(self) -> list[IssueRecord]:
        return self.sim.gateway.datasets[STORE].issues


@pytest.fixture
def setup(tmp_path: Path, anchor: datetime, credentials: dict[str, str]) -> Iterator[Setup]:
    running = serve_in_thread(Gateway(seed=23, now=anchor, disputes_per_store=MIN_DISPUTES))
    ws = make_workspace(tmp_path / "ws", running.sync_url)
    db = Database.open(ws.db_url)
    yield Setup(running, load_store(STORE, ws.parameters_dir), db)
    db.dispose()
    running.stop()


def changed_since_stored(setup: Setup) -> list[IssueRecord]:
    with setup.db.session() as s:
        stored = dict(s.execute(select(DisputeRow.issue_id, DisputeRow.modified_at)
                                .where(DisputeRow.store_id == STORE)).all())
    return [r for r in setup.records if r.summary["issue_id"] in stored
            and stored[r.summary["issue_id"]] != parse_pacific(r.summary["gmt_modified"])]


def rows_of(snap: dict[str, dict[tuple[Any, ...], dict[str, Any]]], issue_id: int,
            order_id: int) -> dict[str, Any]:
    """Everything stored about one dispute: its row, its order, its parcels' rows."""
    numbers = {row["logistics_no"] for key, row in snap["tracking_events"].items()
               if key[0] == STORE} & {
        row["logistics_no"] for key, row in snap["orders"].items() if key == (STORE, order_id)}
    return {
        "dispute": snap["disputes"].get((STORE, issue_id)),
        "order": snap["orders"].get((STORE, order_id)),
        "events": sorted((k, r) for k, r in snap["tracking_events"].items()
                         if k[0] == STORE and k[1] in numbers),
        "shipments": sorted((k, r) for k, r in snap["shipments"].items()
                            if k[0] == STORE and k[1] in numbers),
    }


# How the platform spoils a record: (where, what is done to it, the field the error names).
Spoil = Callable[[IssueRecord, Setup], None]


def _detail(field: str, value: Any) -> Spoil:
    def spoil(record: IssueRecord, _setup: Setup) -> None:
        record.detail[field] = value
    return spoil


def _detail_missing(field: str) -> Spoil:
    def spoil(record: IssueRecord, _setup: Setup) -> None:
        del record.detail[field]
    return spoil


def _summary(field: str, value: Any) -> Spoil:
    def spoil(record: IssueRecord, _setup: Setup) -> None:
        record.summary[field] = value
    return spoil


def _order(field: str, value: Any) -> Spoil:
    def spoil(record: IssueRecord, setup: Setup) -> None:
        setup.sim.gateway.datasets[STORE].orders[record.summary["parent_order_id"]][field] = value
    return spoil


CASES: dict[str, tuple[Spoil, str]] = {
    "detail field missing": (_detail_missing("buyer_login_id"), "buyer_login_id"),
    "detail wrong type": (_detail("refund_money_max", "lots"), "refund_money_max"),
    "detail id too large": (_detail("order_id", 2**64), "order_id"),
    "detail time in the wrong format": (_detail("timeout_trigger_time", "2026-11-30T09:00:00Z"),
                                        "timeout_trigger_time"),
    "detail huge amount": (_detail("refund_money_max_local", "1e400"),
                           "refund_money_max_local"),
    "detail list not a list": (_detail("process_dto_list", "none"), "process_dto_list"),
    "list item time in the wrong format": (_summary("gmt_modified", "28/11/2026 09:00"),
                                           "gmt_modified"),
    "list item wrong type": (_summary("buyer_login_id", {"id": 1}), "buyer_login_id"),
    "order wrong type": (_order("buyer_info", "Anna"), "buyer_info"),
    "detail unknown status far too long": (_detail("reverse_detail_status", "WAIT_" * 500),
                                           "reverse_detail_status"),
    "order tracking number far too long": (_order("logistic_info_list", [
        {"logistics_no": "LP" + "9" * 200, "logistics_type_code": "CAINIAO_STANDARD"}]),
        "logistics_no"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_malformed_record_leaves_the_store_intact_and_is_named(setup: Setup,
                                                                  case: str) -> None:
    spoil, field = CASES[case]
    assert setup.sync().status == "ok"
    setup.sim.gateway.advance(timedelta(days=4))  # buyers and timers move several disputes
    changed = changed_since_stored(setup)
    assert len(changed) >= 3, "the scenario needs several disputes changed on the platform"
    target, others = changed[0], changed[1:]
    issue_id, order_id = target.summary["issue_id"], target.summary["parent_order_id"]
    before = snapshot(setup.db)
    spoil(target, setup)

    result = setup.sync()

    # Named: the dispute and the field, in the result and in the run's record.
    assert result.status == "partial"
    assert [i for i, _ in result.failures] == [issue_id]
    assert field in result.failures[0][1]
    with setup.db.session() as s:
        run = s.scalars(select(SyncRunRow).order_by(SyncRunRow.id.desc())).first()
        assert run is not None and run.status == "partial" and run.failed == 1
        assert f"dispute {issue_id}" in run.error and field in run.error
    after = snapshot(setup.db)
    # Nothing stored was lost, and the bad dispute's rows are exactly as they were.
    for table, rows in before.items():
        if table != "sync_runs":
            assert set(rows) <= set(after[table]), table
    assert rows_of(after, issue_id, order_id) == rows_of(before, issue_id, order_id)
    assert rows_of(before, issue_id, order_id)["dispute"] is not None
    # The other disputes did sync.
    with setup.db.session() as s:
        for record in others:
            row = s.get(DisputeRow, (STORE, record.summary["issue_id"]))
            assert row is not None
            assert row.modified_at == parse_pacific(record.summary["gmt_modified"])


def test_an_unreadable_parcel_of_an_unchanged_open_dispute_is_named_and_kept(
        setup: Setup) -> None:
    """The open disputes' tracking is re-read every run; one bad answer there used to fail
    the whole store's sync."""
    assert setup.sync().status == "ok"
    gateway = setup.sim.gateway
    dataset = gateway.datasets[STORE]
    target = next(r for r in setup.records if r.summary["issue_status"] == "processing"
                  and any(dataset.tracking.get(i["logistics_no"])
                          for i in dataset.orders[r.summary["parent_order_id"]]
                          ["logistic_info_list"]))
    order = dataset.orders[target.summary["parent_order_id"]]
    number = next(i["logistics_no"] for i in order["logistic_info_list"]
                  if dataset.tracking.get(i["logistics_no"]))
    before = snapshot(setup.db)
    dataset.tracking[number][0]["event_date"] = "last Tuesday"

    result = setup.sync()

    assert result.status == "partial"
    assert [i for i, _ in result.failures] == [target.summary["issue_id"]]
    assert "event_date" in result.failures[0][1] and number in result.failures[0][1]
    after = snapshot(setup.db)
    assert rows_of(after, target.summary["issue_id"], order["id"]) == \
        rows_of(before, target.summary["issue_id"], order["id"])


def test_a_list_item_without_an_id_is_reported_and_the_rest_sync(setup: Setup) -> None:
    target = setup.records[3]
    del target.summary["issue_id"]
    result = setup.sync()
    assert result.status == "partial" and [i for i, _ in result.failures] == [0]
    assert "issue_id" in result.failures[0][1]
    with setup.db.session() as s:
        stored = set(s.scalars(select(DisputeRow.issue_id)))
    assert len(stored) == result.listed  # every other dispute listed was stored


def test_an_unreadable_order_list_item_is_left_out_of_rates_and_named(setup: Setup) -> None:
    first = setup.sync(orders=True)
    assert first.status == "ok" and first.orders > 0
    listed = setup.sim.gateway._all_orders(setup.sim.gateway.datasets[STORE])
    bad = listed[0]
    good_amount = bad["pay_amount"]
    bad["pay_amount"] = {"amount": "a lot", "currency_code": "USD"}
    try:
        again = setup.sync(orders=True)
    finally:
        bad["pay_amount"] = good_amount
    assert again.status == "partial" and again.failures == []
    assert [o for o, _ in again.skipped_orders] == [bad["order_id"]]
    assert "pay_amount" in again.skipped_orders[0][1]
    assert again.orders == first.orders - 1  # this run's list lacks it; the stored row stays


@pytest.mark.parametrize("case", ["detail wrong type", "list item time in the wrong format"])
def test_once_the_platform_sends_it_right_the_next_sync_takes_it(setup: Setup,
                                                                  case: str) -> None:
    spoil, _field = CASES[case]
    assert setup.sync().status == "ok"
    setup.sim.gateway.advance(timedelta(days=4))
    target = changed_since_stored(setup)[0]
    good_detail, good_summary = dict(target.detail), dict(target.summary)
    spoil(target, setup)
    assert setup.sync().status == "partial"
    target.detail.clear()
    target.detail.update(good_detail)
    target.summary.clear()
    target.summary.update(good_summary)
    assert setup.sync().status == "ok"
    with setup.db.session() as s:
        row = s.get(DisputeRow, (STORE, target.summary["issue_id"]))
        assert row is not None
        assert row.modified_at == parse_pacific(target.summary["gmt_modified"])


def test_huge_free_text_is_stored_shortened_and_kept_whole_in_the_raw_answer(
        setup: Setup) -> None:
    """A product name or parcel location of 100,000 characters is not a reason to lose a
    dispute; the column gets a shortened copy, the raw JSON the whole text."""
    target = setup.records[0]
    huge = "Multimeter " + "x" * 100_000
    target.detail["product_name"] = huge
    result = setup.sync()
    assert result.status == "ok", result.failures
    with setup.db.session() as s:
        row = s.get(DisputeRow, (STORE, target.summary["issue_id"]))
        assert row is not None
        column = DisputeRow.__table__.c.product_name  # type: ignore[attr-defined]
        assert len(row.product_name) == column.type.length
        assert row.product_name.startswith("Multimeter xxx") and row.product_name.endswith("…")
        assert row.detail_json["product_name"] == huge



def test_a_nul_in_buyer_text_is_dropped_on_both_databases(setup: Setup) -> None:
    """PostgreSQL's text cannot hold a NUL character: one pasted into a buyer's message or
    name failed the whole sync there (and only there). It is taken out on the way into the
    database, on both, and the rest of the text is kept."""
    planted = setup.sim.gateway.plant_buyer_text(
        STORE, {"message": "where\x00 is it", "buyer": "ru\x00buyer", "tracking": "at\x00 hub"},
        count=2)
    result = setup.sync()
    assert result.status == "ok", result.failures
    with setup.db.session() as s:
        rows = [s.get(DisputeRow, (STORE, issue_id)) for issue_id in planted]
        assert [r.buyer_login_id for r in rows if r] == ["rubuyer", "rubuyer"]
        assert all(r is not None and r.buyer_opening_text == "where is it" for r in rows)
        descriptions = s.scalars(select(TrackingEventRow.description)).all()
        assert "at hub" in descriptions and not any("\x00" in d for d in descriptions)
        # What the platform sent stays whole in the raw answer.
        assert all(r is not None and r.detail_json["buyer_login_id"] == "ru\x00buyer"
                   for r in rows)


# -- any spoiling of one dispute's detail, through a real sync ------------------------------

@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory, anchor: datetime
           ) -> Iterator[Setup]:
    """A platform whose clock never moves, synced once: only what a test spoils changes."""
    wall = time.time()
    running = serve_in_thread(Gateway(seed=29, now=anchor, disputes_per_store=MIN_DISPUTES,
                                      clock=lambda: wall))
    ws = make_workspace(tmp_path_factory.mktemp("frozen") / "ws", running.sync_url)
    db = Database.open(ws.db_url)
    setup = Setup(running, load_store(STORE, ws.parameters_dir), db)
    with pytest.MonkeyPatch.context() as env:
        for key, value in demo_credentials().items():
            env.setenv(key, value)
        assert setup.sync().status == "ok"
        yield setup
    db.dispose()
    running.stop()


def _without(rows: list[tuple[Any, ...]], issue_id: int, order_id: int
             ) -> list[tuple[Any, ...]]:
    return [r for r in rows if issue_id not in r and order_id not in r]


@pytest.mark.slow  # ~25 s: 25 examples, four real syncs each
@settings(max_examples=25)
@given(data=st.data())
def test_any_spoiled_detail_is_stored_whole_or_refused_without_damage(
        frozen: Setup, credentials: dict[str, str], data: st.DataObject) -> None:
    record = data.draw(st.sampled_from(frozen.records), label="dispute")
    spoiled_detail, mutation = data.draw(spoiled(record.detail), label="spoiling")
    issue_id, order_id = record.summary["issue_id"], record.summary["parent_order_id"]
    good_detail, good_modified = dict(record.detail), record.summary["gmt_modified"]
    before = normalised(frozen.db)
    record.detail.clear()
    record.detail.update(spoiled_detail)
    # The platform says the dispute changed, so the sync reads it again.
    record.summary["gmt_modified"] = to_pacific_string(
        (parse_pacific(good_modified) or frozen.sim.gateway.now) + timedelta(seconds=1))
    try:
        result = frozen.sync()
    finally:
        record.detail.clear()
        record.detail.update(good_detail)
        record.summary["gmt_modified"] = good_modified
    after = normalised(frozen.db)
    if result.status == "partial":
        assert [i for i, _ in result.failures] == [issue_id], mutation.describe()
        assert names_a_prefix(result.failures[0][1], mutation.path), (
            mutation.describe(), result.failures[0][1])
        assert after == before, mutation.describe()  # nothing at all was changed
    else:
        assert result.status == "ok", mutation.describe()
        for table in ("disputes", "orders"):  # only the spoiled dispute's rows may differ
            assert _without(after[table], issue_id, order_id) == \
                _without(before[table], issue_id, order_id), (table, mutation.describe())
    # The platform sends it right again (and says it changed): the store is as before.
    record.summary["gmt_modified"] = to_pacific_string(
        (parse_pacific(good_modified) or frozen.sim.gateway.now) + timedelta(seconds=2))
    try:
        assert frozen.sync().status == "ok"
        record.summary["gmt_modified"] = good_modified
        assert frozen.sync().status == "ok"
    finally:
        record.summary["gmt_modified"] = good_modified
    assert normalised(frozen.db) == before, mutation.describe()
