"""The follow-up plan on stored disputes: the next reply, drafted in the buyer's language,
when it is due, and the operator marking it sent.

``replies`` (pure) knows the plans, the templates and the schedule; this module gathers the
facts a reply quotes from what the sync stored, and keeps the replies sent.
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
from disputekit.domain.decisions import CostModel
from disputekit.domain.platform_time import utc_now
from disputekit.domain.replies import (
    LANGUAGES,
    Channel,
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
from disputekit.errors import ActionError, TriageInputError
from disputekit.services.actions import ActionOutcome, ActionStatus, DisputeActions
from disputekit.services.assessment import offer_of
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


def _context(dispute: DisputeRow, order: OrderRow | None, shipment: ShipmentRow | None,
             store_name: str, amount: Decimal | None) -> ReplyContext:
    last = shipment.last_event_at if shipment else None
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
    )


def _buyer_texts(dispute: DisputeRow) -> list[str]:
    return [str(p.get("content") or "") for p in dispute.detail_json.get("process_dto_list", [])
            if p.get("submit_member_type") == "buyer"]


def next_reply(db: Database, store_id: str, issue_id: int, dispute_class: str,
               now: datetime | None = None, *, lang: str | None = None, store_name: str = "",
               overrides: Overrides | None = None,
               cost_model: CostModel | None = None) -> NextReply:
    """The next reply of a dispute's plan, drafted (in ``lang``, else the buyer's); the
    amount it names is the one of the option its step takes (``replies.offered_action``),
    priced with the store's ``cost_model``, in the buyer's currency."""
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
    suggested = infer_language(order.buyer_country if order else "", _buyer_texts(dispute))
    chosen = lang or suggested
    if chosen not in LANGUAGES:
        raise ActionError(f"no replies in {chosen!r}; choose one of {', '.join(LANGUAGES)}")
    due = _due(dispute, shipment, dispute_class, sent, now)
    offer = _offer(case, dispute_class, due, now, cost_model)
    draft = render(due.step.template, chosen,
                   _context(dispute, order, shipment, store_name, offer),
                   overrides) if due else None
    return NextReply(store_id, issue_id, due, draft, chosen, suggested, offer,
                     dispute.local_currency or "")


def _offer(case: StoredCase, dispute_class: str, due: Due | None, now: datetime,
           cost_model: CostModel | None) -> Decimal | None:
    action = offered_action(due.step) if due is not None else None
    if action is None:
        return None
    try:
        return offer_of(case, DisputeClass(dispute_class), action, now, cost_model)
    except TriageInputError:
        return None  # unreadable stored data: the draft asks the operator for the amount


def _due(dispute: DisputeRow, shipment: ShipmentRow | None, dispute_class: str,
         sent: list[tuple[str, datetime]], now: datetime) -> Due | None:
    try:
        plan = plan_for(DisputeClass(dispute_class))
    except ValueError:
        return None  # unclassified: no plan to follow
    return next_step_due(
        plan, sent, delivered=bool(shipment and shipment.delivered),
        closed=dispute.issue_status != "processing", now=now, opened_at=dispute.created_at,
        parcel_back=bool(shipment and shipment.sub_status == "Exception_Returned"))


def mark_sent(db: Database, reply: NextReply, operator: str,
              now: datetime | None = None) -> ReplySentRow:
    """Record that the operator sent this draft (copied into the order chat)."""
    if reply.due is None or reply.draft is None:
        raise ActionError("nothing to send on this dispute: its plan is done")
    if not reply.draft.ready:
        raise ActionError("this draft is not ready: " + reply.draft.text)
    if not operator.strip():
        raise ActionError("say who sent it: operator must not be empty")
    row = ReplySentRow(store_id=reply.store_id, issue_id=reply.issue_id,
                       template=reply.due.step.template, lang=reply.lang,
                       channel=str(reply.due.step.channel), text=reply.draft.text,
                       operator=operator.strip(), sent_at=now or utc_now())
    with db.session() as s:
        s.add(row)
    return row


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
    with db.session() as s:
        sent: dict[tuple[str, int], list[tuple[str, datetime]]] = {}
        for r in s.scalars(select(ReplySentRow).order_by(ReplySentRow.sent_at,
                                                          ReplySentRow.id)):
            sent.setdefault((r.store_id, r.issue_id), []).append((r.template, r.sent_at))
        # Three reads per dispute were minutes for a queue of 100,000: read the queue's
        # stores' cases once, then look them up.
        stores = sorted({store_id for store_id, _issue in keys})
        cases = {case.key: case for case in load_cases(s, stores)}
        rows = []
        for store_id, issue_id in keys:
            case = cases.get((store_id, issue_id))
            if case is None:
                continue
            dispute, shipment = case.dispute, case.shipment
            due = _due(dispute, shipment, str(classes[(store_id, issue_id)]),
                       sent.get((store_id, issue_id), []), day_end)
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
