"""Two tracking sources, one timeline: the platform's and 17TRACK's merged event by event."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from disputekit.domain.tracking import (
    MainStatus,
    Timeline,
    from_17track,
    from_aliexpress,
    merge_sources,
)

NUMBER = "RB123456785CN"
T0 = datetime(2026, 11, 10, 8, tzinfo=UTC)  # PST all along: UTC-8


def ae(at: datetime, code: str, desc: str, address: str = "", signed: str = ""
       ) -> dict[str, str]:
    # The platform writes US-Pacific wall time; November 2026 is PST (UTC-8).
    pacific = (at - timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    return {"event_date": pacific, "event_desc": desc, "address": address,
            "signed_name": signed, "action_code": code}


def ev17(at: datetime, sub: str, desc: str, location: str = "", stage: str = ""
         ) -> dict[str, Any]:
    return {"time_utc": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "time_iso": None,
            "description": desc, "location": location, "sub_status": sub, "stage": stage}


def track(events: list[dict[str, Any]], sub: str) -> Timeline:
    status = sub.split("_", 1)[0]
    return from_17track({"number": NUMBER, "track_info": {
        "latest_status": {"status": status, "sub_status": sub},
        "tracking": {"providers": [{"provider": {"name": "Destination Post"},
                                    "events": list(reversed(events))}]}}})


PLATFORM = [
    ae(T0, "PU_PICKUP_SUCCESS", "Picked up", "Shenzhen, CN"),
    ae(T0 + timedelta(days=2), "LH_DEPART", "Departed", "Shenzhen, CN"),
    ae(T0 + timedelta(days=5), "LH_ARRIVE", "Arrived", "Madrid, ES"),
]
# 17TRACK: the same three scans (one with more words and a place), then the post's own.
SEVENTEEN = [
    ev17(T0, "InTransit_PickedUp", "Picked up", "Shenzhen, CN", "PickedUp"),
    ev17(T0 + timedelta(days=2), "InTransit_Departure", "Departed", "Shenzhen, CN", "Departure"),
    ev17(T0 + timedelta(days=5, seconds=30), "InTransit_Arrival",
         "Arrived at the office of exchange, Madrid (Correos)", "Madrid, ES", "Arrival"),
    ev17(T0 + timedelta(days=8), "InTransit_Other", "Received by Correos", "Madrid, ES"),
    ev17(T0 + timedelta(days=9), "AvailableForPickup_Other",
         "Awaiting collection at the post office", "Sevilla, ES", "AvailableForPickup"),
]


def test_a_scan_both_sources_report_is_kept_once_from_the_richer() -> None:
    merged = merge_sources(from_aliexpress(NUMBER, PLATFORM),
                           track(SEVENTEEN, "AvailableForPickup_Other"))
    assert [e.description for e in merged.events] == [
        "Picked up", "Departed", "Arrived at the office of exchange, Madrid (Correos)",
        "Received by Correos", "Awaiting collection at the post office"]
    # Ties (same words, same facts) stay the platform's; the arrival 17TRACK says more about,
    # and the two scans only 17TRACK has, are 17TRACK's.
    assert [e.source for e in merged.events] == [
        "aliexpress", "aliexpress", "17track", "17track", "17track"]
    assert merged.source == "aliexpress+17track"
    # The newest scan is 17TRACK's, so is the parcel's state: waiting to be collected.
    assert merged.main_status is MainStatus.AVAILABLE_FOR_PICKUP
    assert merged.last_location == "Sevilla, ES"


def test_a_platform_scan_with_the_signatory_beats_a_longer_text_without() -> None:
    delivered = T0 + timedelta(days=9)
    platform = from_aliexpress(NUMBER, [*PLATFORM, ae(delivered, "GTMS_SIGNED", "Delivered",
                                                      "Sevilla, ES", signed="Lucia Ortega")])
    seventeen = track([ev17(delivered, "Delivered_Other",
                            "Delivered to the addressee at the front door of the building",
                            "Sevilla, ES", "Delivered")], "Delivered_Other")
    merged = merge_sources(platform, seventeen)
    last = merged.events[-1]
    assert (last.source, last.signed_by) == ("aliexpress", "Lucia Ortega")
    assert merged.delivered and merged.signed_by == "Lucia Ortega"
    assert len(merged.events) == len(PLATFORM) + 1  # no duplicate of the delivery


def test_the_merge_does_not_depend_on_the_order_the_feeds_list_things() -> None:
    results = set()
    for platform_order in itertools.permutations(PLATFORM):
        for seventeen_order in (SEVENTEEN, list(reversed(SEVENTEEN))):
            merged = merge_sources(from_aliexpress(NUMBER, list(platform_order)),
                                   track(list(seventeen_order), "AvailableForPickup_Other"))
            results.add((merged.events, merged.main_status, merged.sub_status))
    assert len(results) == 1


def test_same_second_out_for_delivery_and_delivered_from_two_sources_read_delivered() -> None:
    at = T0 + timedelta(days=9)
    platform = from_aliexpress(NUMBER, [*PLATFORM, ae(at, "GTMS_DELIVERING", "Out for delivery",
                                                      "Sevilla, ES")])
    seventeen = track([ev17(at, "Delivered_Other", "Delivered", "Sevilla, ES", "Delivered")],
                      "Delivered_Other")
    merged = merge_sources(platform, seventeen)
    # Two different scans at one second: both kept, the further stage last and current.
    assert [e.description for e in merged.events[-2:]] == ["Out for delivery", "Delivered"]
    assert merged.delivered and merged.main_status is MainStatus.DELIVERED


def test_without_17track_events_the_platform_timeline_stands_with_its_source() -> None:
    platform = from_aliexpress(NUMBER, PLATFORM)
    merged = merge_sources(platform, track([], "NotFound_Other"))
    assert merged.events == tuple(
        e.__class__(**{**e.__dict__, "source": "aliexpress"}) for e in platform.events)
    assert (merged.main_status, merged.sub_status, merged.source) == (
        platform.main_status, platform.sub_status, "aliexpress")


def test_a_platform_that_knows_more_recent_news_keeps_the_verdict() -> None:
    """17TRACK's last word is older than the platform's: the platform's state stands."""
    returned = T0 + timedelta(days=20)
    platform = from_aliexpress(NUMBER, [*PLATFORM, ae(returned, "RETURNED", "Returned to sender",
                                                      "Shenzhen, CN")])
    merged = merge_sources(platform, track(SEVENTEEN[:4], "InTransit_Other"))
    assert merged.sub_status == "Exception_Returned"
    assert merged.events[-1].source == "aliexpress"


def test_triage_reads_both_sources_when_a_record_carries_both() -> None:
    """`disputekit triage` and the stored assessment: a platform record with 17TRACK's
    ``track_info`` beside its ``details`` is judged on the merged timeline."""
    import json

    from disputekit.wire.records import triage_lines
    from tests.conftest import REPO

    now = datetime(2026, 11, 28, tzinfo=UTC)
    stalled = json.loads((REPO / "examples" / "triage-input.jsonl").read_text().splitlines()[0])
    (alone,) = triage_lines([json.dumps(stalled)], now)
    assert alone["class"] == "stalled_in_transit"
    last = max(d["event_date"] for d in stalled["tracking"]["details"])
    after = datetime.fromisoformat(last).replace(tzinfo=UTC) + timedelta(days=3, hours=8)
    stalled["tracking"]["track_info"] = {
        "latest_status": {"status": "Delivered", "sub_status": "Delivered_Other"},
        "tracking": {"providers": [{"provider": {"name": "Destination Post"}, "events": [
            ev17(after, "Delivered_Other", "Delivered, signed by Ana Souza", "Lisboa, PT",
                 "Delivered")]}]}}
    (merged,) = triage_lines([json.dumps(stalled)], now)
    assert merged["class"] == "delivered_disputed"  # the scan only 17TRACK had decides
    stalled["tracking"]["track_info"] = ["not", "an", "object"]
    (refused,) = triage_lines([json.dumps(stalled)], now)
    assert refused["field"] == "tracking.track_info" and "gettrackinfo" in refused["error"]
