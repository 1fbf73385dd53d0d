"""A dispute's parcel: its shipping service, tracking number, route and tracking events.

Each class of the taxonomy has a route shape (``Scenario.route``): delivered and signed,
stalled or lost somewhere on the way, held at import customs, returned from one of three
places, or unregistered post with nothing to track. The events' times are drawn so that the
last one falls in the class's window and the order-age rules hold; their words come from the
carriers' corpus (``corpus/carrier.json``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from disputekit.domain.carriers import SERVICES, ServiceKind
from disputekit.simulator.buyers import Buyer
from disputekit.simulator.corpus import EVENT_TEXT, Product
from disputekit.simulator.draws import IdBook, digits, pick
from disputekit.simulator.scenarios import Scenario
from disputekit.simulator.stores import StoreProfile
from disputekit.simulator.wire_format import whole, wire_time

__all__ = ["Shipment", "s10", "ship"]


@dataclass(frozen=True)
class _Leg:
    action: str  # Cainiao action code
    place: str  # origin | sorting | port | gateway | hub | city
    gap: tuple[float, float]  # days after the previous event
    text: str = ""  # key into EVENT_TEXT when the action code alone does not say it


_PICKUP: Final = (
    _Leg("CONSIGN", "origin", (0.0, 0.0)),
    _Leg("PU_PICKUP_SUCCESS", "origin", (0.1, 1.0)),
    _Leg("SC_INBOUND_SUCCESS", "sorting", (0.2, 1.5)),
    _Leg("SC_OUTBOUND_SUCCESS", "sorting", (0.1, 1.0)),
)
_EXPORT: Final = (
    _Leg("CC_EX_START", "port", (0.3, 2.0)),
    _Leg("CC_EX_SUCCESS", "port", (0.1, 1.0)),
    _Leg("LH_DEPART", "port", (0.3, 3.0)),
)
_ARRIVAL: Final = (
    _Leg("LH_ARRIVE", "gateway", (1.0, 4.0)),
    _Leg("CC_IM_START", "gateway", (0.2, 2.0)),
)
_CLEARED: Final = (_Leg("CC_IM_SUCCESS", "gateway", (0.5, 5.0)),)
_LAST_MILE: Final = (
    _Leg("GTMS_ACCEPT", "hub", (0.3, 3.0)),
    _Leg("GTMS_DELIVERING", "city", (0.5, 4.0)),
)
_TO_DOOR: Final = _PICKUP + _EXPORT + _ARRIVAL + _CLEARED + _LAST_MILE
_SIGNED: Final = (_Leg("GTMS_SIGNED", "city", (0.05, 0.6)),)
_BACK_HOME: Final = (
    _Leg("RT_OUTBOUND", "gateway", (1.0, 4.0)),
    _Leg("RETURNED", "origin", (3.0, 9.0)),
)

# Where a stalled or lost parcel stopped: (last action, weight). Stalled parcels mostly sit
# after arrival or in import customs; lost ones vanish anywhere after leaving the sorting centre.
_STALL_POINTS: Final = (("LH_DEPART", 2.0), ("LH_ARRIVE", 3.0), ("CC_IM_START", 3.0),
                        ("CC_IM_SUCCESS", 1.5), ("GTMS_ACCEPT", 1.5))
_LOST_POINTS: Final = (("SC_OUTBOUND_SUCCESS", 1.5), ("LH_DEPART", 2.0), ("LH_ARRIVE", 2.0),
                       ("CC_IM_SUCCESS", 1.0), ("GTMS_ACCEPT", 1.5))

# Who "signed" for a parcel the buyer says never came: bold fraudsters sign themselves.
_DISPUTED_SIGNERS: Final = (("mailbox", 3.0), ("front door", 1.0), ("neighbour", 2.5),
                            ("reception", 1.0), ("parcel locker", 1.0), ("buyer", 2.0))


@dataclass
class Shipment:
    service: str
    logistics_no: str
    shipped: datetime
    paid: datetime
    placed: datetime
    events: list[dict[str, Any]]
    last: tuple[datetime, str] | None  # time and place of the last event
    delivered: datetime | None
    signed_name: str
    extra_no: str = ""  # consolidated order: a second number that never shipped


def s10(rng: random.Random, prefix: str, country: str) -> str:
    """A UPU S10 item number (two letters, 8 digits, check digit, country), like RB123456785CN."""
    body = digits(rng, 8)
    total = sum(int(d) * w for d, w in zip(body, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    check = 0 if check == 10 else 5 if check == 11 else check
    return f"{prefix}{body}{check}{country}"


# Number shapes per service: UPU S10 (first letter, country) or (prefix, digits, suffix).
_S10_NUMBERS: Final[dict[str, tuple[str, str]]] = {
    "CPAM": ("R", "CN"), "EMS": ("E", "CN"), "CPAP": ("U", "CN"), "4PX_RM": ("R", "SG"),
}
_PLAIN_NUMBERS: Final[dict[str, tuple[str, int, str]]] = {
    "YANWEN_JYT": ("UG", 9, "YP"), "YANWEN_AM": ("UH", 9, "YP"), "YUNEXPRESS": ("YT", 16, ""),
    "SUNYOU_ECONOMY": ("SYAE", 12, ""),
}


def _tracking_number(rng: random.Random, service: str) -> str:
    """A number in the shape each service uses (Cainiao LP..., China Post S10, Yanwen ...YP)."""
    if service.startswith(("CAINIAO", "AE_")):
        return "LP" + digits(rng, 14)
    if service in _PLAIN_NUMBERS:
        prefix, count, suffix = _PLAIN_NUMBERS[service]
        return prefix + digits(rng, count) + suffix
    first, country = _S10_NUMBERS.get(service, ("L", "CN"))
    return s10(rng, first + rng.choice("ABCDEFGHJKLMNOPQRSTUVWXYZ"), country)


def _cut_after(legs: tuple[_Leg, ...], action: str) -> tuple[_Leg, ...]:
    index = [leg.action for leg in legs].index(action)
    return legs[: index + 1]


def _route(rng: random.Random, scenario: Scenario, product: Product) -> tuple[_Leg, ...]:
    """The legs a parcel of this class went through, oldest first."""
    kind = scenario.route
    if kind == "unregistered":
        # Unregistered post: no tracking at all, or a single acceptance scan in China.
        return () if rng.random() < 0.5 else (_Leg("CONSIGN", "origin", (0, 0), "acceptance"),)
    if kind == "delivered":
        return _TO_DOOR + _SIGNED
    if kind == "stalled":
        return _cut_after(_TO_DOOR, pick(rng, _STALL_POINTS))
    if kind == "lost":
        return _cut_after(_TO_DOOR, pick(rng, _LOST_POINTS))
    if kind == "customs_docs":
        hold: tuple[_Leg, ...] = (_Leg("CUS_TAX", "gateway", (0.5, 3.0), "tax_id_wait"),)
        if rng.random() < 0.6:
            hold += (_Leg("CC_IM_FAILURE", "gateway", (1.0, 5.0), "docs_missing"),)
        return _PICKUP + _EXPORT + _ARRIVAL + hold
    if kind == "customs_unreachable":
        return _PICKUP + _EXPORT + _ARRIVAL + (
            _Leg("CUS_TAX", "gateway", (0.5, 3.0), "duty_notice"),
            _Leg("CC_IM_FAILURE", "gateway", (3.0, 10.0), "unreachable"))
    if kind == "returned_before_export":
        failure = "export_battery" if product.battery and rng.random() < 0.8 else "export_failed"
        return _PICKUP + (
            _Leg("CC_EX_START", "port", (0.3, 2.0)),
            _Leg("CC_EX_FAILURE", "port", (0.2, 2.0), failure),
            _Leg("RT_INBOUND", "sorting", (1.0, 4.0), "return_origin"),
            _Leg("RETURNED", "origin", (0.5, 3.0)))
    if kind == "returned_in_country":
        return _PICKUP + _EXPORT + _ARRIVAL + (
            _Leg("CC_IM_FAILURE", "gateway", (0.5, 4.0), "import_refused"),
            _Leg("RT_INBOUND", "gateway", (1.0, 5.0), "return_start")) + _BACK_HOME
    if kind == "returned_undelivered":
        return _TO_DOOR + (
            _Leg("GTMS_DEL_FAILURE", "city", (0.05, 0.5)),
            _Leg("GTMS_WAIT_SELF_PICK", "city", (0.1, 1.5)),
            _Leg("RT_INBOUND", "city", (7.0, 14.0), "not_collected")) + _BACK_HOME
    raise ValueError(f"unknown route kind {kind!r}")


def _schedule(rng: random.Random, legs: tuple[_Leg, ...], scenario: Scenario, created: datetime,
              now: datetime) -> tuple[list[datetime], datetime, datetime, datetime]:
    """Event times, ship, pay and order times fitting the class and the order-age rule.

    The last event is placed in the class's window (days before the dispute, and for stalled
    and lost parcels days before ``now``); the order must have been placed 10-60 days before the
    dispute and shipped 1-4 days after payment. Draws that cannot satisfy all of it are redrawn.
    """
    anchor_low, anchor_high = scenario.anchor_days
    best: tuple[list[float], float, float, datetime] | None = None
    for _ in range(60):
        gaps = [rng.uniform(*leg.gap) for leg in legs]
        offsets = [sum(gaps[: i + 1]) for i in range(len(gaps))] or [0.0]
        ship_to_pay, pay_to_order = rng.uniform(1.0, 4.0), rng.uniform(0.003, 0.1)
        lead = offsets[-1] + ship_to_pay + pay_to_order  # order placed -> last event
        low = max(created - timedelta(days=anchor_high), created - timedelta(days=60 - lead))
        high = min(created - timedelta(days=anchor_low), created - timedelta(days=10 - lead))
        if scenario.anchor_age is not None:
            low = max(low, now - timedelta(days=scenario.anchor_age[1]))
            high = min(high, now - timedelta(days=scenario.anchor_age[0]))
        if low <= high:
            best = (offsets, ship_to_pay, pay_to_order, low + (high - low) * rng.random())
            break
        if best is None:  # keep a class-valid fallback; the order-age rule may then be off
            fallback = created - timedelta(days=rng.uniform(anchor_low, anchor_high))
            best = (offsets, ship_to_pay, pay_to_order, fallback)
    assert best is not None
    offsets, ship_to_pay, pay_to_order, last = best
    shipped = last - timedelta(days=offsets[-1])
    times = [whole(shipped + timedelta(days=o)) for o in offsets[: len(legs)]]
    paid = shipped - timedelta(days=ship_to_pay)
    return times, whole(shipped), whole(paid), whole(paid - timedelta(days=pay_to_order))


def _signer(rng: random.Random, scenario: Scenario, buyer: Buyer) -> str:
    if scenario.code == "delivered_disputed":
        who = pick(rng, _DISPUTED_SIGNERS)
        if who == "neighbour":
            first, last = rng.choice(buyer.country.names)
            return f"{first} {last}"
        return buyer.full_name if who == "buyer" else who
    style = rng.random()
    if style < 0.6:
        return buyer.full_name
    if style < 0.8:
        return buyer.last_name.upper()
    return buyer.first_name


def ship(rng: random.Random, ids: IdBook, scenario: Scenario, buyer: Buyer, product: Product,
         created: datetime, profile: StoreProfile, now: datetime) -> Shipment:
    """The parcel of a dispute of ``scenario`` opened at ``created`` over ``product``."""
    service = _pick_service(rng, scenario, profile)
    legs = _route(rng, scenario, product)
    times, shipped, paid, placed = _schedule(rng, legs, scenario, created, now)
    country = buyer.country
    places = {
        "origin": f"{profile.origin}, CN",
        "sorting": f"{profile.origin} Sorting Center, CN",
        "port": rng.choice(profile.ports),
        "gateway": f"{country.gateway}, {country.code}",
        "hub": f"{buyer.city.province}, {country.code}",
        "city": f"{buyer.city.name}, {country.code}",
    }
    signed_name = _signer(rng, scenario, buyer) if legs and legs[-1].action == "GTMS_SIGNED" else ""
    events: list[dict[str, Any]] = []
    for leg, at in zip(legs, times, strict=True):
        desc = rng.choice(EVENT_TEXT[leg.text or leg.action]).format(tax_id=country.tax_id)
        signed = signed_name if leg.action == "GTMS_SIGNED" else ""
        if signed in ("mailbox", "front door", "reception", "parcel locker"):
            desc = f"Delivered to {signed}"
        events.append({"event_date": wire_time(at), "event_desc": desc,
                       "address": places[leg.place], "signed_name": signed,
                       "action_code": leg.action})
    delivered = times[-1] if legs and legs[-1].action == "GTMS_SIGNED" else None
    last = (times[-1], places[legs[-1].place]) if legs else None
    extra = ""
    if scenario.route != "unregistered" and rng.random() < scenario.consolidated:
        extra = ids.take(rng, lambda r: _tracking_number(r, service))
    return Shipment(service, ids.take(rng, lambda r: _tracking_number(r, service)), shipped,
                    paid, placed, events, last, delivered, signed_name, extra)


def _pick_service(rng: random.Random, scenario: Scenario, profile: StoreProfile) -> str:
    """A service code from carriers.SERVICES whose kind fits the class."""
    def codes(kind: ServiceKind) -> list[str]:
        return [code for code, service in SERVICES.items() if service.kind is kind]

    if scenario.route == "unregistered":
        return rng.choice(codes(ServiceKind.UNREGISTERED))
    kind = ServiceKind.PLATFORM if rng.random() < profile.platform_share else ServiceKind.REGISTERED
    return rng.choice(codes(kind))
