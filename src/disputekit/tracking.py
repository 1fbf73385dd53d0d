"""One normalised tracking timeline per parcel, whatever the source (pure).

Sources: AliExpress/Cainiao ``querytrackingresult`` events (``action_code``) and 17TRACK
``track_info``. Both map onto 17TRACK's taxonomy (9 main statuses, 30 sub-statuses;
reference/tracking-api.md §1.5), so every later rule reads one model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class MainStatus(StrEnum):
    NOT_FOUND = "NotFound"
    INFO_RECEIVED = "InfoReceived"
    IN_TRANSIT = "InTransit"
    EXPIRED = "Expired"
    AVAILABLE_FOR_PICKUP = "AvailableForPickup"
    OUT_FOR_DELIVERY = "OutForDelivery"
    DELIVERY_FAILURE = "DeliveryFailure"
    DELIVERED = "Delivered"
    EXCEPTION = "Exception"


class ReturnKind(StrEnum):
    BEFORE_EXPORT = "before_export"  # never left the origin country
    IN_DESTINATION = "in_destination"  # reached the country, not the address (customs, security)
    AFTER_FAILED_DELIVERY = "after_failed_delivery"  # not collected / delivery failed


class StallState(StrEnum):
    MOVING = "moving"
    NO_PICKUP = "no_pickup"  # shipped, never scanned by the carrier
    STALLED = "stalled"
    CUSTOMS_HOLD = "customs_hold"
    PRESUMED_LOST = "presumed_lost"
    TERMINAL = "terminal"  # delivered, returned or lost: nothing more will move


@dataclass(frozen=True)
class TrackEvent:
    at: datetime | None  # aware UTC
    description: str
    location: str = ""
    sub_status: str = ""  # 17TRACK sub-status this event maps to ("" when unknown)
    stage: str = ""  # 17TRACK stage / AliExpress action_code, as the source gave it
    signed_by: str = ""


@dataclass(frozen=True)
class Timeline:
    logistics_no: str
    source: str  # "aliexpress" | "17track"
    events: tuple[TrackEvent, ...] = field(default=())  # oldest first
    main_status: MainStatus = MainStatus.NOT_FOUND
    sub_status: str = "NotFound_Other"
    delivered: bool = False
    signed_by: str = ""
    customs_hold: bool = False
    buyer_must_act: bool = False  # customs wants a tax id / duty from the recipient
    returned: ReturnKind | None = None
    lost: bool = False

    @property
    def last_event(self) -> TrackEvent | None:
        return self.events[-1] if self.events else None

    @property
    def last_location(self) -> str:
        return next((e.location for e in reversed(self.events) if e.location), "")

    def days_since_last_event(self, now: datetime) -> float | None:
        last = self.last_event
        if last is None or last.at is None:
            return None
        return (now - last.at).total_seconds() / 86400.0
