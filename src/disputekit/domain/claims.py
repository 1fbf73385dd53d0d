"""Carrier claims: getting the goods' cost and the freight back for a parcel the carrier lost.

The rules are AliExpress's online-logistics complaint rules (reference/tracking-api.md §4.1,
reprints of the seller help, tag S): a complaint must be filed within **120 days** of the
logistics order's creation, at most **two** complaints per logistics order, the carrier
answers within **10 natural days**, and an answer can be appealed for **15 days**. They are
defaults in ``ClaimRules`` so a carrier with other windows (4PX: claims valid to day 90) can
be given its own.

A claim's life, each step a function that refuses an illegal move with ``ClaimError``::

    due --file--> filed --record_answer--> answered --appeal--> appealed
     |              ^                        |   \\                  |
     |              |                        |    record_recovery --+--> recovered
     |              +--file (2nd attempt)-- refused <-- record_refusal (or lapse)
     +--lapse (filing window passed)--> expired

Pure: dataclasses in, dataclasses out; the caller stores them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final

from disputekit.domain.carriers import ServiceKind
from disputekit.domain.stalls import LaneThresholds, StallState, stall_state
from disputekit.domain.taxonomy import DisputeClass
from disputekit.domain.tracking import Timeline
from disputekit.errors import ClaimError

__all__ = [
    "CLAIM_CLASSES",
    "CLAIMABLE_SERVICES",
    "PLATFORM_RULES",
    "CarrierClaim",
    "ClaimRules",
    "ClaimStatus",
    "appeal",
    "case_claimable",
    "claim_due",
    "claimable",
    "file_claim",
    "filing_deadline",
    "lapse",
    "open_claim",
    "record_answer",
    "record_recovery",
    "record_refusal",
]


class ClaimStatus(StrEnum):
    DUE = "due"  # the parcel qualifies; nothing filed yet
    FILED = "filed"  # waiting for the carrier's answer
    ANSWERED = "answered"  # the carrier answered (an offer, possibly of nothing)
    APPEALED = "appealed"  # the answer is contested; Cainiao steps in
    RECOVERED = "recovered"  # money received (terminal)
    REFUSED = "refused"  # the carrier refused and that stands (a second attempt may remain)
    EXPIRED = "expired"  # the filing window passed before anything was filed (terminal)


@dataclass(frozen=True)
class ClaimRules:
    """The windows of one kind of claim; defaults are AliExpress online logistics (§4.1)."""

    attempts: int = 2  # complaints per logistics order
    answer_days: int = 10  # natural days the carrier has to answer
    appeal_days: int = 15  # days an answer can be appealed
    filing_window_days: int = 120  # from the logistics order's creation


PLATFORM_RULES: Final = ClaimRules()

# Which logistics a claim is worth opening for. Platform (online) logistics: the complaint
# channel above, and the platform bears the buyer's refund when the carrier lost the parcel.
# Registered carriers: the reference documents carrier-side claims too (4PX postal products,
# Hong Kong Post and UPU enquiries, §4.1), and the domain's advice for a truly lost parcel is
# to claim goods and freight back from the carrier, so they qualify (with their own rules
# where known). Unregistered post has no tracking to prove the loss with and no enquiry
# service (UPU enquiries need a registered item), so a claim is never due there. An unknown
# service is not guessed at: the operator learns its kind before claiming.
# The one list: ``decisions`` offers a carrier claim, the sync opens one, and the workbook
# lets an operator file one, only on these (tests/test_claims.py walks every kind x class).
CLAIMABLE_SERVICES: Final = frozenset({ServiceKind.PLATFORM, ServiceKind.REGISTERED})

# The classes a claim can follow: the carrier had the parcel and did not deliver it. Every
# other class either reached someone (delivered, returned, customs) or is about the goods.
CLAIM_CLASSES: Final = frozenset({DisputeClass.STALLED_IN_TRANSIT, DisputeClass.LOST})


def claimable(kind: ServiceKind) -> bool:
    """Whether parcels sent with this kind of logistics have a claim channel at all.

    >>> claimable(ServiceKind.PLATFORM), claimable(ServiceKind.UNREGISTERED)
    (True, False)
    """
    return kind in CLAIMABLE_SERVICES


def case_claimable(code: DisputeClass, kind: ServiceKind) -> bool:
    """Whether a dispute of this class on this logistics can lead to a carrier claim (when
    one is *due* is ``claim_due``'s question, on the parcel's timeline)."""
    return code in CLAIM_CLASSES and claimable(kind)


def filing_deadline(logistics_created_at: datetime, rules: ClaimRules = PLATFORM_RULES
                    ) -> datetime:
    """Last moment a complaint can be filed: logistics-order creation + the filing window."""
    return logistics_created_at + timedelta(days=rules.filing_window_days)


def claim_due(timeline: Timeline, service_kind: ServiceKind, thresholds: LaneThresholds,
              now: datetime, *, logistics_created_at: datetime | None = None) -> bool:
    """Whether a carrier claim should be opened for this parcel now.

    Due when the carrier reported it lost, or it has been silent past the lane's
    ``claim_after_days`` while stalled or presumed lost, on claimable logistics, and the
    filing window (``thresholds.claim_window_days`` from ``logistics_created_at``, when
    known) is still open. Never for parcels that were delivered or returned (the carrier did
    carry them), held at customs or destroyed by customs (not the carrier's fault), or never
    picked up (nothing proves the carrier ever had them).
    """
    if not claimable(service_kind):
        return False
    if logistics_created_at is not None and now > logistics_created_at + timedelta(
            days=thresholds.claim_window_days):
        return False
    if timeline.delivered or timeline.returned is not None or timeline.customs_hold:
        return False
    if timeline.sub_status == "Exception_Destroyed":
        return False
    if timeline.sub_status == "Exception_Lost":
        return True
    state = stall_state(timeline, thresholds, now)
    silent = timeline.days_since_last_event(now)
    return (state in (StallState.STALLED, StallState.PRESUMED_LOST)
            and silent is not None and silent >= thresholds.claim_after_days)


@dataclass(frozen=True)
class CarrierClaim:
    """One claim against a carrier for one shipment, with its windows and its money."""

    store_id: str
    issue_id: str
    logistics_no: str
    carrier: str
    service_kind: ServiceKind
    goods_amount: Decimal
    freight_amount: Decimal
    currency: str
    opened_at: datetime  # when the claim became due and was recorded
    logistics_created_at: datetime | None = None  # starts the filing window, when known
    rules: ClaimRules = PLATFORM_RULES
    status: ClaimStatus = ClaimStatus.DUE
    attempts: int = 0  # complaints filed so far
    filed_at: datetime | None = None  # the current attempt's filing
    carrier_answer_due: datetime | None = None  # filed_at + rules.answer_days
    answered_at: datetime | None = None
    offered_amount: Decimal | None = None  # what the carrier's answer offered (0 = nothing)
    appeal_until: datetime | None = None  # answered_at + rules.appeal_days
    recovered_amount: Decimal = Decimal("0")
    closed_at: datetime | None = None

    @property
    def claimed_amount(self) -> Decimal:
        return self.goods_amount + self.freight_amount

    @property
    def filing_deadline(self) -> datetime | None:
        if self.logistics_created_at is None:
            return None
        return filing_deadline(self.logistics_created_at, self.rules)

    @property
    def attempts_left(self) -> int:
        return self.rules.attempts - self.attempts

    def answer_overdue(self, now: datetime) -> bool:
        """The carrier let its answer window pass: time to ask Cainiao to intervene."""
        return (self.status is ClaimStatus.FILED and self.carrier_answer_due is not None
                and now > self.carrier_answer_due)


def open_claim(*, store_id: str, issue_id: str, logistics_no: str, carrier: str,
               service_kind: ServiceKind, goods_amount: Decimal, freight_amount: Decimal,
               currency: str, now: datetime, logistics_created_at: datetime | None = None,
               rules: ClaimRules = PLATFORM_RULES) -> CarrierClaim:
    """A new claim in ``due``; amounts are what the seller lost (goods and freight)."""
    if not claimable(service_kind):
        raise ClaimError(
            f"parcel {logistics_no} went by {service_kind.value} logistics, which has no claim "
            "channel; claims are for platform logistics and registered carriers only")
    if goods_amount < 0 or freight_amount < 0:
        raise ClaimError(
            f"claim amounts must not be negative (goods {goods_amount}, freight "
            f"{freight_amount}); enter what the seller paid for the goods and the postage")
    return CarrierClaim(
        store_id=store_id, issue_id=issue_id, logistics_no=logistics_no, carrier=carrier,
        service_kind=service_kind, goods_amount=goods_amount, freight_amount=freight_amount,
        currency=currency, opened_at=now, logistics_created_at=logistics_created_at,
        rules=rules)


def _require(claim: CarrierClaim, allowed: tuple[ClaimStatus, ...], action: str) -> None:
    if claim.status not in allowed:
        states = " or ".join(s.value for s in allowed)
        raise ClaimError(
            f"cannot {action} the claim on {claim.logistics_no}: it is {claim.status.value}, "
            f"and only a claim that is {states} can be")


def _not_before(claim: CarrierClaim, at: datetime, earlier: datetime | None, action: str,
                earlier_what: str) -> None:
    """A step dated before the step it answers is a typo in the date: refuse it, say which.
    Days are compared, not instants: an operator dates a step by its day (the workbook
    stores an earlier day as its first moment), so the same day is never "before"."""
    if earlier is not None and at.astimezone(UTC).date() < earlier.astimezone(UTC).date():
        raise ClaimError(
            f"cannot {action} the claim on {claim.logistics_no} on {at:%Y-%m-%d}: that is "
            f"before {earlier_what} ({earlier:%Y-%m-%d}); check the date")


def file_claim(claim: CarrierClaim, at: datetime) -> CarrierClaim:
    """File a complaint (first, or second after a refusal); starts the carrier's 10 days."""
    _require(claim, (ClaimStatus.DUE, ClaimStatus.REFUSED), "file")
    _not_before(claim, at, claim.logistics_created_at, "file", "the parcel was shipped")
    _not_before(claim, at, claim.closed_at, "file", "the last refusal")
    if claim.attempts >= claim.rules.attempts:
        raise ClaimError(
            f"{claim.logistics_no} already had {claim.attempts} complaints, the most a "
            f"logistics order allows ({claim.rules.attempts}); appeal the last answer instead "
            "if its window is open, or write the loss off")
    deadline = claim.filing_deadline
    if deadline is not None and at > deadline:
        raise ClaimError(
            f"the filing window for {claim.logistics_no} closed on {deadline:%Y-%m-%d} "
            f"({claim.rules.filing_window_days} days after the logistics order was created); "
            "the claim can no longer be filed")
    return replace(claim, status=ClaimStatus.FILED, attempts=claim.attempts + 1, filed_at=at,
                   carrier_answer_due=at + timedelta(days=claim.rules.answer_days),
                   answered_at=None, offered_amount=None, appeal_until=None)


def record_answer(claim: CarrierClaim, at: datetime, offered: Decimal) -> CarrierClaim:
    """The carrier answered with an offer (``0`` when it refuses); opens the appeal window."""
    _require(claim, (ClaimStatus.FILED,), "record an answer on")
    _not_before(claim, at, claim.filed_at, "record an answer on", "its filing")
    if offered < 0 or offered > claim.claimed_amount:
        raise ClaimError(
            f"an offer of {offered} is outside 0..{claim.claimed_amount} (goods + freight "
            f"claimed on {claim.logistics_no}); enter the amount the carrier's answer states")
    return replace(claim, status=ClaimStatus.ANSWERED, answered_at=at, offered_amount=offered,
                   appeal_until=at + timedelta(days=claim.rules.appeal_days))


def appeal(claim: CarrierClaim, at: datetime) -> CarrierClaim:
    """Contest the carrier's answer; only within ``appeal_days`` of it."""
    _require(claim, (ClaimStatus.ANSWERED,), "appeal")
    assert claim.appeal_until is not None  # set with every answer
    _not_before(claim, at, claim.answered_at, "appeal", "the carrier's answer")
    if at > claim.appeal_until:
        raise ClaimError(
            f"the appeal window for {claim.logistics_no} closed on {claim.appeal_until:%Y-%m-%d}"
            f" ({claim.rules.appeal_days} days after the carrier answered); accept the answer, "
            f"or file a new complaint if one of the {claim.rules.attempts} is left")
    return replace(claim, status=ClaimStatus.APPEALED)


def record_recovery(claim: CarrierClaim, at: datetime, amount: Decimal,
                    currency: str | None = None) -> CarrierClaim:
    """Money from the carrier arrived: the claim is recovered (terminal). ``currency``, when
    given, must be the claim's: the reports add recoveries up in it, unconverted."""
    _require(claim, (ClaimStatus.ANSWERED, ClaimStatus.APPEALED), "record money received on")
    _not_before(claim, at, claim.answered_at, "record money received on",
                "the carrier's answer")
    if currency is not None and currency.strip().upper() != claim.currency.upper():
        raise ClaimError(
            f"the claim on {claim.logistics_no} is kept in {claim.currency}, and {amount} "
            f"{currency.strip() or '(no currency)'} cannot be added to it as it is: convert "
            f"the amount received to {claim.currency} at the rate the payment used, and "
            f"enter that")
    if amount <= 0 or amount > claim.claimed_amount:
        raise ClaimError(
            f"a recovery of {amount} is outside (0, {claim.claimed_amount}] for "
            f"{claim.logistics_no}; if the carrier paid nothing, record that its refusal "
            "stands instead")
    return replace(claim, status=ClaimStatus.RECOVERED, recovered_amount=amount, closed_at=at)


def record_refusal(claim: CarrierClaim, at: datetime) -> CarrierClaim:
    """The refusal stands (answer accepted, or appeal lost); a second attempt may remain."""
    _require(claim, (ClaimStatus.ANSWERED, ClaimStatus.APPEALED), "record a refusal on")
    _not_before(claim, at, claim.answered_at, "record a refusal on", "the carrier's answer")
    return replace(claim, status=ClaimStatus.REFUSED, closed_at=at)


def lapse(claim: CarrierClaim, now: datetime) -> CarrierClaim:
    """Apply the passing of time: an unfiled claim past its window expires, and a refusal
    (offer of nothing) nobody appealed within the window stands. Anything else is unchanged.
    """
    deadline = claim.filing_deadline
    if claim.status is ClaimStatus.DUE and deadline is not None and now > deadline:
        return replace(claim, status=ClaimStatus.EXPIRED, closed_at=now)
    if (claim.status is ClaimStatus.ANSWERED and claim.offered_amount == 0
            and claim.appeal_until is not None and now > claim.appeal_until):
        return replace(claim, status=ClaimStatus.REFUSED, closed_at=claim.appeal_until)
    return claim
