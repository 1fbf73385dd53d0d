"""Each parcel's state and the carrier claims it calls for, kept up to date by the sync.

Reads the raw tracking the sources sent (the platform's, and 17TRACK's when the store has
it: merged event by event), turns it into a ``tracking.Timeline`` (pure), judges
its stall state on its lane's thresholds (store parameters), stores the result, and opens a
claim when ``claims.claim_due`` says so. Claims due appear in the store's daily run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from disputekit.adapters.db.database import Database, insert_missing, upsert, values_of
from disputekit.adapters.db.tables import (
    ClaimRow,
    DisputeRow,
    OrderRow,
    ShipmentRow,
    TrackingEventRow,
)
from disputekit.adapters.parameters import StoreParameters
from disputekit.domain.carriers import ServiceKind
from disputekit.domain.claims import CarrierClaim, ClaimStatus, claim_due, lapse, open_claim
from disputekit.domain.stalls import stall_state, thresholds_for
from disputekit.domain.tracking import (
    Timeline,
    TrackEvent,
    from_17track,
    from_aliexpress,
    merge_sources,
)
from disputekit.errors import ClaimError

# Kept as it is unless a caller gives new 17TRACK data: an AliExpress refresh must not
# drop what 17TRACK (polled or pushed) said about the parcel.
KEEP: Any = object()


def timeline_of(logistics_no: str, events_json: Mapping[str, Any] | None) -> Timeline:
    """A stored parcel's timeline: the platform's events, merged with 17TRACK's when stored
    (``events_json`` = {"details": [...], "track_info": {...}?}, as ``assess`` keeps them)."""
    stored = events_json or {}
    platform = from_aliexpress(logistics_no, list(stored.get("details") or []))
    info = stored.get("track_info")
    if not isinstance(info, Mapping):
        return platform
    return merge_sources(platform, from_17track(info, logistics_no))


def assess(s: Session, store: StoreParameters, order: OrderRow, logistics_no: str,
           details: list[dict[str, Any]], now: datetime, *,
           track_info: Mapping[str, Any] | None = KEEP) -> Timeline:
    """Store one parcel's normalised state; returns its timeline. (Not the stored row:
    reading it back cost a query per parcel in every sync, and no caller used it.)

    ``track_info``: 17TRACK's ``gettrackinfo`` item (or a push's ``data``) for the parcel;
    by default the one already stored is kept. With it the timeline is the two sources
    merged (``tracking.merge_sources``) and the stored events become the merged ones, each
    with its source.
    """
    if track_info is KEEP:
        before = s.get(ShipmentRow, (store.store_id, logistics_no))
        kept = (before.events_json or {}).get("track_info") if before is not None else None
        track_info = kept if isinstance(kept, Mapping) else None
    events_json: dict[str, Any] = {"details": details}
    if track_info is not None:
        events_json["track_info"] = dict(track_info)
    timeline = timeline_of(logistics_no, events_json)
    lane = thresholds_for(order.carrier, order.buyer_country, store.tracking.lanes)
    state = stall_state(timeline, lane, now, shipped_at=order.shipped_at)
    last = timeline.last_event
    row = ShipmentRow(
        store_id=store.store_id, logistics_no=logistics_no, parent_order_id=order.order_id,
        carrier=order.carrier, service_kind=order.service_kind, country=order.buyer_country,
        shipped_at=order.shipped_at, source=timeline.source,
        main_status=str(timeline.main_status), sub_status=timeline.sub_status,
        delivered=timeline.delivered, signed_by=timeline.signed_by,
        customs_hold=timeline.customs_hold, buyer_must_act=timeline.buyer_must_act,
        returned=str(timeline.returned) if timeline.returned else "", lost=timeline.lost,
        last_event_at=last.at if last else None, last_location=timeline.last_location,
        stall_state=str(state), events_json=events_json, assessed_at=now,
    )
    # An upsert, not merge: a sync and an operator's refresh may assess one parcel at once.
    upsert(s, ShipmentRow, [values_of(row)])
    if track_info is not None:
        write_events(s, store.store_id, logistics_no, timeline.events)
    return timeline


def write_events(s: Session, store_id: str, logistics_no: str,
                 events: Sequence[TrackEvent]) -> None:
    """The parcel's stored events become ``events`` (oldest first), each with its source:
    rewritten in place by (parcel, seq), any tail of a longer earlier timeline dropped. Not
    delete-all-then-insert: on PostgreSQL two writers of one parcel would both delete, both
    insert and collide on the unique key."""
    s.execute(delete(TrackingEventRow).where(
        TrackingEventRow.store_id == store_id, TrackingEventRow.logistics_no == logistics_no,
        TrackingEventRow.seq >= len(events)))
    upsert(s, TrackingEventRow, [
        {"store_id": store_id, "logistics_no": logistics_no, "seq": seq, "occurred_at": e.at,
         "action_code": e.stage, "description": e.description, "location": e.location,
         "signed_name": e.signed_by, "source": e.source or "aliexpress"}
        for seq, e in enumerate(events)], keys=("store_id", "logistics_no", "seq"))


def open_claim_if_due(s: Session, store: StoreParameters, dispute: DisputeRow,
                      order: OrderRow, timeline: Timeline, now: datetime) -> ClaimRow | None:
    """Record a claim the first time a parcel qualifies; never a second one for it."""
    if s.get(ClaimRow, (store.store_id, timeline.logistics_no)) is not None:
        return None
    kinds = {k.value: k for k in ServiceKind}
    kind = kinds.get(order.service_kind, ServiceKind.UNKNOWN)
    lane = thresholds_for(order.carrier, order.buyer_country, store.tracking.lanes)
    if not claim_due(timeline, kind, lane, now, logistics_created_at=order.shipped_at):
        return None
    return insert_claim(s, claim_for(dispute, order, timeline.logistics_no, kind, now))


def claim_for(dispute: DisputeRow, order: OrderRow, logistics_no: str, kind: ServiceKind,
              now: datetime) -> CarrierClaim:
    """A new claim on a stored dispute's parcel: the goods' price and the freight, in USD."""
    return open_claim(
        store_id=dispute.store_id, issue_id=str(dispute.issue_id),
        logistics_no=logistics_no, carrier=order.carrier, service_kind=kind,
        goods_amount=dispute.product_price or Decimal("0"),
        freight_amount=order.freight_amount or Decimal("0"), currency="USD", now=now,
        logistics_created_at=order.shipped_at)


def insert_claim(s: Session, claim: CarrierClaim) -> ClaimRow | None:
    """Store a new claim (in whatever state it is); one already stored for its parcel stays
    as it is, and is the one returned."""
    row = ClaimRow(
        store_id=claim.store_id, logistics_no=claim.logistics_no, issue_id=int(claim.issue_id),
        carrier=claim.carrier, service_kind=str(claim.service_kind),
        goods_amount=claim.goods_amount, freight_amount=claim.freight_amount,
        currency=claim.currency, status=str(claim.status), attempts=claim.attempts,
        opened_at=claim.opened_at, logistics_created_at=claim.logistics_created_at,
        filed_at=claim.filed_at, carrier_answer_due=claim.carrier_answer_due,
        answered_at=claim.answered_at, offered_amount=claim.offered_amount,
        appeal_until=claim.appeal_until, recovered_amount=claim.recovered_amount,
        closed_at=claim.closed_at)
    # Not add(): another writer may record the same claim between our get() and now.
    insert_missing(s, ClaimRow, [values_of(row)])
    return s.get(ClaimRow, (claim.store_id, claim.logistics_no), populate_existing=True)


def stalled_parcels(db: Database, store_id: str, now: datetime) -> pd.DataFrame:
    """Open disputes' parcels that stopped moving, longest silence first."""
    with db.session() as s:
        rows = s.execute(
            select(ShipmentRow, DisputeRow.issue_id)
            .join(DisputeRow, (DisputeRow.store_id == ShipmentRow.store_id)
                  & (DisputeRow.parent_order_id == ShipmentRow.parent_order_id))
            .where(ShipmentRow.store_id == store_id, DisputeRow.issue_status == "processing",
                   ShipmentRow.stall_state.in_(["stalled", "presumed_lost", "customs_hold",
                                                "no_pickup"]))
            .order_by(ShipmentRow.logistics_no, DisputeRow.issue_id)  # ties: same on both DBs
        ).all()
    frame = pd.DataFrame([{
        "parcel": r.logistics_no, "carrier": r.carrier, "country": r.country,
        "days silent": round((now - r.last_event_at).total_seconds() / 86400, 1)
        if r.last_event_at else None,
        "last seen": r.last_location, "state": r.stall_state.replace("_", " "),
        "dispute": str(issue_id),
    } for r, issue_id in rows], columns=["parcel", "carrier", "country", "days silent",
                                          "last seen", "state", "dispute"])
    return frame.sort_values("days silent", ascending=False, na_position="first",
                             kind="stable").reset_index(drop=True)


def claims_due(db: Database, store_id: str) -> pd.DataFrame:
    """Claims waiting to be filed (or re-filed), with what they are worth."""
    with db.session() as s:
        rows = s.scalars(select(ClaimRow).where(
            ClaimRow.store_id == store_id,
            ClaimRow.status.in_([str(ClaimStatus.DUE), str(ClaimStatus.ANSWERED)]),
        ).order_by(ClaimRow.opened_at, ClaimRow.logistics_no)).all()
    return pd.DataFrame([{
        "parcel": r.logistics_no, "carrier": r.carrier, "kind": r.service_kind,
        "goods": float(r.goods_amount), "freight": float(r.freight_amount),
        "claim (USD)": float(r.goods_amount + r.freight_amount), "status": r.status,
        "attempts": r.attempts, "dispute": str(r.issue_id),
    } for r in rows], columns=["parcel", "carrier", "kind", "goods", "freight", "claim (USD)",
                               "status", "attempts", "dispute"])


# -- following a claim to its end --------------------------------------------------------
def claim_of(row: ClaimRow) -> CarrierClaim:
    kinds = {k.value: k for k in ServiceKind}
    return CarrierClaim(
        store_id=row.store_id, issue_id=str(row.issue_id), logistics_no=row.logistics_no,
        carrier=row.carrier, service_kind=kinds.get(row.service_kind, ServiceKind.UNKNOWN),
        goods_amount=row.goods_amount, freight_amount=row.freight_amount,
        currency=row.currency, opened_at=row.opened_at,
        logistics_created_at=row.logistics_created_at, status=ClaimStatus(row.status),
        attempts=row.attempts, filed_at=row.filed_at,
        carrier_answer_due=row.carrier_answer_due, answered_at=row.answered_at,
        offered_amount=row.offered_amount, appeal_until=row.appeal_until,
        recovered_amount=row.recovered_amount, closed_at=row.closed_at)


def _save(row: ClaimRow, claim: CarrierClaim) -> None:
    row.status = str(claim.status)
    row.attempts = claim.attempts
    row.filed_at = claim.filed_at
    row.carrier_answer_due = claim.carrier_answer_due
    row.answered_at = claim.answered_at
    row.offered_amount = claim.offered_amount
    row.appeal_until = claim.appeal_until
    row.recovered_amount = claim.recovered_amount
    row.closed_at = claim.closed_at


def update_claim(db: Database, store_id: str, logistics_no: str,
                 step: Callable[[CarrierClaim], CarrierClaim]) -> CarrierClaim:
    """Apply one step of ``claims`` (file, answer, appeal, recovery, refusal) and store it;
    an illegal step raises ``ClaimError`` and changes nothing.

    >>> update_claim(db, "volt", "LP001", lambda c: file_claim(c, now))  # doctest: +SKIP
    """
    with db.session() as s:
        row = s.get(ClaimRow, (store_id, logistics_no))
        if row is None:
            raise ClaimError(f"no claim for parcel {logistics_no} in store {store_id!r}; "
                             "claims open by themselves when a parcel qualifies")
        claim = step(claim_of(row))
        _save(row, claim)
        return claim


def lapse_claims(db: Database, store_id: str, now: datetime) -> int:
    """Let time act on a store's claims (unfiled past the window expire; unappealed
    refusals stand); the daily sync calls it. Returns how many changed."""
    changed = 0
    with db.session() as s:
        for row in s.scalars(select(ClaimRow).where(ClaimRow.store_id == store_id)):
            before = claim_of(row)
            after = lapse(before, now)
            if after != before:
                _save(row, after)
                changed += 1
    return changed
