"""Reply plans: which replies to send for each class of dispute, in order, and when (pure).

Every class of the taxonomy has a **plan**: the replies a seller sends, in order, each with
the days it waits after the reply before it. The stalled-parcel plan is the practitioners'
three replies (``shared/domain.md``): the first the day the dispute opens, the carrier's
explanation the next day, then an update every day or two until the parcel is delivered or
the dispute closes; once a case is settled, a closing reply asks the buyer to cancel the
dispute. There is no chat API: the operator copies a reply out and marks it sent, except a
step whose ``channel`` is ``COUNTER_OFFER``, whose text is the reason sent with the refusal
(``aliexpress.issue.solution.save``).

A step that names money says which option of ``decisions`` it takes (``offers``): the draft
quotes that option's amount, and a counter-offer step sends it (``offered_action``).

    >>> plan = plan_for(DisputeClass.STALLED_IN_TRANSIT)
    >>> [s.template for s in plan.steps]
    ['stalled_1_first', 'stalled_2_carrier', 'stalled_3_update']
    >>> from datetime import UTC
    >>> opened = datetime(2026, 3, 1, 9, tzinfo=UTC)
    >>> due = next_step_due(plan, [("stalled_1_first", opened)], False, False, opened)
    >>> due.step.template, due.due_at.isoformat()
    ('stalled_2_carrier', '2026-03-02T09:00:00+00:00')
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from disputekit.domain.decisions import NO_TRACKING_WAIT_DAYS, SETTLE_IF_HISTORY_SAYS, Action
from disputekit.domain.taxonomy import DisputeClass
from disputekit.errors import TemplateError

__all__ = [
    "AWAITING_COLLECTION",
    "PLANS",
    "SETTLING_PLANS",
    "TEMPLATES",
    "Channel",
    "Due",
    "Gate",
    "ReplyPlan",
    "ReplyStep",
    "next_step_due",
    "offered_action",
    "plan_for",
]


class Channel(StrEnum):
    CHAT = "chat"  # copied into the order chat by the operator, then marked sent
    COUNTER_OFFER = "counter_offer"  # the reason of the refusal / counter-offer (solution.save)


class Gate(StrEnum):
    """An event a step waits for besides time."""

    PARCEL_BACK = "parcel_back"  # the returned parcel is back with the seller


@dataclass(frozen=True)
class ReplyStep:
    """One reply of a plan: due ``after_days`` after the previous reply went out (the first:
    after the dispute opened), overdue ``within_days`` after it. A ``repeat`` step (the last
    of a plan) comes again, as often, until the plan ends."""

    template: str
    after_days: int = 0
    within_days: int = 1
    repeat: bool = False
    channel: Channel = Channel.CHAT
    waits_for: Gate | None = None
    note: str = ""  # for the operator: what to do with it
    offers: Action | None = None  # the option whose amount the reply quotes (``amount``)
    # The text tells the buyer protection is already extended: it is never sent before the
    # extension (``services.handling`` puts the extension first and stops if it fails).
    needs_extension: bool = False


@dataclass(frozen=True)
class ReplyPlan:
    """The replies for one class, in order. ``until_delivered``: delivery ends the plan
    (and settles the case). ``closing`` is sent once the case is settled."""

    dispute_class: DisputeClass
    steps: tuple[ReplyStep, ...]
    until_delivered: bool = False
    closing: ReplyStep | None = None

    def number(self, step: ReplyStep) -> int:
        """The step's place in the plan, from 1 (the closing reply comes last)."""
        ordered = (*self.steps, *((self.closing,) if self.closing else ()))
        return ordered.index(step) + 1


_REFUSE = Channel.COUNTER_OFFER
_CANCEL = ReplyStep("cancel_request", note="the case is settled (the parcel arrived, a "
                    "resend or a solution was agreed): ask the buyer to cancel the dispute")


def _returned(code: DisputeClass, notice: str) -> ReplyPlan:
    return ReplyPlan(code, (
        ReplyStep(notice, note="tell the buyer the parcel is coming back; the freight cannot "
                               "be claimed from the carrier"),
        ReplyStep("returned_contact", waits_for=Gate.PARCEL_BACK,
                  note="send once the parcel is back in your warehouse"),
    ), closing=_CANCEL)


C = DisputeClass
PLANS: Final[dict[DisputeClass, ReplyPlan]] = {
    C.STALLED_IN_TRANSIT: ReplyPlan(C.STALLED_IN_TRANSIT, (
        ReplyStep("stalled_1_first", channel=_REFUSE, needs_extension=True,
                  note="extend buyer protection first; send as the reason of the refusal "
                       "(counter-offer 0)"),
        ReplyStep("stalled_2_carrier", after_days=1, within_days=2,
                  note="ask the carrier first; choose their explanation. If the buyer "
                       "answered reply 1, mark it (Buyer answered): this reply then asks "
                       "them to cancel the dispute"),
        ReplyStep("stalled_3_update", after_days=1, within_days=2, repeat=True,
                  note="a specific update with a concrete reason, every day or two"),
    ), until_delivered=True, closing=_CANCEL),
    C.NO_TRACKING: ReplyPlan(C.NO_TRACKING, (
        ReplyStep("no_tracking_first",
                  note="wait: the parcel may still arrive; the buyer checks the mailbox and "
                       "the post office"),
        ReplyStep("no_tracking_offer", after_days=NO_TRACKING_WAIT_DAYS,
                  within_days=NO_TRACKING_WAIT_DAYS + 1, channel=_REFUSE,
                  offers=Action.PARTIAL_REFUND,
                  note="a partial counter-offer: little evidence, settle before arbitration"),
    ), until_delivered=True, closing=_CANCEL),
    C.DELIVERED_DISPUTED: ReplyPlan(C.DELIVERED_DISPUTED, (
        ReplyStep("delivered_check", channel=_REFUSE,
                  note="refuse (counter-offer 0); upload the proof of signature"),
        ReplyStep("delivered_followup", after_days=2, within_days=3,
                  note="upload the shipping record with the weight and postage deduction"),
    ), closing=_CANCEL),
    C.CUSTOMS_BUYER_NO_DOCS: ReplyPlan(C.CUSTOMS_BUYER_NO_DOCS, (
        ReplyStep("customs_tax_id"),
        ReplyStep("customs_reminder", after_days=1, within_days=2, repeat=True),
    ), until_delivered=True, closing=_CANCEL),
    C.CUSTOMS_BUYER_UNREACHABLE: ReplyPlan(C.CUSTOMS_BUYER_UNREACHABLE, (
        ReplyStep("customs_unreachable",
                  note="try every channel too: order messages, the phone on the address"),
        ReplyStep("customs_reminder", after_days=1, within_days=2, repeat=True,
                  note="keep trying every channel"),
    ), until_delivered=True, closing=_CANCEL),
    C.RETURNED_UNDELIVERED: _returned(C.RETURNED_UNDELIVERED, "returned_undelivered_notice"),
    C.RETURNED_IN_COUNTRY: _returned(C.RETURNED_IN_COUNTRY, "returned_in_country_notice"),
    C.RETURNED_BEFORE_EXPORT: _returned(C.RETURNED_BEFORE_EXPORT,
                                        "returned_before_export_notice"),
    C.LOST: ReplyPlan(C.LOST, (
        ReplyStep("lost_apology", offers=Action.FULL_REFUND,
                  note="then claim the goods and the freight from the carrier"),
    ), closing=_CANCEL),
    C.GENUINE_DEFECT: ReplyPlan(C.GENUINE_DEFECT, (
        ReplyStep("defect_apology", offers=Action.FULL_REFUND,
                  note="do not be stingy: refund or resend"),
    ), closing=_CANCEL),
    C.BUYER_MISUSE: ReplyPlan(C.BUYER_MISUSE, (
        ReplyStep("misuse_video"),
        ReplyStep("misuse_help", after_days=1, within_days=2,
                  note="write the usage advice for what the video shows"),
    ), closing=_CANCEL),
    C.DELIBERATE_ABUSE: ReplyPlan(C.DELIBERATE_ABUSE, (
        ReplyStep("abuse_evidence", channel=_REFUSE,
                  note="refuse (counter-offer 0) and upload your own video of the product"),
        ReplyStep("abuse_compensation", after_days=2, within_days=3,
                  offers=Action.PARTIAL_REFUND, note="only at a deadlock; never call it a refund"),
    ), closing=_CANCEL),
    C.EXTORTION: ReplyPlan(C.EXTORTION, (
        ReplyStep("extortion_ask", note="keep screenshots of what the buyer asks for"),
        ReplyStep("extortion_refuse", after_days=1, within_days=2, channel=_REFUSE,
                  note="refuse (counter-offer 0) and report the buyer"),
    )),
    # Another colour, size or model than the listing: compare first (no money yet, never a
    # usage video), then a partial refund to keep it, or the full refund with the return at
    # the seller's cost.
    C.NOT_AS_DESCRIBED: ReplyPlan(C.NOT_AS_DESCRIBED, (
        ReplyStep("nad_compare",
                  note="ask for a photo of the item beside the listing; check it against "
                       "your packing photos of the chosen option"),
        ReplyStep("nad_offer", after_days=1, within_days=2, channel=_REFUSE,
                  offers=Action.PARTIAL_REFUND,
                  note="the partial refund to keep it is the counter-offer; if the buyer "
                       "would rather return it, agree to the return at your cost"),
    ), closing=_CANCEL),
    # Ordered by mistake, no longer needed (the platform's buyer-personal-reason flag): a
    # return at the buyer's cost for the refund, else a small goodwill amount to keep it.
    C.BUYER_OWN_REASON: ReplyPlan(C.BUYER_OWN_REASON, (
        ReplyStep("own_reason_return", offers=Action.RETURN_AND_REFUND,
                  note="the buyer returns it at their cost; refund once it is back"),
        ReplyStep("own_reason_goodwill", after_days=2, within_days=3, channel=_REFUSE,
                  offers=Action.PARTIAL_REFUND,
                  note="if the buyer would rather keep it: the small goodwill amount is the "
                       "counter-offer"),
    ), closing=_CANCEL),
}

# A parcel waiting at a pickup point or post office (``Timeline.awaiting_collection``) is
# not returned yet (domain.md, "cases that look alike"): the buyer is told where and by when
# to collect it, and reminded, until it is collected (the case is settled) or sent back
# (then the returned plan takes over, from its notice).
AWAITING_COLLECTION: Final = ReplyPlan(C.RETURNED_UNDELIVERED, (
    ReplyStep("pickup_waiting", channel=_REFUSE,
              note="refuse (counter-offer 0) with this as the reason: where the parcel "
                   "waits and the last day to collect it"),
    ReplyStep("pickup_reminder", after_days=3, within_days=4, repeat=True,
              note="remind the buyer before the pickup point sends it back"),
), until_delivered=True, closing=_CANCEL)

# Where the store's own history turns the playbook's refusal into a partial offer
# (``decisions.SETTLE_IF_HISTORY_SAYS``), the replies follow the advice: a refusal's text
# ("please check with your neighbours") sent with a counter-offer of money would contradict
# it. The evidence is still uploaded; the buyer reads the offer and why.
SETTLING_PLANS: Final[dict[DisputeClass, ReplyPlan]] = {
    C.DELIVERED_DISPUTED: ReplyPlan(C.DELIVERED_DISPUTED, (
        ReplyStep("delivered_settle", channel=_REFUSE, offers=Action.PARTIAL_REFUND,
                  note="your own refusals of delivered parcels cost more than a partial "
                       "offer: it is the counter-offer; upload the proof of delivery too"),
    ), closing=_CANCEL),
    C.CUSTOMS_BUYER_NO_DOCS: ReplyPlan(C.CUSTOMS_BUYER_NO_DOCS, (
        ReplyStep("customs_settle", channel=_REFUSE, offers=Action.PARTIAL_REFUND,
                  note="your own refusals of customs holds cost more than a partial offer: "
                       "it is the counter-offer, towards the duty"),
        ReplyStep("customs_reminder", after_days=1, within_days=2, repeat=True),
    ), until_delivered=True, closing=_CANCEL),
}
assert set(SETTLING_PLANS) == SETTLE_IF_HISTORY_SAYS
del C


def plan_for(code: DisputeClass | str, *, awaiting_collection: bool = False,
             settling: bool = False) -> ReplyPlan:
    """The reply plan of a class of the taxonomy; for an undelivered parcel still waiting to
    be collected (``awaiting_collection``), the pickup plan rather than the returned one;
    where the advice settles with a partial offer instead of the playbook's refusal
    (``settling``: the store's history said so), the settling plan of the class.

    >>> plan_for("returned_undelivered", awaiting_collection=True).steps[0].template
    'pickup_waiting'
    >>> plan_for("delivered_disputed", settling=True).steps[0].template
    'delivered_settle'
    """
    try:
        code = DisputeClass(code)
    except ValueError:
        raise TemplateError(f"no reply plan for class {code!r}: use one of "
                            f"{', '.join(c.value for c in DisputeClass)}") from None
    if awaiting_collection and code is DisputeClass.RETURNED_UNDELIVERED:
        return AWAITING_COLLECTION
    if settling and code in SETTLING_PLANS:
        return SETTLING_PLANS[code]
    return PLANS[code]


def offered_action(step: ReplyStep) -> Action | None:
    """The option a step takes: the one it quotes, else a refusal (counter-offer 0) for a
    step sent as the reason of a refusal; ``None`` when the step offers nothing.

    >>> offered_action(plan_for("deliberate_abuse").steps[1])
    <Action.PARTIAL_REFUND: 'partial_refund'>
    >>> offered_action(plan_for("stalled_in_transit").steps[0])
    <Action.REFUSE: 'refuse'>
    """
    if step.offers is not None:
        return step.offers
    return Action.REFUSE if step.channel is Channel.COUNTER_OFFER else None


def _plan_templates() -> tuple[str, ...]:
    names: dict[str, None] = {}
    for plan in (*PLANS.values(), *SETTLING_PLANS.values(), AWAITING_COLLECTION):
        for step in (*plan.steps, *((plan.closing,) if plan.closing else ())):
            names[step.template] = None
    return tuple(names)


# Every template a plan uses, each once: the set every language must have.
TEMPLATES: Final[tuple[str, ...]] = _plan_templates()


# ---------------------------------------------------------------------------------------------
# The follow-up schedule
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """The next reply of a plan: due from ``due_at``, overdue after ``latest_at``; both
    ``None`` while it waits for an event (``waiting_for``)."""

    step: ReplyStep
    number: int
    due_at: datetime | None
    latest_at: datetime | None
    waiting_for: Gate | None = None

    def is_due(self, at: datetime) -> bool:
        """Due by ``at`` (the daily run passes the end of its day)."""
        return self.due_at is not None and self.due_at <= at

    def is_overdue(self, at: datetime) -> bool:
        return self.latest_at is not None and self.latest_at < at


def next_step_due(
    plan: ReplyPlan,
    sent: Sequence[tuple[str, datetime]],
    delivered: bool,
    closed: bool,
    now: datetime,
    *,
    opened_at: datetime | None = None,
    settled: bool = False,
    parcel_back: bool = False,
) -> Due | None:
    """The next reply of ``plan`` and when it is due, or ``None`` when nothing more is.

    ``sent`` is every reply marked sent on the dispute, as (template, sent at). A closed
    dispute needs nothing. A settled case (or, for a plan that runs ``until_delivered``, a
    delivered parcel) needs only the closing reply, once, now. Otherwise the first step not
    yet sent (or a repeating last step) is due ``after_days`` after the latest reply, or
    after ``opened_at`` (default ``now``) when none was sent.
    """
    if closed:
        return None
    done = Counter(template for template, _ in sent)
    latest = max((at for _, at in sent), default=None)
    if settled or (plan.until_delivered and delivered):
        closing = plan.closing
        if closing is None or done[closing.template]:
            return None
        return Due(closing, plan.number(closing), now, now)
    for step in plan.steps:
        if done[step.template] and not step.repeat:
            continue
        if step.waits_for is Gate.PARCEL_BACK and not parcel_back:
            return Due(step, plan.number(step), None, None, step.waits_for)
        if step.waits_for is not None:
            base = now  # the event just happened: answer it now
        else:
            base = latest if latest is not None else (opened_at or now)
        return Due(step, plan.number(step), base + timedelta(days=step.after_days),
                   base + timedelta(days=max(step.within_days, step.after_days)))
    return None

