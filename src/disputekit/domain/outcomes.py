"""How a closed dispute ended and what the seller did on the way (pure).

The cost model's odds (``decisions``: the chance a refusal ends in arbitration, that a buyer
takes a partial refund, that the seller wins a ruling) are guesses until a store's own
closed disputes say otherwise. This module reads one closed dispute as the platform left it
(``aliexpress.issue.detail.get``'s wire-shaped ``result_object``: its plans and their
``reached_type``, its process steps) and the seller's own journal (actions sent, local
decisions such as a resend, replies marked sent) into one :class:`Outcome`: the seller's
steps in order, the end, the money.

Strict about what decides the end: ``issue_status`` (``canceled_issue`` / ``finish``), the
plan the platform marks ``reached`` and its ``reached_type``, and for a ruling the amount the
platform awarded. A closed dispute whose end cannot be told from them raises
``MalformedPayloadError`` naming what is missing, rather than being counted as something it
may not be. Liberal about the rest: a missing time, amount in USD, process list or plan
list falls back on what else the dispute carries (the local amount at the dispute's own
rate, the journal).

Amounts are in the platform's currency (USD, ``refund_money_post``), so one store's outcomes
add up whatever its buyers paid in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from disputekit.domain import decisions
from disputekit.domain.platform_time import parse_pacific
from disputekit.domain.taxonomy import DisputeClass
from disputekit.errors import MalformedPayloadError

__all__ = ["DECISIVE", "End", "JournalEntry", "Outcome", "Step", "outcome_of"]


class End(StrEnum):
    BUYER_CANCELLED = "buyer_cancelled"  # the buyer closed/cancelled the dispute
    AGREED = "agreed"  # buyer and seller agreed on a plan (negotiation_consensus)
    AUTO_EXECUTED = "auto_executed"  # the buyer's plan executed at the seller's timeout
    ARBITRATION_WON = "arbitration_won"  # the platform ruled: nothing to the buyer
    ARBITRATION_LOST = "arbitration_lost"  # ... all the buyer asked
    ARBITRATION_SPLIT = "arbitration_split"  # ... part of it


ARBITRATED = frozenset({End.ARBITRATION_WON, End.ARBITRATION_LOST, End.ARBITRATION_SPLIT})


class Step(StrEnum):
    """The seller's actions, in order."""

    REFUSE = "refuse"  # a counter-offer of 0 (the amount: ``Outcome.counter_offer``)
    PARTIAL = "partial"  # a counter-offer of part (or all) of the refund
    AGREE = "agree"  # the buyer's (or the platform's) plan accepted
    RESEND = "resend"  # a new parcel sent (a local decision in the journal)
    RETURN = "return"  # a return and refund, agreed or offered
    EXTEND = "extend"  # the buyer's protection extended
    EVIDENCE = "evidence"  # evidence uploaded
    REPLY = "reply"  # a reply of the follow-up plan marked sent


#: The steps that decide what the buyer gets; the others (extend, evidence, reply) go along.
DECISIVE = frozenset({Step.REFUSE, Step.PARTIAL, Step.AGREE, Step.RESEND, Step.RETURN})


@dataclass(frozen=True)
class JournalEntry:
    """One settled line of the seller's journal as this module reads it: an action's kind
    (``services.actions``: refuse, partial_refund, agree, extend_protection,
    upload_evidence, or a local decision such as resend) or ``reply`` for a reply marked
    sent, with when it happened."""

    at: datetime
    kind: str


@dataclass(frozen=True)
class Outcome:
    store_id: str
    issue_id: int
    dispute_class: DisputeClass  # the operator's override wins
    steps: tuple[Step, ...]  # in order
    end: End
    agreed_plan: str | None  # the plan agreed or executed: "refund", "return_and_refund"
    refund_paid: Decimal  # what the buyer got back
    goods_lost: Decimal  # goods given up beyond the refund: a resent unit, at its price
    freight_lost: Decimal  # a resend's freight, a return label the seller paid
    currency: str  # of the amounts: the platform's, USD
    opened_at: datetime
    closed_at: datetime
    carrier: str
    country: str
    counter_offer: Decimal | None = None  # the seller's last counter-offer, USD
    refund_max: Decimal | None = None  # the most the buyer could get back, USD

    @property
    def action(self) -> decisions.Action | None:
        """The seller's deciding action, as the cost model names it: the last step that
        decided what the buyer gets (accepting the platform's ruling decides nothing: the
        step before it did). ``None`` when the seller never answered with one."""
        decisive = [s for s in self.steps if s in DECISIVE]
        if self.escalated:
            # accepting the ruling's plan after arbitration is not what led there
            while decisive and decisive[-1] is Step.AGREE:
                decisive.pop()
        if not decisive:
            return None
        last = decisive[-1]
        if last is Step.REFUSE:
            return decisions.Action.REFUSE
        if last is Step.PARTIAL:
            full = (self.counter_offer is not None and self.refund_max is not None
                    and self.refund_max > 0 and self.counter_offer >= self.refund_max)
            return decisions.Action.FULL_REFUND if full else decisions.Action.PARTIAL_REFUND
        if last is Step.RESEND:
            return decisions.Action.RESEND
        if last is Step.RETURN:
            return decisions.Action.RETURN_AND_REFUND
        # AGREE: the buyer's plan as asked
        if self.agreed_plan == "return_and_refund":
            return decisions.Action.RETURN_AND_REFUND
        return decisions.Action.FULL_REFUND

    @property
    def escalated(self) -> bool:
        """The dispute reached arbitration (the platform ruled)."""
        return self.end in ARBITRATED


# -- reading the wire's dicts, liberally --------------------------------------------------

# Journal and platform clocks differ, and the platform's times have whole seconds only.
_SLACK = timedelta(minutes=5)
_NEVER = datetime.min.replace(tzinfo=UTC)
_TIMEOUT_TYPES = frozenset({"seller_reponse_timeout", "seller_response_timeout"})  # sic


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return parse_pacific(None if value is None else str(value))
    except MalformedPayloadError:
        return None  # a time that decides nothing: read what else there is


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _list(value: Any) -> list[dict[str, Any]]:
    """A wire list: a plain array, or wrapped in an object of one key (simplify=false)."""
    if isinstance(value, Mapping):
        inner = list(value.values())
        value = inner[0] if len(inner) == 1 else []
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]  # type: ignore[misc]


def _rate(detail: Mapping[str, Any]) -> Decimal | None:
    """USD per unit of the buyer's currency, from the dispute's full refund in both."""
    usd, local = _decimal(detail.get("refund_money_max")), \
        _decimal(detail.get("refund_money_max_local"))
    return usd / local if usd is not None and local else None


def _usd(plan: Mapping[str, Any], detail: Mapping[str, Any]) -> Decimal | None:
    """A plan's refund in USD: its own USD amount, else its local one at the dispute's rate."""
    post = _decimal(plan.get("refund_money_post"))
    if post is not None and str(plan.get("refund_money_post_currency") or "USD") == "USD":
        return post
    local = _decimal(plan.get("refund_money"))
    if local is None:
        return None
    if str(plan.get("refund_money_currency") or "") == "USD":
        return local
    rate = _rate(detail)
    return (local * rate).quantize(Decimal("0.01")) if rate is not None else None


def _plans(detail: Mapping[str, Any], owner: str) -> list[dict[str, Any]]:
    plans = _list(detail.get(f"{owner}_solution_list"))
    return [p for p in plans if str(p.get("solution_owner") or owner) == owner]


def _buyer_plan(detail: Mapping[str, Any]) -> dict[str, Any] | None:
    plans = _plans(detail, "buyer")
    return next((p for p in plans if p.get("is_default") is True), plans[0] if plans else None)


def _reached(detail: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The plan that settled the dispute and its owner: the reached plan (the platform's
    first, then the latest). A plan voided later (``reach_cancle``) is not reached."""
    found = [(owner, p) for owner in ("platform", "seller", "buyer")
             for p in _plans(detail, owner) if p.get("status") == "reached"]
    if not found:
        return None
    platform = [f for f in found if f[0] == "platform"]
    if platform:
        return platform[-1]
    return max(found, key=lambda f: _time(f[1].get("reached_time")) or _NEVER)


def _closed_at(detail: Mapping[str, Any], plan: Mapping[str, Any] | None,
               steps: list[tuple[datetime | None, str, dict[str, Any]]],
               modified_at: datetime | None, opened_at: datetime) -> datetime:
    candidates = [_time(plan.get("reached_time"))] if plan is not None else []
    candidates += [at for at, _, _ in steps]
    known = [c for c in candidates if c is not None]
    if known:
        return max(known)
    return modified_at or opened_at


# -- the outcome ----------------------------------------------------------------------------


def outcome_of(store_id: str, issue_id: int, detail: Mapping[str, Any],
               dispute_class: DisputeClass, *, journal: Sequence[JournalEntry] = (),
               carrier: str = "", country: str = "", order_freight: Decimal | None = None,
               modified_at: datetime | None = None) -> Outcome | None:
    """The outcome of one dispute from its stored detail (wire-shaped) and the seller's
    journal; ``None`` while it is open. ``dispute_class``: the class it counts under (the
    caller's effective one: an operator's override wins). ``order_freight``: what a parcel
    of this order cost to send (USD), charged again on a resend. ``modified_at``: the
    dispute's last change, a closing time when the detail carries none.

    Raises ``MalformedPayloadError`` when a closed dispute's end cannot be told."""
    status = str(detail.get("issue_status") or "")
    if status == "processing":
        return None
    if status not in ("canceled_issue", "finish"):
        raise MalformedPayloadError(
            f"dispute {issue_id} has issue_status {status!r}; an outcome needs processing, "
            "canceled_issue or finish (sync the dispute again; report a new status)")
    process = [(_time(p.get("gmt_create")), str(p.get("action_type") or ""), p)
               for p in _list(detail.get("process_dto_list"))]
    opened_at = _time(detail.get("gmt_create")) or min(
        (at for at, _, _ in process if at is not None), default=None) or modified_at
    if opened_at is None:
        raise MalformedPayloadError(f"dispute {issue_id} has no opening time (gmt_create) "
                                    "and no dated step: its outcome cannot be placed in time")

    reached = _reached(detail)
    plan = reached[1] if reached is not None else None
    asked_plan = _buyer_plan(detail)
    refund_max = _decimal(detail.get("refund_money_max"))
    if status == "canceled_issue":
        end, agreed_plan, refund_paid = End.BUYER_CANCELLED, None, Decimal("0")
        plan = None
    else:
        if reached is None:
            raise MalformedPayloadError(
                f"dispute {issue_id} is closed (finish) but none of its plans is reached: "
                "its end cannot be told. Sync it again; if the platform sent it like this, "
                "it is left out of the outcomes")
        owner, plan = reached
        how = str(plan.get("reached_type") or "")
        if not how and owner == "platform":
            how = "platform_arbitrate"  # only the platform's ruling carries its own plan
        paid = _usd(plan, detail)
        if paid is None:
            raise MalformedPayloadError(
                f"dispute {issue_id}: the reached plan {plan.get('id')!r} carries no refund "
                "amount (refund_money_post or refund_money): what the buyer got is unknown")
        refund_paid = paid
        agreed_plan = str(plan.get("solution_type") or "refund")
        if how == "platform_arbitrate":
            asked = (_usd(asked_plan, detail) if asked_plan is not None else None) or refund_max
            if paid <= 0:
                end = End.ARBITRATION_WON
            elif asked is None or paid >= asked:
                end = End.ARBITRATION_LOST
            else:
                end = End.ARBITRATION_SPLIT
        elif how == "negotiation_consensus":
            end = End.AGREED
        elif how in _TIMEOUT_TYPES:
            end = End.AUTO_EXECUTED
        else:
            raise MalformedPayloadError(
                f"dispute {issue_id}: reached_type {how!r} is not one of "
                "negotiation_consensus, platform_arbitrate, seller_reponse_timeout; its end "
                "cannot be told (report the new value)")

    closed_at = _closed_at(detail, plan, process, modified_at, opened_at)
    seller_plans = sorted(_plans(detail, "seller"),
                          key=lambda p: _time(p.get("gmt_create")) or opened_at)
    steps, counter = _seller_steps(detail, process, seller_plans, journal, opened_at,
                                   closed_at)
    goods_lost = freight_lost = Decimal("0")
    if Step.RESEND in steps:
        goods_lost = _decimal(detail.get("product_price")) or Decimal("0")
        freight_lost += order_freight or Decimal("0")
    if plan is not None and agreed_plan == "return_and_refund" \
            and plan.get("logistics_fee_bear_role") == "seller":
        freight_lost += _decimal(plan.get("logistics_fee_amount")) or Decimal("0")
    return Outcome(
        store_id=store_id, issue_id=issue_id, dispute_class=dispute_class, steps=steps,
        end=end, agreed_plan=agreed_plan, refund_paid=refund_paid, goods_lost=goods_lost,
        freight_lost=freight_lost, currency="USD", opened_at=opened_at, closed_at=closed_at,
        carrier=carrier, country=country, counter_offer=counter, refund_max=refund_max)


_PLATFORM_JOURNAL = {"refuse": Step.REFUSE, "partial_refund": Step.PARTIAL,
                     "agree": Step.AGREE, "upload_evidence": Step.EVIDENCE}
_LOCAL_JOURNAL = {"extend_protection": Step.EXTEND, "resend": Step.RESEND,
                  "reply": Step.REPLY}


def _seller_steps(detail: Mapping[str, Any],
                  process: list[tuple[datetime | None, str, dict[str, Any]]],
                  seller_plans: list[dict[str, Any]], journal: Sequence[JournalEntry],
                  opened_at: datetime, closed_at: datetime
                  ) -> tuple[tuple[Step, ...], Decimal | None]:
    """The seller's steps in time order (ties keep the platform's order, then the
    journal's) and the last counter-offer in USD."""
    dated: list[tuple[datetime, int, Step]] = []
    counter: Decimal | None = None
    seen_seller = False
    for index, (at, action, _) in enumerate(process):
        when = at or closed_at
        if action in ("seller_create_solution", "seller_modify_solution"):
            seen_seller = True
            offered = _plan_at(seller_plans, when, opened_at)
            if offered is None:
                continue  # the plan list was left out: the journal may tell (below)
            amount = _usd(offered, detail)
            if amount is not None:
                counter = amount
            if offered.get("solution_type") == "return_and_refund":
                dated.append((when, index, Step.RETURN))
            elif amount is not None and amount <= 0:
                dated.append((when, index, Step.REFUSE))
            elif amount is not None:
                dated.append((when, index, Step.PARTIAL))
        elif action == "seller_accept":
            seen_seller = True
            accepted = _accepted_plan(detail, when)
            kind = accepted.get("solution_type") if accepted is not None else None
            dated.append((when, index, Step.RETURN if kind == "return_and_refund"
                          else Step.AGREE))
        elif action == "seller_create_proof":
            seen_seller = True
            dated.append((when, index, Step.EVIDENCE))
    base = len(process)
    for index, entry in enumerate(sorted(journal, key=lambda e: e.at)):
        if entry.at > closed_at + _SLACK:
            continue  # after the end: it decided nothing here
        step = _LOCAL_JOURNAL.get(entry.kind)
        if step is None and not seen_seller:
            # The platform's steps were left out of the detail: the journal says what the
            # seller sent instead.
            step = _PLATFORM_JOURNAL.get(entry.kind)
        if step is not None:
            dated.append((entry.at, base + index, step))
    dated.sort(key=lambda d: (d[0], d[1]))
    return tuple(step for _, _, step in dated), counter


def _plan_at(plans: list[dict[str, Any]], when: datetime,
             opened_at: datetime) -> dict[str, Any] | None:
    """The seller's plan a create/modify step at ``when`` made or changed: the latest made
    by then (a modified plan keeps only its last amount)."""
    made = [p for p in plans if (_time(p.get("gmt_create")) or opened_at) <= when + _SLACK]
    return made[-1] if made else (plans[0] if plans else None)


def _accepted_plan(detail: Mapping[str, Any], when: datetime) -> dict[str, Any] | None:
    """The plan a ``seller_accept`` step accepted: one the seller accepted at that time,
    else the buyer's own."""
    for owner in ("buyer", "platform"):
        for plan in _plans(detail, owner):
            accepted = _time(plan.get("seller_accept_time"))
            if accepted is not None and abs(accepted - when) <= _SLACK:
                return plan
    return _buyer_plan(detail)
