"""The replies follow the advice when the store's own history turns a refusal into an offer.

Two simulated stores see the same class, a customs hold the buyer has not cleared, with
opposite histories: in one, refused buyers nearly always went to arbitration and won it; in
the other, they nearly never did. Synced over loopback into a real database, their outcomes
calibrate each store's odds; the first store's advice becomes a partial offer, the second's
stays the playbook's refusal. The reply the operator is handed must say the same: the offer,
with its amount, in the first store; the request for the tax ID, with no money, in the second.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from babel.numbers import format_currency

from disputekit.adapters.db.database import Database
from disputekit.domain.decisions import Action
from disputekit.domain.language.detect import buyer_locale
from disputekit.domain.replies import Channel
from disputekit.domain.taxonomy import DisputeClass
from disputekit.services.assessment import calibrated_models, offer_of, record_override
from disputekit.services.cases import load_case
from disputekit.services.followups import next_reply, replies_due
from disputekit.services.outcomes import load_outcomes
from disputekit.services.queue import open_disputes
from disputekit.simulator.gateway import Gateway
from tests.conftest import new_db_url
from tests.odds_sync import odds_gateway, sync_all

CUSTOMS = "customs_buyer_no_docs"
ODDS = {
    # refused buyers escalate and the platform sides with them: refusing costs more
    "store1": {CUSTOMS: {"accepts_partial": 0.9, "escalates_if_refused": 0.95,
                         "seller_wins_arbitration": 0.05}},
    # refused buyers give up: the playbook's refusal is right
    "store2": {CUSTOMS: {"accepts_partial": 0.3, "escalates_if_refused": 0.05,
                         "seller_wins_arbitration": 0.95}},
}


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, Gateway]]:
    gateway = odds_gateway(ODDS, seed=29, disputes=800)
    anchor = gateway.business.now()
    db = Database.open(new_db_url(tmp_path_factory.mktemp("settling")))
    sync_all(gateway, db)
    # The operators put the customs holds the rules read otherwise in their class, open and
    # closed: the check is of the advice and its replies, not of the rules.
    truth = {(store_id, r.summary["issue_id"]): r.truth
             for store_id, ds in gateway.datasets.items() for r in ds.issues}
    queue = open_disputes(db, anchor, outcomes=())
    for o in load_outcomes(db):
        if truth[(o.store_id, o.issue_id)] == CUSTOMS and str(o.dispute_class) != CUSTOMS:
            record_override(db, o.store_id, o.issue_id, CUSTOMS, "test", "the truth")
    for store_id, issue_id, code in zip(queue["store_id"], queue["issue_id"], queue["class"],
                                        strict=True):
        if truth[(store_id, int(issue_id))] == CUSTOMS and code != CUSTOMS:
            record_override(db, store_id, int(issue_id), CUSTOMS, "test", "the truth")
    yield db, gateway
    db.dispose()


def customs_rows(db: Database, now: datetime, store_id: str) -> list[tuple[int, str]]:
    queue = open_disputes(db, now)  # priced with every store's recorded outcomes
    rows = queue[(queue["store_id"] == store_id) & (queue["class"] == CUSTOMS)]
    assert len(rows), f"{store_id} has an open customs hold"
    return [(int(i), str(r)) for i, r in zip(rows["issue_id"], rows["recommended"],
                                             strict=True)]


def test_history_that_says_refusals_cost_more_turns_the_reply_into_the_offer(
        synced: tuple[Database, Gateway]) -> None:
    db, gateway = synced
    now = gateway.business.now()
    rows = customs_rows(db, now, "store1")
    assert {advice for _issue, advice in rows} == {Action.PARTIAL_REFUND}
    models = calibrated_models(load_outcomes(db), ["store1"])
    for issue_id, advice in rows:
        reply = next_reply(db, "store1", issue_id, CUSTOMS, now, advice=advice)
        assert reply.due is not None and reply.draft is not None
        assert reply.due.step.template == "customs_settle"
        # the step is the counter-offer itself: what is sent is the option's money
        assert reply.due.step.channel is Channel.COUNTER_OFFER
        with db.session() as s:
            case = load_case(s, "store1", issue_id)
        assert case is not None
        expected = offer_of(case, DisputeClass(CUSTOMS), Action.PARTIAL_REFUND, now)
        assert expected is not None and reply.offer == expected
        assert 0 < expected < (case.dispute.refund_max_local or 0)
        written = format_currency(expected, reply.currency,
                                  locale=buyer_locale(reply.lang, case.order.buyer_country
                                                      if case.order else None))
        assert written in reply.draft.preview, reply.draft.preview
        assert reply.draft.ready
        # worked out from the calibrated model alone, the same reply
        again = next_reply(db, "store1", issue_id, CUSTOMS, now, cost_model=models["store1"])
        assert again.due is not None and again.due.step.template == "customs_settle"
        # the playbook's refusal text never goes out beside the offer
        assert "customs_tax_id" not in reply.draft.preview
        following = reply.following
        assert following is not None and following.step.template == "customs_reminder"


def test_history_that_says_refusals_work_keeps_the_playbooks_reply(
        synced: tuple[Database, Gateway]) -> None:
    db, gateway = synced
    now = gateway.business.now()
    rows = customs_rows(db, now, "store2")
    assert {advice for _issue, advice in rows} == {Action.REFUSE}
    for issue_id, advice in rows:
        reply = next_reply(db, "store2", issue_id, CUSTOMS, now, advice=advice)
        assert reply.due is not None and reply.due.step.template == "customs_tax_id"
        assert reply.offer is None


def test_the_days_replies_list_the_offer_where_the_advice_turned(
        synced: tuple[Database, Gateway]) -> None:
    db, gateway = synced
    now = gateway.business.now()
    queue = open_disputes(db, now)
    due = replies_due(db, queue, now.replace(hour=23, minute=59))
    customs = queue[queue["class"] == CUSTOMS]
    listed = dict(zip(zip(due["store_id"], due["dispute"], strict=True), due["reply"],
                      strict=True))
    seen = {store_id: {listed.get((store_id, str(issue_id)))
                       for store_id_, issue_id in zip(customs["store_id"], customs["issue_id"],
                                                      strict=True) if store_id_ == store_id}
            for store_id in ODDS}
    assert "customs settle" in seen["store1"] and "customs tax id" not in seen["store1"]
    assert "customs settle" not in seen["store2"]
