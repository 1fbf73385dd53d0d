"""When the seller must act on a dispute, and how urgent that is (pure).

The platform's own timer is authoritative: ``timeout_trigger_time`` (US Pacific on the wire,
UTC here). Where it is missing and the seller is the one being waited on, the rule is
5 days from the buyer's last change (opening or modifying the dispute); if nobody acts,
the buyer's plan is executed and the money is gone (``seller_reponse_timeout``).
Deadlines are instants: "5 days" is 120 hours, so a daylight-saving change in between moves
the Pacific wall-clock hour, not the instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

RESPONSE_WINDOW = timedelta(days=5)

# Statuses in which the platform is waiting for the seller (reference §5).
SELLER_TURN_STATUSES = frozenset({
    "wait_for_seller_response",
    "wait_for_your_response",
    "wait_for_your_evidence",
    "wait_for_seller_set_return_address",
    "wait_for_seller_confirmation",
})


class DeadlineSource(StrEnum):
    PLATFORM_TIMER = "platform timer"  # timeout_trigger_time
    BUYER_CHANGE = "buyer's last change + 5 days"
    CREATED = "opened + 5 days"
    NONE = "not the seller's turn"


class Urgency(StrEnum):
    OVERDUE = "overdue"
    DUE_24H = "due in 24 h"
    DUE_48H = "due in 48 h"
    LATER = "later"

    @property
    def rank(self) -> int:
        return list(Urgency).index(self)


@dataclass(frozen=True)
class Deadline:
    due_at: datetime | None  # aware UTC; None when the seller has nothing due
    source: DeadlineSource
    timeout_type: str = ""

    def hours_left(self, now: datetime) -> float | None:
        return hours_left(self.due_at, now) if self.due_at else None

    def urgency(self, now: datetime) -> Urgency:
        return urgency(self.due_at, now)


def response_deadline(
    *,
    timeout_trigger_at: datetime | None,
    created_at: datetime,
    reverse_detail_status: str = "wait_for_seller_response",
    last_buyer_change_at: datetime | None = None,
    timeout_type: str = "",
    window: timedelta = RESPONSE_WINDOW,
) -> Deadline:
    """The seller's next deadline on a dispute.

    >>> from datetime import UTC
    >>> d = response_deadline(timeout_trigger_at=None,
    ...                       created_at=datetime(2026, 3, 6, 18, tzinfo=UTC))
    >>> d.due_at.isoformat(), str(d.source)
    ('2026-03-11T18:00:00+00:00', 'opened + 5 days')
    """
    _require_aware(created_at, "created_at")
    if timeout_trigger_at is not None:
        _require_aware(timeout_trigger_at, "timeout_trigger_at")
        return Deadline(timeout_trigger_at, DeadlineSource.PLATFORM_TIMER, timeout_type)
    if reverse_detail_status and reverse_detail_status not in SELLER_TURN_STATUSES:
        return Deadline(None, DeadlineSource.NONE, timeout_type)
    if last_buyer_change_at is not None and last_buyer_change_at > created_at:
        return Deadline(last_buyer_change_at + window, DeadlineSource.BUYER_CHANGE, timeout_type)
    return Deadline(created_at + window, DeadlineSource.CREATED, timeout_type)


def hours_left(due_at: datetime, now: datetime) -> float:
    """Hours from ``now`` to ``due_at``; negative once overdue."""
    _require_aware(due_at, "due_at")
    _require_aware(now, "now")
    return (due_at - now).total_seconds() / 3600.0


def urgency(due_at: datetime | None, now: datetime) -> Urgency:
    """overdue / under 24 h / under 48 h / later (also when nothing is due)."""
    if due_at is None:
        return Urgency.LATER
    left = hours_left(due_at, now)
    if left <= 0:
        return Urgency.OVERDUE
    if left < 24:
        return Urgency.DUE_24H
    if left < 48:
        return Urgency.DUE_48H
    return Urgency.LATER


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC); got naive {moment!r}")
