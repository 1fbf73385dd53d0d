"""The verdict on one dispute: class, deadline, what happens if nobody acts, options, advice.

Pure: it reads the classifier's facts and the platform's timers, never the wire. Reading
wire-shaped records into those is ``disputekit.wire.records``; both the ``triage`` command
and the stored-dispute assessment go through it, so one dispute gets one verdict wherever it
is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from disputekit.domain.classify import DisputeFacts, classify
from disputekit.domain.deadlines import (
    Deadline,
    DeadlineSource,
    EscalationRule,
    if_nobody_acts,
    intervention_watch,
    response_deadline,
)
from disputekit.domain.decisions import CostModel, learned_odds, options, recommend
from disputekit.domain.taxonomy import DisputeClass

__all__ = ["Timers", "verdict"]


@dataclass(frozen=True)
class Timers:
    """The platform's clock of one dispute: its status, when it opened, the timer it runs."""

    issue_status: str
    created_at: datetime
    timeout_trigger_at: datetime | None = None
    reverse_detail_status: str = ""
    timeout_type: str = ""
    last_buyer_change_at: datetime | None = None


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def verdict(
    facts: DisputeFacts,
    timers: Timers,
    now: datetime,
    cost_model: CostModel | None = None,
    *,
    escalation_rule: EscalationRule = EscalationRule.CURRENT,
    dispute_class: DisputeClass | None = None,
) -> dict[str, Any]:
    """The triage of one dispute as a JSON-ready dict (the ``triage`` command's output line).

    ``dispute_class``: an operator's correction of the rules' class. The options, their
    offers and the recommendation are then priced for it, so the advice and the amount
    shown beside a corrected class belong to that class; ``rule_class`` keeps the rules'.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC), e.g. 2026-11-28T00:00:00Z")
    model = cost_model or CostModel()
    result = rules = classify(facts)
    if dispute_class is not None and dispute_class is not rules.code:
        result = replace(rules, code=dispute_class,
                         reasons=(f"class set by an operator (the rules said "
                                  f"{rules.code.value})", *rules.reasons))
    available = options(result, facts, model)
    advice = recommend(result, facts, model, available)
    if timers.issue_status == "processing":
        deadline = response_deadline(
            timeout_trigger_at=timers.timeout_trigger_at,
            created_at=timers.created_at,
            reverse_detail_status=timers.reverse_detail_status,
            last_buyer_change_at=timers.last_buyer_change_at,
            timeout_type=timers.timeout_type,
        )
    else:  # closed or cancelled: nothing is due, whatever timer the payload still carries
        deadline = Deadline(None, DeadlineSource.NONE, timers.timeout_type)
    watch = intervention_watch(created_at=timers.created_at, rule=escalation_rule,
                               reverse_detail_status=timers.reverse_detail_status,
                               issue_status=timers.issue_status, escalated=facts.escalated)
    hours = deadline.hours_left(now)
    refund = facts.refund_asked or facts.refund_max
    out: dict[str, Any] = {
        "issue_id": facts.issue_id,
        "class": str(result.code),
        "family": str(result.family),
        "confidence": result.confidence,
        "reasons": list(result.reasons),
        "flags": [str(f) for f in result.flags],
        "language": result.language,
        "response_deadline": _iso(deadline.due_at),
        "deadline_source": str(deadline.source),
        "hours_left": round(hours, 1) if hours is not None else None,
        "urgency": str(deadline.urgency(now)),
        "intervention_at": _iso(watch.due_at),
        "if_nobody_acts": list(if_nobody_acts(
            deadline, watch, now, refund_text=f"USD {refund:.2f}" if refund else "")),
        "options": [o.as_dict(model.currency) for o in available],
        "recommended_action": str(advice.action),
        "then": [str(a) for a in advice.then],
        "recommendation": list(advice.steps),
        "buyer_abuse": {"score": facts.abuse.score, "level": str(facts.abuse.level)},
    }
    if dispute_class is not None:
        out["rule_class"] = str(rules.code)  # what the rules said, beside the operator's
    history = learned_odds(advice.action, result.code, model)
    if history:  # the advice's odds came from the store's closed disputes: say which
        out["odds_from_history"] = list(history)
    return out
