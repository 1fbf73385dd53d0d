"""Deadline maths: Pacific wall clock in, UTC instants out, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from disputekit.domain.deadlines import (
    DeadlineSource,
    Urgency,
    hours_left,
    response_deadline,
    urgency,
)
from disputekit.domain.platform_time import parse_pacific, to_pacific_string
from disputekit.errors import MalformedPayloadError


def test_pacific_strings_become_utc_in_winter_and_summer() -> None:
    assert parse_pacific("2026-01-15 09:00:00") == datetime(2026, 1, 15, 17, tzinfo=UTC)  # PST
    assert parse_pacific("2026-07-15 09:00:00") == datetime(2026, 7, 15, 16, tzinfo=UTC)  # PDT
    assert parse_pacific("") is None


def test_pacific_times_on_the_days_clocks_change() -> None:
    # 2026-03-08 02:00 PST -> 03:00 PDT; 2026-11-01 02:00 PDT -> 01:00 PST.
    assert parse_pacific("2026-03-08 01:59:59") == datetime(2026, 3, 8, 9, 59, 59, tzinfo=UTC)
    assert parse_pacific("2026-03-08 03:00:00") == datetime(2026, 3, 8, 10, tzinfo=UTC)
    # 01:30 happens twice in November; the platform string is read as the first (PDT).
    assert parse_pacific("2026-11-01 01:30:00") == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    assert parse_pacific("2026-11-01 03:00:00") == datetime(2026, 11, 1, 11, tzinfo=UTC)


def test_round_trip_to_wire_format() -> None:
    moment = datetime(2026, 11, 28, 20, 15, tzinfo=UTC)
    assert to_pacific_string(moment) == "2026-11-28 12:15:00"
    assert parse_pacific(to_pacific_string(moment)) == moment


def test_bad_platform_time_is_a_clear_error() -> None:
    with pytest.raises(MalformedPayloadError, match="US Pacific"):
        parse_pacific("28/11/2026 10:00")


def test_platform_timer_wins() -> None:
    created = parse_pacific("2026-03-05 10:00:00")
    trigger = parse_pacific("2026-03-10 10:00:00")
    assert created is not None and trigger is not None
    d = response_deadline(timeout_trigger_at=trigger, created_at=created,
                          timeout_type="WAIT_SOLUTION_TIMEOUT")
    assert d.source is DeadlineSource.PLATFORM_TIMER
    # 10:00 PDT on 10 March (after the spring change) is 17:00 UTC, not 18:00.
    assert d.due_at == datetime(2026, 3, 10, 17, tzinfo=UTC)


def test_fallback_is_120_hours_across_spring_forward() -> None:
    created = parse_pacific("2026-03-06 10:00:00")  # PST, 18:00 UTC
    assert created is not None
    d = response_deadline(timeout_trigger_at=None, created_at=created)
    assert d.source is DeadlineSource.CREATED
    assert d.due_at == datetime(2026, 3, 11, 18, tzinfo=UTC)
    assert d.due_at is not None and to_pacific_string(d.due_at) == "2026-03-11 11:00:00"


def test_fallback_is_120_hours_across_fall_back() -> None:
    created = parse_pacific("2026-10-30 10:00:00")  # PDT, 17:00 UTC
    assert created is not None
    d = response_deadline(timeout_trigger_at=None, created_at=created)
    assert d.due_at == datetime(2026, 11, 4, 17, tzinfo=UTC)
    assert d.due_at is not None and to_pacific_string(d.due_at) == "2026-11-04 09:00:00"


def test_fallback_counts_from_the_buyers_last_change() -> None:
    created = datetime(2026, 11, 20, 8, tzinfo=UTC)
    modified = datetime(2026, 11, 23, 8, tzinfo=UTC)
    d = response_deadline(timeout_trigger_at=None, created_at=created,
                          last_buyer_change_at=modified)
    assert d.source is DeadlineSource.BUYER_CHANGE
    assert d.due_at == modified + timedelta(days=5)


def test_no_seller_deadline_while_waiting_for_the_buyer() -> None:
    d = response_deadline(timeout_trigger_at=None, created_at=datetime(2026, 11, 20, tzinfo=UTC),
                          reverse_detail_status="wait_for_buyer_response")
    assert d.due_at is None and d.source is DeadlineSource.NONE
    assert d.urgency(datetime(2026, 12, 30, tzinfo=UTC)) is Urgency.LATER


@pytest.mark.parametrize(("hours", "tier"), [
    (-0.01, Urgency.OVERDUE), (0, Urgency.OVERDUE), (0.5, Urgency.DUE_24H),
    (23.9, Urgency.DUE_24H), (24, Urgency.DUE_48H), (47.9, Urgency.DUE_48H),
    (48, Urgency.LATER), (200, Urgency.LATER),
])
def test_urgency_tiers(hours: float, tier: Urgency) -> None:
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    due = now + timedelta(hours=hours)
    assert urgency(due, now) is tier
    assert hours_left(due, now) == pytest.approx(hours)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        response_deadline(timeout_trigger_at=None, created_at=datetime(2026, 11, 28))
