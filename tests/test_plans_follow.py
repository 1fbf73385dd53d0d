"""Plans follow the case, to the end (issue 15, item 2), on a synced database through the
services: a parcel waiting to be collected gets its own replies, a settled case is asked to
cancel, the second stalled-parcel reply asks only a buyer who answered, an untracked parcel
is waited for before the offer, and a dispute the platform holds tells one story."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from babel.numbers import format_currency
from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ActionRow
from disputekit.adapters.parameters import load_store
from disputekit.adapters.workspace import Workspace
from disputekit.domain.replies import PLANS, Channel, ReplyPlan
from disputekit.domain.taxonomy import DisputeClass
from disputekit.domain.tracking import PICKUP_HOLD_DAYS
from disputekit.errors import ActionError
from disputekit.services.actions import DisputeActions
from disputekit.services.assessment import triage_open
from disputekit.services.cases import load_case
from disputekit.services.followups import (
    NextReply,
    mark_buyer_answered,
    mark_sent,
    mark_settled,
    next_reply,
    replies_due,
)
from disputekit.services.queue import open_disputes
from disputekit.services.shipments import assess
from disputekit.simulator.app import RunningSimulator
from tests.conftest import ConnectStore, SyncedTemplates

STORES = ("volt", "spark", "bloom")
Key = tuple[str, int]  # (store_id, issue_id)


@dataclass(frozen=True)
class Cases:
    """Open disputes of the demo stores, picked from the synced queue by what each test needs
    (the simulator's ids and mix follow the hour it starts, so none is written down here)."""

    stalled_es: Key  # a stalled parcel of a buyer who writes Spanish
    no_tracking: Key  # an untracked parcel
    no_tracking_country: str
    no_tracking_currency: str  # the buyer's, which the offer is drafted in
    to_poland: Key  # a logistics dispute of a buyer in Poland: the tests set its tracking


def _pick(queue: Any, what: str, **where: Any) -> Key:
    rows = queue
    for column, value in where.items():
        rows = rows[rows[column].isin(value if isinstance(value, tuple) else (value,))]
    if rows.empty:
        pytest.fail(f"the seed-7 demo stores have no open {what} this hour; widen the pick")
    return str(rows["store_id"].iloc[0]), int(rows["issue_id"].iloc[0])


@pytest.fixture
def cases(synced: Database, anchor: datetime) -> Cases:
    queue = open_disputes(synced, anchor)
    queue = queue[queue["status"] == "wait_for_seller_response"]
    no_tracking = _pick(queue, "untracked parcel", **{"class": "no_tracking"})
    row = queue[(queue["store_id"] == no_tracking[0])
                & (queue["issue_id"] == no_tracking[1])].iloc[0]
    logistics = tuple(c.value for c in DisputeClass if c.family.value == "logistics")
    return Cases(
        stalled_es=_pick(queue, "stalled parcel of a Spanish-writing buyer",
                         **{"class": "stalled_in_transit", "language": "es"}),
        no_tracking=no_tracking, no_tracking_country=str(row["country"]),
        no_tracking_currency=str(row["offer_currency"]),
        to_poland=_pick(queue, "logistics dispute in Poland",
                        **{"class": logistics, "country": "PL"}))


@pytest.fixture
def simulator(fresh_simulator: RunningSimulator) -> RunningSimulator:
    """Tests here act on the simulator: each gets one in the state its copy was synced from."""
    return fresh_simulator


@pytest.fixture
def synced(workspace: Workspace, credentials: dict[str, str],
           synced_templates: SyncedTemplates) -> Iterator[Database]:
    db = synced_templates.copy_into(workspace, STORES)
    yield db
    db.dispose()


# --- helpers ---------------------------------------------------------------------------------

_GAP = re.compile(r"\[\[FILL IN: [^\]]*\]\]")


def send(db: Database, reply: NextReply, at: datetime) -> str:
    """The operator sends the draft (filling any gap the way they would) and marks it sent;
    returns the text the buyer reads."""
    assert reply.due is not None and reply.draft is not None
    draft = reply.draft
    if not draft.ready:  # the carrier's explanation, the usage advice: typed in
        assert set(draft.missing) <= {"carrier_explanation", "usage_help"}, draft.missing
        text = _GAP.sub("the parcel is waiting for a connecting flight", draft.preview)
        draft = replace(draft, text=text, missing=())
        reply = replace(reply, draft=draft)
    mark_sent(db, reply, "ana", now=at)
    return draft.text


def set_tracking(db: Database, workspace: Workspace, key: Key,
                 details: list[dict[str, str]], now: datetime) -> None:
    """The parcel's tracking as a sync would store it (the same assessment path)."""
    store = load_store(key[0], workspace.parameters_dir)
    with db.session() as s:
        case = load_case(s, *key)
        assert case is not None and case.order is not None
        assess(s, store, case.order, case.order.logistics_no, details, now)


def event(when: str, code: str, text: str, where: str = "") -> dict[str, str]:
    return {"event_date": when, "event_desc": text, "address": where, "signed_name": "",
            "action_code": code}


ON_THE_WAY = [
    event("2026-11-10 09:00:00", "PU_PICKUP_SUCCESS", "Picked up", "Shenzhen, CN"),
    event("2026-11-12 09:00:00", "LH_DEPART", "Departed from the origin airport", "Shenzhen, CN"),
    event("2026-11-20 10:00:00", "LH_ARRIVE", "Arrived in the destination country", "Warszawa, PL"),
]
# Waiting at a post office since 1 Dec 10:00 Pacific (18:00 UTC): 14 days' hold, 15 Dec.
AT_POST_OFFICE = [*ON_THE_WAY, event(
    "2026-12-01 10:00:00", "GTMS_WAIT_SELF_PICK", "Awaiting collection at the post office",
    "Poczta Polska UP Kraków 1")]
SENT_BACK = [*AT_POST_OFFICE, event("2026-12-15 11:00:00", "RT_OUTBOUND",
                                    "Not collected in time: returned to sender", "Kraków, PL")]
BACK_HOME = [*SENT_BACK, event("2026-12-30 11:00:00", "RETURNED", "Returned to the sender",
                               "Shenzhen, CN")]
COLLECTED = [*AT_POST_OFFICE, event("2026-12-03 12:00:00", "GTMS_SIGNED", "Delivered",
                                    "Kraków, PL")]


def row_of(db: Database, now: datetime, key: Key) -> dict[str, Any]:
    queue = open_disputes(db, now)
    rows = queue[(queue["store_id"] == key[0])
                 & (queue["issue_id"] == key[1])].to_dict("records")
    assert rows, f"dispute {key} is not open in the synced queue"
    return dict(rows[0])


def opened_at(db: Database, key: Key) -> datetime:
    with db.session() as s:
        case = load_case(s, *key)
        assert case is not None
        return case.dispute.created_at


# --- 1. awaiting collection ------------------------------------------------------------------


def test_a_parcel_at_the_post_office_is_to_collect_by_a_date_not_coming_back(
        synced: Database, workspace: Workspace, anchor: datetime, cases: Cases) -> None:
    set_tracking(synced, workspace, cases.to_poland, AT_POST_OFFICE, anchor)
    row = row_of(synced, anchor, cases.to_poland)
    assert row["class"] == "returned_undelivered"
    assert row["recommended"] == "refuse"  # nothing to resend: the parcel is there
    advice = triage_open(synced, anchor)[cases.to_poland]["recommendation"]
    assert advice == ["refuse (counter-offer 0) and tell the buyer where to collect the parcel "
                      "(Poczta Polska UP Kraków 1) before it goes back (by 15 Dec 2026: 14 "
                      "days' hold [I])"]

    reply = next_reply(synced, *cases.to_poland, row["class"], anchor)
    assert reply.due is not None and reply.draft is not None and reply.draft.ready
    assert reply.due.step.template == "pickup_waiting"
    # Sent as the reason of the refusal the recommendation asks for, with nothing offered.
    assert reply.due.step.channel is Channel.COUNTER_OFFER and reply.offer == 0
    assert reply.lang == "pl"
    text = reply.draft.text
    assert "w punkcie odbioru (Poczta Polska UP Kraków 1)" in text
    assert "najpóźniej do 15 grudnia 2026" in text  # 1 Dec + 14 days, in Polish
    assert "odesłana do nas" in text and "wraca" not in text.split("najpóźniej")[0]
    english = next_reply(synced, *cases.to_poland, row["class"], anchor, lang="en")
    assert english.draft is not None
    assert "is waiting for you at Poczta Polska UP Kraków 1" in english.draft.text
    assert "by 15 December 2026" in english.draft.text  # en, the date as in Poland
    assert "on its way back" not in english.draft.text
    # A lane whose post office keeps parcels 30 days says so.
    longer = next_reply(synced, *cases.to_poland, row["class"], anchor, lang="en",
                        pickup_hold_days=30)
    assert longer.draft is not None and "by 31 December 2026" in longer.draft.text
    assert PICKUP_HOLD_DAYS == 14

    # Reminded every three days while it waits, never told it is coming back.
    send(synced, reply, anchor)
    then = next_reply(synced, *cases.to_poland, row["class"], anchor, lang="en")
    assert then.due is not None and then.draft is not None
    assert then.due.step.template == "pickup_reminder"
    assert then.due.due_at == anchor + timedelta(days=3)
    assert "only until 15 December 2026" in then.draft.text
    send(synced, then, anchor + timedelta(days=3))
    again = next_reply(synced, *cases.to_poland, row["class"], anchor + timedelta(days=3))
    assert again.due is not None and again.due.step.template == "pickup_reminder"

    # Sent back after all: now (only now) the returned plan, from its notice.
    set_tracking(synced, workspace, cases.to_poland, SENT_BACK, anchor + timedelta(days=11))
    back = next_reply(synced, *cases.to_poland, row["class"], anchor + timedelta(days=11),
                      lang="en")
    assert back.due is not None and back.draft is not None
    assert back.due.step.template == "returned_undelivered_notice"
    assert "on its way back to us" in back.draft.text


def test_a_waiting_parcel_without_a_place_is_still_to_collect(
        synced: Database, workspace: Workspace, anchor: datetime, cases: Cases) -> None:
    nowhere = [*ON_THE_WAY, event("2026-12-01 10:00:00", "GSTA_INFORM_BUYER",
                                  "Buyer informed: please collect the parcel")]
    set_tracking(synced, workspace, cases.to_poland, nowhere, anchor)
    reply = next_reply(synced, *cases.to_poland, "returned_undelivered", anchor, lang="en")
    assert reply.due is not None and reply.draft is not None and reply.draft.ready
    assert reply.due.step.template == "pickup_waiting"
    assert "waiting for you at your local post office or pickup point" in reply.draft.text
    assert "[[" not in reply.draft.preview


def test_a_collected_parcel_ends_the_pickup_plan_with_the_cancel_request(
        synced: Database, workspace: Workspace, anchor: datetime, cases: Cases) -> None:
    set_tracking(synced, workspace, cases.to_poland, AT_POST_OFFICE, anchor)
    send(synced, next_reply(synced, *cases.to_poland, "returned_undelivered", anchor),
         anchor)
    later = anchor + timedelta(days=1)
    set_tracking(synced, workspace, cases.to_poland, COLLECTED, later)
    closing = next_reply(synced, *cases.to_poland, "returned_undelivered", later,
                         lang="en")
    assert closing.due is not None and closing.draft is not None
    assert closing.due.step.template == "cancel_request"
    assert "Could you please cancel the dispute" in closing.draft.text
    send(synced, closing, later)
    assert next_reply(synced, *cases.to_poland, "returned_undelivered", later).due is None


# --- 2. every plan with a closing reply reaches it -------------------------------------------

CLOSING = [code for code, plan in PLANS.items() if plan.closing is not None]
RETURNED = (DisputeClass.RETURNED_UNDELIVERED, DisputeClass.RETURNED_IN_COUNTRY,
            DisputeClass.RETURNED_BEFORE_EXPORT)


def _walk(db: Database, workspace: Workspace, plan: ReplyPlan, key: Key, start: datetime
          ) -> tuple[list[str], datetime]:
    """Send every step of the plan once, as each comes due; returns what went out."""
    code = str(plan.dispute_class)
    sent: list[str] = []
    at = start
    for _ in range(len(plan.steps) + 1):
        reply = next_reply(db, *key, code, at, lang="en")
        if reply.due is None:  # every step went out; the rest waits for a settlement
            break
        step = reply.due.step
        assert step.template != "cancel_request", f"{code}: closing before it is settled"
        if reply.due.waiting_for is not None:  # the parcel comes back to the warehouse
            set_tracking(db, workspace, key, BACK_HOME, at)
            continue
        if step.template in sent:  # a repeating last step: every step went out once
            break
        assert reply.due.due_at is not None
        at = max(at, reply.due.due_at)
        send(db, reply, at)
        sent.append(step.template)
    return sent, at


@pytest.mark.parametrize("code", CLOSING, ids=str)
def test_every_plan_walks_from_its_first_reply_to_the_cancel_request(
        code: DisputeClass, synced: Database, workspace: Workspace, anchor: datetime,
        simulator: RunningSimulator, connect_store: ConnectStore, cases: Cases) -> None:
    plan = PLANS[code]
    if code in RETURNED:  # the parcel is on its way back (not waiting to be collected)
        set_tracking(synced, workspace, cases.stalled_es, SENT_BACK, anchor)
    start = max(anchor, opened_at(synced, cases.stalled_es))
    sent, at = _walk(synced, workspace, plan, cases.stalled_es, start)
    assert sent == [step.template for step in plan.steps]

    # Not settled yet: nothing asks the buyer to cancel.
    before = next_reply(synced, *cases.stalled_es, str(code), at + timedelta(days=5))
    assert before.due is None or before.due.step.template != "cancel_request"
    assert not before.settled

    # Settled, as the database holds it: a resend in the journal (the seller's hands on the
    # platform) for the classes a resend settles, else the operator's "settled with buyer".
    if code in (*RETURNED, DisputeClass.LOST, DisputeClass.GENUINE_DEFECT):
        store = load_store(cases.stalled_es[0], workspace.parameters_dir)
        DisputeActions(store, connect_store(store), synced, "ana").note(
            cases.stalled_es[1], "resend", {"reason": "sent again"})
    else:
        mark_settled(synced, *cases.stalled_es, "ana", "agreed in the chat", now=at)
    closing = next_reply(synced, *cases.stalled_es, str(code), at, lang="en")
    assert closing.settled
    assert closing.due is not None and closing.draft is not None and closing.draft.ready
    assert closing.due.step.template == "cancel_request"
    assert closing.due.due_at == at and closing.due.number == len(plan.steps) + 1
    assert "Could you please cancel the dispute on this order?" in closing.draft.text
    # The daily list of replies due shows it too.
    queue = open_disputes(synced, at, triage=False)
    queue = queue[queue["issue_id"] == cases.stalled_es[1]].assign(**{"class": str(code)})
    due = replies_due(synced, queue, at + timedelta(hours=1))
    assert due["reply"].tolist() == ["cancel request"]

    send(synced, closing, at)
    after = next_reply(synced, *cases.stalled_es, str(code), at + timedelta(days=1))
    assert after.due is None


def test_extortion_has_no_closing_reply_even_when_settled(
        synced: Database, anchor: datetime, cases: Cases) -> None:
    mark_settled(synced, *cases.stalled_es, "ana", now=anchor)
    reply = next_reply(synced, *cases.stalled_es, "extortion", anchor)
    assert reply.due is None  # never ask an extortionist for a cancellation


def test_settling_is_journalled_with_who_and_refused_without_an_operator(
        synced: Database, anchor: datetime, cases: Cases) -> None:
    with pytest.raises(ActionError, match="operator must not be empty"):
        mark_settled(synced, *cases.stalled_es, " ", now=anchor)
    with pytest.raises(ActionError, match="is not in store"):
        mark_settled(synced, cases.stalled_es[0], 42, "ana", now=anchor)
    action_id = mark_settled(synced, *cases.stalled_es, "ana", "it works now", now=anchor)
    with synced.session() as s:
        row = s.get(ActionRow, action_id)
        assert row is not None
        assert (row.kind, row.operator, row.status, row.request_json) == (
            "settled", "ana", "ok", {"why": "it works now"})


# --- 3. the second stalled reply asks only a buyer who answered ------------------------------


def test_the_second_stalled_reply_asks_to_cancel_only_once_the_buyer_answered(
        synced: Database, anchor: datetime, cases: Cases) -> None:
    first = next_reply(synced, *cases.stalled_es, "stalled_in_transit", anchor)
    send(synced, first, anchor)
    day2 = anchor + timedelta(days=1)
    silent = next_reply(synced, *cases.stalled_es, "stalled_in_transit", day2)
    assert silent.due is not None and silent.due.step.template == "stalled_2_carrier"
    assert silent.lang == "es" and not silent.buyer_answered and silent.draft is not None
    assert "cancelar la disputa" not in silent.draft.preview

    mark_buyer_answered(synced, *cases.stalled_es, "ana", now=day2)
    answered = next_reply(synced, *cases.stalled_es, "stalled_in_transit", day2)
    assert answered.buyer_answered and answered.draft is not None
    assert "Gracias por responder a nuestro mensaje" in answered.draft.preview
    assert "¿podría cancelar la disputa de este pedido?" in answered.draft.preview
    english = next_reply(synced, *cases.stalled_es, "stalled_in_transit", day2, lang="en")
    assert english.draft is not None
    assert "could you please cancel the dispute on this order?" in english.draft.preview
    # The promise stays the same either way; only the ask is added.
    assert answered.draft.preview.startswith(silent.draft.preview.split("\n\nMuchas")[0])


def test_the_buyer_answered_button_records_it_and_redrafts(
        synced: Database, anchor: datetime, cases: Cases) -> None:
    from disputekit.ui.review import ReviewQueue

    send(synced, next_reply(synced, *cases.stalled_es, "stalled_in_transit", anchor), anchor)
    queue = ReviewQueue(synced, anchor + timedelta(days=1), operator="ana")
    queue.select(*cases.stalled_es)
    assert "stalled_2_carrier" in queue.reply_status.value
    assert "cancelar la disputa" not in queue.reply_text.value
    queue.answered_button.click()
    assert "cancelar la disputa" in queue.reply_text.value
    assert "buyer&#x27;s answer recorded by ana" in queue.reply_status.value
    with synced.session() as s:
        kinds = list(s.scalars(select(ActionRow.kind)
                               .where(ActionRow.issue_id == cases.stalled_es[1])))
    assert kinds == ["buyer_answered"]
    queue.settled_button.click()  # settled with the buyer: the closing reply is next
    assert "cancel_request" in queue.reply_status.value
    read_only = ReviewQueue(synced, anchor + timedelta(days=1))
    read_only.select(*cases.stalled_es)
    read_only.answered_button.click()  # nobody named: refused, nothing written
    assert "operator must not be empty" in read_only.reply_status.value


# --- 4. no tracking: wait, then the offer -------------------------------------------------------


def test_no_tracking_waits_then_offers_the_partial_refund(
        synced: Database, anchor: datetime, cases: Cases) -> None:
    row = row_of(synced, anchor, cases.no_tracking)
    assert row["class"] == "no_tracking"
    assert row["recommended"] == "partial_refund"  # not "resend" at once
    advice = triage_open(synced, anchor)[cases.no_tracking]["recommendation"]
    assert advice[0].startswith("wait: send reply 1")
    assert advice[1].startswith("2 days after reply 1, if it has not arrived: offer a partial "
                                "refund (50 %)")

    first = next_reply(synced, *cases.no_tracking, "no_tracking", anchor, lang="en")
    assert first.due is not None and first.draft is not None
    assert first.due.step.template == "no_tracking_first" and first.offer is None
    assert "ask at your local post office" in first.draft.text
    assert first.due.step.note.startswith("wait")
    assert first.following is not None
    assert first.following.step.template == "no_tracking_offer"
    goes_out = max(anchor, first.due.due_at or anchor)
    assert first.following.due_at == goes_out + timedelta(days=2)

    send(synced, first, anchor)
    early = next_reply(synced, *cases.no_tracking, "no_tracking",
                       anchor + timedelta(days=1))
    assert early.due is not None and not early.due.is_due(anchor + timedelta(days=1))
    offer = next_reply(synced, *cases.no_tracking, "no_tracking",
                       anchor + timedelta(days=2), lang="en")
    assert offer.due is not None and offer.draft is not None
    assert offer.due.step.template == "no_tracking_offer"
    assert offer.due.due_at == anchor + timedelta(days=2)
    assert offer.offer == Decimal(str(row["recommended_offer"]))  # the queue's amount
    country = cases.no_tracking_country
    shown = format_currency(offer.offer, cases.no_tracking_currency, locale=f"en_{country}")
    assert shown in offer.draft.text


# --- 5. a dispute the platform holds: one story ------------------------------------------------


def test_a_dispute_the_platform_holds_tells_one_story(synced: Database, anchor: datetime) -> None:
    queue = open_disputes(synced, anchor)
    held = queue[queue["if_nobody_acts"].str.contains("the platform already holds")]
    # Held while the platform decides, and held while it waits for the seller's answer.
    assert {"wait_for_AE_feedback", "wait_for_your_response"} <= set(held["status"])
    for text in held["if_nobody_acts"]:
        assert "the buyer's plan is executed automatically" not in text
    free = queue[~queue["issue_id"].isin(held["issue_id"])]
    assert free["if_nobody_acts"].str.contains("the buyer's plan is executed").any()


def test_the_pickup_plan_is_the_returned_class_only(
        synced: Database, workspace: Workspace, anchor: datetime, cases: Cases) -> None:
    """A parcel at a pickup point under an operator's other class follows that class's plan:
    the pickup wording belongs to the returned-undelivered reading of the tracking."""
    set_tracking(synced, workspace, cases.stalled_es, AT_POST_OFFICE, anchor)
    reply = next_reply(synced, *cases.stalled_es, "stalled_in_transit", anchor)
    assert reply.due is not None and reply.due.step.template == "stalled_1_first"


