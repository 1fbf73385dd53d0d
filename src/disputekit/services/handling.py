"""The recommended handling of one dispute, as one guarded sequence.

The playbook's move on a stalled parcel is four things in order: extend the buyer's
protection, refuse with the counter-offer, send reply 1 as the refusal's reason, mark it
sent. The workbook offers that as its default button; this module says what the sequence
is (``plan_handling``: every step, the text the buyer will read, the amount in the
currency the platform takes) and carries it out (``carry_out``) step by step, stopping at
the first step that does not succeed, so a reply saying "we have extended your protection"
never goes out without the extension. An answer lost to a timeout is settled at once by
reading the dispute back from the platform (``DisputeActions.retry``), never by sending
blind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ActionRow, DisputeRow
from disputekit.domain.deadlines import SELLER_TURN_STATUSES
from disputekit.domain.decisions import Action
from disputekit.domain.replies import Channel
from disputekit.errors import ActionError, DisputeKitError
from disputekit.services.actions import ActionKind, ActionOutcome, ActionStatus, DisputeActions
from disputekit.services.followups import NextReply, mark_sent

#: Days of protection the stalled-parcel handling adds (the playbook's "extend first").
EXTEND_DAYS = 15

# The refusals: the platform's counter-offer (``solution.save``), 0 or part of the money.
_REFUSING = frozenset({Action.REFUSE, Action.USAGE_HELP, Action.PARTIAL_REFUND})
# What no API does: the workbook opens the panel that prepares it instead.
_BY_HAND = {
    Action.CARRIER_CLAIM: "a carrier claim is filed with the carrier, not on AliExpress: "
                          "open the claim panel below",
    Action.REPORT_BUYER: "no API reports a buyer: open \"Report buyer\" for the text to "
                         "paste in Seller Center",
    Action.LEAVE_TO_PLATFORM: "the advice is to leave this one to the platform: nothing to "
                              "send now",
}


class StepKind(StrEnum):
    EXTEND = "extend"  # extend the buyer's protection
    REFUSE = "refuse"  # refuse the buyer's plan with a counter-offer (0 or part)
    AGREE = "agree"  # accept the buyer's plan: the buyer is refunded
    RETURN = "return"  # accept a return to the store's default return address
    RESEND = "resend"  # journal the resend (there is no API for it)
    MARK_SENT = "mark_sent"  # the reply is recorded as sent (it went as the refusal's reason)


@dataclass(frozen=True)
class Step:
    kind: StepKind
    words: str  # what the step does, as the confirmation lists it


@dataclass(frozen=True)
class Handling:
    """The recommended handling of one dispute, ready to confirm (``blocked`` empty) or
    saying why it cannot be one click (``blocked``: what the operator does instead)."""

    store_id: str
    issue_id: int
    order: str
    action: str  # the recommended ``decisions.Action``
    steps: tuple[Step, ...]
    amount: Decimal | None  # the counter-offer, in ``currency`` (None: no money offered)
    currency: str  # the dispute's own currency: the one the platform takes the offer in
    buyer_reads: str  # what the buyer reads with it ("" when nothing is sent to them)
    reply: NextReply | None = None
    days: int = EXTEND_DAYS
    chat_reply: str = ""  # a reply still to paste in the order chat afterwards
    blocked: str = ""

    @property
    def title(self) -> str:
        """The default button's label: the whole sequence in a few words."""
        if self.blocked or not self.steps:
            return "Recommended: " + self.action.replace("_", " ")
        return "Do it: " + ", ".join(_short(s.kind, self) for s in self.steps)

    def confirmation(self) -> str:
        """What the confirmation says, in plain text: each step, the amount in the
        platform's currency, and the buyer's text exactly as they will read it."""
        lines = [f"On order {self.order} ({self.store_id}):"]
        lines += [f"{n}. {step.words}" for n, step in enumerate(self.steps, 1)]
        if self.chat_reply:
            lines.append(f"Then paste {self.chat_reply} into the order chat and mark it sent.")
        return "\n".join(lines)


def _short(kind: StepKind, h: Handling) -> str:
    if kind is StepKind.EXTEND:
        return f"extend {h.days} days"
    if kind is StepKind.REFUSE:
        return f"refuse, offer {h.amount:.2f} {h.currency}" if h.amount else "refuse"
    if kind is StepKind.MARK_SENT:
        return f"send reply {h.reply.due.number}" if h.reply and h.reply.due else "mark sent"
    return {StepKind.AGREE: "refund the buyer", StepKind.RETURN: "accept the return",
            StepKind.RESEND: "record the resend"}[kind]


def plan_handling(db: Database, row: Mapping[str, Any], reply: NextReply | None, *,
                  text: str | None = None, reason: str = "",
                  days: int = EXTEND_DAYS) -> Handling:
    """The recommended handling of the queue's ``row`` (its ``recommended`` action), with
    its next ``reply`` (``text``: the draft as the operator edited it; ``reason``: what they
    typed for a refusal whose reply is not a counter-offer)."""
    store_id, issue_id = str(row["store_id"]), int(row["issue_id"])
    action = str(row.get("recommended") or "")
    with db.session() as s:
        dispute = s.get(DisputeRow, (store_id, issue_id))
        if dispute is None:
            raise ActionError(f"dispute {issue_id} is not in store {store_id!r}; sync the "
                              "store")
        status, currency = dispute.reverse_detail_status, dispute.local_currency or ""
        cap = dispute.refund_max_local
        order = str(dispute.parent_order_id)
        extended = s.scalars(select(ActionRow.id).where(
            ActionRow.store_id == store_id, ActionRow.issue_id == issue_id,
            ActionRow.kind == ActionKind.EXTEND_PROTECTION,
            ActionRow.status == ActionStatus.OK).limit(1)).first() is not None

    def made(steps: Sequence[Step], amount: Decimal | None, buyer_reads: str = "",
             chat_reply: str = "", blocked: str = "") -> Handling:
        return Handling(store_id, issue_id, order, action, tuple(steps), amount, currency,
                        buyer_reads, reply, days, chat_reply, blocked)

    def blocked(why: str) -> Handling:
        return made((), None, blocked=why)

    try:
        recommended = Action(action)
    except ValueError:
        return blocked("no recommendation on this dispute (it could not be classed): "
                       "choose an action below")
    if recommended in _BY_HAND:
        return blocked(_BY_HAND[recommended])
    if status not in SELLER_TURN_STATUSES:
        return blocked("it is not your turn on this dispute: the platform waits for the "
                       "buyer or decides itself")
    draft_ready = (reply is not None and reply.due is not None and reply.draft is not None
                   and reply.draft.ready)
    counter = draft_ready and reply is not None and reply.due is not None \
        and reply.due.step.channel is Channel.COUNTER_OFFER
    chat = (f"reply {reply.due.number}" if draft_ready and not counter and reply is not None
            and reply.due is not None else "")
    if recommended in _REFUSING:
        if counter:
            assert reply is not None and reply.due is not None and reply.draft is not None
            says = (text if text is not None else reply.draft.text).strip()
            amount = (reply.offer or Decimal(0)).quantize(Decimal("0.01"))
            number = reply.due.number
        else:
            says = reason.strip()
            offer = row.get("recommended_offer")
            amount = Decimal(f"{float(offer):.2f}") if isinstance(offer, int | float) \
                and offer == offer else Decimal("0.00")
            number = 0
            if not says:
                return blocked("the refusal needs a reason the buyer reads: type it in "
                               "Reason (this dispute's next reply goes to the order chat)")
        if not says:
            return blocked("the reply is empty: write what the buyer reads with the refusal")
        if cap is not None and amount > cap:
            return blocked(f"the offer {amount:.2f} {currency} is more than the buyer can get "
                           f"back ({cap:.2f} {currency}): change the offer")
        steps: list[Step] = []
        if counter and reply is not None and reply.due is not None \
                and reply.due.step.needs_extension and not extended:
            steps.append(Step(StepKind.EXTEND,
                              f"Extend the buyer's protection by {days} days."))
        offer_words = (f"offer {amount:.2f} {currency}" if amount
                       else f"offer nothing (0.00 {currency})")
        steps.append(Step(StepKind.REFUSE,
                          f"Refuse the buyer's plan and {offer_words}, with this text as the "
                          "reason the buyer reads."))
        if counter:
            steps.append(Step(StepKind.MARK_SENT,
                              f"Record reply {number} as sent (it is the refusal's reason)."))
        return made(steps, amount, says)
    if recommended is Action.FULL_REFUND:
        return made((Step(StepKind.AGREE, "Agree to the buyer's plan: the buyer is refunded "
                          f"(up to {cap or 0:.2f} {currency})."),), cap, chat_reply=chat)
    if recommended is Action.RETURN_AND_REFUND:
        return made((Step(StepKind.RETURN, "Agree to the buyer's return: they ship it to your "
                          "default return address, then are refunded "
                          f"(up to {cap or 0:.2f} {currency})."),), cap, chat_reply=chat)
    # resend (with or without a gift): the platform has no call for it
    return made((Step(StepKind.RESEND, "Record that you resend the order (goods and freight "
                      "again)."),), None, chat_reply=chat)


@dataclass(frozen=True)
class Carried:
    """What ``carry_out`` did: each step's outcome in order, and where it stopped."""

    handling: Handling
    done: tuple[tuple[Step, ActionOutcome | None], ...] = ()
    stopped: Step | None = None  # the step that did not succeed (None: all went through)
    problem: str = ""  # why it stopped, in words
    skipped: tuple[Step, ...] = field(default=())  # steps not tried because of the stop

    @property
    def ok(self) -> bool:
        return self.stopped is None


def carry_out(handling: Handling, actions: DisputeActions, db: Database, operator: str,
              now: datetime | None = None) -> Carried:
    """Run ``handling``'s steps in order, stopping at the first that does not succeed;
    an unknown outcome is settled by reading the platform back before going on."""
    if handling.blocked:
        raise ActionError(handling.blocked)
    done: list[tuple[Step, ActionOutcome | None]] = []
    steps = handling.steps
    for at, step in enumerate(steps):
        try:
            outcome = _run(step, handling, actions, db, operator, now)
        except DisputeKitError as exc:
            return Carried(handling, tuple(done), step, str(exc), steps[at + 1:])
        if outcome is not None and outcome.status is ActionStatus.UNKNOWN:
            # The answer was lost: read the dispute back (applied → ok; not → sent once).
            try:
                outcome = actions.retry(outcome.action_id)
            except DisputeKitError as exc:
                outcome = ActionOutcome(outcome.action_id, outcome.kind, ActionStatus.UNKNOWN,
                                        str(exc))
        done.append((step, outcome))
        if outcome is not None and outcome.status is not ActionStatus.OK:
            return Carried(handling, tuple(done), step, _why_stopped(step, outcome),
                           steps[at + 1:])
    return Carried(handling, tuple(done))


def _run(step: Step, handling: Handling, actions: DisputeActions, db: Database,
         operator: str, now: datetime | None) -> ActionOutcome | None:
    issue_id = handling.issue_id
    if step.kind is StepKind.EXTEND:
        return actions.extend_protection(issue_id, handling.days)
    if step.kind is StepKind.REFUSE:
        return actions.refuse(issue_id, handling.buyer_reads, handling.amount or Decimal(0))
    if step.kind is StepKind.AGREE:
        return actions.agree(issue_id)
    if step.kind is StepKind.RETURN:
        refund = actions.client.seller_addresses(("refund",))["refund"]
        if not refund:
            raise ActionError("this store has no return address on AliExpress: add one in "
                              "Seller Center first")
        address = next((a for a in refund if a.is_default), refund[0])
        return actions.agree(issue_id, return_address_id=address.address_id)
    if step.kind is StepKind.RESEND:
        return actions.note(issue_id, "resend", {"reason": "recommended handling"})
    assert handling.reply is not None
    mark_sent(db, handling.reply, operator, now, text=handling.buyer_reads)
    return None


def _why_stopped(step: Step, outcome: ActionOutcome) -> str:
    if step.kind is StepKind.EXTEND:
        head = ("the protection could not be extended" if outcome.status is ActionStatus.FAILED
                else "AliExpress did not confirm the extension")
        return (f"{head}: {outcome.message}. Nothing else was sent: the reply says protection "
                "is extended, so it waits until it is.")
    if outcome.status is ActionStatus.UNKNOWN:
        return (f"AliExpress did not answer, and reading the dispute back could not tell "
                f"whether it went through: {outcome.message}")
    return outcome.message
