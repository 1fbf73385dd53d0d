"""One timeline per parcel: every status mapping, times in UTC, stalls, lanes, demo classes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from disputekit.domain.platform_time import to_pacific_string
from disputekit.domain.stalls import LaneThresholds, StallState, stall_state, thresholds_for
from disputekit.domain.tracking import (
    ACTION_CODES,
    SUB_STATUSES,
    MainStatus,
    ReturnKind,
    Timeline,
    TrackEvent,
    collect_by,
    from_17track,
    from_aliexpress,
    says_unreachable,
)
from disputekit.errors import ParametersError
from disputekit.simulator.dataset import StoreDataset, generate

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
DEFAULTS = LaneThresholds()

M = MainStatus
# Transcribed from reference/tracking-api.md §2.4 and aliexpress-api.md §6.4, independently
# of the module's table: the test fails if a code is dropped, added silently or remapped.
EXPECTED_ACTIONS: dict[str, tuple[MainStatus, str]] = {
    "GWMS_ACCEPT": (M.INFO_RECEIVED, "InfoReceived"),
    "GWMS_PACKAGE": (M.INFO_RECEIVED, "InfoReceived"),
    "CONSIGN": (M.INFO_RECEIVED, "InfoReceived"),
    "PRE_READY_TO_SHIP": (M.INFO_RECEIVED, "InfoReceived"),
    "PU_PICKUP_SUCCESS": (M.IN_TRANSIT, "InTransit_PickedUp"),
    "PU_PICKUP_FAILURE": (M.EXCEPTION, "Exception_Other"),
    "CW_INBOUND": (M.IN_TRANSIT, "InTransit_Other"),
    "CW_OUTBOUND": (M.IN_TRANSIT, "InTransit_Other"),
    "SC_INBOUND_SUCCESS": (M.IN_TRANSIT, "InTransit_Other"),
    "SC_OUTBOUND_SUCCESS": (M.IN_TRANSIT, "InTransit_Other"),
    "GWMS_OUTBOUND": (M.IN_TRANSIT, "InTransit_Other"),
    "CC_EX_START": (M.IN_TRANSIT, "InTransit_CustomsProcessing"),
    "CC_EX_SUCCESS": (M.IN_TRANSIT, "InTransit_CustomsReleased"),
    "CC_EX_FAILURE": (M.EXCEPTION, "Exception_Security"),
    "LH_HO_IN_SUCCESS": (M.IN_TRANSIT, "InTransit_Other"),
    "LH_HO_AIRLINE": (M.IN_TRANSIT, "InTransit_Other"),
    "LH_DEPART": (M.IN_TRANSIT, "InTransit_Departure"),
    "LH_ARRIVE": (M.IN_TRANSIT, "InTransit_Arrival"),
    "TD_TRANS_ARRIVE": (M.IN_TRANSIT, "InTransit_Other"),
    "TD_TRANS_ARRIVE_C": (M.IN_TRANSIT, "InTransit_Other"),
    "TD_TRANS_DEPART": (M.IN_TRANSIT, "InTransit_Other"),
    "TD_TRANS_DEPART_C": (M.IN_TRANSIT, "InTransit_Other"),
    "CC_HO_IN_SUCCESS": (M.IN_TRANSIT, "InTransit_CustomsProcessing"),
    "CC_IM_START": (M.IN_TRANSIT, "InTransit_CustomsProcessing"),
    "CC_IM_PROCESS": (M.IN_TRANSIT, "InTransit_CustomsProcessing"),
    "CC_IM_SUCCESS": (M.IN_TRANSIT, "InTransit_CustomsReleased"),
    "CC_HO_OUT_SUCCESS": (M.IN_TRANSIT, "InTransit_CustomsReleased"),
    "CC_IM_FAILURE": (M.EXCEPTION, "Exception_Security"),
    "CC_IM_EXCEPTION": (M.EXCEPTION, "Exception_Security"),
    "CUS_FAILURE": (M.EXCEPTION, "Exception_Security"),
    "CUS_TAX": (M.EXCEPTION, "Exception_Security"),
    "GTMS_ACCEPT": (M.IN_TRANSIT, "InTransit_Other"),
    "GTMS_SC_ARRIVE": (M.IN_TRANSIT, "InTransit_Other"),
    "GTMS_DO_ARRIVE": (M.IN_TRANSIT, "InTransit_Other"),
    "GTMS_STATION_IN": (M.IN_TRANSIT, "InTransit_Other"),
    "GTMS_STATION_OUT": (M.IN_TRANSIT, "InTransit_Other"),
    "GTMS_DO_DEPART": (M.OUT_FOR_DELIVERY, "OutForDelivery_Other"),
    "GTMS_DELIVERING": (M.OUT_FOR_DELIVERY, "OutForDelivery_Other"),
    "GTMS_RE_DELIVERING": (M.OUT_FOR_DELIVERY, "OutForDelivery_Other"),
    "GTMS_DEL_FAILURE": (M.DELIVERY_FAILURE, "DeliveryFailure_Other"),
    "DELIVERY_FAILED": (M.DELIVERY_FAILURE, "DeliveryFailure_Other"),
    "GTMS_WAIT_SELF_PICK": (M.AVAILABLE_FOR_PICKUP, "AvailableForPickup_Other"),
    "GSTA_INFORM_BUYER": (M.AVAILABLE_FOR_PICKUP, "AvailableForPickup_Other"),
    "GTMS_STA_SIGNED": (M.AVAILABLE_FOR_PICKUP, "AvailableForPickup_Other"),
    "GTMS_SIGNED": (M.DELIVERED, "Delivered_Other"),
    "SIGN_SUCCESS": (M.DELIVERED, "Delivered_Other"),
    "GSTA_SIGN": (M.DELIVERED, "Delivered_Other"),
    "SIGNED": (M.DELIVERED, "Delivered_Other"),
    "GSTA_BUYER_SIGN": (M.DELIVERED, "Delivered_Other"),
    "RT_INBOUND": (M.EXCEPTION, "Exception_Returning"),
    "RT_OUTBOUND": (M.EXCEPTION, "Exception_Returning"),
    "RETURNED": (M.EXCEPTION, "Exception_Returned"),
    "RT_DESTROY": (M.EXCEPTION, "Exception_Destroyed"),
}

# The 30 official sub-statuses (reference §1.5) and their main status.
EXPECTED_SUBS: dict[str, MainStatus] = {
    "NotFound_Other": M.NOT_FOUND, "NotFound_InvalidCode": M.NOT_FOUND,
    "InfoReceived": M.INFO_RECEIVED,
    "InTransit_PickedUp": M.IN_TRANSIT, "InTransit_Other": M.IN_TRANSIT,
    "InTransit_Departure": M.IN_TRANSIT, "InTransit_Arrival": M.IN_TRANSIT,
    "InTransit_CustomsProcessing": M.IN_TRANSIT, "InTransit_CustomsReleased": M.IN_TRANSIT,
    "InTransit_CustomsRequiringInformation": M.IN_TRANSIT,
    "Expired_Other": M.EXPIRED,
    "AvailableForPickup_Other": M.AVAILABLE_FOR_PICKUP,
    "OutForDelivery_Other": M.OUT_FOR_DELIVERY,
    "DeliveryFailure_Other": M.DELIVERY_FAILURE, "DeliveryFailure_NoBody": M.DELIVERY_FAILURE,
    "DeliveryFailure_Security": M.DELIVERY_FAILURE, "DeliveryFailure_Rejected": M.DELIVERY_FAILURE,
    "DeliveryFailure_InvalidAddress": M.DELIVERY_FAILURE,
    "Delivered_Other": M.DELIVERED,
    "Exception_Other": M.EXCEPTION, "Exception_Returning": M.EXCEPTION,
    "Exception_Returned": M.EXCEPTION, "Exception_NoBody": M.EXCEPTION,
    "Exception_Security": M.EXCEPTION, "Exception_Damage": M.EXCEPTION,
    "Exception_Rejected": M.EXCEPTION, "Exception_Delayed": M.EXCEPTION,
    "Exception_Lost": M.EXCEPTION, "Exception_Destroyed": M.EXCEPTION,
    "Exception_Cancel": M.EXCEPTION,
}


def ae(code: str, when: str, desc: str = "event", signed: str = "",
       address: str = "Somewhere, CN") -> dict[str, Any]:
    return {"event_date": when, "event_desc": desc, "address": address, "signed_name": signed,
            "action_code": code}


def ae_route(*codes: str, start: datetime = datetime(2026, 10, 1, 12, tzinfo=UTC),
             **last: str) -> list[dict[str, Any]]:
    """One event per code, a day apart; keyword arguments go onto the last event."""
    events = [ae(code, to_pacific_string(start + timedelta(days=i))) for i, code in
              enumerate(codes)]
    if events:
        events[-1].update({k: v for k, v in last.items()})
    return events


def track_info(*events: dict[str, Any], status: str = "", sub: str = "",
               providers: int = 1) -> dict[str, Any]:
    per = [list(events)] if providers == 1 else [list(events[::2]), list(events[1::2])]
    return {
        "latest_status": {"status": status, "sub_status": sub},
        "tracking": {"providers": [{"provider": {"key": 1, "name": f"P{i}"}, "events": leg}
                                   for i, leg in enumerate(per)]},
        "shipping_info": {"recipient_address": {"country": "br"}},
    }


def ev17(time_iso: str, sub: str, stage: str = "", desc: str = "x", time_utc: str | None = None,
         location: str = "") -> dict[str, Any]:
    return {"time_iso": time_iso, "time_utc": time_utc, "sub_status": sub, "stage": stage,
            "description": desc, "location": location}


# -- AliExpress action codes -----------------------------------------------------------------


def test_action_code_table_is_the_reference_list() -> None:
    assert ACTION_CODES == EXPECTED_ACTIONS


@pytest.mark.parametrize(("code", "expected"), sorted(EXPECTED_ACTIONS.items()))
def test_every_action_code_maps_to_17track(code: str, expected: tuple[MainStatus, str]) -> None:
    timeline = from_aliexpress("LP1", [ae(code, "2026-10-01 10:00:00")])
    assert (timeline.main_status, timeline.sub_status) == expected
    assert timeline.events[0].sub_status == expected[1]
    assert timeline.events[0].stage == code
    # and the sub-status is an official one, under its own main status
    assert EXPECTED_SUBS[expected[1]] is expected[0]


@pytest.mark.parametrize("code", ["XYZ_NEW_CODE", "", "  "])
def test_unknown_action_codes_pass_through_as_in_transit(code: str) -> None:
    timeline = from_aliexpress("LP1", [ae(code, "2026-10-01 10:00:00", "Scanned")])
    assert (timeline.main_status, timeline.sub_status) == (M.IN_TRANSIT, "InTransit_Other")
    assert timeline.events[0].stage == code.strip().upper()


def test_an_unknown_code_after_delivery_does_not_undo_it() -> None:
    timeline = from_aliexpress("LP1", ae_route("LH_ARRIVE", "GTMS_SIGNED", "FEEDBACK_SENT"))
    assert timeline.delivered and timeline.main_status is M.DELIVERED
    assert timeline.events[-1].stage == "FEEDBACK_SENT"  # kept as evidence


def test_lowercase_codes_are_read() -> None:
    assert from_aliexpress("LP1", [ae("gtms_signed", "2026-10-01 10:00:00")]).delivered


def test_no_details_is_not_found() -> None:
    timeline = from_aliexpress("LP1", [])
    assert (timeline.main_status, timeline.sub_status) == (M.NOT_FOUND, "NotFound_Other")
    assert timeline.events == () and timeline.days_since_last_event(NOW) is None


# -- delivered and signed --------------------------------------------------------------------


@pytest.mark.parametrize("code", ["GTMS_SIGNED", "GSTA_BUYER_SIGN"])
def test_signed_by_the_buyer_side_is_delivered(code: str) -> None:
    timeline = from_aliexpress("LP1", ae_route("GTMS_DELIVERING", code, signed_name="Ana Santos"))
    assert timeline.delivered and timeline.signed_by == "Ana Santos"
    assert not timeline.signed_at_station


def test_station_signature_is_not_a_delivery() -> None:
    timeline = from_aliexpress("LP1", ae_route("GTMS_DELIVERING", "GTMS_STA_SIGNED",
                                               signed_name="Locker 17"))
    assert not timeline.delivered
    assert timeline.signed_at_station and timeline.signed_by == "Locker 17"
    assert timeline.main_status is M.AVAILABLE_FOR_PICKUP
    assert stall_state(timeline, DEFAULTS, NOW) is not StallState.TERMINAL


def test_waiting_for_pickup_is_not_a_station_signature() -> None:
    timeline = from_aliexpress("LP1", ae_route("GTMS_WAIT_SELF_PICK"))
    assert not timeline.signed_at_station and timeline.signed_by == ""


# -- customs ---------------------------------------------------------------------------------


def test_duty_assessed_is_a_hold_the_buyer_must_act_on() -> None:
    timeline = from_aliexpress("LP1", ae_route("LH_ARRIVE", "CC_IM_START", "CUS_TAX",
                                               event_desc="Import duty assessed"))
    assert timeline.customs_hold and timeline.buyer_must_act
    assert stall_state(timeline, DEFAULTS, NOW) is StallState.CUSTOMS_HOLD


def test_refused_import_is_a_hold_without_buyer_action() -> None:
    timeline = from_aliexpress("LP1", ae_route(
        "LH_ARRIVE", "CC_IM_FAILURE", event_desc="Import customs refused entry: restricted goods"))
    assert timeline.customs_hold and not timeline.buyer_must_act


@pytest.mark.parametrize("desc", ["Import clearance exception: recipient CPF required",
                                  "Customs clearance on hold: awaiting documents from recipient",
                                  "Awaiting personal customs clearance code (PCCC) from recipient"])
def test_customs_asking_for_a_tax_id_needs_the_buyer(desc: str) -> None:
    timeline = from_aliexpress("LP1", ae_route("LH_ARRIVE", "CC_IM_FAILURE", event_desc=desc))
    assert timeline.customs_hold and timeline.buyer_must_act


def test_text_only_events_are_read_for_customs_requests() -> None:
    timeline = from_aliexpress("LP1", ae_route("LH_ARRIVE", "", event_desc="Awaiting CPF"))
    assert timeline.sub_status == "InTransit_CustomsRequiringInformation"
    assert timeline.customs_hold and timeline.buyer_must_act


def test_a_released_hold_is_no_longer_a_hold() -> None:
    timeline = from_aliexpress("LP1", ae_route("LH_ARRIVE", "CUS_TAX", "CC_IM_SUCCESS"))
    assert not timeline.customs_hold and not timeline.buyer_must_act


# -- returns and losses ----------------------------------------------------------------------


@pytest.mark.parametrize(("codes", "kind"), [
    (("PU_PICKUP_SUCCESS", "CC_EX_START", "CC_EX_FAILURE", "RT_INBOUND", "RETURNED"),
     ReturnKind.BEFORE_EXPORT),
    (("PU_PICKUP_SUCCESS", "CC_EX_SUCCESS", "RT_INBOUND"), ReturnKind.IN_DESTINATION),
    (("LH_DEPART", "LH_ARRIVE", "CC_IM_FAILURE", "RT_INBOUND", "RT_OUTBOUND", "RETURNED"),
     ReturnKind.IN_DESTINATION),
    (("LH_ARRIVE", "CC_IM_SUCCESS", "GTMS_DELIVERING", "RT_INBOUND"),
     ReturnKind.IN_DESTINATION),
    (("LH_ARRIVE", "GTMS_DEL_FAILURE", "RT_INBOUND", "RETURNED"),
     ReturnKind.AFTER_FAILED_DELIVERY),
    (("LH_ARRIVE", "GTMS_WAIT_SELF_PICK", "RT_INBOUND"), ReturnKind.AFTER_FAILED_DELIVERY),
    (("LH_ARRIVE", "GTMS_SIGNED"), None),
])
def test_return_kind_from_what_came_before(codes: tuple[str, ...], kind: ReturnKind | None
                                           ) -> None:
    assert from_aliexpress("LP1", ae_route(*codes)).returned == kind


def test_returned_is_terminal_returning_is_not() -> None:
    returned = from_aliexpress("LP1", ae_route("LH_ARRIVE", "RT_INBOUND", "RETURNED"))
    returning = from_aliexpress("LP1", ae_route("LH_ARRIVE", "RT_INBOUND",
                                                start=NOW - timedelta(days=2)))
    assert stall_state(returned, DEFAULTS, NOW) is StallState.TERMINAL
    assert stall_state(returning, DEFAULTS, NOW) is StallState.MOVING


def test_carrier_reported_loss_is_read_from_the_text() -> None:
    timeline = from_aliexpress("LP1", ae_route("LH_DEPART", "", event_desc="Shipment lost"))
    assert timeline.lost and timeline.sub_status == "Exception_Lost"
    assert stall_state(timeline, DEFAULTS, NOW) is StallState.TERMINAL


def test_destroyed_by_customs_is_lost_and_terminal() -> None:
    timeline = from_aliexpress("LP1", ae_route("LH_ARRIVE", "CC_IM_FAILURE", "RT_DESTROY"))
    assert timeline.lost and timeline.sub_status == "Exception_Destroyed"
    assert not timeline.customs_hold


# -- 17TRACK ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("sub", "main"), sorted(EXPECTED_SUBS.items()))
def test_every_17track_sub_status_maps_to_its_main_status(sub: str, main: MainStatus) -> None:
    assert SUB_STATUSES[sub] is main
    info = track_info(ev17("2026-10-01T10:00:00+08:00", sub), status=main.value, sub=sub)
    timeline = from_17track(info, "RR1CN")
    assert (timeline.main_status, timeline.sub_status) == (main, sub)
    assert timeline.delivered is (main is M.DELIVERED)
    assert timeline.lost is (sub in ("Exception_Lost", "Exception_Destroyed"))


def test_sub_status_table_is_the_30_official_values() -> None:
    assert SUB_STATUSES == EXPECTED_SUBS and len(SUB_STATUSES) == 30


@pytest.mark.parametrize(("sub", "status", "main"), [
    ("Exception_Held", "Exception", M.EXCEPTION),  # seen in one third-party map only
    ("Weird_Thing", "", M.IN_TRANSIT),
    ("Delivered_Neighbour", "", M.DELIVERED),
])
def test_unknown_17track_sub_statuses_pass_through(sub: str, status: str, main: MainStatus
                                                    ) -> None:
    timeline = from_17track(track_info(status=status, sub=sub))
    assert (timeline.main_status, timeline.sub_status) == (main, sub)


def test_17track_events_merge_providers_sort_and_convert_to_utc() -> None:
    newest_first = (
        ev17("2026-10-05T09:00:00-03:00", "Delivered_Other", "Delivered",
             "Entregue, signed by: Joao Silva", location="Sao Paulo, BR"),
        ev17("2026-10-04T08:00:00-03:00", "OutForDelivery_Other", location="Sao Paulo, BR"),
        ev17("2026-10-02T10:00:00+08:00", "InTransit_Departure", "Departure",
             location="Shenzhen, CN"),
        ev17("2026-10-01T10:00:00+08:00", "InTransit_PickedUp", "PickedUp"),
    )
    timeline = from_17track({"number": "RR1CN", "track_info": track_info(
        *newest_first, status="Delivered", sub="Delivered_Other", providers=2)})
    assert timeline.logistics_no == "RR1CN" and timeline.source == "17track"
    assert [e.at for e in timeline.events] == [
        datetime(2026, 10, 1, 2, tzinfo=UTC), datetime(2026, 10, 2, 2, tzinfo=UTC),
        datetime(2026, 10, 4, 11, tzinfo=UTC), datetime(2026, 10, 5, 12, tzinfo=UTC)]
    assert timeline.delivered and timeline.signed_by == "Joao Silva"
    assert timeline.last_location == "Sao Paulo, BR"
    assert (timeline.carrier, timeline.destination_country) == ("P0", "BR")


def test_time_utc_wins_and_offsetless_times_are_not_guessed() -> None:
    timeline = from_17track(track_info(
        ev17("2026-10-01T10:00:00+08:00", "InTransit_Other", time_utc="2026-10-01T03:00:00Z"),
        ev17("2026-10-03T10:00:00", "InTransit_Other", desc="no offset")))
    assert [e.at for e in timeline.events] == [None, datetime(2026, 10, 1, 3, tzinfo=UTC)]


def test_duplicate_events_across_providers_are_dropped() -> None:
    same = ev17("2026-10-01T10:00:00+08:00", "InTransit_Other", desc="Arrived at hub")
    info = {"tracking": {"providers": [{"events": [same]}, {"events": [dict(same)]}]}}
    assert len(from_17track(info).events) == 1


def test_17track_returns_use_stages() -> None:
    events = (ev17("2026-10-01T10:00:00+08:00", "InTransit_PickedUp", "PickedUp"),
              ev17("2026-10-03T10:00:00+08:00", "Exception_Security"),
              ev17("2026-10-04T10:00:00+08:00", "Exception_Returning", "Returning"))
    assert from_17track(track_info(*events)).returned is ReturnKind.BEFORE_EXPORT
    arrived = (*events[:1], ev17("2026-10-02T10:00:00+02:00", "InTransit_Arrival", "Arrival"),
               *events[1:])
    assert from_17track(track_info(*arrived)).returned is ReturnKind.IN_DESTINATION


def test_17track_customs_requiring_information_needs_the_buyer() -> None:
    timeline = from_17track(track_info(
        ev17("2026-10-01T10:00:00+02:00", "InTransit_CustomsRequiringInformation"),
        sub="InTransit_CustomsRequiringInformation"))
    assert timeline.customs_hold and timeline.buyer_must_act


# -- times -----------------------------------------------------------------------------------


def test_pacific_event_dates_are_utc_across_both_dst_changes() -> None:
    spring = from_aliexpress("LP1", [ae("LH_ARRIVE", "2026-03-08 03:30:00"),
                                     ae("LH_DEPART", "2026-03-08 01:30:00")])
    assert [e.at for e in spring.events] == [datetime(2026, 3, 8, 9, 30, tzinfo=UTC),
                                             datetime(2026, 3, 8, 10, 30, tzinfo=UTC)]
    autumn = from_aliexpress("LP1", [ae("LH_DEPART", "2026-11-01 01:30:00")])
    assert autumn.events[0].at == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)  # first occurrence


def test_an_unreadable_date_keeps_the_event() -> None:
    timeline = from_aliexpress("LP1", [ae("LH_DEPART", "01/10/2026"),
                                       ae("LH_ARRIVE", "2026-10-02 10:00:00")])
    assert [e.stage for e in timeline.events] == ["LH_DEPART", "LH_ARRIVE"]
    assert timeline.events[0].at is None


# -- stalls ----------------------------------------------------------------------------------


def silent_for(days: float, *codes: str, **last: str) -> Timeline:
    start = NOW - timedelta(days=days + len(codes) - 1)
    return from_aliexpress("LP1", ae_route(*codes, start=start, **last))


@pytest.mark.parametrize(("timeline", "state"), [
    (silent_for(9.9, "PU_PICKUP_SUCCESS", "LH_DEPART"), StallState.MOVING),
    (silent_for(10, "PU_PICKUP_SUCCESS", "LH_DEPART"), StallState.STALLED),
    (silent_for(29.9, "LH_DEPART"), StallState.STALLED),
    (silent_for(30, "LH_DEPART"), StallState.PRESUMED_LOST),
    (silent_for(400, "LH_ARRIVE", "GTMS_SIGNED"), StallState.TERMINAL),
    (silent_for(1, "LH_ARRIVE", "CUS_TAX"), StallState.CUSTOMS_HOLD),
    (silent_for(60, "LH_ARRIVE", "CUS_TAX"), StallState.CUSTOMS_HOLD),
    (silent_for(4.9, "CONSIGN"), StallState.MOVING),
    (silent_for(5, "CONSIGN"), StallState.NO_PICKUP),
    (silent_for(45, "CONSIGN"), StallState.NO_PICKUP),  # never scanned, not "lost in transit"
    (silent_for(12, "LH_ARRIVE", "CC_IM_START"), StallState.STALLED),
    (silent_for(2, "LH_DEPART", "", event_desc="Delayed"), StallState.MOVING),
    (silent_for(12, "LH_ARRIVE", "GTMS_WAIT_SELF_PICK"), StallState.STALLED),
], ids=["9.9d", "10d", "29.9d", "30d", "delivered", "customs-new", "customs-old", "consign-4.9d",
        "consign-5d", "consign-45d", "in-clearance-12d", "fresh", "unclaimed-12d"])
def test_stall_state_defaults(timeline: Timeline, state: StallState) -> None:
    assert stall_state(timeline, DEFAULTS, NOW) is state


def test_no_events_dates_from_the_ship_date() -> None:
    empty = from_aliexpress("LP1", [])
    assert stall_state(empty, DEFAULTS, NOW) is StallState.NO_PICKUP
    assert stall_state(empty, DEFAULTS, NOW, shipped_at=NOW - timedelta(days=2)) \
        is StallState.MOVING
    assert stall_state(empty, DEFAULTS, NOW, shipped_at=NOW - timedelta(days=6)) \
        is StallState.NO_PICKUP


def test_17track_expired_and_delayed() -> None:
    recent = ev17((NOW - timedelta(days=1)).isoformat(), "InTransit_Other")
    expired = from_17track(track_info(recent, status="Expired", sub="Expired_Other"))
    delayed = from_17track(track_info(recent, status="Exception", sub="Exception_Delayed"))
    assert stall_state(expired, DEFAULTS, NOW) is StallState.PRESUMED_LOST
    assert stall_state(delayed, DEFAULTS, NOW) is StallState.STALLED


def test_lane_thresholds_change_the_verdict() -> None:
    in_clearance = silent_for(15, "LH_ARRIVE", "CC_IM_START")
    moving = silent_for(15, "LH_DEPART")
    slow_customs = LaneThresholds(customs_hold_days=20)
    assert stall_state(in_clearance, slow_customs, NOW) is StallState.MOVING
    assert stall_state(moving, slow_customs, NOW) is StallState.STALLED
    assert stall_state(moving, LaneThresholds(stalled_days=16), NOW) is StallState.MOVING


# -- lanes -----------------------------------------------------------------------------------

RULES = {
    "*:*": {"stalled_days": 12},
    "*:BR": {"stalled_days": 14, "customs_hold_days": 20},
    "Cainiao:*": {"stalled_days": 8, "no_pickup_days": 4},
    "Cainiao:BR": {"presumed_lost_days": 45},
    "Yanwen:GB": {"stalled_days": 18},
}


@pytest.mark.parametrize(("carrier", "country", "expected"), [
    ("Cainiao", "BR", LaneThresholds(no_pickup_days=4, stalled_days=8, customs_hold_days=20,
                                     presumed_lost_days=45)),
    ("cainiao", "br", LaneThresholds(no_pickup_days=4, stalled_days=8, customs_hold_days=20,
                                     presumed_lost_days=45)),
    ("Cainiao", "FR", LaneThresholds(no_pickup_days=4, stalled_days=8)),
    ("China Post", "BR", LaneThresholds(stalled_days=14, customs_hold_days=20)),
    ("China Post", "FR", LaneThresholds(stalled_days=12)),
    ("Yanwen", "UK", LaneThresholds(stalled_days=18)),  # AliExpress writes UK for GB
])
def test_most_specific_lane_wins(carrier: str, country: str, expected: LaneThresholds) -> None:
    assert thresholds_for(carrier, country, RULES) == expected


def test_no_overrides_gives_the_reference_defaults() -> None:
    t = thresholds_for("Cainiao", "BR", {})
    assert (t.no_pickup_days, t.stalled_days, t.customs_hold_days, t.presumed_lost_days,
            t.claim_after_days, t.claim_window_days) == (5, 10, 10, 30, 30, 120)


@pytest.mark.parametrize(("rules", "words"), [
    ({"Cainiao:BR": {"stall_days": 3}}, "unknown field"),
    ({"CainiaoBR": {"stalled_days": 3}}, "'Cainiao:BR'"),
    ({"Cainiao:BR": {"stalled_days": -1}}, "positive"),
    ({"Cainiao:BR": {"stalled_days": "ten"}}, "positive"),
    ({"Cainiao:BR": {"stalled_days": 40}}, "presumed_lost_days"),
    ({"Cainiao:BR": {"claim_after_days": 200}}, "claim window"),
    ({"Yanwen:FR": {"stall_days": 3}}, "unknown field"),  # checked even off this lane
])
def test_bad_overrides_say_how_to_fix(rules: dict[str, dict[str, Any]], words: str) -> None:
    with pytest.raises(ParametersError, match=words):
        thresholds_for("Cainiao", "BR", rules)


# -- the demo dataset: each logistics class shows its defining fact ---------------------------


@pytest.fixture(scope="module")
def demo() -> dict[str, StoreDataset]:
    return generate(7, NOW)


def demo_timelines(demo: dict[str, StoreDataset]) -> dict[str, list[Timeline]]:
    by_class: dict[str, list[Timeline]] = {}
    for dataset in demo.values():
        for record in dataset.issues:
            order = dataset.orders[record.detail["parent_order_id"]]
            number = order["logistic_info_list"][0]["logistics_no"]
            by_class.setdefault(record.truth, []).append(
                from_aliexpress(number, dataset.tracking[number]))
    return by_class


def test_demo_parcels_show_their_class(demo: dict[str, StoreDataset]) -> None:
    by_class = demo_timelines(demo)
    state = {cls: [stall_state(t, DEFAULTS, NOW) for t in ts] for cls, ts in by_class.items()}
    assert all(s in (StallState.STALLED, StallState.PRESUMED_LOST)
               for s in state["stalled_in_transit"])
    assert all(t.delivered and t.signed_by for t in by_class["delivered_disputed"])
    for cls in ("customs_buyer_no_docs", "customs_buyer_unreachable"):
        assert all(t.customs_hold for t in by_class[cls]), cls
        assert all(s is StallState.CUSTOMS_HOLD for s in state[cls]), cls
    assert all(t.buyer_must_act for t in by_class["customs_buyer_no_docs"])
    kinds = {"returned_before_export": ReturnKind.BEFORE_EXPORT,
             "returned_in_country": ReturnKind.IN_DESTINATION,
             "returned_undelivered": ReturnKind.AFTER_FAILED_DELIVERY}
    for cls, kind in kinds.items():
        assert all(t.returned is kind for t in by_class[cls]), cls
    assert all(t.lost or s is StallState.PRESUMED_LOST
               for t, s in zip(by_class["lost"], state["lost"], strict=True))
    assert all(not t.events or t.main_status in (M.NOT_FOUND, M.INFO_RECEIVED)
               for t in by_class["no_tracking"])
    assert all(s is StallState.NO_PICKUP for s in state["no_tracking"])
    # and nothing else looks like a logistics failure: product cases were delivered
    for cls in ("genuine_defect", "buyer_misuse", "deliberate_abuse", "extortion"):
        assert all(t.delivered and t.returned is None and not t.customs_hold
                   for t in by_class[cls]), cls


def test_days_since_last_event() -> None:
    timeline = Timeline("LP1", "aliexpress", events=(
        TrackEvent(at=NOW - timedelta(days=3, hours=12), description="x"),))
    assert timeline.days_since_last_event(NOW) == pytest.approx(3.5)


# -- Events stamped with the same time (issue 15, item 5) ------------------------------------

SAME = "2026-11-20 14:05:00"  # Pacific, as the platform writes it


@pytest.mark.parametrize("signed_first", [True, False])
@pytest.mark.parametrize(("out", "signed"), [("GTMS_DELIVERING", "GTMS_SIGNED"),
                                             ("GTMS_DO_DEPART", "SIGN_SUCCESS"),
                                             ("GTMS_RE_DELIVERING", "GSTA_BUYER_SIGN")])
def test_aliexpress_delivery_stamped_with_out_for_delivery_wins(out: str, signed: str,
                                                                signed_first: bool) -> None:
    route = ae_route("PU_PICKUP_SUCCESS", "LH_DEPART", "LH_ARRIVE")
    tie = [ae(out, SAME, "Out for delivery"), ae(signed, SAME, "Delivered", signed="A. Silva")]
    if signed_first:
        tie.reverse()
    for details in (route + tie, list(reversed(route + tie))):  # oldest or newest first
        timeline = from_aliexpress("LP1", details)
        assert timeline.delivered and timeline.main_status is M.DELIVERED
        assert timeline.last_event is not None and timeline.last_event.stage == signed
        assert timeline.signed_by == "A. Silva"
        assert stall_state(timeline, DEFAULTS, NOW) is StallState.TERMINAL


@pytest.mark.parametrize("signed_first", [True, False])
def test_aliexpress_ties_order_every_stage_by_how_far_it_is(signed_first: bool) -> None:
    tie = [ae("GTMS_WAIT_SELF_PICK", SAME, "Awaiting collection"),
           ae("GTMS_DELIVERING", SAME, "Out for delivery"),
           ae("LH_ARRIVE", SAME, "Arrived")]
    timeline = from_aliexpress("LP1", tie if signed_first else tie[::-1])
    assert [e.stage for e in timeline.events] == ["LH_ARRIVE", "GTMS_DELIVERING",
                                                  "GTMS_WAIT_SELF_PICK"]
    assert timeline.main_status is M.AVAILABLE_FOR_PICKUP


def test_untied_events_keep_their_time_order() -> None:
    # A later "out for delivery" (re-delivery after a failed attempt) is still current.
    details = [ae("GTMS_DEL_FAILURE", "2026-11-20 10:00:00"),
               ae("GTMS_RE_DELIVERING", "2026-11-21 09:00:00")]
    timeline = from_aliexpress("LP1", details[::-1])
    assert timeline.main_status is M.OUT_FOR_DELIVERY and not timeline.delivered


TIE_UTC = "2026-11-20T22:05:00Z"


@pytest.mark.parametrize("signed_first", [True, False])
@pytest.mark.parametrize("stated", ["", "OutForDelivery_Other", "Delivered_Other"])
def test_17track_delivery_stamped_with_out_for_delivery_wins(signed_first: bool,
                                                             stated: str) -> None:
    events = [ev17("2026-11-20T23:05:00+01:00", "OutForDelivery_Other", "OutForDelivery",
                   "Out for delivery", time_utc=TIE_UTC),
              ev17("2026-11-20T23:05:00+01:00", "Delivered_Other", "Delivered", "Delivered",
                   time_utc=TIE_UTC),
              ev17("2026-11-19T08:00:00+01:00", "InTransit_Arrival", "Arrival", "Arrived")]
    if signed_first:
        events[0], events[1] = events[1], events[0]
    timeline = from_17track(track_info(*events, sub=stated), "LB1")
    assert timeline.delivered and timeline.main_status is M.DELIVERED
    assert timeline.sub_status == "Delivered_Other"
    assert [e.sub_status for e in timeline.events][-1] == "Delivered_Other"
    assert stall_state(timeline, DEFAULTS, NOW) is StallState.TERMINAL


@pytest.mark.parametrize("signed_first", [True, False])
def test_17track_ties_read_the_stage_when_the_sub_status_is_missing(signed_first: bool) -> None:
    events = [ev17(TIE_UTC, "", "OutForDelivery", "Out for delivery"),
              ev17(TIE_UTC, "", "Delivered", "Delivered")]
    timeline = from_17track(track_info(*(events if signed_first else events[::-1])), "LB1")
    assert [e.stage for e in timeline.events] == ["OutForDelivery", "Delivered"]


def test_17track_stated_status_stands_without_a_tie() -> None:
    events = [ev17("2026-11-20T10:00:00Z", "Delivered_Other", "Delivered", "Delivered"),
              ev17("2026-11-21T10:00:00Z", "Exception_Returning", "Returning", "Returning")]
    timeline = from_17track(track_info(*events, sub="Exception_Returning"), "LB1")
    assert timeline.sub_status == "Exception_Returning" and not timeline.delivered


# -- The addressee could not be contacted (issue 15, item 5) ---------------------------------

UNREACHABLE = {
    "en": "Customs clearance suspended: the addressee could not be contacted by phone or email",
    "es": "Despacho de aduana suspendido: no fue posible contactar al destinatario por teléfono ni "
          "correo electrónico",
    "fr": "Dédouanement suspendu : impossible de contacter le destinataire par téléphone ou "
          "par e-mail",
    "pl": "Odprawa celna wstrzymana: nie udało się skontaktować z adresatem telefonicznie ani "
          "mailowo",
    "pt_BR": "Desembaraço suspenso: não foi possível contatar o destinatário por telefone ou "
             "e-mail",
    "pt_PT": "Desalfandegamento suspenso: não foi possível contactar o destinatário por "
             "telefone ou correio eletrónico",
    "ru": "Таможенное оформление приостановлено: не удалось связаться с получателем по "
          "телефону или электронной почте",
    "de": "Verzollung ausgesetzt: Der Empfänger konnte telefonisch oder per E-Mail nicht "
          "erreicht werden",
    "it": "Sdoganamento sospeso: non è stato possibile contattare il destinatario per "
          "telefono o e-mail",
    "ko": "통관 보류: 전화 또는 이메일로 수취인과 연락이 되지 않습니다",
    "uk": "Митне оформлення призупинено: не вдалося зв'язатися з одержувачем телефоном або "
          "електронною поштою",
    "tr": "Gümrük işlemi durduruldu: alıcıya telefon veya e-posta ile ulaşılamadı",
}
# The same languages, other wordings carriers use.
UNREACHABLE_MORE = [
    "Recipient unreachable, held at customs",
    "Unable to contact the consignee, documents required",
    "Destinatario ilocalizable",
    "Le destinataire n’a pas pu être joint",
    "Brak kontaktu z odbiorcą",
    "Destinatário não localizado",
    "Получатель недоступен",
    "Empfänger nicht erreichbar",
    "Destinatario irreperibile",
    "수취인 연락 불가",
    "Одержувач недоступний",
    "Alıcı ile iletişim kurulamadı",
]


def test_every_supported_language_has_an_unreachable_phrase() -> None:
    assert set(UNREACHABLE) == {"en", "es", "fr", "pl", "pt_BR", "pt_PT", "ru", "de", "it",
                                "ko", "uk", "tr"}


@pytest.mark.parametrize("text", [*UNREACHABLE.values(), *UNREACHABLE_MORE])
def test_unreachable_texts_are_read_in_every_language(text: str) -> None:
    assert says_unreachable(text)
    assert says_unreachable(text.upper())


@pytest.mark.parametrize("text", ["Awaiting documents from recipient", "Delivered",
                                  "Out for delivery", "Customs clearance started",
                                  "Recipient must provide CPF", "Contacted the recipient"])
def test_other_texts_are_not_unreachable(text: str) -> None:
    assert not says_unreachable(text)


@pytest.mark.parametrize("code", ["CC_IM_FAILURE", "CC_IM_EXCEPTION", "CUS_FAILURE", ""])
@pytest.mark.parametrize("language", sorted(UNREACHABLE))
def test_an_unreachable_buyer_at_customs_is_not_missing_documents(code: str,
                                                                  language: str) -> None:
    details = [*ae_route("PU_PICKUP_SUCCESS", "LH_DEPART", "LH_ARRIVE", "CC_IM_START"),
               ae(code, "2026-10-06 09:00:00", UNREACHABLE[language])]
    timeline = from_aliexpress("LP1", details)
    assert timeline.customs_hold and timeline.buyer_unreachable, language
    assert not timeline.buyer_must_act, language
    assert stall_state(timeline, DEFAULTS, NOW) is StallState.CUSTOMS_HOLD


@pytest.mark.parametrize("language", sorted(UNREACHABLE))
def test_17track_unreachable_at_customs_is_not_missing_documents(language: str) -> None:
    for sub in ("InTransit_CustomsRequiringInformation", "Exception_Security"):
        events = [ev17("2026-10-05T10:00:00Z", "InTransit_CustomsProcessing", desc="Customs"),
                  ev17("2026-10-06T10:00:00Z", sub, desc=UNREACHABLE[language])]
        timeline = from_17track(track_info(*events, sub=sub), "LB1")
        assert timeline.customs_hold and timeline.buyer_unreachable, (language, sub)
        assert not timeline.buyer_must_act, (language, sub)


def test_customs_asking_for_documents_is_still_the_buyer_acting() -> None:
    details = ae_route("LH_ARRIVE", "CC_IM_START", "CC_IM_FAILURE",
                       event_desc="Awaiting documents from recipient")
    timeline = from_aliexpress("LP1", details)
    assert timeline.buyer_must_act and not timeline.buyer_unreachable


def _ae(when: str, code: str, text: str, where: str = "") -> dict[str, str]:
    return {"event_date": when, "event_desc": text, "address": where, "signed_name": "",
            "action_code": code}


def test_awaiting_collection_is_the_wait_not_the_way_back() -> None:
    moving = [_ae("2026-11-10 09:00:00", "PU_PICKUP_SUCCESS", "Picked up", "Shenzhen, CN"),
              _ae("2026-11-20 10:00:00", "LH_ARRIVE", "Arrived", "Madrid, ES")]
    failed = _ae("2026-11-24 10:00:00", "GTMS_DEL_FAILURE", "Delivery attempt failed",
                 "Madrid, ES")
    waiting = _ae("2026-11-24 15:00:00", "GTMS_WAIT_SELF_PICK", "Awaiting collection",
                  "Correos Oficina 28014, Madrid")
    assert from_aliexpress("LP1", moving).awaiting_collection is None
    at_post = from_aliexpress("LP1", [*moving, failed, waiting])
    since = at_post.awaiting_collection
    assert since is not None and since.description == "Delivery attempt failed"  # the first
    assert collect_by(since) == date(2026, 12, 8)  # 24 Nov 18:00 UTC + 14 days
    assert collect_by(since, 30) == date(2026, 12, 24)
    with pytest.raises(ValueError, match="at least 1 day"):
        collect_by(since, 0)
    back = _ae("2026-12-09 10:00:00", "RT_OUTBOUND", "Returned to sender", "Madrid, ES")
    assert from_aliexpress("LP1", [*moving, failed, waiting, back]).awaiting_collection is None
    signed = _ae("2026-11-26 10:00:00", "GTMS_SIGNED", "Delivered", "Madrid, ES")
    assert from_aliexpress("LP1", [*moving, waiting, signed]).awaiting_collection is None
