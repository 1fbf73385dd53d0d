"""When a silent parcel is stalled, presumed lost or held: by lane (pure).

How long a parcel may sit still before it counts as stalled depends on the lane (carrier ×
destination country): ``LaneThresholds`` holds the reference's proposed defaults (§4.2, all
inferences, hence configurable) and ``thresholds_for`` layers the store's overrides on top;
``stall_state`` reads a timeline against them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from disputekit.domain.tracking import MainStatus, Timeline
from disputekit.errors import ParametersError

__all__ = ["LaneThresholds", "StallState", "stall_state", "thresholds_for"]

# Sub-statuses of a parcel the carrier has not scanned yet.
_NOT_PICKED_UP_SUBS: Final = frozenset({"", "InfoReceived", "NotFound_Other",
                                        "NotFound_InvalidCode"})


class StallState(StrEnum):
    MOVING = "moving"
    NO_PICKUP = "no_pickup"  # shipped, never scanned by the carrier
    STALLED = "stalled"
    CUSTOMS_HOLD = "customs_hold"
    PRESUMED_LOST = "presumed_lost"
    TERMINAL = "terminal"  # delivered, returned or lost: nothing more will move



@dataclass(frozen=True)
class LaneThresholds:
    """Days of silence that change what a parcel is (reference §4.2 defaults; all inferences).

    ``claim_after_days`` is when a silent parcel on claimable logistics is worth a carrier
    claim; 30 matches 17TRACK's and AfterShip's "expired" cut (§4.1), so a claim never runs
    ahead of "presumed lost". ``claim_window_days`` is the AliExpress online-logistics
    complaint window from logistics-order creation (§4.1); some carriers differ (4PX: 90).
    """

    no_pickup_days: float = 5
    stalled_days: float = 10
    customs_hold_days: float = 10
    presumed_lost_days: float = 30
    claim_after_days: float = 30
    claim_window_days: float = 120

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not math.isfinite(value) or value <= 0:
                raise ParametersError(
                    f"lane threshold {f.name} must be a positive number of days, got {value!r}")
        if self.stalled_days > self.presumed_lost_days:
            raise ParametersError(
                f"stalled_days ({self.stalled_days}) is longer than presumed_lost_days "
                f"({self.presumed_lost_days}); a parcel must stall before it is presumed lost")
        if self.claim_after_days > self.claim_window_days:
            raise ParametersError(
                f"claim_after_days ({self.claim_after_days}) falls after the claim window "
                f"({self.claim_window_days} days): no claim could ever be filed on this lane")


_THRESHOLD_FIELDS: Final = tuple(f.name for f in fields(LaneThresholds))
_COUNTRY_ALIASES: Final = {"UK": "GB"}  # AliExpress writes UK for Great Britain (§2.1)


def _country(code: str) -> str:
    code = code.strip().upper()
    return _COUNTRY_ALIASES.get(code, code)


def _lane_rank(key: str, carrier: str, country: str) -> int | None:
    """How specific an override key is for this lane (higher wins); None when it does not apply.

    A carrier-wide rule outranks a country-wide one: a carrier's habits (how often it scans)
    decide most of a stall, the country mainly its customs.
    """
    lane_carrier, colon, lane_country = key.rpartition(":")
    if not colon or not lane_carrier.strip() or not lane_country.strip():
        raise ParametersError(
            f"lane override key {key!r} must look like 'Cainiao:BR', 'Cainiao:*' or '*:BR'")
    lane_carrier, lane_country = lane_carrier.strip(), _country(lane_country)
    carrier_hit = lane_carrier == "*" or lane_carrier.casefold() == carrier.strip().casefold()
    country_hit = lane_country == "*" or lane_country == _country(country)
    if not (carrier_hit and country_hit):
        return None
    return (2 if lane_carrier != "*" else 0) + (1 if lane_country != "*" else 0)


def thresholds_for(carrier: str, country: str,
                   overrides: Mapping[str, Mapping[str, Any]] | None = None) -> LaneThresholds:
    """The thresholds of a lane: defaults, then every matching override, most specific last.

    >>> rules = {"*:BR": {"customs_hold_days": 20}, "Cainiao:BR": {"stalled_days": 15}}
    >>> t = thresholds_for("Cainiao", "BR", rules)
    >>> t.stalled_days, t.customs_hold_days, t.presumed_lost_days
    (15, 20, 30)
    """
    ranked: list[tuple[int, str, Mapping[str, Any]]] = []
    for key, values in (overrides or {}).items():
        rank = _lane_rank(key, carrier, country)
        unknown = sorted(set(values) - set(_THRESHOLD_FIELDS))
        if unknown:
            raise ParametersError(
                f"lane override {key!r} has unknown field(s) {', '.join(unknown)}; "
                f"use {', '.join(_THRESHOLD_FIELDS)}")
        if rank is not None:
            ranked.append((rank, key, values))
    merged: dict[str, Any] = {}
    for _, _, values in sorted(ranked, key=lambda item: item[0]):
        merged.update(values)
    return replace(LaneThresholds(), **merged)


def _age_days(since: datetime | None, now: datetime) -> float | None:
    return None if since is None else (now - since) / timedelta(days=1)


def stall_state(timeline: Timeline, thresholds: LaneThresholds, now: datetime,
                shipped_at: datetime | None = None) -> StallState:
    """Where a parcel stands, on ``days since the last event`` against the lane's thresholds.

    Order matters: a finished parcel is terminal whatever its age; customs holding it for the
    buyer is a hold, not a stall; a parcel never scanned is "no pickup" (the false-shipment
    exposure) even when it is old. A parcel *in* clearance with no hold reported is stalled
    once ``customs_hold_days`` pass: the domain's customs classes are about customs asking
    something of the buyer, and a parcel merely slow in clearance is a stalled parcel.
    ``shipped_at`` (the seller's send date) dates a parcel that has no events at all.
    """
    if (timeline.delivered or timeline.lost
            or timeline.sub_status in ("Exception_Returned", "Exception_Cancel")):
        return StallState.TERMINAL
    if timeline.customs_hold:
        return StallState.CUSTOMS_HOLD
    timed = [e.at for e in timeline.events if e.at is not None]
    if all(e.sub_status in _NOT_PICKED_UP_SUBS for e in timeline.events):
        age = _age_days(shipped_at or (min(timed) if timed else None), now)
        if age is None or age >= thresholds.no_pickup_days:
            return StallState.NO_PICKUP
        return StallState.MOVING
    silent = timeline.days_since_last_event(now)
    if timeline.main_status is MainStatus.EXPIRED or (
            silent is not None and silent >= thresholds.presumed_lost_days):
        return StallState.PRESUMED_LOST
    if timeline.sub_status == "Exception_Delayed":
        return StallState.STALLED  # the carrier itself says it is late
    limit = (thresholds.customs_hold_days if timeline.sub_status == "InTransit_CustomsProcessing"
             else thresholds.stalled_days)
    if silent is not None and silent >= limit:
        return StallState.STALLED
    return StallState.MOVING
