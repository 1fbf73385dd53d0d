"""How disputes unfold: the scripts of process steps, for closed cases and for open ones.

A closed case follows one outcome's script from the buyer's opening to its end, all in the
past; an open case is built backwards from ``now`` so that it still stands where its
``OpenPlan`` says (waiting for the seller, for the buyer, or for the platform).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from disputekit.simulator.draws import days
from disputekit.simulator.scenarios import Scenario
from disputekit.simulator.wire_format import whole

__all__ = ["CLOSED_STATUS", "RESPONSE_WINDOW", "OpenPlan", "Step", "closed_steps", "open_steps"]

# Who submits each process action.
_MEMBER: Final[dict[str, str]] = {
    "initiate": "buyer", "cancel": "buyer", "buyer_accept": "buyer",
    "buyer_modify_solution": "buyer", "buyer_initiate_arbitration": "buyer",
    "seller_create_solution": "seller", "seller_accept": "seller", "seller_create_proof": "seller",
    "platform_force_reach": "platform", "perform_solution": "system",
}

# Closed cases: steps after `initiate`, each (action, min days, max days) after the previous.
_ARBITRATION: Final = (("seller_create_solution", 0.05, 3.5),
                       ("buyer_initiate_arbitration", 0.3, 5.0),
                       ("seller_create_proof", 0.1, 2.0), ("platform_force_reach", 1.0, 6.0),
                       ("perform_solution", 0.0, 0.5))
_CLOSED_SCRIPTS: Final[dict[str, tuple[tuple[str, float, float], ...]]] = {
    "cancel": (("seller_create_solution", 0.05, 3.0), ("cancel", 0.3, 9.0)),
    "cancel_early": (("cancel", 0.1, 3.0),),
    "seller_accept": (("seller_accept", 0.05, 4.0), ("perform_solution", 0.0, 0.2)),
    "counter_accepted": (("seller_create_solution", 0.05, 3.5), ("buyer_accept", 0.2, 4.0),
                         ("perform_solution", 0.0, 0.2)),
    # the buyer ships the item back, the seller confirms it; refund follows
    "return": (("seller_accept", 0.1, 3.0), ("perform_solution", 8.0, 20.0)),
    "arbitrated_refund": _ARBITRATION,
    "arbitrated_reject": _ARBITRATION,
    # the platform executes the buyer's plan when the seller's 5 days run out
    "seller_timeout": (("perform_solution", 5.0, 5.0),),
}

# (issue_status, reverse_detail_status) once closed. The enum has no "cancelled" value; a
# cancelled dispute is closed with no refund, which is what refund_reject means.
CLOSED_STATUS: Final[dict[str, tuple[str, str]]] = {
    "cancel": ("canceled_issue", "refund_reject"),
    "seller_accept": ("finish", "refund_success"),
    "counter_accepted": ("finish", "refund_success"),
    "return": ("finish", "return_success"),
    "arbitrated_refund": ("finish", "refund_success"),
    "arbitrated_reject": ("finish", "refund_reject"),
    "seller_timeout": ("finish", "refund_success"),
}

RESPONSE_WINDOW: Final = timedelta(days=5)  # seller's time to answer a buyer's plan


@dataclass(frozen=True)
class OpenPlan:
    """How an open dispute stands at ``now``."""

    state: str  # new | reopened (both wait for the seller) | countered | escalated
    remaining: timedelta  # seller-waiting: time left of the 5-day window
    blank_timer: bool  # serve timeout_trigger_time "" so clients fall back to their own rule


@dataclass
class Step:
    at: datetime
    action: str
    content: str = ""
    attachments: int = 0
    buyer_video: bool = False
    seller_video: bool = False

    @property
    def member(self) -> str:
        return _MEMBER[self.action]


def closed_steps(rng: random.Random, scenario: Scenario, outcome: str,
                 now: datetime, *, early_cancel: bool = True) -> list[Step]:
    """Steps of a closed case, placed so that the last one is in the past. A cancelled case
    is cancelled before the seller answers now and then, unless ``early_cancel`` is False."""
    early = outcome == "cancel" and early_cancel and rng.random() < 0.3
    script = _CLOSED_SCRIPTS["cancel_early" if early else outcome]
    offsets = [0.0]
    for _, low, high in script:
        offsets.append(offsets[-1] + rng.uniform(low, high))
    span = offsets[-1]
    oldest = scenario.max_age
    if span + 0.05 > oldest:  # cannot fit: squeeze the script (never happens with the tables)
        offsets = [o * (oldest - 0.1) / span for o in offsets]
        span = offsets[-1]
    created = now - timedelta(days=rng.uniform(span + 0.05, oldest))
    actions = ["initiate"] + [action for action, _, _ in script]
    return [Step(whole(created + timedelta(days=o)), a)
            for o, a in zip(offsets, actions, strict=True)]


def open_steps(rng: random.Random, plan: OpenPlan, now: datetime) -> list[Step]:
    """Steps of an open case, built backwards from ``now`` so the state is still pending."""
    if plan.state in ("new", "reopened"):
        # The seller's 5-day window runs from the buyer's last change.
        last_buyer = now - (RESPONSE_WINDOW - plan.remaining)
        if plan.state == "new":
            return [Step(whole(last_buyer), "initiate")]
        countered = last_buyer - days(rng, 0.3, 4.5)
        created = countered - days(rng, 0.05, 4.5)
        return [Step(whole(created), "initiate"),
                Step(whole(countered), "seller_create_solution"),
                Step(whole(last_buyer), "buyer_modify_solution")]
    if plan.state == "countered":
        countered = now - days(rng, 0.05, 6.5)
        created = countered - days(rng, 0.05, 4.5)
        return [Step(whole(created), "initiate"),
                Step(whole(countered), "seller_create_solution")]
    escalated = now - days(rng, 0.3, 8.0)
    countered = escalated - days(rng, 0.3, 5.0)
    created = countered - days(rng, 0.05, 4.0)
    steps = [Step(whole(created), "initiate"),
             Step(whole(countered), "seller_create_solution"),
             Step(whole(escalated), "buyer_initiate_arbitration")]
    if rng.random() < 0.5:
        proof = escalated + (now - escalated) * rng.uniform(0.1, 0.9)
        steps.append(Step(whole(proof), "seller_create_proof"))
    return steps
