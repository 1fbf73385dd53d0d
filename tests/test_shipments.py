"""Tracking through the sync: every parcel assessed, stalled ones listed, claims opened once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ClaimRow, DisputeRow, ShipmentRow
from disputekit.adapters.parameters import load_store
from disputekit.adapters.workspace import Workspace
from disputekit.services.shipments import claims_due, stalled_parcels
from disputekit.services.store_day import connect
from disputekit.services.sync import sync_store
from disputekit.simulator.app import RunningSimulator

DEFINING = {
    "delivered_disputed": lambda s: s.delivered and s.signed_by,
    "stalled_in_transit": lambda s: s.stall_state in ("stalled", "presumed_lost"),
    "customs_buyer_no_docs": lambda s: s.customs_hold,
    "customs_buyer_unreachable": lambda s: s.customs_hold,
    "returned_undelivered": lambda s: s.returned == "after_failed_delivery",
    "returned_in_country": lambda s: s.returned == "in_destination",
    "returned_before_export": lambda s: s.returned == "before_export",
    "lost": lambda s: s.lost or s.stall_state == "presumed_lost",
    "no_tracking": lambda s: s.service_kind == "unregistered" and (
        s.last_event_at is None or s.main_status in ("NotFound", "InfoReceived")
        or s.stall_state == "no_pickup"),
}


@pytest.fixture
def db(workspace: Workspace) -> Iterator[Database]:
    opened = Database.open(workspace.db_url)
    yield opened
    opened.dispose()


def test_sync_assesses_every_parcel_and_opens_claims_once(
        workspace: Workspace, credentials: dict[str, str], simulator: RunningSimulator,
        db: Database) -> None:
    truth: dict[tuple[str, int], str] = {}
    for store_id in ("volt", "spark", "bloom"):
        store = load_store(store_id, workspace.parameters_dir)
        with connect(store) as client:
            sync_store(store, client, db, orders=False)
        truth.update({(store_id, r.summary["issue_id"]): r.truth
                      for r in simulator.gateway.datasets[store_id].issues})
    with db.session() as s:
        pairs = s.execute(
            select(DisputeRow, ShipmentRow)
            .join(ShipmentRow, (ShipmentRow.store_id == DisputeRow.store_id)
                  & (ShipmentRow.parent_order_id == DisputeRow.parent_order_id))
        ).all()
        claims = s.scalars(select(ClaimRow)).all()
    seen: dict[str, int] = {}
    for dispute, shipment in pairs:
        cls = truth[(dispute.store_id, dispute.issue_id)]
        check = DEFINING.get(cls)
        if check is None or shipment.logistics_no != _primary(dispute, db):
            continue
        assert check(shipment), (cls, shipment.logistics_no, shipment.stall_state)
        seen[cls] = seen.get(cls, 0) + 1
    assert set(seen) == set(DEFINING)  # every logistics class shows its defining fact

    assert claims, "lost parcels on claimable logistics must open claims"
    assert all(c.service_kind in ("platform", "registered") for c in claims)
    assert all(c.goods_amount > 0 and c.status == "due" for c in claims)

    store = load_store("volt", workspace.parameters_dir)
    before = len(simulator.gateway.call_log)
    with connect(store) as client:
        again = sync_store(store, client, db, orders=False)
    tracked = [m for m, st in simulator.gateway.call_log[before:]
               if m == "aliexpress.logistics.redefining.querytrackingresult" and st == "volt"]
    assert again.fetched == 0 and tracked  # parcels re-read though no dispute changed
    with db.session() as s:
        assert len(s.scalars(select(ClaimRow)).all()) == len(claims)  # none twice

    now = datetime.now(UTC)
    stalled = stalled_parcels(db, "volt", now)
    assert len(stalled) > 0
    silent = stalled["days silent"].dropna().tolist()
    assert silent == sorted(silent, reverse=True)
    due = claims_due(db, "volt")
    assert set(due["parcel"]) == {c.logistics_no for c in claims if c.store_id == "volt"}


def _primary(dispute: DisputeRow, db: Database) -> str:
    from disputekit.adapters.db.tables import OrderRow

    with db.session() as s:
        order = s.get(OrderRow, (dispute.store_id, dispute.parent_order_id))
        return order.logistics_no if order else ""


def test_a_claim_is_followed_to_its_end_and_time_lapses_it(
        workspace: Workspace, credentials: dict[str, str], db: Database) -> None:
    from datetime import timedelta
    from decimal import Decimal

    from disputekit.domain.claims import file_claim, record_answer, record_recovery
    from disputekit.errors import ClaimError
    from disputekit.services.shipments import lapse_claims, update_claim

    for store_id in ("volt", "spark", "bloom"):
        store = load_store(store_id, workspace.parameters_dir)
        with connect(store) as client:
            sync_store(store, client, db, orders=False)
    with db.session() as s:
        claims = s.scalars(select(ClaimRow)).all()
    assert len(claims) >= 2
    first, second = claims[0], claims[1]
    now = datetime.now(UTC)
    filed = update_claim(db, first.store_id, first.logistics_no, lambda c: file_claim(c, now))
    assert filed.status == "filed" and filed.carrier_answer_due == now + timedelta(days=10)
    # The carrier offers half of what was claimed (goods + freight), inside what it may pay.
    offer = ((first.goods_amount + first.freight_amount) / 2).quantize(Decimal("0.01"))
    update_claim(db, first.store_id, first.logistics_no,
                 lambda c: record_answer(c, now + timedelta(days=3), offer))
    done = update_claim(db, first.store_id, first.logistics_no,
                        lambda c: record_recovery(c, now + timedelta(days=4), offer))
    assert done.status == "recovered"
    with pytest.raises(ClaimError):  # a recovered claim cannot be filed again
        update_claim(db, first.store_id, first.logistics_no, lambda c: file_claim(c, now))
    with db.session() as s:
        row = s.get(ClaimRow, (first.store_id, first.logistics_no))
        assert row is not None and row.status == "recovered"
        assert row.recovered_amount == offer  # the failed step changed nothing
    # A refusal nobody appeals stands once the 15-day window passes.
    update_claim(db, second.store_id, second.logistics_no, lambda c: file_claim(c, now))
    update_claim(db, second.store_id, second.logistics_no,
                 lambda c: record_answer(c, now + timedelta(days=2), Decimal("0")))
    assert lapse_claims(db, second.store_id, now + timedelta(days=30)) >= 1
    with db.session() as s:
        row = s.get(ClaimRow, (second.store_id, second.logistics_no))
        assert row is not None and row.status == "refused"
