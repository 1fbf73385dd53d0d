"""Amounts in drafts are the amounts offered: every reply that names money names the amount
of the option its step takes, in the buyer's currency, and a counter-offer sends it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import cast

import pytest
from babel.numbers import format_currency

import disputekit.domain.replies as replies
from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import DisputeRow, ReplySentRow
from disputekit.adapters.parameters import load_store
from disputekit.adapters.workspace import Workspace
from disputekit.domain.classify import Classification, DisputeFacts
from disputekit.domain.decisions import Action, CostModel, local_amount, option_for
from disputekit.domain.replies import (
    LANGUAGES,
    PLANS,
    SETTLING_PLANS,
    Channel,
    ReplyContext,
    ReplyStep,
    buyer_locale,
    offered_action,
    render,
)
from disputekit.domain.taxonomy import DisputeClass
from disputekit.errors import ActionError
from disputekit.services.actions import ActionKind, ActionOutcome, ActionStatus, DisputeActions
from disputekit.services.assessment import record_override
from disputekit.services.cases import load_case, load_cases
from disputekit.services.followups import next_reply, send_with_refusal
from disputekit.services.queue import open_disputes
from disputekit.services.store_day import connect
from disputekit.simulator.app import RunningSimulator
from disputekit.ui.review import ReviewQueue
from tests.conftest import SyncedTemplates

TEMPLATES_DIR = Path(replies.__file__).parent / "templates"
# An 89.90 EUR order, the platform's refund in USD beside it: the dispute's own rate.
REFUND_USD, REFUND_LOCAL, CURRENCY = Decimal("97.72"), Decimal("89.90"), "EUR"
# A buyer's country per language (a language added later is tested without one).
COUNTRY = {"en": "IE", "ru": "RU", "es": "ES", "pt_BR": "BR", "fr": "FR", "pl": "PL",
           "de": "DE", "it": "IT", "tr": "TR", "ko": "KR", "uk": "UA", "pt_PT": "PT"}


def quotes_money(template: str) -> bool:
    return any("amount" in (TEMPLATES_DIR / lang / f"{template}.txt.j2").read_text()
               for lang in LANGUAGES)


def money_steps() -> list[tuple[DisputeClass, ReplyStep]]:
    """Every (class, step) whose reply names money, the closing replies included."""
    found = []
    plans = [*PLANS.items(), *SETTLING_PLANS.items()]
    for code, plan in plans:
        for step in (*plan.steps, *((plan.closing,) if plan.closing else ())):
            if quotes_money(step.template):
                found.append((code, step))
    return found


def test_every_money_template_is_tied_to_an_option() -> None:
    steps = money_steps()
    assert {step.template for _code, step in steps} == {
        "abuse_compensation", "no_tracking_offer", "lost_apology", "defect_apology",
        "nad_offer", "own_reason_return", "own_reason_goodwill", "delivered_settle",
        "customs_settle"}
    for code, step in steps:
        assert step.offers is not None, f"{code}: {step.template} names money, no option"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("code", "step"), money_steps(),
                         ids=lambda v: str(v.template if isinstance(v, ReplyStep) else v))
def test_a_money_reply_quotes_its_option_in_the_buyers_currency(
        code: DisputeClass, step: ReplyStep, lang: str) -> None:
    facts = DisputeFacts(issue_id=1, refund_asked=float(REFUND_USD),
                         refund_max=float(REFUND_USD), product_price=float(REFUND_USD),
                         country=COUNTRY.get(lang, ""))
    model = CostModel(currency="EUR", per_usd=0.92)  # the store's own currency is no matter
    action = offered_action(step)
    assert action is not None
    option = option_for(action, Classification(code, 0.9, ("test",)), facts, model)
    assert option.offered_usd is not None
    amount = local_amount(option.offered_usd, REFUND_USD, REFUND_LOCAL, CURRENCY)
    assert amount is not None
    if action in (Action.FULL_REFUND, Action.RETURN_AND_REFUND):  # the whole refund
        assert amount == REFUND_LOCAL
    else:
        assert 0 < amount < REFUND_LOCAL
    country = COUNTRY.get(lang) or None
    draft = render(step.template, lang, ReplyContext(amount=amount, currency=CURRENCY,
                                                     country=country))
    assert "amount" not in draft.missing
    expected = format_currency(amount, CURRENCY, locale=buyer_locale(lang, country))
    assert expected in draft.preview
    # that amount, and no other: the currency is named once
    assert draft.preview.replace(expected, "").count("€") == 0, draft.preview


def test_the_spanish_abuse_compensation_for_an_8990_eur_order_is_small() -> None:
    facts = DisputeFacts(issue_id=1, refund_asked=float(REFUND_USD),
                         refund_max=float(REFUND_USD), country="ES")
    step = PLANS[DisputeClass.DELIBERATE_ABUSE].steps[1]
    assert step.template == "abuse_compensation"
    action = offered_action(step)
    assert action is Action.PARTIAL_REFUND
    option = option_for(action, Classification(DisputeClass.DELIBERATE_ABUSE, 0.9, ("t",)),
                        facts, CostModel())
    assert option.offered_usd is not None
    amount = local_amount(option.offered_usd, REFUND_USD, REFUND_LOCAL, CURRENCY)
    text = render("abuse_compensation", "es",
                  ReplyContext(amount=amount, currency="EUR", country="ES")).preview
    assert "89,90\xa0€" not in text and "89,90" not in text
    assert "8,99\xa0€" in text  # the small compensation: 10 % of the refund


def test_a_refusal_step_offers_nothing_and_a_chat_step_no_option() -> None:
    stalled = PLANS[DisputeClass.STALLED_IN_TRANSIT]
    assert offered_action(stalled.steps[0]) is Action.REFUSE  # counter-offer 0
    assert offered_action(stalled.steps[1]) is None


def test_local_amounts_use_the_disputes_own_rate() -> None:
    assert local_amount(97.72, REFUND_USD, REFUND_LOCAL, "EUR") == REFUND_LOCAL
    assert local_amount(200.0, REFUND_USD, REFUND_LOCAL, "EUR") == REFUND_LOCAL  # capped
    assert local_amount(5.0, None, None, "USD") == Decimal("5.00")
    assert local_amount(5.0, None, None, "EUR") is None  # no rate: the operator fills it


# ---------------------------------------------------------------------------------------------
# On stored disputes: the draft, the counter-offer and the queue's recommended offer
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def simulator(fresh_simulator: RunningSimulator) -> RunningSimulator:
    """Tests here act on the simulator: each gets one in the state its copy was synced from."""
    return fresh_simulator


@pytest.fixture
def synced(workspace: Workspace, credentials: dict[str, str],
           synced_templates: SyncedTemplates) -> Database:
    return synced_templates.copy_into(workspace, ("volt",))


def _an_89_90_eur_dispute(db: Database) -> tuple[str, int]:
    """An open dispute of the synced store whose parcel is still on its way (so a plan's
    offer is due, not its closing reply) and whose recommendation offers money, made an
    89.90 EUR order (97.72 USD). Chosen by what it is, not by its place in the queue: the
    demo data changes as buyers from more countries join it."""
    queue = open_disputes(db, datetime.now(UTC))
    with db.session() as s:
        moving = {case.key for case in load_cases(s, open_only=True)
                  if case.shipment is not None and not case.shipment.delivered
                  and case.shipment.sub_status != "Exception_Returned"}
    first = next(row for _, row in queue.iterrows()
                 if (str(row["store_id"]), int(row["issue_id"])) in moving
                 and row["recommended_offer"] == row["recommended_offer"])  # not NaN
    store_id, issue_id = str(first["store_id"]), int(first["issue_id"])
    with db.session() as s:
        row = s.get(DisputeRow, (store_id, issue_id))
        assert row is not None
        detail = dict(row.detail_json)
        detail["refund_money_max"] = str(REFUND_USD)
        detail["buyer_solution_list"] = [
            {**plan, "refund_money_post": str(REFUND_USD)}
            for plan in detail.get("buyer_solution_list", [])]
        row.detail_json = detail
        row.refund_max_usd, row.refund_max_local, row.local_currency = (
            REFUND_USD, REFUND_LOCAL, CURRENCY)
        case = load_case(s, store_id, issue_id)
        assert case is not None and case.order is not None
        case.order.buyer_country = "ES"  # euros written the Spanish way: "89,90 €"
    return store_id, issue_id


def test_a_stored_abuse_case_offers_the_small_compensation(synced: Database) -> None:
    store_id, issue_id = _an_89_90_eur_dispute(synced)
    now = datetime.now(UTC)
    with synced.session() as s:
        s.add(ReplySentRow(store_id=store_id, issue_id=issue_id, template="abuse_evidence",
                           lang="es", channel="counter_offer", text="…", operator="ana",
                           sent_at=now - timedelta(days=3)))
    reply = next_reply(synced, store_id, issue_id, "deliberate_abuse", now, lang="es")
    assert reply.due is not None and reply.due.step.template == "abuse_compensation"
    assert reply.offer == Decimal("8.99") and reply.currency == "EUR"
    assert reply.draft is not None and reply.draft.ready
    assert "8,99\xa0€" in reply.draft.text and "89,90" not in reply.draft.text


def test_a_stored_no_tracking_offer_sends_what_it_says(synced: Database) -> None:
    store_id, issue_id = _an_89_90_eur_dispute(synced)
    now = datetime.now(UTC)
    with synced.session() as s:
        s.add(ReplySentRow(store_id=store_id, issue_id=issue_id, template="no_tracking_first",
                           lang="en", channel="chat", text="…", operator="ana",
                           sent_at=now - timedelta(days=3)))
    reply = next_reply(synced, store_id, issue_id, "no_tracking", now, lang="en")
    assert reply.due is not None and reply.due.step.template == "no_tracking_offer"
    assert reply.offer == Decimal("44.95")  # half the refund, as the counter-offer
    # the amount in the buyer's country's way of writing it ("€44.95", "44,95 €")
    assert reply.draft is not None and re.search(r"€44\.95|44,95\s€", reply.draft.text)


def test_the_queue_carries_the_recommended_offer_in_the_refusals_currency(
        synced: Database) -> None:
    store_id, issue_id = _an_89_90_eur_dispute(synced)
    queue = open_disputes(synced, datetime.now(UTC))
    row = queue[(queue["store_id"] == store_id) & (queue["issue_id"] == issue_id)].iloc[0]
    assert row["offer_currency"] == "EUR"
    offer = row["recommended_offer"]
    assert offer is not None and 0 <= offer <= float(REFUND_LOCAL)


def test_the_counter_offer_sent_is_the_amount_the_draft_names(
        synced: Database, workspace: Workspace, simulator: RunningSimulator) -> None:
    now = datetime.now(UTC)
    queue = open_disputes(synced, now, triage=False)
    waiting = queue[queue["status"] == "wait_for_seller_response"]
    with synced.session() as s:
        for store_id, issue_id in zip(waiting["store_id"], waiting["issue_id"], strict=True):
            s.add(ReplySentRow(store_id=store_id, issue_id=int(issue_id),
                               template="no_tracking_first", lang="en", channel="chat",
                               text="…", operator="ana", sent_at=now - timedelta(days=3)))
    # a parcel not delivered yet: the plan's offer is due, not the closing reply
    reply = next(r for r in (next_reply(synced, str(store_id), int(issue_id), "no_tracking",
                                        now, lang="en")
                             for store_id, issue_id in zip(waiting["store_id"],
                                                           waiting["issue_id"], strict=True))
                 if r.due is not None and r.due.step.template == "no_tracking_offer")
    store_id, issue_id = reply.store_id, reply.issue_id
    assert reply.offer is not None and reply.offer > 0
    assert reply.draft is not None and reply.draft.ready
    store = load_store(store_id, workspace.parameters_dir)
    client = connect(store)
    try:
        outcome = send_with_refusal(DisputeActions(store, client, synced, "ana"), synced,
                                    reply, "ana")
    finally:
        client.close()
    assert outcome.status is ActionStatus.OK
    sent = simulator.gateway.lifecycle.index[store_id][issue_id]
    offer = sent.detail["seller_solution_list"][-1]
    assert offer["content"] == reply.draft.text and offer["refund_money"] == f"{reply.offer:.2f}"


def test_the_workbooks_offer_is_the_recommended_then_the_drafted_amount(
        synced: Database) -> None:
    store_id, issue_id = _an_89_90_eur_dispute(synced)
    refused: list[Decimal] = []

    class Actions:
        def refuse(self, issue_id: int, reason: str, amount: Decimal) -> ActionOutcome:
            refused.append(amount)
            return ActionOutcome(1, ActionKind.PARTIAL_REFUND, ActionStatus.OK, "done")

    queue = ReviewQueue(synced, operator="ana",
                        actions_for=lambda _store: cast(DisputeActions, Actions()))
    queue.select(store_id, issue_id)
    row = queue.queue.row(store_id, issue_id)
    assert row is not None and row["offer_currency"] == "EUR"
    reply = queue.reply
    if reply is not None and reply.due is not None \
            and reply.due.step.channel is Channel.COUNTER_OFFER:
        assert queue.amount.value == pytest.approx(float(reply.offer or 0))
    else:
        assert queue.amount.value == pytest.approx(row["recommended_offer"] or 0.0)
    # a drafted counter-offer sends the amount it names, and no other
    with synced.session() as s:
        s.add(ReplySentRow(store_id=store_id, issue_id=issue_id, template="no_tracking_first",
                           lang="es", channel="chat", text="…", operator="ana",
                           sent_at=queue.now - timedelta(days=3)))
    queue.reply = next_reply(synced, store_id, issue_id, "no_tracking", queue.now, lang="es")
    assert queue.reply.offer == Decimal("44.95")
    queue.reason.value, queue.amount.value = "", 0.0
    with pytest.raises(ActionError, match="set the offer to 44.95"):
        queue._do_refuse()
    queue.amount.value = 44.95
    queue._do_refuse()
    assert refused == [Decimal("44.95")]


def test_an_operators_class_prices_the_queues_advice_and_offer(synced: Database) -> None:
    """Corrected to a genuine defect, a stalled parcel's refusal (counter-offer 0) gives way
    to the defect's options and advice; the rules' class stays beside it."""
    store_id, issue_id = _an_89_90_eur_dispute(synced)
    now = datetime.now(UTC)

    def row() -> dict[str, object]:
        queue = open_disputes(synced, now)
        found = queue[(queue["store_id"] == store_id) & (queue["issue_id"] == issue_id)]
        return dict(found.iloc[0])

    def actions(options: object) -> set[str]:
        return {part.rsplit(" ", 1)[0] for part in str(options).split(" · ")}

    before = row()
    assert before["class"] == "stalled_in_transit" and before["recommended"] == "refuse"
    assert before["recommended_offer"] == 0.0
    record_override(synced, store_id, issue_id, "genuine_defect", "ana", "photos: cracked", now)
    after = row()
    assert after["class"] == "genuine_defect" and after["rule_class"] == "stalled_in_transit"
    assert after["overridden_by"] == "ana"
    assert str(after["why"]).startswith(
        "class set by an operator (the rules said stalled_in_transit)")
    assert actions(after["options"]) == {"resend", "partial refund", "full refund",
                                         "return and refund"}
    assert after["recommended"] == "resend"  # the playbook: do not be stingy with a defect
    offer = after["recommended_offer"]
    assert offer is None or offer != offer  # NaN in the frame: a resend pays the buyer nothing
