"""A store's true odds: how its buyers and the platform answer the seller, class by class.

By default the simulator's buyers and platform behave as ``scenarios`` (the closed history's
outcome weights) and ``lifecycle.buyer_choice`` (the live reactions) say, which is today's
demo data. A store may instead be given its own odds for some classes (its ``odds`` in
``DemoStore``), so a test knows the truth the outcomes must recover:

* ``accepts_partial``: the chance a buyer takes a partial refund (else they escalate);
* ``escalates_if_refused``: the chance a buyer refused with 0 escalates (else cancels);
* ``seller_wins_arbitration``: the chance the platform rules nothing to the buyer (else
  it awards the refund, in full or in part).

In a class with odds, the closed history draws the seller's action first, in the shares
the class's outcome weights give it (accept the buyer's plan, counter with part, refuse
with 0, let the timer run out), then the buyer's and the platform's answers from the odds;
the live lifecycle answers a counter-offer and rules the same way (an open dispute already
with the platform has its ruling drawn from the odds when it is generated).

    >>> odds = store_odds({"stalled_in_transit": {"accepts_partial": 0.5,
    ...     "escalates_if_refused": 0.1, "seller_wins_arbitration": 0.8}})
    >>> odds[0][1].escalates_if_refused
    0.1
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, fields

from disputekit.simulator.draws import pick
from disputekit.simulator.scenarios import SCENARIOS, Scenario

__all__ = ["Odds", "StoreOdds", "buyer_answer", "closed_outcome", "ruling_for_seller",
           "store_odds"]


@dataclass(frozen=True)
class Odds:
    accepts_partial: float
    escalates_if_refused: float
    seller_wins_arbitration: float

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not math.isfinite(value) or not 0 <= value <= 1:
                raise ValueError(f"{f.name} is a chance between 0 and 1, got {value!r:.60}")


#: A store's odds by class code, as a tuple of pairs so a ``DemoStore`` stays hashable.
StoreOdds = tuple[tuple[str, Odds], ...]

_KEYS = frozenset(f.name for f in fields(Odds))


def store_odds(spec: Mapping[str, Mapping[str, float]]) -> StoreOdds:
    """``{class: {accepts_partial, escalates_if_refused, seller_wins_arbitration}}``
    checked: known classes, all three chances, each between 0 and 1."""
    out: list[tuple[str, Odds]] = []
    for code, chances in spec.items():
        if code not in SCENARIOS:
            raise ValueError(f"odds for unknown class {code!r}; known: {', '.join(SCENARIOS)}")
        given = set(chances)
        if given != _KEYS:
            raise ValueError(f"odds for {code} need exactly {', '.join(sorted(_KEYS))}; "
                             f"missing {sorted(_KEYS - given)}, unknown {sorted(given - _KEYS)}")
        out.append((code, Odds(**{key: chances[key] for key in sorted(_KEYS)})))
    return tuple(out)


# The seller's action each default outcome stands for: accept the buyer's plan, counter with
# part of the refund, refuse with 0, or let the timer run out.
_ACTION_OF = {"seller_accept": "agree", "return": "agree", "counter_accepted": "partial",
              "cancel": "refuse", "arbitrated_refund": "refuse", "arbitrated_reject": "refuse",
              "seller_timeout": "timeout"}


def closed_outcome(rng: random.Random, scenario: Scenario, odds: Odds) -> tuple[str, str]:
    """A closed case's outcome (a ``process_steps.CLOSED_STATUS`` key) and the seller's
    counter-offer ("refuse", "partial"; "" when the seller made none), drawn from ``odds``.

    The seller's action keeps the class's default shares; what follows it is the odds'."""
    shares: dict[str, float] = {}
    for outcome, weight in scenario.outcomes:
        action = _ACTION_OF[outcome]
        shares[action] = shares.get(action, 0.0) + weight
    action = pick(rng, tuple(shares.items()))
    if action == "agree":
        agreed = [(o, w) for o, w in scenario.outcomes if _ACTION_OF[o] == "agree"]
        return pick(rng, agreed), ""
    if action == "timeout":
        return "seller_timeout", ""
    if action == "partial":
        if rng.random() < odds.accepts_partial:
            return "counter_accepted", "partial"
        return _ruling(rng, odds), "partial"
    if rng.random() < odds.escalates_if_refused:
        return _ruling(rng, odds), "refuse"
    return "cancel", "refuse"


def _ruling(rng: random.Random, odds: Odds) -> str:
    return "arbitrated_reject" if rng.random() < odds.seller_wins_arbitration \
        else "arbitrated_refund"


def buyer_answer(odds: Odds, share: float, roll: float) -> str:
    """How a buyer of a class with ``odds`` answers a counter-offer of ``share`` of the
    refund: 'accept', 'refuse' (and escalate) or 'cancel'; ``roll`` uniform in [0, 1)."""
    if share <= 0:
        return "refuse" if roll < odds.escalates_if_refused else "cancel"
    if share >= 1:
        return "accept"
    return "accept" if roll < odds.accepts_partial else "refuse"


def ruling_for_seller(odds: Odds, roll: float) -> bool:
    """The platform rules for the seller (nothing to the buyer); ``roll`` in [0, 1)."""
    return roll < odds.seller_wins_arbitration
