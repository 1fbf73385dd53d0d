"""The same disputes again, answered under another policy, by buyers and a platform whose
true odds the test knows.

``closed_outcomes`` reads a generated store's closed disputes as the demo data ended them
(``domain.outcomes.outcome_of`` on each record's detail, the class its truth). ``replay``
answers them again: each dispute the policy answers (``whatif.choice_under``: today's
action when the policy is ``None``, else the policy's for its class) is rolled with the
store's true odds of its class, and settled with the what-if's own accounting
(``whatif.settle``), so an estimate and a replay count money the same way:

* ``escalates_if_refused``: a buyer refused with 0 escalates (else cancels);
* ``accepts_partial``: a buyer takes a partial refund (else escalates);
* ``seller_wins_arbitration``: the platform rules nothing to the buyer (else the refund).

The names are the simulator's store odds' (``odds.Odds`` of the outcomes work, which can be
passed here as they are); a class without odds answers by the cost model's defaults.

Every dispute's rolls come from its own generator, seeded with ``seed`` and its issue id:
re-running a seed under another policy meets the same buyers in the same mood, so the
difference between two replays is the policy's, not the dice's.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from disputekit.domain.decisions import Action, CostModel
from disputekit.domain.outcomes import Outcome, Step, outcome_of
from disputekit.domain.taxonomy import DisputeClass
from disputekit.domain.whatif import (
    Choice,
    Policy,
    choice_under,
    offered,
    settle,
    stake_of,
    stands,
)
from disputekit.simulator.stores import StoreDataset

__all__ = ["ClassOdds", "TrueOdds", "closed_outcomes", "replay", "truth_class"]


class ClassOdds(Protocol):
    """One class's true odds (``TrueOdds``, or the simulator's store ``Odds``)."""

    @property
    def accepts_partial(self) -> float: ...
    @property
    def escalates_if_refused(self) -> float: ...
    @property
    def seller_wins_arbitration(self) -> float: ...


@dataclass(frozen=True)
class TrueOdds:
    accepts_partial: float
    escalates_if_refused: float
    seller_wins_arbitration: float

    def __post_init__(self) -> None:
        for name in ("accepts_partial", "escalates_if_refused", "seller_wins_arbitration"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} is a chance between 0 and 1, got {value!r}")


def truth_class(truth: str) -> DisputeClass:
    """The class a generated dispute counts under: its truth, a buyer's personal reason
    being a misuse-family class with a flag (``classify``)."""
    return DisputeClass.BUYER_MISUSE if truth == "buyer_personal_reason" \
        else DisputeClass(truth)


def closed_outcomes(dataset: StoreDataset) -> list[Outcome]:
    """The store's closed disputes as the demo data ended them, oldest first."""
    out = []
    for record in dataset.issues:
        outcome = outcome_of(dataset.store.store_id, int(record.summary["issue_id"]),
                             record.detail, truth_class(record.truth))
        if outcome is not None:
            out.append(outcome)
    return sorted(out, key=lambda o: (o.opened_at, o.issue_id))


def _defaults(code: DisputeClass, model: CostModel) -> TrueOdds:
    return TrueOdds(model.partial_accepted, model.escalation_if_refused[code],
                    model.win_chance[code])


_STEP = {Action.REFUSE: Step.REFUSE, Action.USAGE_HELP: Step.REFUSE,
         Action.PARTIAL_REFUND: Step.PARTIAL, Action.FULL_REFUND: Step.AGREE,
         Action.RESEND: Step.RESEND, Action.RESEND_WITH_GIFT: Step.RESEND,
         Action.RETURN_AND_REFUND: Step.RETURN}


def _usd(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def replay(outcomes: Sequence[Outcome],
           odds: Mapping[DisputeClass, ClassOdds] | Mapping[str, ClassOdds],
           policy: Policy | None, *, seed: int, model: CostModel | None = None,
           ) -> list[Outcome]:
    """``outcomes`` answered again under ``policy`` (``None``: each as the seller did) with
    the true ``odds`` per class (keyed by class or its code: a store's ``{code: Odds}`` of
    the simulator passes as it is); a dispute whose outcome stands (``whatif.stands``: cancelled
    before any answer, or the seller's own refund, resend or return again) stays."""
    model = model or CostModel()
    gift = model.gift_cost / model.per_usd
    out = []
    for o in outcomes:
        stake = stake_of(o, model)
        choice: Choice | None = choice_under(policy, o, stake)
        if choice is None or stands(o, choice, stake):
            out.append(o)
            continue
        # a DisputeClass is its code as a str: one look-up finds either kind of key
        truth = odds.get(o.dispute_class) or _defaults(o.dispute_class, model)
        rng = random.Random(f"{seed}:replay:{o.store_id}:{o.issue_id}")
        answer, ruling = rng.random(), rng.random()  # the buyer's mood, the platform's
        action = choice.action
        escalated = False
        if action is Action.REFUSE:
            escalated = answer < truth.escalates_if_refused
        elif action is Action.USAGE_HELP:
            escalated = answer < model.escalation_after_help
        elif action is Action.PARTIAL_REFUND:
            escalated = answer >= truth.accepts_partial
        won = escalated and ruling < truth.seller_wins_arbitration
        offer = offered(choice, stake, model, o.dispute_class)
        settled = settle(action, stake, offer=offer, escalated=escalated, seller_won=won,
                         gift=gift)
        counter = _usd(offer) if action is Action.PARTIAL_REFUND else (
            Decimal("0.00") if _STEP[action] is Step.REFUSE else None)
        out.append(replace(
            o, steps=(_STEP[action],), end=settled.end,
            agreed_plan="return_and_refund" if action is Action.RETURN_AND_REFUND
            else ("refund" if settled.refund_paid else None),
            refund_paid=_usd(settled.refund_paid), goods_lost=_usd(settled.goods_lost),
            freight_lost=_usd(settled.freight_lost), counter_offer=counter,
            refund_max=_usd(stake.refund)))
    return out
