"""The platform-intervention watch and what happens at each deadline if nobody acts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from disputekit.domain.deadlines import (
    EscalationRule,
    if_nobody_acts,
    intervention_watch,
    response_deadline,
)

OPENED = datetime(2026, 11, 20, 8, tzinfo=UTC)


def test_current_rule_is_seven_days_and_legacy_sixteen() -> None:
    assert intervention_watch(created_at=OPENED).due_at == OPENED + timedelta(days=7)
    legacy = intervention_watch(created_at=OPENED, rule=EscalationRule.LEGACY)
    assert legacy.due_at == OPENED + timedelta(days=16) and legacy.days == 16
    assert intervention_watch(created_at=OPENED, days=10).due_at == OPENED + timedelta(days=10)


def test_no_watch_once_the_platform_holds_it_or_it_is_closed() -> None:
    held = intervention_watch(created_at=OPENED, reverse_detail_status="wait_for_AE_feedback")
    assert held.due_at is None and held.already
    assert intervention_watch(created_at=OPENED, escalated=True).already
    closed = intervention_watch(created_at=OPENED, issue_status="finish")
    assert closed.due_at is None and not closed.already


def test_hours_left_on_the_watch() -> None:
    watch = intervention_watch(created_at=OPENED)
    assert watch.hours_left(OPENED + timedelta(days=6)) == pytest.approx(24)


def test_bad_watch_arguments() -> None:
    with pytest.raises(ValueError, match="positive"):
        intervention_watch(created_at=OPENED, days=0)
    with pytest.raises(ValueError, match="timezone-aware"):
        intervention_watch(created_at=datetime(2026, 11, 20))


def test_what_happens_if_nobody_acts_soonest_first() -> None:
    deadline = response_deadline(timeout_trigger_at=OPENED + timedelta(days=5),
                                 created_at=OPENED, timeout_type="WAIT_SOLUTION_TIMEOUT")
    lines = if_nobody_acts(deadline, intervention_watch(created_at=OPENED),
                           OPENED + timedelta(days=5, hours=2), refund_text="USD 21.92")
    assert lines[0].startswith("overdue by 2 h (2026-11-25 08:00 UTC): the buyer's plan is "
                               "executed automatically")
    assert "(USD 21.92)" in lines[0]
    assert lines[1].startswith("in 46 h (2026-11-27 08:00 UTC): the platform intervenes")


def test_return_timers_and_a_platform_held_dispute() -> None:
    deadline = response_deadline(timeout_trigger_at=OPENED + timedelta(days=3),
                                 created_at=OPENED,
                                 timeout_type="WAIT_SELLER_FILL_ADDRESS_TIMEOUT")
    held = intervention_watch(created_at=OPENED, escalated=True)
    lines = if_nobody_acts(deadline, held, OPENED)
    assert "no return address was set" in lines[0]
    assert lines[-1].startswith("the platform already holds this dispute")


def test_a_held_dispute_tells_one_story() -> None:
    """Once the platform holds a dispute, no line says the buyer's plan runs out: its own
    timer is the platform deciding, and the seller's 5-day estimate no longer applies."""
    held = intervention_watch(created_at=OPENED, escalated=True)
    timer = response_deadline(timeout_trigger_at=OPENED + timedelta(days=9), created_at=OPENED,
                              timeout_type="WAIT_SOLUTION_TIMEOUT")
    lines = if_nobody_acts(timer, held, OPENED + timedelta(days=8), refund_text="USD 21.92")
    assert lines[0] == ("in 24 h (2026-11-29 08:00 UTC): the platform's timer runs out: it "
                        "decides on the evidence it has, without yours")
    assert lines[1].startswith("the platform already holds this dispute")
    assert not any("executed automatically" in line for line in lines)
    estimate = response_deadline(timeout_trigger_at=None, created_at=OPENED,
                                 reverse_detail_status="wait_for_your_response")
    assert if_nobody_acts(estimate, held, OPENED) == lines[1:]
    # Not held: the same timer is the buyer's plan executed, with the money.
    free = if_nobody_acts(timer, intervention_watch(created_at=OPENED), OPENED)
    assert "the buyer's plan is executed automatically" in free[1] and "USD" not in free[1]
