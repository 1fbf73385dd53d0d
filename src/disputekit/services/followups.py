"""The follow-up plan on stored disputes: the next reply, drafted in the buyer's language,
when it is due, and the operator marking it sent.

``replies`` (pure) knows the plans, the templates and the schedule; this module gathers the
facts a reply quotes from what the sync stored, and keeps the replies sent.

What the plan reads from the database besides the replies sent:

- **settled** (the closing reply, asking the buyer to cancel the dispute, comes due): the
  action journal holds a resend or a settlement the operator recorded (``mark_settled``:
  the product works now, the buyer takes the compensation), or, for a plan that runs until
  delivery, the parcel arrived. A solution reached on the platform is not one: the
  platform carries it out and closes the dispute (an agreed return ends with the refund);
  a closed dispute needs no reply;
- **buyer answered** (the second stalled-parcel reply may ask them to cancel): the operator
  marked it (``mark_buyer_answered``), since no API shows the order chat;
- **awaiting collection**: the parcel waits at a pickup point or post office (its tracking,
  ``Timeline.awaiting_collection``): the pickup plan, with the place and the last day to
  collect it (the waiting event's date plus the hold period, ``PICKUP_HOLD_DAYS`` unless
  the caller knows the lane's own).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import DisputeRow, OrderRow, ReplySentRow, ShipmentRow, StoreRow
from disputekit.domain.decisions import SETTLE_IF_HISTORY_SAYS, Action, CostModel
from disputekit.domain.platform_time import utc_now
from disputekit.domain.replies import (
    LANGUAGES,
    Channel,
    DelayReason,
    Draft,
    Due,
    Overrides,
    ReplyContext,
    infer_language,
    next_step_due,
    offered_action,
    plan_for,
    render,
)
from disputekit.domain.taxonomy import DisputeClass
from disputekit.domain.tracking import PICKUP_HOLD_DAYS, TrackEvent, collect_by, from_aliexpress
from disputekit.errors import ActionError, TriageInputError
from disputekit.services.actions import (
    SETTLING_KINDS,
    ActionOutcome,
    ActionStatus,
    DisputeActions,
    journal_marks,
    record_local,
)
from disputekit.services.assessment import offer_of, settles_as_history_says
from disputekit.services.cases import StoredCase, load_case, load_cases


@dataclass(frozen=True)
class NextReply:
    store_id: str
    issue_id: int
    due: Due | None  # None: nothing more to send on this dispute
    draft: Draft | None
    lang: str
    suggested_lang: str
    # The money the step offers, in the dispute's local currency: what the draft quotes and,
    # for a counter-offer step, what the refusal sends (None: the step offers nothing, or
    # the amount is unknown and the draft asks for it).
    offer: Decimal | None = None
    currency: str = ""
    # The step after this one, due as if this one goes out when due (None: none follows).
    following: Due | None = None
    buyer_answered: bool = False  # the operator marked that the buyer answered a reply
    settled: bool = False  # the case is settled: the plan ends with its closing reply


@dataclass(frozen=True)
class _CaseState:
    """What the plan reads from the database besides the replies sent."""

    settled: bool = False
    buyer_answered: bool = False
    waiting: TrackEvent | None = None  # the parcel waits to be collected since this event


def _state(shipment: ShipmentRow | None, dispute_class: str,
           marks: frozenset[str]) -> _CaseState:
    return _CaseState(settled=bool(marks & SETTLING_KINDS),
                      buyer_answered="buyer_answered" in marks,
                      waiting=_waiting(shipment, dispute_class))


def _waiting(shipment: ShipmentRow | None, dispute_class: str) -> TrackEvent | None:
    """The event since which an undelivered parcel waits to be collected, if it does."""
    if shipment is None or dispute_class != DisputeClass.RETURNED_UNDELIVERED:
        return None
    details = shipment.events_json.get("details", []) if shipment.events_json else []
    return from_aliexpress(shipment.logistics_no, details).awaiting_collection


def _context(dispute: DisputeRow, order: OrderRow | None, shipment: ShipmentRow | None,
             store_name: str, amount: Decimal | None, state: _CaseState,
             hold_days: int, carrier_explanation: str | None = None,
             delay_reason: DelayReason | None = None) -> ReplyContext:
    last = shipment.last_event_at if shipment else None
    waiting = state.waiting
    return ReplyContext(
        store_name=store_name or None,
        buyer_first_name=(order.buyer_first_name if order else "") or None,
        order_no=dispute.parent_order_id,
        product_name=dispute.product_name or None,
        carrier=(shipment.carrier if shipment else order.carrier if order else "") or None,
        tracking_no=(shipment.logistics_no if shipment else "") or None,
        last_location=(shipment.last_location if shipment else "") or None,
        last_update=last,
        amount=amount,
        currency=dispute.local_currency or None,
        country=(order.buyer_country if order else "") or None,
        pickup_place=(waiting.location if waiting is not None else "") or None,
        collect_by=collect_by(waiting, hold_days),
        buyer_answered=state.buyer_answered,
        carrier_explanation=carrier_explanation or None,
        delay_reason=delay_reason,
    )


def _buyer_texts(dispute: DisputeRow) -> list[str]:
    return [str(p.get("content") or "") for p in dispute.detail_json.get("process_dto_list", [])
            if p.get("submit_member_type") == "buyer"]


def next_reply(db: Database, store_id: str, issue_id: int, dispute_class: str,
               now: datetime | None = None, *, lang: str | None = None, store_name: str = "",
               overrides: Overrides | None = None,
               cost_model: CostModel | None = None,
               advice: str | None = None,
               pickup_hold_days: int = PICKUP_HOLD_DAYS,
               carrier_explanation: str | None = None,
               delay_reason: DelayReason | None = None) -> NextReply:
    """The next reply of a dispute's plan, drafted (in ``lang``, else the buyer's); the
    amount it names is the one of the option its step takes (``replies.offered_action``),
    priced with the store's ``cost_model``, in the buyer's currency. A parcel waiting to be
    collected is kept ``pickup_hold_days`` from the day it arrived there. Where the advice
    (``advice``: the queue's recommended action, else worked out with ``cost_model``) settles
    with a partial offer because the store's history says refusals cost more, the replies
    follow the class's settling plan (``replies.plan_for(settling=True)``). What the carrier
    said (a step asking for it, ``stalled_2_carrier``): ``delay_reason``, said in the reply's
    language, or the operator's own ``carrier_explanation``."""
    now = now or utc_now()
    with db.session() as s:
        case = load_case(s, store_id, issue_id)
        if case is None:
            raise ActionError(f"dispute {issue_id} is not in store {store_id!r}")
        dispute, order, shipment = case.dispute, case.order, case.shipment
        store_row = s.get(StoreRow, store_id)
        store_name = store_name or (store_row.name if store_row else "")
        sent = [(r.template, r.sent_at) for r in s.scalars(
            select(ReplySentRow).where(ReplySentRow.store_id == store_id,
                                       ReplySentRow.issue_id == issue_id)
            .order_by(ReplySentRow.sent_at, ReplySentRow.id))]
    marks = journal_marks(db, [store_id], issue_id).get((store_id, issue_id), frozenset())
    state = _state(shipment, dispute_class, marks)
    suggested = infer_language(order.buyer_country if order else "", _buyer_texts(dispute))
    chosen = lang or suggested
    if chosen not in LANGUAGES:
        raise ActionError(f"no replies in {chosen!r}; choose one of {', '.join(LANGUAGES)}")
    settling = _settling(case, dispute_class, now, cost_model, advice)
    due = _due(dispute, shipment, dispute_class, sent, now, state, settling)
    offer = _offer(case, dispute_class, due, now, cost_model)
    draft = render(due.step.template, chosen,
                   _context(dispute, order, shipment, store_name, offer, state,
                            pickup_hold_days, carrier_explanation, delay_reason),
                   overrides) if due else None
    following = None
    if due is not None:
        # The plan as if this reply goes out when it is due (or now, when it waits).
        goes_out = max(due.due_at, now) if due.due_at is not None else now
        following = _due(dispute, shipment, dispute_class,
                         [*sent, (due.step.template, goes_out)], goes_out, state, settling)
    return NextReply(store_id, issue_id, due, draft, chosen, suggested, offer,
                     dispute.local_currency or "", following, state.buyer_answered,
                     state.settled)


def _offer(case: StoredCase, dispute_class: str, due: Due | None, now: datetime,
           cost_model: CostModel | None) -> Decimal | None:
    action = offered_action(due.step) if due is not None else None
    if action is None:
        return None
    try:
        return offer_of(case, DisputeClass(dispute_class), action, now, cost_model)
    except TriageInputError:
        return None  # unreadable stored data: the draft asks the operator for the amount


def _settling(case: StoredCase, dispute_class: str, now: datetime,
              cost_model: CostModel | None, advice: str | None) -> bool:
    """The replies follow the settling plan: the advice (the queue's, priced with the
    calibrated odds; else worked out here with ``cost_model``) offers part where the
    playbook refuses."""
    try:
        code = DisputeClass(dispute_class)
    except ValueError:
        return False
    if advice is not None:
        return code in SETTLE_IF_HISTORY_SAYS and advice == Action.PARTIAL_REFUND
    return settles_as_history_says(case, code, now, cost_model)


def _due(dispute: DisputeRow, shipment: ShipmentRow | None, dispute_class: str,
         sent: list[tuple[str, datetime]], now: datetime, state: _CaseState,
         settling: bool = False) -> Due | None:
    # A parcel that waited to be collected and then was delivered was collected: the pickup
    # plan's end (its closing reply), not the returned plan's notice.
    collecting = state.waiting is not None or bool(shipment and shipment.delivered)
    try:
        plan = plan_for(DisputeClass(dispute_class), awaiting_collection=collecting,
                        settling=settling)
    except ValueError:
        return None  # unclassified: no plan to follow
    return next_step_due(
        plan, sent, delivered=bool(shipment and shipment.delivered),
        closed=dispute.issue_status != "processing", now=now, opened_at=dispute.created_at,
        settled=state.settled,
        parcel_back=bool(shipment and shipment.sub_status == "Exception_Returned"))


def mark_sent(db: Database, reply: NextReply, operator: str,
              now: datetime | None = None, text: str | None = None) -> ReplySentRow:
    """Record that the operator sent this draft (copied into the order chat); ``text``:
    the draft as they edited it before sending, recorded as sent."""
    if reply.due is None or reply.draft is None:
        raise ActionError("nothing to send on this dispute: its plan is done")
    if not reply.draft.ready:
        raise ActionError("this draft is not ready: " + reply.draft.text)
    if not operator.strip():
        raise ActionError("say who sent it: operator must not be empty")
    row = ReplySentRow(store_id=reply.store_id, issue_id=reply.issue_id,
                       template=reply.due.step.template, lang=reply.lang,
                       channel=str(reply.due.step.channel),
                       text=reply.draft.text if text is None else text,
                       operator=operator.strip(), sent_at=now or utc_now())
    with db.session() as s:
        s.add(row)
    return row


def mark_buyer_answered(db: Database, store_id: str, issue_id: int, operator: str,
                        now: datetime | None = None) -> int:
    """Record that the buyer answered a reply (in the order chat, which no API shows): the
    second stalled-parcel reply then asks them to cancel the dispute. Returns the journal
    entry's id."""
    _require_open(db, store_id, issue_id)
    return record_local(db, store_id, issue_id, "buyer_answered", operator, {},
                        now or utc_now())


def mark_settled(db: Database, store_id: str, issue_id: int, operator: str, why: str = "",
                 now: datetime | None = None) -> int:
    """Record that the case is settled with the buyer outside the platform's plans (the
    product works now, they take the compensation): the plan's closing reply, asking them
    to cancel the dispute, comes due. Returns the journal entry's id."""
    _require_open(db, store_id, issue_id)
    return record_local(db, store_id, issue_id, "settled", operator, {"why": why},
                        now or utc_now())


def _require_open(db: Database, store_id: str, issue_id: int) -> None:
    with db.session() as s:
        row = s.get(DisputeRow, (store_id, issue_id))
        if row is None:
            raise ActionError(f"dispute {issue_id} is not in store {store_id!r}; sync the "
                              "store, or check the id")
        if row.issue_status != "processing":
            raise ActionError(f"dispute {issue_id} is {row.issue_status}: its plan is over")


def send_with_refusal(actions: DisputeActions, db: Database, reply: NextReply,
                      operator: str, now: datetime | None = None) -> ActionOutcome:
    """A counter-offer step: its text is the reason of a refusal (``solution.save``); once
    the platform has it, the step counts as sent."""
    if reply.due is None or reply.draft is None:
        raise ActionError("nothing to send on this dispute: its plan is done")
    if reply.due.step.channel is not Channel.COUNTER_OFFER:
        raise ActionError(f"{reply.due.step.template} goes to the order chat: copy it and "
                          "mark it sent")
    if not reply.draft.ready:
        raise ActionError("this draft is not ready: " + reply.draft.text)
    # The counter-offer is the amount the draft names (0 for a plain refusal).
    outcome = actions.refuse(reply.issue_id, reply.draft.text, reply.offer or Decimal(0))
    if outcome.status is ActionStatus.OK:
        mark_sent(db, reply, operator, now)
    return outcome


def replies_due(db: Database, queue: pd.DataFrame, day_end: datetime) -> pd.DataFrame:
    """The replies due by ``day_end`` on the disputes of ``queue`` (with its ``class``)."""
    columns = ["store_id", "dispute", "reply", "step", "due (UTC)", "overdue"]
    if queue.empty:
        return pd.DataFrame(columns=columns)
    keys = list(zip(queue["store_id"], queue["issue_id"].astype(int), strict=True))
    classes: Mapping[tuple[str, int], Any] = dict(zip(keys, queue["class"], strict=True))
    recommended: Mapping[tuple[str, int], Any] = dict(zip(
        keys, queue["recommended"] if "recommended" in queue else [None] * len(keys),
        strict=True))
    with db.session() as s:
        sent: dict[tuple[str, int], list[tuple[str, datetime]]] = {}
        for r in s.scalars(select(ReplySentRow).order_by(ReplySentRow.sent_at,
                                                          ReplySentRow.id)):
            sent.setdefault((r.store_id, r.issue_id), []).append((r.template, r.sent_at))
        # Three reads per dispute were minutes for a queue of 100,000: read the queue's
        # stores' cases once, then look them up.
        stores = sorted({store_id for store_id, _issue in keys})
        cases = {case.key: case for case in load_cases(s, stores)}
    marks = journal_marks(db, stores)
    rows = []
    for store_id, issue_id in keys:
        case = cases.get((store_id, issue_id))
        if case is None:
            continue
        dispute, shipment = case.dispute, case.shipment
        dispute_class = str(classes[(store_id, issue_id)])
        state = _state(shipment, dispute_class, marks.get((store_id, issue_id), frozenset()))
        # the queue's advice says whether the store's history turned the refusal into an
        # offer (``assessment.settles_as_history_says``, read here from its column)
        settling = dispute_class in SETTLE_IF_HISTORY_SAYS \
            and recommended.get((store_id, issue_id)) == Action.PARTIAL_REFUND
        due = _due(dispute, shipment, dispute_class, sent.get((store_id, issue_id), []),
                   day_end, state, settling)
        if due is None or not due.is_due(day_end):
            continue
        rows.append({"store_id": store_id, "dispute": str(issue_id),
                     "reply": due.step.template.replace("_", " "), "step": due.number,
                     "due (UTC)": due.due_at, "overdue": due.is_overdue(day_end)})
    frame = pd.DataFrame(rows, columns=columns)
    frame = frame.sort_values(["overdue", "due (UTC)"], ascending=[False, True],
                              kind="stable").reset_index(drop=True)
    frame["due (UTC)"] = pd.to_datetime(frame["due (UTC)"], utc=True).dt.strftime("%d %b %H:%M")
    return frame


def end_of_day(now: datetime) -> datetime:
    """The end of ``now``'s UTC day: what 'due today' means in the daily run."""
    return datetime.combine(now.date(), time.max, tzinfo=now.tzinfo)
