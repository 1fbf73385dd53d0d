"""A local 17TRACK v2.2 (reference/tracking-api.md §1 and §5), serving the demo parcels.

The parcels are the AliExpress simulator's own (``StoreDataset.tracking``, same numbers), so
a sync can read one parcel from both sources. Each Cainiao event becomes a 17TRACK event:
sub-status through ``tracking.ACTION_CODES``, ``stage`` through ``tracking.ACTION_STAGES``,
``time_iso`` with the offset of the place it happened, ``time_utc`` in ``Z``.

What it enforces (§5): the ``17token`` key (HTTP 401, ``-18010002``); POST only (404);
a token bucket per key (HTTP 429) when ``rate_per_second`` is set; at most 40 items
(``-18010014``); registration dedupe per (number, carrier) (``-18019901``), number format
(``-18010012``), undetectable carrier (``-18019903``), unknown carrier key (``-18019910``),
quota (``-18019908``) and daily limit (``-18019907``), with quota spent only on acceptance;
unregistered numbers (``-18019902``); a registered number no carrier knows (``-18019909``);
stop/retrack/change-carrier state (``-18019904…6``, ``-18019801…7``); auto-stop after 30
days without a new event, or 15 days after delivery, on a clock that moves with ``clock``
from the dataset's anchor time ``now``. A number registered with the wrong carrier reads as
``NotFound_InvalidCode``; a silent parcel that is not finished reads as ``Expired`` after 30
days, as 17TRACK reports it.

With ``beyond_platform`` (the served simulator sets it), some parcels show what sellers on
registered-post and unregistered lines see in real life: the platform's tracking stops at
the handover to the destination's post, and 17TRACK, which follows the post too, has the
scans after it (``_beyond_platform``). Those scans exist only here, never in the platform's
``querytrackingresult``: the parcels a second source is for.

Carrier keys: 3011 (China Post), 3013 (China EMS) and 190012 (Yanwen) are the reference's
(§1.8); the other carriers' real keys are unresolved there, so this simulator uses invented
keys from 900001 up: never copy them into real parameters.
"""

from __future__ import annotations

import json
import re
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from disputekit.domain.carriers import SERVICES, ServiceKind
from disputekit.domain.platform_time import parse_pacific
from disputekit.domain.tracking import ACTION_STAGES, MainStatus, from_aliexpress
from disputekit.simulator.dataset import StoreDataset
from disputekit.simulator.wire_format import whole, wire_time

__all__ = ["CARRIER_KEYS", "DEMO_17TRACK_KEY", "PATH", "beyond_platform_numbers",
           "create_17track_app"]

PATH: Final = "/track/v2.2"
DEMO_17TRACK_KEY: Final = "demo-17track-key"  # opens only this simulator

CARRIER_KEYS: Final[dict[str, int]] = {
    "China Post": 3011, "China Post EMS": 3013, "Yanwen": 190012,  # reference §1.8
    "Cainiao": 900001, "YunExpress": 900002, "4PX": 900003, "SunYou": 900004,  # invented
}
_LAST_MILE_KEY: Final = 900100  # invented: the destination post, per country below it

_NUMBER: Final = re.compile(r"^[A-Za-z0-9]{5,50}$")  # §1.1 (S)
_SIGNED_BY: Final = re.compile(r"signed by [\w ]+", re.IGNORECASE)
_EXPIRED_AFTER: Final = timedelta(days=30)  # §1.1 auto-stop, §4.1 Expired
_DELIVERED_STOP: Final = timedelta(days=15)
_MAX_CARRIER_CHANGES: Final = 5

# The clock of the place an event happened: time_iso carries the carrier-local offset.
_ZONES: Final[dict[str, str]] = {
    "CN": "Asia/Shanghai", "HK": "Asia/Hong_Kong", "SG": "Asia/Singapore",
    "US": "America/Chicago", "GB": "Europe/London", "AU": "Australia/Sydney",
    "CA": "America/Toronto", "IL": "Asia/Jerusalem", "KR": "Asia/Seoul", "RU": "Europe/Moscow",
    "BY": "Europe/Minsk", "KZ": "Asia/Almaty", "ES": "Europe/Madrid",
    "MX": "America/Mexico_City", "CL": "America/Santiago", "BR": "America/Sao_Paulo",
    "FR": "Europe/Paris", "BE": "Europe/Brussels", "PL": "Europe/Warsaw",
    "DE": "Europe/Berlin", "IT": "Europe/Rome", "TR": "Europe/Istanbul",
    "UA": "Europe/Kyiv", "PT": "Europe/Lisbon",
}
_MILESTONES: Final = ("InfoReceived", "PickedUp", "Departure", "Arrival", "AvailableForPickup",
                      "OutForDelivery", "Delivered", "Returning", "Returned")
# Non-finished statuses 17TRACK turns into Expired after 30 silent days.
_CAN_EXPIRE: Final = frozenset({MainStatus.INFO_RECEIVED, MainStatus.IN_TRANSIT})


# ---------------------------------------------------------------------------------------------
# Parcels in 17TRACK shape
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parcel:
    number: str
    carrier: str
    carrier_key: int
    service: str
    country: str
    city: str
    postal_code: str
    ordered_at: datetime | None
    details: tuple[dict[str, Any], ...]


def _country_of(address: str, fallback: str) -> str:
    tail = address.rsplit(",", 1)[-1].strip().upper()
    return tail if len(tail) == 2 and tail.isalpha() else fallback


# Where the platform's feed goes quiet while the parcel still moves in the destination's post:
# the scans only that post (and so 17TRACK) has. (action code, text, where: origin | city).
_POST_SCANS: Final = (
    ("GTMS_ACCEPT", "Received by {country} Post from the international carrier", "city"),
    ("GTMS_SC_ARRIVE", "Arrived at the delivery office, {city}", "city"),
)
_UNREGISTERED_SCANS: Final = (
    ("LH_DEPART", "Dispatched from the office of exchange, China Post", "origin"),
    ("LH_ARRIVE", "Arrived at the office of exchange, {country} Post", "city"),
)
_STILL_MOVING: Final = frozenset({"InfoReceived", "InTransit_PickedUp", "InTransit_Other",
                                  "InTransit_Departure", "InTransit_Arrival",
                                  "InTransit_CustomsReleased", "InTransit_CustomsProcessing"})


def _beyond_platform(number: str, kind: ServiceKind | None, country: str, city: str,
                     details: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """The destination post's scans after the platform's last event, for one parcel in two
    on a non-platform line whose feed stopped while it was still moving (deterministic by
    its number); [] for every other parcel.

    The scans fall at a third and two thirds of the silence since the platform's last event,
    so they are before ``now`` and after everything the platform shows.
    """
    if kind not in (ServiceKind.REGISTERED, ServiceKind.UNREGISTERED) or not details:
        return []
    if zlib.crc32(number.encode()) % 2:
        return []
    timeline = from_aliexpress(number, details)
    last = timeline.last_event
    if last is None or last.at is None or timeline.sub_status not in _STILL_MOVING:
        return []
    silence = now - last.at
    if silence < timedelta(days=2):
        return []
    scans = _UNREGISTERED_SCANS if kind is ServiceKind.UNREGISTERED else _POST_SCANS
    origin = str(details[0].get("address", "")) or "China, CN"
    out = []
    for step, (code, text, where) in enumerate(scans, start=1):
        at = whole(last.at + silence * step / (len(scans) + 1))
        out.append({"event_date": wire_time(at),
                    "event_desc": text.format(country=country, city=city),
                    "address": origin if where == "origin" else f"{city}, {country}",
                    "signed_name": "", "action_code": code})
    return out


def _index(datasets: Mapping[str, StoreDataset], now: datetime | None = None
           ) -> dict[str, _Parcel]:
    """Every parcel by number; with ``now``, the scans beyond the platform's added."""
    parcels: dict[str, _Parcel] = {}
    for dataset in datasets.values():
        for order in dataset.orders.values():
            address = order.get("receipt_address") or {}
            for info in order.get("logistic_info_list") or []:
                number = str(info.get("logistics_no", ""))
                service = SERVICES.get(str(info.get("logistics_type_code", "")))
                carrier = service.carrier if service else "Cainiao"
                details = list(dataset.tracking.get(number, ()))
                country = str(address.get("country", ""))
                city = str(address.get("city", ""))
                if now is not None:
                    details += _beyond_platform(number, service.kind if service else None,
                                                country, city, details, now)
                parcels[number] = _Parcel(
                    number=number, carrier=carrier,
                    carrier_key=CARRIER_KEYS.get(carrier, CARRIER_KEYS["Cainiao"]),
                    service=service.name if service else "",
                    country=country, city=city,
                    postal_code=str(address.get("zip", "")),
                    ordered_at=parse_pacific(order.get("gmt_create") or None),
                    details=tuple(details))
    return parcels


def _iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _event(detail: Mapping[str, Any], parcel: _Parcel) -> dict[str, Any]:
    at = parse_pacific(detail.get("event_date") or None)
    assert at is not None  # the dataset dates every event
    address = str(detail.get("address", ""))
    country = _country_of(address, parcel.country)
    local = at.astimezone(ZoneInfo(_ZONES.get(country, "UTC")))
    code = str(detail.get("action_code", ""))
    description = str(detail.get("event_desc", ""))
    signed = str(detail.get("signed_name", ""))
    if signed and f"signed by {signed}".casefold() not in description.casefold():
        # how carriers word it: the signatory's name in the delivery text, not a generic word
        named = _SIGNED_BY.sub(f"signed by {signed}", description)
        description = named if named != description else f"{description} (signed by {signed})"
    sub = from_aliexpress(parcel.number, [detail]).events[0].sub_status
    offset = local.strftime("%z")
    return {
        "time_iso": local.isoformat(timespec="seconds"),
        "time_utc": _iso_z(at),
        "time_raw": {"date": local.strftime("%Y-%m-%d"), "time": local.strftime("%H:%M:%S"),
                     "timezone": f"{offset[:3]}:{offset[3:]}"},
        "description": description,
        "description_translation": None,
        "location": address,
        "stage": ACTION_STAGES.get(code, ""),
        "sub_status": sub,
        "address": {"country": country, "state": None,
                    "city": address.rsplit(",", 1)[0].strip() or None, "street": None,
                    "postal_code": None, "coordinates": {"longitude": None, "latitude": None}},
    }


def _whole_days(delta: timedelta) -> int:
    return max(0, int(delta / timedelta(days=1)))


def _hash(value: Any) -> int:
    return zlib.crc32(json.dumps(value, sort_keys=True).encode())


@dataclass
class _Registration:
    number: str
    carrier: int
    tag: str
    registered_at: datetime
    tracking_status: str = "Tracking"  # Tracking | Stopped
    stop_reason: str | None = None  # Expired | ByRequest | InvalidCarrier
    retracked: bool = False
    carrier_changes: int = 0


def _track_info(parcel: _Parcel | None, registration: _Registration, now: datetime
                ) -> dict[str, Any]:
    """The ``track_info`` of a registered number as 17TRACK would build it at ``now``."""
    right_carrier = parcel is not None and registration.carrier == parcel.carrier_key
    details = [d for d in parcel.details if parse_pacific(d.get("event_date") or None) is not None
               ] if parcel is not None and right_carrier else []
    timeline = from_aliexpress(registration.number, details)
    events = [_event(d, parcel) for d in details] if parcel is not None else []
    events.reverse()  # newest first, as 17TRACK lists them
    status, sub = timeline.main_status, timeline.sub_status
    if parcel is not None and not right_carrier:
        sub = "NotFound_InvalidCode"  # the registered carrier does not know this number
        status = MainStatus.NOT_FOUND
    last = timeline.last_event.at if timeline.last_event else None
    if last is not None and status in _CAN_EXPIRE and now - last >= _EXPIRED_AFTER:
        status, sub = MainStatus.EXPIRED, "Expired_Other"
    first = timeline.events[0].at if timeline.events else None
    done = last if timeline.delivered else None
    return {
        "shipping_info": {
            "shipper_address": {"country": "CN", "state": None, "city": None, "street": None,
                                "postal_code": None, "coordinates": None},
            "recipient_address": {
                "country": parcel.country if parcel else None, "state": None,
                "city": parcel.city if parcel else None, "street": None,
                "postal_code": parcel.postal_code if parcel else None, "coordinates": None},
        },
        "latest_status": {"status": status.value, "sub_status": sub, "sub_status_descr": None},
        "latest_event": events[0] if events else None,
        "time_metrics": {
            "days_after_order": _whole_days(now - parcel.ordered_at)
            if parcel and parcel.ordered_at else 0,
            "days_of_transit": _whole_days((done or now) - first) if first else 0,
            "days_of_transit_done": _whole_days(done - first) if done and first else 0,
            "days_after_last_update": _whole_days(now - last) if last else None,
            "estimated_delivery_date": {"source": None, "from": None, "to": None},
        },
        "milestone": _milestones(events),
        "misc_info": {"risk_factor": 0, "service_type": parcel.service if parcel else None,
                      "weight_raw": None, "weight_kg": None, "pieces": None, "dimensions": None,
                      "customer_number": None, "reference_number": None,
                      "local_number": None, "local_provider": None, "local_key": None},
        "tracking": _providers(parcel, events, registration, now),
    }


def _milestones(events_newest_first: list[dict[str, Any]]) -> list[dict[str, Any]]:
    oldest_first = list(reversed(events_newest_first))
    stones = []
    for stage in _MILESTONES:
        hit = next((e for e in oldest_first if e["stage"] == stage), None)
        stones.append({"key_stage": stage,
                       "time_iso": hit["time_iso"] if hit else None,
                       "time_utc": hit["time_utc"] if hit else None,
                       "time_raw": hit["time_raw"] if hit else None})
    return stones


def _providers(parcel: _Parcel | None, events: list[dict[str, Any]],
               registration: _Registration, now: datetime) -> dict[str, Any]:
    """One provider block per leg: the origin carrier, then the destination post (§1.4)."""
    origin = [e for e in events if e["address"]["country"] in ("CN", "HK", "SG")
              or e["stage"] in ("Returning", "Returned")]
    local = [e for e in events if e not in origin]
    blocks = [(registration.carrier, parcel.carrier if parcel else "Unknown", "CN", origin)]
    if local and parcel is not None:
        blocks.append((_LAST_MILE_KEY, f"{parcel.country} Post", parcel.country, local))
    providers = [{
        "provider": {"key": key, "name": name, "alias": name, "tel": None, "homepage": None,
                     "country": country},
        "provider_lang": None,
        "service_type": parcel.service if parcel else None,
        "latest_sync_status": "Success",
        "latest_sync_time": _iso_z(now),
        "events_hash": _hash(leg),
        "events": leg,
    } for key, name, country, leg in blocks]
    return {"providers_hash": _hash(providers), "providers": providers}


# ---------------------------------------------------------------------------------------------
# State and rules
# ---------------------------------------------------------------------------------------------


def _reject(item: Mapping[str, Any], code: int, message: str) -> dict[str, Any]:
    # Exactly the documented shape (§1.2): no carrier, so clients must use their request.
    return {"number": item.get("number"), "tag": item.get("tag"),
            "error": {"code": code, "message": message}}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value else None


@dataclass
class _Simulated17Track:
    parcels: dict[str, _Parcel]
    now: Callable[[], datetime]
    quota_total: int
    max_track_daily: int
    registrations: dict[str, list[_Registration]] = field(default_factory=dict)
    quota_used: int = 0
    used_by_day: dict[str, int] = field(default_factory=dict)

    def find(self, item: Mapping[str, Any]) -> _Registration | None:
        found = self.registrations.get(str(item.get("number", "")).strip(), [])
        carrier = _int(item.get("carrier"))
        for registration in found:
            if carrier is None or registration.carrier == carrier:
                self._auto_stop(registration)
                return registration
        return None

    def _auto_stop(self, registration: _Registration) -> None:
        if registration.tracking_status != "Tracking":
            return
        parcel = self.parcels.get(registration.number)
        timeline = from_aliexpress(registration.number, parcel.details if parcel else ())
        last = timeline.last_event.at if timeline.last_event else None
        quiet_since = max(registration.registered_at, last or registration.registered_at)
        limit = _DELIVERED_STOP if timeline.delivered else _EXPIRED_AFTER
        if self.now() - quiet_since >= limit:
            registration.tracking_status, registration.stop_reason = "Stopped", "Expired"

    # -- endpoints ---------------------------------------------------------------------------

    def register(self, item: Mapping[str, Any]) -> dict[str, Any]:
        number = str(item.get("number") or "").strip()
        if not number:
            return _reject(item, -18010010, "Data 'number' is required.")
        if not _NUMBER.match(number):
            return _reject(item, -18010012, f"The format of '{number}' is invalid.")
        carrier = _int(item.get("carrier"))
        parcel = self.parcels.get(number)
        if carrier is not None and carrier not in CARRIER_KEYS.values():
            return _reject(item, -18019910, f"The carrier code '{carrier}' is incorrect.")
        if carrier is None:
            if parcel is None:
                return _reject(item, -18019903,
                               "The carrier cannot be detected; please specify the carrier.")
            carrier = parcel.carrier_key
        if any(r.carrier == carrier for r in self.registrations.get(number, [])):
            return _reject(item, -18019901, f"The tracking number '{number}' is registered.")
        today = self.now().strftime("%Y-%m-%d")
        if self.max_track_daily and self.used_by_day.get(today, 0) >= self.max_track_daily:
            return _reject(item, -18019907, "Exceeded the daily registration limit.")
        if self.quota_used >= self.quota_total:
            return _reject(item, -18019908, "The quota is not enough.")
        self.quota_used += 1
        self.used_by_day[today] = self.used_by_day.get(today, 0) + 1
        tag = str(item.get("tag") or "")
        self.registrations.setdefault(number, []).append(
            _Registration(number, carrier, tag, self.now()))
        return {"accepted": {"origin": 1, "number": number, "carrier": carrier, "email": None,
                             "tag": tag, "lang": None}}

    def gettrackinfo(self, item: Mapping[str, Any]) -> dict[str, Any]:
        registration = self.find(item)
        if registration is None:
            return _not_registered(item)
        parcel = self.parcels.get(registration.number)
        if parcel is None:
            return _reject(item, -18019909, "No tracking information at this time.")
        return {"accepted": {"number": registration.number, "carrier": registration.carrier,
                             "param": None, "tag": registration.tag,
                             "track_info": _track_info(parcel, registration, self.now())}}

    def stoptrack(self, item: Mapping[str, Any]) -> dict[str, Any]:
        registration = self.find(item)
        if registration is None:
            return _not_registered(item)
        if registration.tracking_status != "Tracking":
            return _reject(item, -18019906, "Only numbers being tracked can be stopped.")
        registration.tracking_status, registration.stop_reason = "Stopped", "ByRequest"
        return _accepted(registration)

    def retrack(self, item: Mapping[str, Any]) -> dict[str, Any]:
        registration = self.find(item)
        if registration is None:
            return _not_registered(item)
        if registration.tracking_status != "Stopped":
            return _reject(item, -18019904, "Only stopped numbers can be retracked.")
        if registration.retracked:
            return _reject(item, -18019905, "Retrack is allowed only once.")
        registration.tracking_status, registration.stop_reason = "Tracking", None
        registration.retracked = True
        registration.registered_at = self.now()  # the 30-day clock starts again
        return _accepted(registration)

    def deletetrack(self, item: Mapping[str, Any]) -> dict[str, Any]:
        registration = self.find(item)
        if registration is None:
            return _not_registered(item)
        self.registrations[registration.number].remove(registration)
        return _accepted(registration)

    def changecarrier(self, item: Mapping[str, Any]) -> dict[str, Any]:
        old, new = _int(item.get("carrier_old")), _int(item.get("carrier_new"))
        if old is None:
            return _reject(item, -18019801, "The old carrier is required.")
        if new is None:
            return _reject(item, -18019804, "The new carrier is required.")
        if new not in CARRIER_KEYS.values():
            return _reject(item, -18019802, f"The new carrier '{new}' is incorrect.")
        if new == old:
            return _reject(item, -18019803, "The new carrier is the same as the old one.")
        registration = self.find({"number": item.get("number")})
        if registration is None:
            return _not_registered(item)
        registration = self.find({"number": item.get("number"), "carrier": old})
        if registration is None:
            return _reject(item, -18019805, "The old carrier does not match.")
        if registration.tracking_status == "Stopped":
            return _reject(item, -18019806, "A stopped number's carrier cannot be changed.")
        if registration.carrier_changes >= _MAX_CARRIER_CHANGES:
            return _reject(item, -18019807, "The carrier change limit (5) is exceeded.")
        registration.carrier = new
        registration.carrier_changes += 1
        return {"accepted": {"number": registration.number, "carrier": new,
                             "carrier_old": old, "carrier_new": new}}

    def quota(self) -> dict[str, Any]:
        today = self.now().strftime("%Y-%m-%d")
        return {"quota_total": self.quota_total, "quota_used": self.quota_used,
                "quota_remain": self.quota_total - self.quota_used,
                "today_used": self.used_by_day.get(today, 0),
                "max_track_daily": self.max_track_daily,
                "free_email_quota": 0, "free_email_quotaused": 0}


def _not_registered(item: Mapping[str, Any]) -> dict[str, Any]:
    return _reject(item, -18019902, "The tracking number is not registered; register it first.")


def _accepted(registration: _Registration) -> dict[str, Any]:
    return {"accepted": {"number": registration.number, "carrier": registration.carrier}}


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------


@dataclass
class _Bucket:
    """Token bucket: ``rate`` tokens a second, a burst of at most ``max(1, rate)``."""

    rate: float
    clock: Callable[[], float]
    tokens: float = 0.0
    stamp: float | None = None

    def take(self) -> bool:
        now, capacity = self.clock(), max(1.0, self.rate)
        if self.stamp is None:
            self.tokens = capacity
        else:
            self.tokens = min(capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


def _failure(code: int, message: str, status: int = 200) -> JSONResponse:
    return JSONResponse({"code": code, "data": {"errors": [{"code": code, "message": message}]}},
                        status_code=status)


_BATCH_ENDPOINTS: Final = ("register", "gettrackinfo", "stoptrack", "retrack", "deletetrack",
                           "changecarrier")


def create_17track_app(datasets: Mapping[str, StoreDataset], api_key: str,
                       clock: Callable[[], float] = time.time,
                       rate_per_second: float | None = None, *, now: datetime | None = None,
                       quota_total: int = 100, max_track_daily: int = 0,
                       beyond_platform: bool = False) -> Starlette:
    """The 17TRACK v2.2 endpoints under ``/track/v2.2/…``; mount the app at the root.

    ``now`` is the datasets' anchor time (``generate(seed, now)``); simulated time moves on
    from it as ``clock`` does, so a test can jump days ahead. Quota defaults to the free tier
    (100 a month, §1.1); ``max_track_daily`` 0 means no daily limit. ``beyond_platform``:
    some parcels have the destination post's scans the platform does not show (module doc).
    """
    started = clock()
    anchor = (now or datetime.fromtimestamp(started, UTC)).astimezone(UTC)

    def simulated_now() -> datetime:
        return anchor + timedelta(seconds=clock() - started)

    state = _Simulated17Track(_index(datasets, anchor if beyond_platform else None),
                              simulated_now, quota_total, max_track_daily)
    bucket = _Bucket(rate_per_second, clock) if rate_per_second else None

    async def handle(request: Request) -> JSONResponse:
        if request.method != "POST":
            return JSONResponse({"code": 404, "message": "Not Found"}, status_code=404)
        if request.headers.get("17token") != api_key:
            return _failure(-18010002, "Invalid security key.", status=401)
        if bucket is not None and not bucket.take():
            return _failure(429, "Too many requests; slow down.", status=429)
        endpoint = request.url.path.rsplit("/", 1)[-1]
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            return _failure(-18010013, "Submitted data is invalid.")
        if endpoint == "getquota":
            return JSONResponse({"code": 0, "data": state.quota()})
        if not isinstance(body, list) or not all(isinstance(i, dict) for i in body):
            return _failure(-18010013, "Submitted data is invalid; send a JSON array.")
        if len(body) > 40:
            return _failure(-18010014, f"The submitted numbers ({len(body)}) exceed 40.")
        accepted, rejected = [], []
        for item in body:
            outcome = getattr(state, endpoint)(item)
            if "accepted" in outcome:
                accepted.append(outcome["accepted"])
            else:
                rejected.append(outcome)
        return JSONResponse({"code": 0, "data": {"accepted": accepted, "rejected": rejected}})

    methods = ["GET", "POST", "PUT", "DELETE"]
    routes = [Route(f"{PATH}/{name}", handle, methods=methods)
              for name in (*_BATCH_ENDPOINTS, "getquota")]
    return Starlette(routes=routes)


def beyond_platform_numbers(datasets: Mapping[str, StoreDataset], now: datetime
                            ) -> dict[str, int]:
    """The parcels with scans only 17TRACK has (``beyond_platform``), and how many each."""
    extra = {}
    for number, parcel in _index(datasets, now).items():
        shown = len(_index_one(datasets, number))
        if len(parcel.details) > shown:
            extra[number] = len(parcel.details) - shown
    return extra


def _index_one(datasets: Mapping[str, StoreDataset], number: str) -> list[dict[str, Any]]:
    for dataset in datasets.values():
        if number in dataset.tracking:
            return list(dataset.tracking[number])
    return []
