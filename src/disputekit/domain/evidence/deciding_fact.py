"""The one tracking fact a rendered timeline highlights: signed for by X, held at customs,
returned, no update for N days (pure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from disputekit.domain.tracking import ReturnKind, Timeline, TrackEvent

__all__ = [
    "PRESUMED_LOST_DAYS",
    "SILENT_AFTER_DAYS",
    "DecidingFact",
    "FactCode",
    "deciding_fact",
    "is_customs_event",
]


class FactCode(StrEnum):
    SIGNED = "signed"  # delivered, signed for by a named person
    DELIVERED = "delivered"  # delivered, nobody named
    AT_PICKUP_POINT = "at_pickup_point"  # left at a station or locker, not collected
    CUSTOMS_BUYER = "customs_buyer"  # held at customs, waiting for the recipient
    CUSTOMS_HOLD = "customs_hold"  # held at customs
    RETURNED_BEFORE_EXPORT = "returned_before_export"
    RETURNED_IN_DESTINATION = "returned_in_destination"
    RETURNED_AFTER_FAILED_DELIVERY = "returned_after_failed_delivery"
    LOST = "lost"  # the carrier says lost or destroyed
    PRESUMED_LOST = "presumed_lost"  # silent for at least PRESUMED_LOST_DAYS
    SILENT = "silent"  # no update for N days
    NO_SCAN = "no_scan"  # posted, never scanned by the carrier again
    NO_TRACKING = "no_tracking"  # no event at all
    MOVING = "moving"


# A parcel silent this long is shown as "no update for N days" (shorter silences are normal
# between scans); 30 days is the 17TRACK/AfterShip "expired" cut (tracking-api.md §4.1-4.2).
SILENT_AFTER_DAYS: Final = 5
PRESUMED_LOST_DAYS: Final = 30


@dataclass(frozen=True)
class DecidingFact:
    """The fact that decides a logistics case, and the event that shows it."""

    code: FactCode
    event_index: int | None = None  # index in the timeline's events (oldest first)
    at: datetime | None = None
    place: str = ""
    name: str = ""  # who signed
    days: int | None = None  # days without an update, counted to ``now``
    detail: str = ""  # the carrier's words for the event


_CUSTOMS_SUBS: Final = frozenset({"InTransit_CustomsProcessing",
                                  "InTransit_CustomsRequiringInformation",
                                  "Exception_Security", "DeliveryFailure_Security"})
_RETURN_SUBS: Final = frozenset({"Exception_Returning", "Exception_Returned"})
_NOT_SCANNED: Final = frozenset({"", "InfoReceived", "NotFound_Other", "NotFound_InvalidCode"})


def is_customs_event(event: TrackEvent) -> bool:
    return event.sub_status in _CUSTOMS_SUBS or event.stage.startswith("CC_IM_") \
        or event.stage.startswith("CUS_")


def deciding_fact(timeline: Timeline | None, now: datetime) -> DecidingFact:
    """The one fact of the parcel's tracking a rendered image highlights.

    Terminal facts first (delivered, lost, returned), then a hold, then the silence.
    """
    if timeline is None or not timeline.events:
        return DecidingFact(FactCode.NO_TRACKING)
    events = timeline.events
    last_index = len(events) - 1
    if timeline.delivered or timeline.signed_at_station:
        i = next((k for k in range(last_index, -1, -1)
                  if events[k].sub_status == timeline.sub_status), last_index)
        event = events[i]
        code = (FactCode.AT_PICKUP_POINT if timeline.signed_at_station
                else FactCode.SIGNED if timeline.signed_by else FactCode.DELIVERED)
        return DecidingFact(code, i, event.at, event.location, timeline.signed_by,
                            detail=event.description)
    if timeline.lost:
        i = next((k for k in range(last_index, -1, -1)
                  if events[k].sub_status in ("Exception_Lost", "Exception_Destroyed")),
                 last_index)
        event = events[i]
        return DecidingFact(FactCode.LOST, i, event.at, event.location,
                            detail=event.description)
    if timeline.returned is not None:
        i = next(k for k, e in enumerate(events) if e.sub_status in _RETURN_SUBS)
        event = events[i]
        code = {ReturnKind.BEFORE_EXPORT: FactCode.RETURNED_BEFORE_EXPORT,
                ReturnKind.IN_DESTINATION: FactCode.RETURNED_IN_DESTINATION,
                ReturnKind.AFTER_FAILED_DELIVERY: FactCode.RETURNED_AFTER_FAILED_DELIVERY,
                }[timeline.returned]
        # The cause is the event just before the return began (the export check, customs,
        # the notice left at the door): it is what the image must show next to the return.
        cause = events[i - 1] if i > 0 else event
        return DecidingFact(code, i, event.at, event.location, detail=cause.description)
    days = _days(timeline, now)
    if timeline.customs_hold:
        # Held since the first event of the trailing run of customs events.
        start = min(_customs_start(events), last_index)
        last = events[last_index]
        code = FactCode.CUSTOMS_BUYER if timeline.buyer_must_act else FactCode.CUSTOMS_HOLD
        return DecidingFact(code, last_index, events[start].at, last.location, days=days,
                            detail=last.description)
    last = events[last_index]
    if all(e.sub_status in _NOT_SCANNED for e in events):
        return DecidingFact(FactCode.NO_SCAN, last_index, last.at, last.location, days=days,
                            detail=last.description)
    if days is not None and days >= PRESUMED_LOST_DAYS:
        return DecidingFact(FactCode.PRESUMED_LOST, last_index, last.at, last.location,
                            days=days, detail=last.description)
    if days is not None and days >= SILENT_AFTER_DAYS:
        return DecidingFact(FactCode.SILENT, last_index, last.at, last.location, days=days,
                            detail=last.description)
    return DecidingFact(FactCode.MOVING, last_index, last.at, last.location, days=days,
                        detail=last.description)


def _customs_start(events: Sequence[TrackEvent]) -> int:
    start = len(events)
    while start > 0 and events[start - 1].sub_status in _CUSTOMS_SUBS:
        start -= 1
    return start


def _days(timeline: Timeline, now: datetime) -> int | None:
    silent = timeline.days_since_last_event(now)
    return None if silent is None else max(0, int(silent))
