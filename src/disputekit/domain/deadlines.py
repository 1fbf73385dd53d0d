"""When the seller must act on a dispute, and how urgent that is (pure).

The platform's own timer is authoritative: ``timeout_trigger_time`` (US Pacific on the wire,
UTC here). Where it is missing and the seller is the one being waited on, the rule is
5 days from the buyer's last change (opening or modifying the dispute); if nobody acts,
the buyer's plan is executed and the money is gone (``seller_reponse_timeout``).
Deadlines are instants: "5 days" is 120 hours, so a daylight-saving change in between moves
the Pacific wall-clock hour, not the instant.

The second clock is the platform's own: if buyer and seller have not agreed, the platform
intervenes 7 days after the opening (current rules; the legacy 16-day rule is selectable),
and an arbitrated dispute counts in the dispute rate whatever the verdict.
``intervention_watch`` dates it and ``if_nobody_acts`` says, per coming deadline, what
happens if nobody acts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

RESPONSE_WINDOW = timedelta(days=5)

# Buyer actions that restart the seller's 5-day clock (opening or changing the dispute,
# reference §7.1: "submits or modifies"); a refusal of the seller's plan is not one of them.
BUYER_CHANGES = frozenset({
    "initiate", "buyer_create_solution", "buyer_modify_solution", "buyer_modify_issue_reason",
})

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
    """overdue / under 24 h / under 48 h / later (also when nothing is due).

    >>> now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    >>> urgency(datetime(2026, 11, 29, 6, tzinfo=UTC), now), urgency(None, now)
    (<Urgency.DUE_24H: 'due in 24 h'>, <Urgency.LATER: 'later'>)
    """
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


# ---------------------------------------------------------------------------------------------
# Platform intervention: when the platform steps in if buyer and seller have not agreed
# ---------------------------------------------------------------------------------------------


class EscalationRule(StrEnum):
    """Which published rule dates the platform's intervention (reference §7.1).

    ``current``: the platform's dispute officer intervenes within 7 days (inclusive) of the
    opening when the two sides have not agreed (republished seller-centre rules, 3P).
    ``legacy``: the ≈2013-2016 rule the practitioners' "16 days" comes from: 15 days to
    negotiate, the dispute becomes a claim on day 16.
    """

    CURRENT = "current"
    LEGACY = "legacy"

    @property
    def days(self) -> int:
        return 7 if self is EscalationRule.CURRENT else 16


# Statuses in which the platform already holds the dispute (reference §5).
PLATFORM_STATUSES = frozenset({
    "wait_for_AE_feedback",
    "wait_for_final_solution",
    "wait_ae_final_feedback",
    "wait_for_your_evidence",
})
CLOSED_ISSUE_STATUSES = frozenset({"finish", "canceled_issue"})


@dataclass(frozen=True)
class InterventionWatch:
    """When the platform steps in, if nobody agrees first."""

    due_at: datetime | None  # aware UTC; None once the platform holds it or it is closed
    rule: EscalationRule
    days: int
    already: bool = False  # the platform is already involved

    def hours_left(self, now: datetime) -> float | None:
        return hours_left(self.due_at, now) if self.due_at else None


def intervention_watch(
    *,
    created_at: datetime,
    rule: EscalationRule = EscalationRule.CURRENT,
    days: int | None = None,
    reverse_detail_status: str = "",
    issue_status: str = "processing",
    escalated: bool = False,
) -> InterventionWatch:
    """When the platform will intervene in a dispute nobody has settled.

    ``days`` overrides the rule's own count (a store that has seen the platform move on
    day 10 can say so). The count is in whole days of 24 hours from the opening.

    >>> from datetime import UTC
    >>> w = intervention_watch(created_at=datetime(2026, 11, 20, 8, tzinfo=UTC))
    >>> w.due_at.isoformat(), w.days
    ('2026-11-27T08:00:00+00:00', 7)
    >>> intervention_watch(created_at=datetime(2026, 11, 20, 8, tzinfo=UTC),
    ...                    rule=EscalationRule.LEGACY).due_at.isoformat()
    '2026-12-06T08:00:00+00:00'
    """
    _require_aware(created_at, "created_at")
    count = rule.days if days is None else days
    if count <= 0:
        raise ValueError(f"intervention days must be a positive number of days, got {count}")
    if issue_status in CLOSED_ISSUE_STATUSES:
        return InterventionWatch(None, rule, count)
    if escalated or reverse_detail_status in PLATFORM_STATUSES:
        return InterventionWatch(None, rule, count, already=True)
    return InterventionWatch(created_at + timedelta(days=count), rule, count)


# What the platform does when the seller lets a timer run out (reference §4.2, §5, §7.1).
# The first is published; the two return-leg ones are our reading of the timer names [I].
_TIMEOUT_OUTCOMES = {
    "WAIT_SOLUTION_TIMEOUT":
        "the buyer's plan is executed automatically (seller_reponse_timeout): the buyer gets "
        "the refund they asked for",
    "WAIT_SELLER_FILL_ADDRESS_TIMEOUT":
        "no return address was set, so the return cannot happen and the buyer is refunded "
        "[inferred from the timer's name]",
    "WAIT_RECEIVE_ITEM_TIMEOUT":
        "the returned item counts as received and the buyer is refunded [inferred from the "
        "timer's name]",
}
_DEFAULT_OUTCOME = _TIMEOUT_OUTCOMES["WAIT_SOLUTION_TIMEOUT"]
_RETURN_TIMERS = frozenset({"WAIT_SELLER_FILL_ADDRESS_TIMEOUT", "WAIT_RECEIVE_ITEM_TIMEOUT"})


def if_nobody_acts(
    deadline: Deadline,
    watch: InterventionWatch,
    now: datetime,
    *,
    refund_text: str = "",
) -> tuple[str, ...]:
    """What happens at each coming deadline if nobody acts, soonest first, in plain words.

    ``refund_text`` names the money at stake ("USD 21.92") so the sentence says it.

    >>> from datetime import UTC
    >>> opened = datetime(2026, 11, 20, 8, tzinfo=UTC)
    >>> lines = if_nobody_acts(response_deadline(timeout_trigger_at=None, created_at=opened),
    ...                        intervention_watch(created_at=opened),
    ...                        datetime(2026, 11, 24, 8, tzinfo=UTC))
    >>> print("\\n".join(lines))
    in 24 h (2026-11-25 08:00 UTC): the buyer's plan is executed automatically (seller_reponse_timeout): the buyer gets the refund they asked for
    in 72 h (2026-11-27 08:00 UTC): the platform intervenes (7 days after opening): an arbitrated dispute counts in the store's dispute rate whatever the verdict
    """  # noqa: E501
    steps: list[tuple[datetime, str]] = []
    # One story per state: once the platform holds the dispute, its officer decides, so its
    # timer is the platform's deadline for evidence, not the buyer's plan running out (the
    # return-leg timers still mean what they say).
    held = watch.already and deadline.timeout_type not in _RETURN_TIMERS
    # Held, only the platform's own timer counts: the 5-day estimate is the buyer's plan's.
    if deadline.due_at is not None and not (held and deadline.source is not
                                            DeadlineSource.PLATFORM_TIMER):
        if held:
            outcome = ("the platform's timer runs out: it decides on the evidence it has, "
                       "without yours")
        else:
            outcome = _TIMEOUT_OUTCOMES.get(deadline.timeout_type, _DEFAULT_OUTCOME)
            if refund_text:
                outcome = f"{outcome} ({refund_text})"
        steps.append((deadline.due_at, outcome))
    if watch.due_at is not None:
        steps.append((watch.due_at,
                      f"the platform intervenes ({watch.days} days after opening): an "
                      "arbitrated dispute counts in the store's dispute rate whatever the "
                      "verdict"))
    lines = [f"{_when(at, now)}: {text}" for at, text in sorted(steps, key=lambda s: s[0])]
    if watch.already:
        lines.append("the platform already holds this dispute: it counts in the dispute rate; "
                     "answer its requests for evidence before its own timer runs out")
    return tuple(lines)


def _when(at: datetime, now: datetime) -> str:
    left = hours_left(at, now)
    stamp = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if left <= 0:
        return f"overdue by {-left:.0f} h ({stamp})"
    return f"in {left:.0f} h ({stamp})"
