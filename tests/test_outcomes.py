"""Outcomes recorded (issue 17, item 1): how each closed dispute ended and what the seller did.

Unit tests read hand-made details (the platform's shapes) into outcomes, one per end, and
the seller's steps in order with the journal's. The end-to-end test gives a simulated store
its own true odds, syncs it over loopback and checks that the recorded outcomes' frequencies
per class x action are those odds, within a binomial tolerance.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ActionRow, DisputeOutcomeRow, DisputeRow, ReplySentRow
from disputekit.adapters.parameters import parse_store
from disputekit.domain.calibration import Odd, tally
from disputekit.domain.decisions import Action
from disputekit.domain.outcomes import ARBITRATED, End, JournalEntry, Outcome, Step, outcome_of
from disputekit.domain.platform_time import to_pacific_string
from disputekit.domain.taxonomy import DisputeClass
from disputekit.errors import MalformedPayloadError
from disputekit.services.assessment import ended_claims, record_override
from disputekit.services.outcomes import load_outcomes, load_tallies, record_outcomes
from disputekit.services.store_day import connect
from disputekit.services.sync import sync_store
from disputekit.simulator.app import serve_in_thread
from disputekit.simulator.dataset import DEMO_APP_KEY, DEMO_APP_SECRET, generate, make_stores
from disputekit.simulator.gateway import Gateway, SimClock
from disputekit.simulator.lifecycle import buyer_choice
from disputekit.simulator.odds import Odds, store_odds
from disputekit.simulator.stores import with_odds
from tests.conftest import new_db_url

C = DisputeClass
T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)


def at(hours: float) -> str:
    return to_pacific_string(T0 + timedelta(hours=hours))


def plan(owner: str, amount: str, *, status: str = "", kind: str = "refund",
         reached: str = "", created: float = 0.0, **extra: Any) -> dict[str, Any]:
    return {"id": hash((owner, amount, created)) % 10**9, "solution_owner": owner,
            "solution_type": kind, "status": status, "is_default": owner == "buyer",
            "refund_money": amount, "refund_money_currency": "EUR",
            "refund_money_post": amount, "refund_money_post_currency": "USD",
            "reached_type": reached, "reached_time": at(100) if status == "reached" else "",
            "gmt_create": at(created), **extra}


def step(action: str, hours: float, member: str = "") -> dict[str, Any]:
    return {"action_type": action, "gmt_create": at(hours),
            "submit_member_type": member or action.split("_")[0]}


def detail(status: str, *, buyer: list[dict[str, Any]] | None = None,
           seller: list[dict[str, Any]] | None = None,
           platform: list[dict[str, Any]] | None = None,
           process: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"issue_status": status, "gmt_create": at(0), "refund_money_max": "40.00",
            "refund_money_max_local": "37.00", "refund_money_max_local_currency": "EUR",
            "product_price": "30.00",
            "buyer_solution_list": buyer if buyer is not None else [plan("buyer", "40.00")],
            "seller_solution_list": seller or [], "platform_solution_list": platform or [],
            "process_dto_list": [step("initiate", 0, "buyer"), *(process or [])], **extra}


def of(d: dict[str, Any], **kwargs: Any) -> Outcome:
    outcome = outcome_of("volt", 1, d, C.STALLED_IN_TRANSIT, **kwargs)
    assert outcome is not None
    return outcome


# -- one test per end -------------------------------------------------------------------------


def test_an_open_dispute_has_no_outcome() -> None:
    assert outcome_of("volt", 1, detail("processing"), C.LOST) is None


def test_buyer_cancelled_after_a_refusal() -> None:
    o = of(detail("canceled_issue", seller=[plan("seller", "0.00", status="wait_buyer_accept",
                                                 created=5)],
                  process=[step("seller_create_solution", 5), step("cancel", 30, "buyer")]))
    assert (o.end, o.steps, o.action) == (End.BUYER_CANCELLED, (Step.REFUSE,), Action.REFUSE)
    assert o.refund_paid == 0 and o.counter_offer == Decimal("0.00")
    assert o.closed_at == T0 + timedelta(hours=30) and not o.escalated


def test_agreed_on_a_partial_counter_offer() -> None:
    o = of(detail("finish", seller=[plan("seller", "12.00", status="reached", created=5,
                                         reached="negotiation_consensus")],
                  process=[step("seller_create_solution", 5), step("buyer_accept", 20, "buyer")]))
    assert (o.end, o.steps, o.action) == (End.AGREED, (Step.PARTIAL,), Action.PARTIAL_REFUND)
    assert (o.agreed_plan, o.refund_paid, o.currency) == ("refund", Decimal("12.00"), "USD")


def test_agreed_return_costs_the_label_the_seller_pays() -> None:
    buyer = [plan("buyer", "40.00", status="reached", kind="return_and_refund",
                  reached="negotiation_consensus", seller_accept_time=at(3),
                  logistics_fee_amount="6.50", logistics_fee_bear_role="seller")]
    o = of(detail("finish", buyer=buyer, process=[step("seller_accept", 3)]))
    assert (o.end, o.steps, o.action) == (End.AGREED, (Step.RETURN,), Action.RETURN_AND_REFUND)
    assert (o.agreed_plan, o.refund_paid, o.freight_lost) == (
        "return_and_refund", Decimal("40.00"), Decimal("6.50"))


def test_auto_executed_at_the_sellers_timeout() -> None:
    buyer = [plan("buyer", "40.00", status="reached", reached="seller_reponse_timeout")]
    o = of(detail("finish", buyer=buyer, process=[step("perform_solution", 120, "system")]))
    assert (o.end, o.steps, o.action) == (End.AUTO_EXECUTED, (), None)
    assert o.refund_paid == Decimal("40.00")


@pytest.mark.parametrize(("awarded", "end"), [("0.00", End.ARBITRATION_WON),
                                               ("40.00", End.ARBITRATION_LOST),
                                               ("15.00", End.ARBITRATION_SPLIT)])
def test_arbitration_won_lost_or_split_by_what_the_platform_awarded(awarded: str,
                                                                     end: End) -> None:
    o = of(detail(
        "finish", buyer=[plan("buyer", "40.00", status="reach_cancle")],
        seller=[plan("seller", "0.00", status="buyer_refused", created=4)],
        platform=[plan("platform", awarded, status="reached", reached="platform_arbitrate",
                       created=60)],
        process=[step("seller_create_solution", 4), step("buyer_initiate_arbitration", 20),
                 step("seller_create_proof", 30), step("platform_force_reach", 100, "platform")]))
    assert (o.end, o.steps) == (end, (Step.REFUSE, Step.EVIDENCE))
    assert o.escalated and o.action is Action.REFUSE and o.refund_paid == Decimal(awarded)


def test_a_split_is_measured_against_what_the_buyer_asked() -> None:
    # The buyer asked 20 of 40: a ruling of 20 gives them all they asked.
    o = of(detail("finish", buyer=[plan("buyer", "20.00", status="reach_cancle")],
                  platform=[plan("platform", "20.00", status="reached",
                                 reached="platform_arbitrate")]))
    assert o.end is End.ARBITRATION_LOST and o.action is None


def test_accepting_the_rulings_plan_is_not_the_deciding_action() -> None:
    o = of(detail(
        "finish", seller=[plan("seller", "10.00", status="buyer_refused", created=4)],
        platform=[plan("platform", "25.00", status="reached", reached="platform_arbitrate",
                       created=60, seller_accept_time=at(70))],
        process=[step("seller_create_solution", 4), step("seller_accept", 70)]))
    assert o.steps == (Step.PARTIAL, Step.AGREE)
    assert (o.end, o.action) == (End.ARBITRATION_SPLIT, Action.PARTIAL_REFUND)


def test_a_counter_of_the_whole_refund_is_a_full_refund() -> None:
    o = of(detail("finish", seller=[plan("seller", "40.00", status="reached", created=5,
                                         reached="negotiation_consensus")],
                  process=[step("seller_create_solution", 5)]))
    assert o.action is Action.FULL_REFUND


# -- strict on the end, liberal on the rest ---------------------------------------------------


def test_a_closed_dispute_without_a_reached_plan_is_refused_not_guessed() -> None:
    with pytest.raises(MalformedPayloadError, match="none of its plans is reached"):
        outcome_of("volt", 9, detail("finish"), C.LOST)


def test_an_unknown_reached_type_or_status_is_refused() -> None:
    buyer = [plan("buyer", "40.00", status="reached", reached="buyer_gave_up")]
    with pytest.raises(MalformedPayloadError, match="'buyer_gave_up'"):
        outcome_of("volt", 9, detail("finish", buyer=buyer), C.LOST)
    with pytest.raises(MalformedPayloadError, match="'archived'"):
        outcome_of("volt", 9, detail("archived"), C.LOST)


def test_a_ruling_without_an_amount_is_refused() -> None:
    ruling = plan("platform", "", status="reached", reached="platform_arbitrate")
    with pytest.raises(MalformedPayloadError, match="no refund amount"):
        outcome_of("volt", 9, detail("finish", platform=[ruling]), C.LOST)


def test_the_local_amount_at_the_disputes_rate_stands_in_for_a_missing_usd_one() -> None:
    agreed = plan("buyer", "", status="reached", reached="negotiation_consensus")
    agreed["refund_money"] = "18.50"  # EUR; the dispute's full refund is 40 USD = 37 EUR
    o = of(detail("finish", buyer=[agreed]))
    assert o.refund_paid == Decimal("20.00")


def test_missing_lists_and_times_are_tolerated() -> None:
    d = detail("canceled_issue")
    del d["process_dto_list"], d["seller_solution_list"], d["gmt_create"]
    modified = T0 + timedelta(days=3)
    o = outcome_of("volt", 9, d, C.LOST, modified_at=modified)
    assert o is not None and o.end is End.BUYER_CANCELLED
    assert o.opened_at == o.closed_at == modified


# -- the steps in order, the journal's among the platform's ------------------------------------


def test_steps_in_time_order_with_the_journals_local_decisions() -> None:
    d = detail("finish",
               seller=[plan("seller", "0.00", status="buyer_refused", created=2),
                       plan("seller", "9.00", status="reached", created=50,
                            reached="negotiation_consensus")],
               process=[step("seller_create_solution", 2), step("seller_create_proof", 10),
                        step("seller_create_solution", 50), step("buyer_accept", 60, "buyer")])
    journal = [JournalEntry(T0 + timedelta(hours=1), "reply"),
               JournalEntry(T0 + timedelta(hours=2, minutes=1), "extend_protection"),
               JournalEntry(T0 + timedelta(hours=2, minutes=2), "refuse"),  # on the platform too
               JournalEntry(T0 + timedelta(hours=40), "resend"),
               JournalEntry(T0 + timedelta(hours=30), "snooze"),  # decides nothing
               JournalEntry(T0 + timedelta(days=30), "reply")]  # after the close
    o = of(d, journal=journal, order_freight=Decimal("4.20"))
    assert o.steps == (Step.REPLY, Step.REFUSE, Step.EXTEND, Step.EVIDENCE, Step.RESEND,
                       Step.PARTIAL)
    assert o.action is Action.PARTIAL_REFUND and o.counter_offer == Decimal("9.00")
    # the resent unit at its price and its freight
    assert (o.goods_lost, o.freight_lost) == (Decimal("30.00"), Decimal("4.20"))


def test_the_journal_stands_in_when_the_platform_left_the_steps_out() -> None:
    d = detail("canceled_issue")
    d["process_dto_list"] = []
    journal = [JournalEntry(T0 + timedelta(hours=5), "upload_evidence"),
               JournalEntry(T0 + timedelta(hours=1), "refuse")]
    o = of(d, journal=journal, modified_at=T0 + timedelta(hours=9))
    assert o.steps == (Step.REFUSE, Step.EVIDENCE) and o.action is Action.REFUSE


# -- recorded by the sync, end to end ---------------------------------------------------------

# Far from the cost model's priors on purpose, and opposite between the two classes.
TRUE_ODDS = {
    "stalled_in_transit": {"accepts_partial": 0.3, "escalates_if_refused": 0.1,
                           "seller_wins_arbitration": 0.8},
    "buyer_misuse": {"accepts_partial": 0.9, "escalates_if_refused": 0.6,
                     "seller_wins_arbitration": 0.2},
    "no_tracking": {"accepts_partial": 0.5, "escalates_if_refused": 0.9,
                    "seller_wins_arbitration": 0.5},
}
DISPUTES = 1500


def within(hits: int, n: int, p: float) -> bool:
    """``hits`` of ``n`` is within 4 standard deviations of ``p`` (the data is deterministic
    by seed, so this can never flake; 4 sigma keeps it honest rather than lucky)."""
    return abs(hits / n - p) <= 4 * math.sqrt(p * (1 - p) / n) + 1 / n


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, Gateway]]:
    anchor = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    store = with_odds(make_stores(1)[0], TRUE_ODDS)
    gateway = Gateway(seed=17, now=anchor, stores=(store,), disputes_per_store=DISPUTES,
                      qps=1000)
    gateway.business = SimClock(anchor, wall=lambda: 0.0)  # still while the sync runs
    running = serve_in_thread(gateway)
    params = parse_store({
        "store_id": store.store_id, "name": store.name,
        "api": {"base_url": running.sync_url, "app_key_env": "DK_APP_KEY",
                "app_secret_env": "DK_APP_SECRET", "access_token_env": "DK_TOKEN",
                "refresh_token_env": "DK_REFRESH", "requests_per_second": 2000}}, "test")
    db = Database.open(new_db_url(tmp_path_factory.mktemp("outcomes")))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DK_APP_KEY", DEMO_APP_KEY)
        mp.setenv("DK_APP_SECRET", DEMO_APP_SECRET)
        mp.setenv("DK_TOKEN", store.access_token)
        mp.setenv("DK_REFRESH", f"demo-refresh-{store.store_id}")
        try:
            with connect(params) as client:
                result = sync_store(params, client, db, orders=False)
        finally:
            running.stop()
    assert result.outcomes > 0 and not result.outcomes_skipped
    yield db, gateway
    db.dispose()


def truth_of(gateway: Gateway) -> dict[int, str]:
    return {r.summary["issue_id"]: r.truth for ds in gateway.datasets.values()
            for r in ds.issues}


def test_every_closed_dispute_gets_one_outcome_and_none_open(
        synced: tuple[Database, Gateway]) -> None:
    db, _ = synced
    with db.session() as s:
        closed = set(s.scalars(select(DisputeRow.issue_id)
                               .where(DisputeRow.issue_status != "processing")).all())
        recorded = set(s.scalars(select(DisputeOutcomeRow.issue_id)).all())
    assert recorded == closed and len(closed) > DISPUTES // 2
    assert record_outcomes(db, "store1").recorded == 0  # nothing new: nothing written again


def test_outcomes_recover_the_stores_true_odds(synced: tuple[Database, Gateway]) -> None:
    db, gateway = synced
    truth = truth_of(gateway)
    # The operator corrects the classes the rules got wrong: the override must win.
    wrong = [o for o in load_outcomes(db, "store1")
             if truth[o.issue_id] in TRUE_ODDS and o.dispute_class != truth[o.issue_id]]
    for outcome in wrong:
        record_override(db, "store1", outcome.issue_id, truth[outcome.issue_id], "test",
                        "the truth")
    outcomes = [o for o in load_outcomes(db, "store1") if truth[o.issue_id] in TRUE_ODDS]
    assert all(str(o.dispute_class) == truth[o.issue_id] for o in outcomes)
    assert len(wrong) < len(outcomes) / 2  # the rules are mostly right already

    cells: Counter[tuple[str, str, str]] = Counter()
    for o in outcomes:
        cells[(str(o.dispute_class), str(o.action), "escalated" if o.escalated else str(o.end))] \
            += 1
        if o.escalated:
            cells[(str(o.dispute_class), str(o.action), str(o.end))] += 1
    checked = 0
    for code, odds in TRUE_ODDS.items():
        refused = {end: n for (c, a, end), n in cells.items() if c == code and a == "refuse"}
        n_refused = refused.get("escalated", 0) + refused.get("buyer_cancelled", 0)
        assert n_refused >= 40, (code, refused)
        assert within(refused.get("escalated", 0), n_refused, odds["escalates_if_refused"]), \
            (code, refused)
        offered = {end: n for (c, a, end), n in cells.items()
                   if c == code and a == "partial_refund"}
        n_offered = offered.get("agreed", 0) + offered.get("escalated", 0)
        if n_offered >= 20:
            assert within(offered.get("agreed", 0), n_offered, odds["accepts_partial"]), \
                (code, offered)
            checked += 1
        escalated = sum(n for (c, a, end), n in cells.items()
                        if c == code and end.startswith("arbitration_"))
        won = sum(n for (c, a, end), n in cells.items()
                  if c == code and end == "arbitration_won")
        if escalated >= 20:
            assert within(won, escalated, odds["seller_wins_arbitration"]), (code, escalated)
            checked += 1
        checked += 1
    assert checked >= 6  # the cells with enough cases were checked, not skipped


def test_an_override_after_the_close_moves_the_outcome(synced: tuple[Database, Gateway]
                                                       ) -> None:
    db, _ = synced
    first = load_outcomes(db, "store1")[0]
    other = C.EXTORTION if first.dispute_class is not C.EXTORTION else C.LOST
    record_override(db, "store1", first.issue_id, str(other), "test", "seen later")
    again = next(o for o in load_outcomes(db, "store1") if o.issue_id == first.issue_id)
    assert again.dispute_class is other and again.end is first.end


def test_a_dispute_changed_after_its_outcome_is_derived_again_with_the_journal(
        synced: tuple[Database, Gateway]) -> None:
    db, _ = synced
    target = next(o for o in load_outcomes(db, "store1") if o.end is End.BUYER_CANCELLED
                  and o.steps and o.steps[0] is Step.REFUSE)
    later = target.opened_at + (target.closed_at - target.opened_at) / 2
    with db.session() as s:
        s.add(ReplySentRow(store_id="store1", issue_id=target.issue_id, template="t",
                           lang="en", channel="chat", text="hello", operator="ana",
                           sent_at=target.opened_at))
        s.add(ActionRow(store_id="store1", issue_id=target.issue_id, kind="extend_protection",
                        operator="ana", created_at=later, completed_at=later,
                        request_json={}, status="ok"))
        row = s.get(DisputeRow, ("store1", target.issue_id))
        assert row is not None
        row.modified_at = row.modified_at + timedelta(seconds=1)  # as a sync would
    assert record_outcomes(db, "store1").recorded == 1
    again = next(o for o in load_outcomes(db, "store1") if o.issue_id == target.issue_id)
    assert again.steps[0] is Step.REPLY and Step.EXTEND in again.steps
    assert again.end is End.BUYER_CANCELLED and again.action is Action.REFUSE


def test_the_grouped_tallies_count_what_the_outcomes_count(
        synced: tuple[Database, Gateway]) -> None:
    # The queue prices its advice from ``load_tallies`` (grouped in the database); it must
    # count exactly what the outcomes read one by one count, an operator's class included.
    db, _ = synced
    outcomes = load_outcomes(db, "store1")
    refused = next(o for o in outcomes if o.action is Action.REFUSE and o.escalated)
    moved_to = C.EXTORTION if refused.dispute_class is not C.EXTORTION else C.LOST
    record_override(db, "store1", refused.issue_id, str(moved_to), "test", "seen later")
    with db.session() as s:
        claims = ended_claims(s)
    expected = tally(load_outcomes(db), claims)
    grouped = load_tallies(db)
    assert grouped.counts == expected.counts
    # the override moved one arbitrated refusal between the two classes' cells
    cell = (Odd.ESCALATION_IF_REFUSED, moved_to)
    assert grouped.of("store1", cell)[0] >= 1


# -- the simulator's odds ------------------------------------------------------------------------


def test_odds_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown class 'stolen'"):
        store_odds({"stolen": TRUE_ODDS["no_tracking"]})
    with pytest.raises(ValueError, match=r"missing \['seller_wins_arbitration'\]"):
        store_odds({"lost": {"accepts_partial": 0.5, "escalates_if_refused": 0.5}})
    with pytest.raises(ValueError, match="between 0 and 1, got 1.5"):
        store_odds({"lost": {**TRUE_ODDS["no_tracking"], "accepts_partial": 1.5}})


def test_a_store_without_odds_answers_as_before() -> None:
    plain = make_stores(1)[0]
    assert plain.odds_for("lost") is None
    assert with_odds(plain, {}).odds_for("lost") is None
    assert with_odds(plain, TRUE_ODDS).odds_for("no_tracking") == Odds(0.5, 0.9, 0.5)


def test_the_live_buyers_answer_a_refusal_by_the_stores_odds() -> None:
    store = with_odds(make_stores(1)[0], {"stalled_in_transit": {
        "accepts_partial": 0.7, "escalates_if_refused": 0.25, "seller_wins_arbitration": 0.5}})
    data = generate(5, T0, stores=(store,), disputes_per_store=60)
    record = next(r for r in data["store1"].issues if r.truth == "stalled_in_transit")
    odds = store.odds_for("stalled_in_transit")
    n = 2000

    def answers(amount: str) -> Counter[str]:
        offer = {"refund_money": amount, "gmt_create": record.detail["gmt_create"]}
        return Counter(buyer_choice(record, offer, random.Random(i), odds) for i in range(n))

    refused = answers("0.00")
    assert refused["accept"] == 0 and within(refused["refuse"], n, 0.25)
    part = Decimal(record.detail["refund_money_max_local"]) / 3
    partial = answers(f"{part:.2f}")
    assert partial["cancel"] == 0 and within(partial["accept"], n, 0.7)


def test_the_live_platform_rules_by_the_stores_odds() -> None:
    # Certain odds make the check exact: stalled parcels' rulings all go to the seller,
    # disputed deliveries' all to the buyer, whatever the evidence; both always escalate when
    # refused, so rulings happen.
    store = with_odds(make_stores(1)[0], {
        "stalled_in_transit": {"accepts_partial": 1.0, "escalates_if_refused": 1.0,
                               "seller_wins_arbitration": 1.0},
        "delivered_disputed": {"accepts_partial": 0.0, "escalates_if_refused": 1.0,
                               "seller_wins_arbitration": 0.0}})
    gateway = Gateway(seed=3, now=T0, stores=(store,), disputes_per_store=600)
    gateway.business = SimClock(T0, wall=lambda: 0.0)
    records = gateway.datasets["store1"].issues
    was_open = {r.summary["issue_id"] for r in records
                if r.detail["issue_status"] == "processing"}
    gateway.advance(timedelta(days=40))
    ends: Counter[tuple[str, End]] = Counter()
    for r in records:
        if r.summary["issue_id"] in was_open and r.truth in ("stalled_in_transit",
                                                             "delivered_disputed"):
            outcome = outcome_of("store1", r.summary["issue_id"], r.detail, C.LOST)
            assert outcome is not None  # 40 days on, every dispute has closed
            ends[(r.truth, outcome.end)] += 1
    stalled = {end for code, end in ends if code == "stalled_in_transit"} & ARBITRATED
    lost = {end for code, end in ends if code == "delivered_disputed"} & ARBITRATED
    assert stalled == {End.ARBITRATION_WON} and lost == {End.ARBITRATION_LOST}, ends
