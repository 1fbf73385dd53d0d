"""A dispute's carrier claim as the workbook follows it: what the claim panel shows, and each
step an operator records by hand (filed on a day, the carrier's answer, an appeal, the money
received, a refusal that stands).

The sync opens a claim by itself when a parcel qualifies (``shipments.open_claim_if_due``);
an operator may also open one here, on a case the one rule calls claimable
(``claims.case_claimable``: the class and the logistics), and file it at once. Every rule is
``domain.claims``'s: an illegal step raises its ``ClaimError``, in words, and stores nothing.
A step is dated by the day it happened (today: this moment), never a day still to come.
The money recovered lands in the claims table the report's "recovered" column adds up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ClaimRow
from disputekit.domain import claims
from disputekit.domain.carriers import ServiceKind
from disputekit.domain.claims import CarrierClaim, ClaimStatus
from disputekit.domain.taxonomy import DisputeClass
from disputekit.errors import ClaimError
from disputekit.services.cases import StoredCase, load_case
from disputekit.services.shipments import claim_for, claim_of, insert_claim, update_claim

__all__ = [
    "ClaimCase",
    "appeal_claim",
    "claim_case",
    "file_claim",
    "record_answer",
    "record_recovery",
    "record_refusal",
]


@dataclass(frozen=True)
class ClaimCase:
    """One dispute's parcel and its claim: the stored one, else the one that would be opened
    (``stored`` False), else None when the case is not claimable (``why_not`` says why)."""

    store_id: str
    issue_id: int
    logistics_no: str
    service_kind: ServiceKind
    claim: CarrierClaim | None
    stored: bool
    why_not: str = ""


def claim_case(db: Database, store_id: str, issue_id: int, dispute_class: str,
               now: datetime) -> ClaimCase:
    """The claim panel's view of one dispute; ``dispute_class`` is the class the queue shows
    (an operator's correction included), so the panel and the advice follow one class."""
    with db.session() as s:
        return _case(s, store_id, issue_id, dispute_class, now)


def _case(s: Session, store_id: str, issue_id: int, dispute_class: str,
          now: datetime) -> ClaimCase:
    stored_case = load_case(s, store_id, issue_id)
    if stored_case is None:
        raise ClaimError(f"dispute {issue_id} of store {store_id!r} is not in the database; "
                         "sync the store first")
    order = stored_case.order
    logistics_no = order.logistics_no if order is not None else ""
    kinds = {k.value: k for k in ServiceKind}
    kind = kinds.get(order.service_kind, ServiceKind.UNKNOWN) if order else ServiceKind.UNKNOWN
    row = s.scalars(select(ClaimRow).where(ClaimRow.store_id == store_id,
                                           ClaimRow.issue_id == issue_id)
                    .order_by(ClaimRow.opened_at, ClaimRow.logistics_no)).first()
    if row is None and logistics_no:
        row = s.get(ClaimRow, (store_id, logistics_no))  # the parcel's, opened on a sibling
    if row is not None:
        return ClaimCase(store_id, issue_id, row.logistics_no, kind, claim_of(row), True)
    why_not = _why_not(stored_case, dispute_class, kind)
    if why_not:
        return ClaimCase(store_id, issue_id, logistics_no, kind, None, False, why_not)
    assert order is not None  # _why_not refuses a case without one
    proposed = claim_for(stored_case.dispute, order, logistics_no, kind, now)
    return ClaimCase(store_id, issue_id, logistics_no, kind, proposed, False)


def _why_not(case: StoredCase, dispute_class: str, kind: ServiceKind) -> str:
    if case.order is None or not case.order.logistics_no:
        return "no parcel is known for this dispute yet: sync the store with its orders"
    try:
        code = DisputeClass(dispute_class)
    except ValueError:
        return f"the dispute's class {dispute_class!r} is not one of the taxonomy's"
    if not claims.claimable(kind):
        return (f"{kind.value} logistics has no claim channel; claims are for platform "
                "logistics and registered carriers")
    if not claims.case_claimable(code, kind):
        return (f"a {code.value.replace('_', ' ')} dispute is not a carrier's loss: claims "
                "follow stalled and lost parcels")
    return ""


# -- the steps ------------------------------------------------------------------------------
def file_claim(db: Database, store_id: str, issue_id: int, dispute_class: str, on: date,
               now: datetime) -> CarrierClaim:
    """File the dispute's claim (opening it first when the sync has not): a first filing, or
    a second after a refusal. The carrier's answer is due ``rules.answer_days`` later."""
    at = _instant(on, now)
    with db.session() as s:
        case = _case(s, store_id, issue_id, dispute_class, now)
        if case.claim is None:
            raise ClaimError(f"no claim can be filed for dispute {issue_id}: {case.why_not}")
        if not case.stored:
            filed = claims.file_claim(case.claim, at)  # refused here: nothing is stored
            row = insert_claim(s, filed)
            if row is not None and row.status == str(ClaimStatus.FILED) \
                    and row.filed_at == filed.filed_at:
                return filed
            # Someone (a sync) opened it meanwhile: file that one, below.
        logistics_no = case.logistics_no
    return update_claim(db, store_id, logistics_no, lambda c: claims.file_claim(c, at))


def record_answer(db: Database, store_id: str, logistics_no: str, on: date,
                  offered: Decimal, now: datetime) -> CarrierClaim:
    """The carrier answered, offering ``offered`` (0: it refuses); the appeal window opens."""
    at, amount = _instant(on, now), _amount(offered, "offered")
    return update_claim(db, store_id, logistics_no,
                        lambda c: claims.record_answer(c, at, amount))


def appeal_claim(db: Database, store_id: str, logistics_no: str, on: date,
                 now: datetime) -> CarrierClaim:
    """The operator contested the carrier's answer (within its appeal window)."""
    at = _instant(on, now)
    return update_claim(db, store_id, logistics_no, lambda c: claims.appeal(c, at))


def record_recovery(db: Database, store_id: str, logistics_no: str, on: date,
                    amount: Decimal, currency: str, now: datetime) -> CarrierClaim:
    """Money from the carrier arrived, in the claim's currency: the claim is recovered."""
    at, received = _instant(on, now), _amount(amount, "received")
    return update_claim(db, store_id, logistics_no,
                        lambda c: claims.record_recovery(c, at, received, currency))


def record_refusal(db: Database, store_id: str, logistics_no: str, on: date,
                   now: datetime) -> CarrierClaim:
    """The carrier's refusal stands (accepted, or the appeal lost); a second filing may remain."""
    at = _instant(on, now)
    return update_claim(db, store_id, logistics_no, lambda c: claims.record_refusal(c, at))


def _instant(on: date, now: datetime) -> datetime:
    """The moment a step dated ``on`` is stored at: now for today, the day's start (UTC)
    for an earlier day, so the claim's windows count from that day."""
    today = now.astimezone(UTC).date()
    if on > today:
        raise ClaimError(f"{on:%Y-%m-%d} is still to come: record a step on the day it "
                         f"happened (today, {today:%Y-%m-%d}, at the latest)")
    return now if on == today else datetime.combine(on, time(0), UTC)


def _amount(value: Decimal | float, what: str) -> Decimal:
    """An amount typed in the panel, to the cent; NaN, infinities and absurd sizes refused."""
    try:
        amount = Decimal(str(value))
        if amount.is_finite():
            return amount.quantize(Decimal("0.01"))
    except InvalidOperation:
        pass
    raise ClaimError(f"the amount {what} ({value}) is not an amount of money; type it like "
                     "12.50")
