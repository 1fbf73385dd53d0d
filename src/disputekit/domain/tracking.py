"""One normalised tracking timeline per parcel, whatever the source (pure).

Sources: AliExpress/Cainiao ``querytrackingresult`` events (``action_code``) and 17TRACK
``track_info``, alone or merged event by event (``merge_sources``). Both map onto 17TRACK's
taxonomy (9 main statuses, 30 sub-statuses; reference/tracking-api.md §1.5), so every later
rule reads one model:

    >>> timeline = from_aliexpress("LP00012345678901", [
    ...     {"event_date": "2026-03-01 09:00:00", "event_desc": "Picked up",
    ...      "address": "Shenzhen, CN", "signed_name": "", "action_code": "PU_PICKUP_SUCCESS"},
    ...     {"event_date": "2026-03-20 10:00:00", "event_desc": "Delivered",
    ...      "address": "Lyon, FR", "signed_name": "Lea Moreau", "action_code": "GTMS_SIGNED"}])
    >>> timeline.main_status, timeline.delivered, timeline.signed_by
    (<MainStatus.DELIVERED: 'Delivered'>, True, 'Lea Moreau')

When a silent parcel counts as stalled is ``stalls``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from disputekit.domain.language.cues import CarrierCue, carrier_cues, fold
from disputekit.domain.platform_time import parse_pacific
from disputekit.errors import MalformedPayloadError

__all__ = [
    "ACTION_CODES",
    "ACTION_STAGES",
    "PICKUP_HOLD_DAYS",
    "SUB_STATUSES",
    "MainStatus",
    "ReturnKind",
    "Timeline",
    "TrackEvent",
    "collect_by",
    "from_17track",
    "from_aliexpress",
    "merge_sources",
    "says_unreachable",
    "status_for_action",
]


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


@dataclass(frozen=True)
class TrackEvent:
    at: datetime | None  # aware UTC
    description: str
    location: str = ""
    sub_status: str = ""  # 17TRACK sub-status this event maps to ("" when unknown)
    stage: str = ""  # 17TRACK stage / AliExpress action_code, as the source gave it
    signed_by: str = ""
    source: str = ""  # "aliexpress" | "17track" in a merged timeline ("" = the timeline's)


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
    # The carrier or customs could not reach the recipient (phone, e-mail): the buyer is
    # unreachable, which is not the same as the buyer owing documents (``buyer_must_act``).
    buyer_unreachable: bool = False
    returned: ReturnKind | None = None
    lost: bool = False
    # Signed for by a pickup station or locker (Cainiao GTMS_STA_SIGNED), not by the buyer:
    # the parcel waits to be collected, so it is *not* delivered (reference §2.4).
    signed_at_station: bool = False
    carrier: str = ""  # 17TRACK provider name, when the source says
    destination_country: str = ""  # ISO-2, when the source says

    @property
    def last_event(self) -> TrackEvent | None:
        return self.events[-1] if self.events else None

    @property
    def last_location(self) -> str:
        return next((e.location for e in reversed(self.events) if e.location), "")

    @property
    def awaiting_collection(self) -> TrackEvent | None:
        """The event since which the parcel waits for the buyer to collect it (left at a
        pickup point or locker, or kept at the post office after a failed attempt), or
        ``None`` when it is not waiting: delivered, on its way back, or still moving."""
        if (self.delivered or self.returned is not None or self.main_status not in
                (MainStatus.AVAILABLE_FOR_PICKUP, MainStatus.DELIVERY_FAILURE)):
            return None
        start = len(self.events)
        while start > 0 and _delivery_attempt(self.events[start - 1]):
            start -= 1
        return self.events[start] if start < len(self.events) else self.last_event

    def days_since_last_event(self, now: datetime) -> float | None:
        last = self.last_event
        if last is None or last.at is None:
            return None
        return (now - last.at).total_seconds() / 86400.0


# How long a pickup point or post office keeps a parcel before sending it back. Carriers
# keep 14 to 30 days depending on the lane [I]; the shortest is the safe default: a buyer
# told to come by a date must not find the parcel already gone.
PICKUP_HOLD_DAYS: Final = 14


def collect_by(waiting: TrackEvent | None, hold_days: int = PICKUP_HOLD_DAYS) -> date | None:
    """The last day the buyer can collect a parcel that waits since ``waiting``: its date
    (UTC) plus ``hold_days``; ``None`` when the event has no time.

    >>> collect_by(TrackEvent(datetime(2026, 3, 2, 10, tzinfo=UTC), "Awaiting collection"))
    datetime.date(2026, 3, 16)
    """
    if waiting is None or waiting.at is None:
        return None
    if hold_days < 1:
        raise ValueError(f"a pickup hold period is at least 1 day, got {hold_days}")
    return (waiting.at.astimezone(UTC) + timedelta(days=hold_days)).date()


# ---------------------------------------------------------------------------------------------
# 17TRACK taxonomy (reference §1.5): the 30 official sub-statuses and their main status
# ---------------------------------------------------------------------------------------------

SUB_STATUSES: Final[dict[str, MainStatus]] = {
    "NotFound_Other": MainStatus.NOT_FOUND,
    "NotFound_InvalidCode": MainStatus.NOT_FOUND,
    "InfoReceived": MainStatus.INFO_RECEIVED,
    "InTransit_PickedUp": MainStatus.IN_TRANSIT,
    "InTransit_Other": MainStatus.IN_TRANSIT,
    "InTransit_Departure": MainStatus.IN_TRANSIT,
    "InTransit_Arrival": MainStatus.IN_TRANSIT,
    "InTransit_CustomsProcessing": MainStatus.IN_TRANSIT,
    "InTransit_CustomsReleased": MainStatus.IN_TRANSIT,
    "InTransit_CustomsRequiringInformation": MainStatus.IN_TRANSIT,
    "Expired_Other": MainStatus.EXPIRED,
    "AvailableForPickup_Other": MainStatus.AVAILABLE_FOR_PICKUP,
    "OutForDelivery_Other": MainStatus.OUT_FOR_DELIVERY,
    "DeliveryFailure_Other": MainStatus.DELIVERY_FAILURE,
    "DeliveryFailure_NoBody": MainStatus.DELIVERY_FAILURE,
    "DeliveryFailure_Security": MainStatus.DELIVERY_FAILURE,
    "DeliveryFailure_Rejected": MainStatus.DELIVERY_FAILURE,
    "DeliveryFailure_InvalidAddress": MainStatus.DELIVERY_FAILURE,
    "Delivered_Other": MainStatus.DELIVERED,
    "Exception_Other": MainStatus.EXCEPTION,
    "Exception_Returning": MainStatus.EXCEPTION,
    "Exception_Returned": MainStatus.EXCEPTION,
    "Exception_NoBody": MainStatus.EXCEPTION,
    "Exception_Security": MainStatus.EXCEPTION,
    "Exception_Damage": MainStatus.EXCEPTION,
    "Exception_Rejected": MainStatus.EXCEPTION,
    "Exception_Delayed": MainStatus.EXCEPTION,
    "Exception_Lost": MainStatus.EXCEPTION,
    "Exception_Destroyed": MainStatus.EXCEPTION,
    "Exception_Cancel": MainStatus.EXCEPTION,
}

# ---------------------------------------------------------------------------------------------
# AliExpress / Cainiao action codes (reference tracking-api.md §2.4, aliexpress-api.md §6.4)
# ---------------------------------------------------------------------------------------------

_IT: Final = MainStatus.IN_TRANSIT


def _codes(status: MainStatus, sub: str, *codes: str) -> dict[str, tuple[MainStatus, str]]:
    return {code: (status, sub) for code in codes}


ACTION_CODES: Final[dict[str, tuple[MainStatus, str]]] = {
    **_codes(MainStatus.INFO_RECEIVED, "InfoReceived",
             "GWMS_ACCEPT", "GWMS_PACKAGE", "CONSIGN", "PRE_READY_TO_SHIP"),
    **_codes(_IT, "InTransit_PickedUp", "PU_PICKUP_SUCCESS"),
    **_codes(MainStatus.EXCEPTION, "Exception_Other", "PU_PICKUP_FAILURE"),
    **_codes(_IT, "InTransit_Other",
             "CW_INBOUND", "CW_OUTBOUND", "SC_INBOUND_SUCCESS", "SC_OUTBOUND_SUCCESS",
             "GWMS_OUTBOUND", "LH_HO_IN_SUCCESS", "LH_HO_AIRLINE",
             "TD_TRANS_ARRIVE", "TD_TRANS_ARRIVE_C", "TD_TRANS_DEPART", "TD_TRANS_DEPART_C",
             "GTMS_ACCEPT", "GTMS_SC_ARRIVE", "GTMS_DO_ARRIVE", "GTMS_STATION_IN",
             "GTMS_STATION_OUT"),
    **_codes(_IT, "InTransit_CustomsProcessing",
             "CC_EX_START", "CC_HO_IN_SUCCESS", "CC_IM_START", "CC_IM_PROCESS"),
    **_codes(_IT, "InTransit_CustomsReleased",
             "CC_EX_SUCCESS", "CC_IM_SUCCESS", "CC_HO_OUT_SUCCESS"),
    # Duty assessed (CUS_TAX) happens at import, before any delivery attempt, so it is the
    # "found before delivery" flavour, Exception_Security, not DeliveryFailure_Security.
    **_codes(MainStatus.EXCEPTION, "Exception_Security",
             "CC_EX_FAILURE", "CC_IM_FAILURE", "CC_IM_EXCEPTION", "CUS_FAILURE", "CUS_TAX"),
    **_codes(_IT, "InTransit_Departure", "LH_DEPART"),
    **_codes(_IT, "InTransit_Arrival", "LH_ARRIVE"),
    **_codes(MainStatus.OUT_FOR_DELIVERY, "OutForDelivery_Other",
             "GTMS_DO_DEPART", "GTMS_DELIVERING", "GTMS_RE_DELIVERING"),
    **_codes(MainStatus.DELIVERY_FAILURE, "DeliveryFailure_Other",
             "GTMS_DEL_FAILURE", "DELIVERY_FAILED"),
    # GTMS_STA_SIGNED: a pickup station signed, not the buyer; the buyer still has to collect.
    **_codes(MainStatus.AVAILABLE_FOR_PICKUP, "AvailableForPickup_Other",
             "GTMS_WAIT_SELF_PICK", "GSTA_INFORM_BUYER", "GTMS_STA_SIGNED"),
    **_codes(MainStatus.DELIVERED, "Delivered_Other",
             "GTMS_SIGNED", "SIGN_SUCCESS", "GSTA_SIGN", "SIGNED", "GSTA_BUYER_SIGN"),
    **_codes(MainStatus.EXCEPTION, "Exception_Returning", "RT_INBOUND", "RT_OUTBOUND"),
    **_codes(MainStatus.EXCEPTION, "Exception_Returned", "RETURNED"),
    **_codes(MainStatus.EXCEPTION, "Exception_Destroyed", "RT_DESTROY"),
}

_UNKNOWN_ACTION: Final = (MainStatus.IN_TRANSIT, "InTransit_Other")

# The milestone stage (17TRACK ``stage`` / ``milestone.key_stage`` vocabulary, §1.4) an action
# code reaches; codes that are not a milestone have none.
ACTION_STAGES: Final[dict[str, str]] = {
    "CONSIGN": "InfoReceived", "GWMS_ACCEPT": "InfoReceived", "PRE_READY_TO_SHIP": "InfoReceived",
    "PU_PICKUP_SUCCESS": "PickedUp",
    "LH_DEPART": "Departure",
    "LH_ARRIVE": "Arrival",
    "GTMS_WAIT_SELF_PICK": "AvailableForPickup", "GSTA_INFORM_BUYER": "AvailableForPickup",
    "GTMS_STA_SIGNED": "AvailableForPickup",
    "GTMS_DO_DEPART": "OutForDelivery", "GTMS_DELIVERING": "OutForDelivery",
    "GTMS_RE_DELIVERING": "OutForDelivery",
    "GTMS_SIGNED": "Delivered", "SIGN_SUCCESS": "Delivered", "GSTA_SIGN": "Delivered",
    "SIGNED": "Delivered", "GSTA_BUYER_SIGN": "Delivered",
    "RT_INBOUND": "Returning", "RT_OUTBOUND": "Returning",
    "RETURNED": "Returned",
}

_STATION_SIGNED: Final = frozenset({"GTMS_STA_SIGNED"})


def status_for_action(code: str | None) -> tuple[MainStatus, str]:
    """17TRACK main and sub-status of a Cainiao action code; unknown codes are InTransit_Other.

    The platform has about 120 codes and adds more; an unknown one must not stop a sync.
    """
    return ACTION_CODES.get((code or "").strip().upper(), _UNKNOWN_ACTION)


# ---------------------------------------------------------------------------------------------
# What event texts say when the code does not
# ---------------------------------------------------------------------------------------------

# Customs asking the recipient for something: a tax id (each country names its own), documents,
# or money. Deliberately English: the platform's event texts are English for sellers.
_ASKS_BUYER: Final = re.compile(
    r"tax[ _-]?(id|number|code)|\b(cpf|cnpj|inn|iin|pccc|rut|rfc|dni|nie|pesel|eori)\b"
    r"|personal customs|passport|id number|numero fiscal|teudat zehut|documents?\b"
    r"|\bduty\b|\bduties\b|customs fee|import tax|awaiting payment|pay (the )?(duty|tax|fee)"
    r"|from (the )?recipient|recipient\b.*\brequired",
    re.IGNORECASE,
)
_LOST: Final = re.compile(r"\b(lost|missing)\b", re.IGNORECASE)

# Whether the recipient could not be reached is read by the carrier cues (in every language
# buyers write in: language/lexicon/carrier.toml). Customs, in the same languages, folded: an
# event without an action code that says the recipient could not be reached is a customs
# hold when it names customs.
_CUSTOMS_WORDS: Final = re.compile(
    r"custom|aduan|douan|\bclo\b|celn|alfandeg|desembara|тамож|zoll|dogan|세관|통관|митн"
    r"|gumruk")


def says_unreachable(description: str) -> bool:
    """Whether a carrier event text says the recipient could not be contacted (any language).

    >>> says_unreachable("No fue posible contactar al destinatario por teléfono ni e-mail")
    True
    """
    return CarrierCue.RECIPIENT_UNREACHABLE in carrier_cues(description)
_SIGNED_BY: Final = re.compile(r"signed\s+(?:for\s+)?by:?\s*([^,.;()\n]+)", re.IGNORECASE)

# ---------------------------------------------------------------------------------------------
# Facts shared by both sources, read from events in 17TRACK terms
# ---------------------------------------------------------------------------------------------

_CUSTOMS_HOLD_SUBS: Final = frozenset({
    "InTransit_CustomsRequiringInformation", "Exception_Security", "DeliveryFailure_Security"})
_CUSTOMS_SUBS: Final = _CUSTOMS_HOLD_SUBS | {"InTransit_CustomsProcessing"}
_RETURN_SUBS: Final = frozenset({"Exception_Returning", "Exception_Returned"})
_LOST_SUBS: Final = frozenset({"Exception_Lost", "Exception_Destroyed"})
_DEPARTED_CODES: Final = frozenset({"LH_DEPART", "CC_EX_SUCCESS", "LH_HO_AIRLINE",
                                    "TD_TRANS_ARRIVE", "TD_TRANS_ARRIVE_C", "TD_TRANS_DEPART",
                                    "TD_TRANS_DEPART_C"})
_ARRIVED_CODES: Final = frozenset({"LH_ARRIVE", "CC_HO_IN_SUCCESS", "CC_HO_OUT_SUCCESS",
                                   "CUS_TAX", "CUS_FAILURE"})
_ATTEMPT_CODES: Final = frozenset({"GTMS_DEL_FAILURE", "DELIVERY_FAILED", "GTMS_WAIT_SELF_PICK",
                                   "GSTA_INFORM_BUYER", "GTMS_STA_SIGNED"})


def _departed(event: TrackEvent) -> bool:
    return (event.stage in _DEPARTED_CODES or event.stage == "Departure"
            or event.sub_status == "InTransit_Departure")


def _arrived(event: TrackEvent) -> bool:
    stage = event.stage
    return (stage in _ARRIVED_CODES or stage.startswith(("CC_IM_", "GTMS_"))
            or stage in ("Arrival", "OutForDelivery")
            or event.sub_status in ("InTransit_Arrival", "OutForDelivery_Other"))


def _delivery_attempt(event: TrackEvent) -> bool:
    return (event.stage in _ATTEMPT_CODES or event.stage == "AvailableForPickup"
            or event.sub_status.startswith("DeliveryFailure_")
            or event.sub_status == "AvailableForPickup_Other")


def _return_kind(events: Sequence[TrackEvent]) -> ReturnKind | None:
    """Where the parcel turned back, judged by what happened before its first return event."""
    start = next((i for i, e in enumerate(events) if e.sub_status in _RETURN_SUBS), None)
    if start is None:
        return None
    before = events[:start]
    if any(_delivery_attempt(e) for e in before):
        return ReturnKind.AFTER_FAILED_DELIVERY
    if any(_arrived(e) or _departed(e) for e in before):
        # Departed but never seen arriving (turned back in transit) is still "after export":
        # the domain's classes only distinguish origin, destination and door.
        return ReturnKind.IN_DESTINATION
    return ReturnKind.BEFORE_EXPORT


def _customs_block(events: Sequence[TrackEvent]) -> Sequence[TrackEvent]:
    """The trailing run of customs events, if the parcel is held there right now.

    A hold counts only while nothing but customs has happened since: a later release,
    delivery or return ends it.
    """
    start = len(events)
    while start > 0 and events[start - 1].sub_status in _CUSTOMS_SUBS:
        start -= 1
    block = events[start:]
    return block if any(e.sub_status in _CUSTOMS_HOLD_SUBS for e in block) else ()


def _asks_buyer(event: TrackEvent) -> bool:
    # "Could not contact the recipient (to ask for documents)" is a buyer out of reach, not a
    # buyer who was asked and did not answer: the first reply tries every channel instead.
    if says_unreachable(event.description):
        return False
    return (event.stage == "CUS_TAX" or event.sub_status == "InTransit_CustomsRequiringInformation"
            or bool(_ASKS_BUYER.search(event.description)))


def _signatory(event: TrackEvent) -> str:
    if event.signed_by:
        return event.signed_by
    # The last mention is the most specific ("signed by recipient ... signed by: A. Silva").
    names = [m.group(1).strip() for m in _SIGNED_BY.finditer(event.description)]
    return names[-1] if names else ""


# How far along the way a sub-status is. Carriers stamp some events with the same second
# (the platform does it for "out for delivery" and "delivered"), and the feed may list them in
# either order: at equal times the further stage is the later event, so a parcel signed for
# is never read as still on its way.
_SUB_RANKS: Final[dict[str, int]] = {
    "NotFound_Other": 0, "NotFound_InvalidCode": 0, "InfoReceived": 1,
    "InTransit_PickedUp": 2, "InTransit_Other": 3, "InTransit_Departure": 3,
    "Exception_Other": 3, "Exception_Delayed": 3, "Expired_Other": 3,
    "InTransit_Arrival": 4, "InTransit_CustomsProcessing": 5,
    "InTransit_CustomsRequiringInformation": 5, "Exception_Security": 5, "Exception_NoBody": 5,
    "Exception_Damage": 5, "InTransit_CustomsReleased": 6, "OutForDelivery_Other": 7,
    "DeliveryFailure_Other": 8, "DeliveryFailure_NoBody": 8, "DeliveryFailure_Security": 8,
    "DeliveryFailure_Rejected": 8, "DeliveryFailure_InvalidAddress": 8,
    "AvailableForPickup_Other": 8, "Exception_Rejected": 8, "Exception_Returning": 9,
    "Delivered_Other": 10, "Exception_Returned": 10, "Exception_Lost": 10,
    "Exception_Destroyed": 10, "Exception_Cancel": 10,
}
# 17TRACK ``stage`` / milestone names, for events that carry a stage but no sub-status.
_STAGE_RANKS: Final[dict[str, int]] = {
    "InfoReceived": 1, "PickedUp": 2, "Departure": 3, "Arrival": 4, "OutForDelivery": 7,
    "AvailableForPickup": 8, "Returning": 9, "Delivered": 10, "Returned": 10,
}
_MAIN_RANKS: Final[dict[str, int]] = {
    "NotFound": 0, "InfoReceived": 1, "InTransit": 3, "Expired": 3, "Exception": 3,
    "OutForDelivery": 7, "DeliveryFailure": 8, "AvailableForPickup": 8, "Delivered": 10,
}


def _rank(event: TrackEvent) -> int:
    """How far along an event is (higher is further); unknown ones rank as in transit."""
    sub = event.sub_status
    if sub in _SUB_RANKS:
        by_sub = _SUB_RANKS[sub]
    else:
        by_sub = _MAIN_RANKS.get(sub.split("_", 1)[0], 3) if sub else 0
    by_stage = _STAGE_RANKS.get(ACTION_STAGES.get(event.stage, event.stage), 0)
    return max(by_sub, by_stage)


_FLOOR: Final = datetime.min.replace(tzinfo=UTC)


def _order_key(event: TrackEvent) -> tuple[datetime, int]:
    return event.at or _FLOOR, _rank(event)


def _sorted(events: Iterable[TrackEvent]) -> tuple[TrackEvent, ...]:
    """Oldest first, the further stage last among equal times; untimed events sort first."""
    return tuple(sorted(events, key=_order_key))


def _furthest_of_the_last_moment(events: Sequence[TrackEvent]) -> TrackEvent | None:
    """The last event when it shares its time with others (a tie), else None."""
    if len(events) < 2 or events[-1].at is None or events[-2].at != events[-1].at:
        return None
    return events[-1]


def _assemble(number: str, source: str, events: tuple[TrackEvent, ...], main: MainStatus,
              sub: str, *, carrier: str = "", country: str = "") -> Timeline:
    block = _customs_block(events)
    delivered = main is MainStatus.DELIVERED
    final = next((e for e in reversed(events) if e.sub_status == sub), None)
    signed_by = _signatory(final) if final is not None else ""
    at_station = (not delivered and main is MainStatus.AVAILABLE_FOR_PICKUP and final is not None
                  and (final.stage in _STATION_SIGNED or bool(signed_by)))
    return Timeline(
        logistics_no=number,
        source=source,
        events=events,
        main_status=main,
        sub_status=sub,
        delivered=delivered,
        signed_by=signed_by if delivered or at_station else "",
        customs_hold=bool(block),
        buyer_must_act=any(_asks_buyer(e) for e in block),
        buyer_unreachable=any(says_unreachable(e.description) for e in block or events[-1:]),
        returned=_return_kind(events),
        lost=sub in _LOST_SUBS,
        signed_at_station=at_station,
        carrier=carrier,
        destination_country=country,
    )


# ---------------------------------------------------------------------------------------------
# AliExpress querytrackingresult
# ---------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _ae_event(detail: Mapping[str, Any]) -> tuple[TrackEvent, bool]:
    """One ``details`` item as an event, and whether its code was a known one."""
    code = _text(detail.get("action_code")).upper()
    description = _text(detail.get("event_desc"))
    known = code in ACTION_CODES
    _, sub = status_for_action(code)
    if not known and _LOST.search(description):
        sub, known = "Exception_Lost", True
    elif not known and says_unreachable(description):
        # Held at customs when the text names customs, else a recipient problem found before
        # delivery; never "customs needs documents", which would ask the buyer for papers.
        at_customs = (bool(_CUSTOMS_WORDS.search(fold(description)))
                      or bool(_ASKS_BUYER.search(description)))
        sub, known = ("Exception_Security" if at_customs else "Exception_NoBody"), True
    elif not known and _ASKS_BUYER.search(description):
        sub, known = "InTransit_CustomsRequiringInformation", True
    try:
        at = parse_pacific(_text(detail.get("event_date")) or None)
    except MalformedPayloadError:
        at = None  # keep the event as evidence; an unreadable date is not worth a failed sync
    event = TrackEvent(at=at, description=description, location=_text(detail.get("address")),
                       sub_status=sub, stage=code, signed_by=_text(detail.get("signed_name")))
    return event, known


def from_aliexpress(logistics_no: str, details: Sequence[Mapping[str, Any]]) -> Timeline:
    """The timeline of a ``querytrackingresult`` answer's ``details`` (wire names).

    The parcel's status is that of its newest event with a *known* action code (among events
    of the same time, the furthest stage, whatever order the feed listed them in): an unknown
    code is kept as an InTransit_Other event but does not overwrite, say, a delivery.
    Events without an action code (the DS flavour) are read from their text for the two
    facts that matter most: the carrier reporting a loss, and customs asking the buyer.
    """
    pairs = [_ae_event(d) for d in details if isinstance(d, Mapping)]
    pairs.sort(key=lambda pair: _order_key(pair[0]))
    events = tuple(event for event, _ in pairs)
    if not events:
        return Timeline(logistics_no=logistics_no, source="aliexpress")
    latest = next((e for e, known in reversed(pairs) if known), None)
    sub = latest.sub_status if latest is not None else "InTransit_Other"
    return _assemble(logistics_no, "aliexpress", events, _main_of(sub), sub)


def _main_of(sub: str, stated: str = "") -> MainStatus:
    """Main status of a sub-status; unknown ones (e.g. Exception_Held) by their prefix."""
    if sub in SUB_STATUSES:
        return SUB_STATUSES[sub]
    for candidate in (stated, sub.split("_", 1)[0]):
        try:
            return MainStatus(candidate)
        except ValueError:
            continue
    return MainStatus.IN_TRANSIT


# ---------------------------------------------------------------------------------------------
# 17TRACK gettrackinfo / TRACKING_UPDATED
# ---------------------------------------------------------------------------------------------


def _instant(value: Any) -> datetime | None:
    """An ISO time with an offset (``time_iso``) or a ``Z`` (``time_utc``) as aware UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    # A time without an offset is carrier-local and unknown: guessing would shift it by hours.
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def _address_text(address: Any) -> str:
    if not isinstance(address, Mapping):
        return ""
    parts = [_text(address.get(k)) for k in ("city", "state", "country")]
    return ", ".join(p for p in parts if p)


def _17_event(raw: Mapping[str, Any]) -> TrackEvent:
    description = _text(raw.get("description"))
    if not description and isinstance(raw.get("description_translation"), Mapping):
        description = _text(raw["description_translation"].get("description"))
    return TrackEvent(
        at=_instant(raw.get("time_utc")) or _instant(raw.get("time_iso")),
        description=description,
        location=_text(raw.get("location")) or _address_text(raw.get("address")),
        sub_status=_text(raw.get("sub_status")),
        stage=_text(raw.get("stage")),
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def from_17track(track_info: Mapping[str, Any], number: str = "") -> Timeline:
    """The timeline of a 17TRACK ``track_info`` (gettrackinfo ``accepted[]`` / webhook data).

    Pass either the ``track_info`` object with ``number``, or the whole accepted item (or a
    webhook's ``data``), which carries both. Events of every provider (origin carrier,
    last-mile post) are merged and sorted by their UTC time; duplicates are dropped.
    """
    if "track_info" in track_info:
        number = number or _text(track_info.get("number"))
        track_info = _mapping(track_info.get("track_info"))
    tracking = _mapping(track_info.get("tracking"))
    providers = [_mapping(p) for p in _list(tracking.get("providers"))]
    seen: set[tuple[datetime | None, str, str]] = set()
    merged: list[TrackEvent] = []
    for provider in providers:
        for raw in _list(provider.get("events")):
            event = _17_event(_mapping(raw))
            key = (event.at, event.description, event.location)
            if key not in seen:
                seen.add(key)
                merged.append(event)
    events = _sorted(merged)
    latest = _mapping(track_info.get("latest_status"))
    sub = _text(latest.get("sub_status"))
    if not sub:  # no verdict from 17TRACK: read the newest event's
        sub = events[-1].sub_status if events else "NotFound_Other"
        sub = sub or "InTransit_Other"
    tied = _furthest_of_the_last_moment(events)
    if tied is not None and tied.sub_status and _rank(tied) > _SUB_RANKS.get(sub, 3):
        # 17TRACK's verdict may have picked the first of two events stamped with the same
        # time ("out for delivery" over "delivered"): the further stage is the current one.
        sub = tied.sub_status
    main = _main_of(sub, _text(latest.get("status")))
    first = _mapping(providers[0].get("provider")) if providers else {}
    recipient = _mapping(_mapping(track_info.get("shipping_info")).get("recipient_address"))
    return _assemble(number, "17track", events, main, sub, carrier=_text(first.get("name")),
                     country=_text(recipient.get("country")).upper())


# ---------------------------------------------------------------------------------------------
# Two sources, one timeline
# ---------------------------------------------------------------------------------------------

# Two events of two sources are the same scan when their times are this close: carriers and
# 17TRACK round times differently, but two scans of one parcel rarely fall within a minute.
_SAME_SCAN: Final = 90.0  # seconds


def _same_scan(a: TrackEvent, b: TrackEvent) -> bool:
    if a.at is None or b.at is None or abs((a.at - b.at).total_seconds()) > _SAME_SCAN:
        return False
    if not a.sub_status or not b.sub_status or a.sub_status == b.sub_status:
        return True
    # Sources classify one scan differently (InTransit_Other / InTransit_Arrival): the same
    # main status, or the same words, is the same scan.
    return (a.sub_status.split("_", 1)[0] == b.sub_status.split("_", 1)[0]
            or fold(a.description).strip() == fold(b.description).strip())


def _richness(event: TrackEvent) -> tuple[int, int, int]:
    """How much an event tells: who signed first, then how many facts, then how many words."""
    facts = sum(bool(v) for v in (event.description, event.location, event.sub_status,
                                  event.stage))
    return (int(bool(_signatory(event))), facts, len(event.description) + len(event.location))


def _tagged(timeline: Timeline) -> list[TrackEvent]:
    return [e if e.source else replace(e, source=timeline.source) for e in timeline.events]


def merge_sources(platform: Timeline, other: Timeline) -> Timeline:
    """The platform's timeline and a second source's (17TRACK) as one, event by event.

    Rules, so the result is the same whatever order the feeds listed things in:

    - a scan both sources report (times within 90 s, the same or a compatible status) is
      kept once, from the source that says more about it (a signatory, then more facts, then
      more words); on a tie the platform's wins, since it is what the platform's own staff
      read when they judge the dispute;
    - a scan only one source has is kept, with that source (``TrackEvent.source``): the
      last-mile carrier's scans that the platform never shows are the point of a second
      source;
    - the parcel's state is that of the source whose newest scan is further along (later,
      or at the same time a further stage); on a tie the platform's.

    Without events from ``other`` the platform's timeline comes back unchanged but for each
    event's ``source``.
    """
    mine, theirs = _tagged(platform), _tagged(other)
    if not theirs:
        return replace(platform, events=tuple(mine))
    if not mine:
        return replace(other, events=tuple(theirs))
    used: set[int] = set()
    kept: list[TrackEvent] = []
    for event in theirs:
        candidates = [i for i, e in enumerate(mine) if i not in used and _same_scan(e, event)]
        if not candidates:
            kept.append(event)
            continue
        at = event.at
        assert at is not None  # _same_scan matches timed events only
        # The closest scan of the same sub-status first; index last: deterministic.
        best = min(candidates, key=lambda i: (mine[i].sub_status != event.sub_status,
                                              abs((mine[i].at or at) - at), i))
        used.add(best)
        kept.append(event if _richness(event) > _richness(mine[best]) else mine[best])
    kept += [e for i, e in enumerate(mine) if i not in used]
    events = tuple(sorted(kept, key=lambda e: (*_order_key(e), e.source != platform.source,
                                               e.description, e.location)))
    lead = platform
    mine_last, theirs_last = platform.last_event, other.last_event
    if theirs_last is not None and (mine_last is None
                                    or _order_key(theirs_last) > _order_key(mine_last)):
        lead = other
    source = f"{platform.source}+{other.source}"
    return _assemble(platform.logistics_no or other.logistics_no, source, events,
                     lead.main_status, lead.sub_status,
                     carrier=other.carrier or platform.carrier,
                     country=platform.destination_country or other.destination_country)
