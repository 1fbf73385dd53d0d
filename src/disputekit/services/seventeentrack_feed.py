"""17TRACK beside the platform: the parcels of open disputes registered, read and pushed.

A store whose parameters have a ``seventeentrack`` section gets a second tracking source
(reference/tracking-api.md §1). Each sync:

1. registers the tracking numbers of the store's open disputes, each once: the registration
   ledger is a table (``tracking_registrations``), so no number costs quota twice, across
   runs and processes; a number 17TRACK already has (``-18019901``) is recorded, not paid;
2. reads their tracking (``gettrackinfo``, free) and stores it beside the platform's: the
   parcel's timeline becomes both merged event by event (``tracking.merge_sources``), and
   each stored event keeps its source, so the workbook and the report say "17TRACK" beside
   the scans only 17TRACK saw (the destination post's, on unregistered or last-mile lines).

What 17TRACK refuses never stops the sync: a per-number rejection (carrier not detected,
quota used up, the daily limit) is a note with 17TRACK's code and what to do about it, and a
request-level failure (a wrong key, 17TRACK down) a note too, after which the platform's
tracking stands alone. Pushes (``TRACKING_UPDATED``) are stored the same way by
``receive_push``, which the webhook receiver (``run.webhook``) calls once the push's
signature is checked.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import delete, select

from disputekit.adapters.db.database import Database, insert_missing
from disputekit.adapters.db.tables import (
    DisputeRow,
    OrderRow,
    ShipmentRow,
    TrackingRegistrationRow,
)
from disputekit.adapters.parameters import StoreParameters
from disputekit.adapters.seventeentrack import SeventeenTrackClient
from disputekit.domain.platform_time import utc_now
from disputekit.domain.tracking import Timeline
from disputekit.errors import MalformedPayloadError, TrackingError
from disputekit.services import shipments

log = logging.getLogger(__name__)

ALREADY_REGISTERED: Final = -18019901
NOT_REGISTERED: Final = -18019902
NO_INFO_YET: Final = -18019909


class DatabaseLedger:
    """The registration ledger (``adapters.seventeentrack.RegistrationLedger``) as a table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def carriers(self, number: str) -> set[int]:
        with self.db.session() as s:
            return set(s.scalars(select(TrackingRegistrationRow.carrier).where(
                TrackingRegistrationRow.logistics_no == number)).all())

    def record(self, number: str, carrier: int) -> None:
        with self.db.session() as s:
            insert_missing(s, TrackingRegistrationRow, [
                {"logistics_no": number, "carrier": carrier, "registered_at": utc_now()}])

    def forget(self, number: str, carrier: int) -> None:
        with self.db.session() as s:
            s.execute(delete(TrackingRegistrationRow).where(
                TrackingRegistrationRow.logistics_no == number,
                TrackingRegistrationRow.carrier == carrier))


def connect_17track(store: StoreParameters, db: Database,
                    env: Mapping[str, str] | None = None) -> SeventeenTrackClient | None:
    """The store's 17TRACK client (its key from the environment), or None when the store
    has no ``seventeentrack`` parameters. A named but unset key raises
    ``MissingCredentialError``: a second source switched on must not go quietly missing."""
    options = store.seventeentrack
    if options is None:
        return None
    return SeventeenTrackClient(
        store.seventeentrack_key(os.environ if env is None else env), options.base_url,
        rate_per_second=options.rate_per_second, ledger=DatabaseLedger(db),
        quota_warning_at=options.quota_warning_at, timeout=options.timeout_seconds)


@dataclass
class FeedResult:
    registered: int = 0  # numbers newly registered (1 quota each)
    read: int = 0  # parcels whose 17TRACK tracking was stored
    notes: list[str] = field(default_factory=list)  # what 17TRACK refused, and what to do
    failed: bool = False  # a request-level failure: 17TRACK was not read this time


def open_parcels(db: Database, store_id: str) -> list[tuple[str, int]]:
    """(tracking number, order id) of the store's open disputes' parcels, by number."""
    with db.session() as s:
        rows = s.execute(
            select(ShipmentRow.logistics_no, ShipmentRow.parent_order_id)
            .join(DisputeRow, (DisputeRow.store_id == ShipmentRow.store_id)
                  & (DisputeRow.parent_order_id == ShipmentRow.parent_order_id))
            .where(ShipmentRow.store_id == store_id, DisputeRow.issue_status == "processing")
            .distinct().order_by(ShipmentRow.logistics_no)
        ).all()
    return [(number, order_id) for number, order_id in rows]


def follow_open_parcels(store: StoreParameters, client: SeventeenTrackClient, db: Database,
                        now: datetime | None = None) -> FeedResult:
    """Register (once) and read the open disputes' parcels; store what 17TRACK says."""
    result = FeedResult()
    parcels = open_parcels(db, store.store_id)
    if not parcels:
        return result
    try:
        registration = client.register(
            [{"number": number, "tag": str(order_id)} for number, order_id in parcels])
        result.registered = len(registration.accepted)
        result.notes += [str(r) for r in registration.rejected if r.code != ALREADY_REGISTERED]
        if registration.quota_low and registration.quota is not None:
            quota = registration.quota
            result.notes.append(
                f"17TRACK quota is running low: {quota.remain} of {quota.total} left; each new "
                "number costs 1. Buy more quota or wait for the monthly reset on the 1st.")
        known = [number for number, _ in parcels if client.ledger.carriers(number)]
        answer = client.gettrackinfo(known) if known else None
    except TrackingError as exc:
        log.warning("%s: 17TRACK not read this time: %s", store.store_id, exc)
        result.notes.append(f"17TRACK not read this time: {exc}")
        result.failed = True
        return result
    if answer is None:
        return result
    for rejection in answer.rejected:
        if rejection.code == NOT_REGISTERED:
            # 17TRACK deleted it (stopped 90 days): forget it, so the next sync registers it.
            for carrier in client.ledger.carriers(rejection.number):
                client.ledger.forget(rejection.number, carrier)
        if rejection.code != NO_INFO_YET:  # "ask again later" is no news, not a problem
            result.notes.append(str(rejection))
    for item in answer.accepted:
        number = str(item.get("number", ""))
        if store_track_info(db, [store], number, item, now or utc_now()):
            result.read += 1
    for note in result.notes:
        log.info("%s: %s", store.store_id, note)
    return result


def store_track_info(db: Database, stores: Sequence[StoreParameters], number: str,
                     data: Mapping[str, Any], now: datetime) -> list[tuple[str, Timeline]]:
    """Store 17TRACK's ``data`` ({number, carrier, tag, track_info}) for the parcel ``number``
    of any of ``stores``, in one transaction per store: its timeline becomes both sources
    merged, its events are rewritten with their sources, a claim opens if now due. Returns
    (store id, merged timeline) of each parcel stored; none when no store ships ``number``."""
    stored: list[tuple[str, Timeline]] = []
    for store in stores:
        with db.session() as s:
            shipment = s.get(ShipmentRow, (store.store_id, number))
            if shipment is None:
                continue
            order = s.get(OrderRow, (store.store_id, shipment.parent_order_id))
            if order is None:
                continue
            details = list((shipment.events_json or {}).get("details") or [])
            timeline = shipments.assess(s, store, order, number, details, now, track_info=data)
            dispute = s.scalars(select(DisputeRow).where(
                DisputeRow.store_id == store.store_id,
                DisputeRow.parent_order_id == order.order_id,
                DisputeRow.issue_status == "processing").order_by(DisputeRow.issue_id)).first()
            if dispute is not None and number == order.logistics_no:
                shipments.open_claim_if_due(s, store, dispute, order, timeline, now)
            stored.append((store.store_id, timeline))
    return stored


@dataclass(frozen=True)
class PushOutcome:
    event: str
    number: str
    stored: tuple[str, ...]  # the stores whose parcel took the push
    message: str


def receive_push(db: Database, stores: Sequence[StoreParameters], payload: Mapping[str, Any],
                 now: datetime | None = None) -> PushOutcome:
    """Store a verified 17TRACK push (``adapters.seventeentrack.verify_webhook``'s result).

    ``TRACKING_UPDATED`` with ``data = {number, carrier, tag, track_info}`` is stored like a
    ``gettrackinfo`` answer; ``TRACKING_STOPPED`` (no ``track_info``) changes nothing stored.
    A push that is not what reference §1.6 describes raises ``MalformedPayloadError`` before
    anything is written, so a bad push never overwrites good tracking.
    """
    event = payload.get("event")
    data = payload.get("data")
    if not isinstance(event, str) or not isinstance(data, Mapping):
        raise MalformedPayloadError(
            "17TRACK push should be {'event': 'TRACKING_UPDATED' | 'TRACKING_STOPPED', "
            "'data': {...}} (reference §1.6)")
    number = data.get("number")
    if not isinstance(number, str) or not number.strip():
        raise MalformedPayloadError(
            f"17TRACK push {event}: data.number is missing or not text; a push names the "
            "tracking number it is about")
    number = number.strip()
    if event == "TRACKING_STOPPED":
        return PushOutcome(event, number, (), f"17TRACK stopped tracking {number}; nothing "
                           "stored (retrack it if its dispute is still open)")
    if event != "TRACKING_UPDATED":
        log.warning("17TRACK push of an event this version does not know (%r) ignored", event)
        return PushOutcome(event, number, (), f"event {event!r} is not known here; ignored")
    info = data.get("track_info")
    if not isinstance(info, Mapping) or not isinstance(info.get("tracking", {}), Mapping):
        raise MalformedPayloadError(
            f"17TRACK push TRACKING_UPDATED for {number}: data.track_info should be the "
            "track_info object gettrackinfo returns (reference §1.4)")
    providers = info.get("tracking", {}).get("providers", [])
    if not isinstance(providers, list) or not all(isinstance(p, Mapping) for p in providers):
        raise MalformedPayloadError(
            f"17TRACK push TRACKING_UPDATED for {number}: track_info.tracking.providers "
            "should be a list of provider objects (reference §1.4)")
    stored = store_track_info(db, stores, number, {**data, "number": number}, now or utc_now())
    names = tuple(store_id for store_id, _ in stored)
    if not names:
        return PushOutcome(event, number, (), f"no stored parcel {number}; nothing to update")
    return PushOutcome(event, number, names, f"{number} updated in {', '.join(names)}")
