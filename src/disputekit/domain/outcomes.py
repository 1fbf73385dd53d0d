"""How each closed dispute ended and what the seller did on the way (pure).

A minimal copy of the interface the ``outcomes`` branch delivers (issue 17, item 1), so the
calibration can be built and tested beside it; that branch's module replaces this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from disputekit.domain import decisions
from disputekit.domain.taxonomy import DisputeClass

__all__ = ["End", "Outcome", "Step"]


class End(StrEnum):
    BUYER_CANCELLED = "buyer_cancelled"
    AGREED = "agreed"
    AUTO_EXECUTED = "auto_executed"
    ARBITRATION_WON = "arbitration_won"
    ARBITRATION_LOST = "arbitration_lost"
    ARBITRATION_SPLIT = "arbitration_split"


class Step(StrEnum):
    REFUSE = "refuse"
    PARTIAL = "partial"
    AGREE = "agree"
    RESEND = "resend"
    RETURN = "return"
    EXTEND = "extend"
    EVIDENCE = "evidence"
    REPLY = "reply"


# The steps that decide a case, and the cost model's action each one is.
_DECIDING: dict[Step, decisions.Action] = {
    Step.REFUSE: decisions.Action.REFUSE,
    Step.PARTIAL: decisions.Action.PARTIAL_REFUND,
    Step.AGREE: decisions.Action.FULL_REFUND,
    Step.RESEND: decisions.Action.RESEND,
    Step.RETURN: decisions.Action.RETURN_AND_REFUND,
}

_ARBITRATED = frozenset({End.ARBITRATION_WON, End.ARBITRATION_LOST, End.ARBITRATION_SPLIT})


@dataclass(frozen=True)
class Outcome:
    store_id: str
    issue_id: int
    dispute_class: DisputeClass
    steps: tuple[Step, ...]
    end: End
    agreed_plan: str | None
    refund_paid: Decimal
    goods_lost: Decimal
    freight_lost: Decimal
    currency: str
    opened_at: datetime
    closed_at: datetime
    carrier: str
    country: str

    @property
    def action(self) -> decisions.Action | None:
        """The seller's deciding action: the last step that decides a case."""
        deciding = [_DECIDING[s] for s in self.steps if s in _DECIDING]
        return deciding[-1] if deciding else None

    @property
    def escalated(self) -> bool:
        """The dispute reached arbitration."""
        return self.end in _ARBITRATED
