"""The what-if: the policy file's errors, one dispute's money, the estimate's figures, and
the key test: on a simulated store whose true odds are known, the estimate for another
policy (from the outcomes under today's policy and the odds calibrated on them) holds the
simulator's actual replay of the same disputes under that policy within its interval."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import count
from pathlib import Path

import pytest

from disputekit.adapters.policy import load_policy, parse_policy
from disputekit.domain.calibration import calibrate
from disputekit.domain.decisions import Action, CostModel
from disputekit.domain.outcomes import End, Outcome, Step
from disputekit.domain.taxonomy import DisputeClass as C
from disputekit.domain.whatif import (
    Choice,
    Policy,
    RateBase,
    Stake,
    compare,
    forecast,
    observed,
    settle,
    stake_of,
)
from disputekit.errors import ConfigError, PolicyError
from disputekit.simulator.dataset import generate
from disputekit.simulator.replay import TrueOdds, closed_outcomes, replay
from disputekit.simulator.stores import DEMO_STORES

# -- the policy file ------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_policy_file_reads_each_class_s_choice(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, """
name: settle stalled parcels
classes:
  stalled_in_transit: {action: partial_refund, share: 0.3}
  no_tracking:
    action: partial_refund
    counter_offer: 5
  delivered_disputed: refuse
"""))
    assert policy.name == "settle stalled parcels"
    assert policy.choices == {
        C.STALLED_IN_TRANSIT: Choice(Action.PARTIAL_REFUND, share=0.3),
        C.NO_TRACKING: Choice(Action.PARTIAL_REFUND, counter_offer=5.0),
        C.DELIVERED_DISPUTED: Choice(Action.REFUSE),
    }
    # without a name: the file's
    assert load_policy(write(tmp_path, "classes: {lost: resend}")).name == "policy"


@pytest.mark.parametrize(("text", "said"), [
    ("classes: {stalled_parcels: refuse}", "unknown class 'stalled_parcels'; known: "
     "buyer_misuse, buyer_own_reason, customs_buyer_no_docs"),
    ("classes: {lost: refund_everything}", "classes.lost: unknown action "
     "'refund_everything'; one of full_refund, partial_refund, refuse, resend"),
    ("classes: {lost: carrier_claim}", "unknown action 'carrier_claim' (it goes along with "
     "an answer, it is not one)"),
    ("classes: {stalled_in_transit: {action: partial_refund, share: 1.5}}",
     "classes.stalled_in_transit.share must be between 0 and 1 (a part of the refund "
     "asked: 0.3 for 30 %), got 1.5"),
    ("classes: {stalled_in_transit: {action: partial_refund, share: -0.2}}",
     "share must be between 0 and 1"),
    ("classes: {stalled_in_transit: {action: partial_refund, share: 0}}",
     "share must be between 0 and 1"),
    ("classes: {stalled_in_transit: {action: partial_refund, share: lots}}",
     "classes.stalled_in_transit.share must be a number, got 'lots'"),
    ("classes: {stalled_in_transit: {action: refuse, share: 0.3}}",
     "a share or a counter_offer goes with partial_refund, not with refuse"),
    ("classes: {no_tracking: {action: partial_refund, share: 0.3, counter_offer: 4}}",
     "give a share or a counter_offer, not both"),
    ("classes: {no_tracking: {action: partial_refund, counter_offer: -4}}",
     "counter_offer is an amount in USD above 0"),
    ("classes: {no_tracking: {share: 0.3}}", "classes.no_tracking: missing 'action'"),
    ("classes: {no_tracking: {action: refuse, percent: 30}}", "unknown key(s) percent"),
    ("classes: {}", "'classes' must map at least one class"),
    ("stalled_in_transit: refuse", "unknown key(s) stalled_in_transit; a policy has "
     "'classes'"),
    ("- refuse", "expected a mapping with 'classes'"),
    ("classes: [refuse", "not valid YAML"),
])
def test_a_wrong_policy_file_says_what_and_how_to_fix(tmp_path: Path, text: str,
                                                       said: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert said in str(caught.value)
    assert str(path) in str(caught.value)  # the file is named
    assert isinstance(caught.value, ConfigError)  # the tree the CLI and notebooks catch


def test_the_example_policy_file_reads() -> None:
    example = Path(__file__).parent.parent / "examples" / "whatif-policy.yaml"
    policy = load_policy(example)
    assert policy.name == "settle stalled parcels, resend lost ones"
    assert policy.choices[C.NO_TRACKING] == Choice(Action.PARTIAL_REFUND, counter_offer=5.0)
    assert policy.choices[C.LOST] == Choice(Action.RESEND)


def test_a_missing_policy_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no such policy file"):
        load_policy(tmp_path / "nope.yaml")


def test_parse_policy_names_its_source() -> None:
    with pytest.raises(PolicyError, match=r"^panel: unknown class 'x'"):
        parse_policy({"classes": {"x": "refuse"}}, "panel")


# -- one dispute's money ------------------------------------------------------------------

STAKE = Stake(refund=50.0, goods=20.0, freight=4.0, return_label=8.0)


def test_each_answer_settles_with_its_money() -> None:
    assert settle(Action.REFUSE, STAKE).end is End.BUYER_CANCELLED
    assert settle(Action.REFUSE, STAKE).lost == 0
    lost = settle(Action.REFUSE, STAKE, escalated=True)
    assert (lost.end, lost.refund_paid) == (End.ARBITRATION_LOST, 50.0)
    assert settle(Action.PARTIAL_REFUND, STAKE, escalated=True, seller_won=True).lost == 0
    taken = settle(Action.PARTIAL_REFUND, STAKE, offer=15.0)
    assert (taken.end, taken.refund_paid) == (End.AGREED, 15.0)
    resend = settle(Action.RESEND_WITH_GIFT, STAKE, gift=1.0)
    assert (resend.goods_lost, resend.freight_lost) == (21.0, 4.0)
    assert settle(Action.RETURN_AND_REFUND, STAKE).lost == 58.0
    assert settle(Action.FULL_REFUND, STAKE).lost == 50.0


_ids = count(1)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def outcome(code: C, steps: tuple[Step, ...], end: End, refund: str = "40.00",
            paid: str = "0", counter: str | None = None) -> Outcome:
    return Outcome(store_id="s", issue_id=next(_ids), dispute_class=code, steps=steps,
                   end=end, agreed_plan=None, refund_paid=Decimal(paid),
                   goods_lost=Decimal(0), freight_lost=Decimal(0), currency="USD",
                   opened_at=NOW - timedelta(days=10), closed_at=NOW - timedelta(days=2),
                   carrier="", country="", counter_offer=Decimal(counter) if counter else None,
                   refund_max=Decimal(refund))


def test_the_stake_of_an_outcome_is_its_full_refund_and_the_store_s_costs() -> None:
    model = CostModel().with_overrides(currency="EUR", per_usd=0.5, cost_of_goods_share=0.25)
    stake = stake_of(outcome(C.LOST, (Step.AGREE,), End.AGREED), model)
    # freight: 4.00 EUR for an unknown service = 8.00 USD; the return label 8 EUR = 16 USD
    assert stake == Stake(refund=40.0, goods=10.0, freight=8.0, return_label=16.0)


def test_a_certain_policy_gives_exact_figures_and_an_interval_of_zero_width() -> None:
    model = CostModel()
    refused = [outcome(C.LOST, (Step.REFUSE,), End.BUYER_CANCELLED) for _ in range(4)]
    early = outcome(C.LOST, (), End.BUYER_CANCELLED)  # cancelled before any answer
    disputes = [*refused, early]
    odds = calibrate(disputes, model, "s")
    policy = Policy({C.LOST: Choice(Action.FULL_REFUND)}, "refund lost parcels")
    result = compare(disputes, odds, model, policy, days=90, base=RateBase(confirmed=95),
                     draws=50)
    alternative = result.alternative
    assert alternative.changed == 4  # the early cancel stays as it was
    assert (alternative.money.low, alternative.money.mean, alternative.money.high) == (
        160.0, pytest.approx(160.0), 160.0)
    assert alternative.arbitrations.high == 0
    # 4 refunded disputes count, the cancelled one does not: 4 / (95 + 5)
    assert alternative.rate is not None and alternative.rate.mean == pytest.approx(0.04)
    # what they actually cost: nothing, none counted
    assert (result.actual.money, result.actual.arbitrations, result.actual.rate) == (
        0.0, 0, 0.0)
    table = result.table()
    assert "refund lost parcels: lost: full_refund" in table
    assert "USD 160.00 (USD 160.00–160.00)" in table
    assert "4.00 % (4.00–4.00 %)" in table
    # the change, draw by draw: 160.00 less what today's refusals lose at arbitration
    assert result.change is not None
    money_change, _arbitrations, rate_change = result.change
    assert money_change.mean == pytest.approx(160.0 - result.today.money.mean)
    # today's 4 refusals lose 0 to 160.00 between them: the change is within 0 and 160.00
    assert 0.0 <= money_change.low < money_change.high <= 160.0
    # 4 refunds counted out of 100, less today's escalated refusals (counted too)
    assert rate_change is not None and 0.0 <= rate_change.low <= rate_change.high <= 0.04
    assert f"USD {money_change.mean:+,.2f} (" in table


def test_the_seller_s_own_refund_stands_as_paid_and_another_answer_is_priced() -> None:
    model = CostModel()
    agreed = outcome(C.GENUINE_DEFECT, (Step.AGREE,), End.AGREED, paid="25.00")
    odds = calibrate([agreed], model, "s")
    same = forecast([agreed], odds, model, Policy({C.GENUINE_DEFECT: Choice(
        Action.FULL_REFUND)}), draws=10)
    assert (same.changed, same.money.mean) == (0, pytest.approx(25.0))  # not the 40 asked
    resend = forecast([agreed], odds, model, Policy({C.GENUINE_DEFECT: Choice(
        Action.RESEND)}), draws=10)
    # the goods at 40 % of the refund, and the freight of an unknown service
    assert (resend.changed, resend.money.mean) == (1, pytest.approx(16.0 + 4.0))


def test_the_estimate_is_seeded_and_today_s_policy_reproduces_today_on_average() -> None:
    model = CostModel()
    disputes = [outcome(C.STALLED_IN_TRANSIT, (Step.REFUSE,),
                        End.ARBITRATION_LOST if i % 4 == 0 else End.BUYER_CANCELLED,
                        paid="40.00" if i % 4 == 0 else "0") for i in range(200)]
    odds = calibrate(disputes, model, "s")
    one = forecast(disputes, odds, model, None, draws=400, seed=3)
    assert one == forecast(disputes, odds, model, None, draws=400, seed=3)
    actual = observed(disputes, model)
    assert (actual.money, actual.arbitrations) == (2000.0, 50)
    assert one.money.contains(actual.money) and one.arbitrations.contains(50)
    assert one.changed == 0


# -- the simulator's replay ---------------------------------------------------------------

# A store whose buyers and platform differ from the cost model's priors, class by class:
# its stalled parcels' buyers rarely escalate a refusal (priors: 40 %), its untracked
# parcels' buyers take an offer (priors 60 %) and escalate refusals.
TRUE_ODDS = {
    C.STALLED_IN_TRANSIT: TrueOdds(accepts_partial=0.5, escalates_if_refused=0.1,
                                   seller_wins_arbitration=0.3),
    C.NO_TRACKING: TrueOdds(accepts_partial=0.85, escalates_if_refused=0.8,
                            seller_wins_arbitration=0.1),
    C.DELIVERED_DISPUTED: TrueOdds(accepts_partial=0.3, escalates_if_refused=0.9,
                                   seller_wins_arbitration=0.9),
    C.BUYER_MISUSE: TrueOdds(accepts_partial=0.7, escalates_if_refused=0.1,
                             seller_wins_arbitration=0.8),
}
ALTERNATIVE = Policy({
    C.STALLED_IN_TRANSIT: Choice(Action.REFUSE),
    C.NO_TRACKING: Choice(Action.PARTIAL_REFUND, share=0.5),
    C.GENUINE_DEFECT: Choice(Action.FULL_REFUND),
    C.LOST: Choice(Action.RESEND),
}, "refuse stalled, settle untracked")
RATE_BASE = RateBase(confirmed=8000)


@pytest.fixture(scope="module")
def demo_disputes() -> list[Outcome]:
    """600 disputes of one simulated store (about 480 closed), as the demo data ended them."""
    datasets = generate(11, datetime(2026, 12, 1, tzinfo=UTC), stores=DEMO_STORES[:1],
                        disputes_per_store=600)
    return closed_outcomes(next(iter(datasets.values())))


def test_a_replay_under_the_same_policy_keeps_each_dispute_s_answer(
        demo_disputes: list[Outcome]) -> None:
    again = replay(demo_disputes, TRUE_ODDS, None, seed=1)
    assert len(again) == len(demo_disputes) > 400
    assert [o.action for o in again] == [o.action for o in demo_disputes]
    assert replay(demo_disputes, TRUE_ODDS, None, seed=1) == again  # seeded
    refused = [o for o in again
               if o.dispute_class is C.STALLED_IN_TRANSIT and o.action is Action.REFUSE]
    # the true odds rule: about 10 % of refused stalled parcels reach arbitration
    share = sum(o.escalated for o in refused) / len(refused)
    assert len(refused) > 50 and share < 0.2


def test_under_a_policy_the_replay_answers_the_policy_s_way(
        demo_disputes: list[Outcome]) -> None:
    replayed = replay(demo_disputes, TRUE_ODDS, ALTERNATIVE, seed=1)
    assert sum(o.action is Action.FULL_REFUND for o in demo_disputes
               if o.dispute_class is C.GENUINE_DEFECT) > 10
    for before, after in zip(demo_disputes, replayed, strict=True):
        if before.end is End.BUYER_CANCELLED and before.action is None:
            assert after == before  # cancelled before any answer: no policy changes it
        elif before.dispute_class is C.LOST:
            assert after.action is Action.RESEND and after.goods_lost > 0
        elif before.dispute_class is C.GENUINE_DEFECT:
            assert after.action is Action.FULL_REFUND
            if before.action is Action.FULL_REFUND:
                assert after == before  # the seller's own refund stands, as paid
            else:
                assert after.refund_paid == after.refund_max
        elif before.dispute_class is C.NO_TRACKING:
            assert after.action is Action.PARTIAL_REFUND
            assert after.counter_offer is not None and after.refund_max is not None
            assert after.counter_offer == (after.refund_max / 2).quantize(Decimal("0.01"),
                                                                      ROUND_HALF_UP)


def test_the_odds_may_be_keyed_by_class_code(demo_disputes: list[Outcome]) -> None:
    by_code = {str(code): odds for code, odds in TRUE_ODDS.items()}
    assert replay(demo_disputes, by_code, ALTERNATIVE, seed=4) == \
        replay(demo_disputes, TRUE_ODDS, ALTERNATIVE, seed=4)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_estimate_holds_the_simulator_s_replay_within_its_interval(
        demo_disputes: list[Outcome], seed: int) -> None:
    model = CostModel()
    # today's policy: the disputes answered as the seller did, by the store's true buyers
    history = replay(demo_disputes, TRUE_ODDS, None, seed=seed)
    odds = calibrate(history, model, "volt")
    estimate = compare(history, odds, model, ALTERNATIVE, days=90, base=RATE_BASE,
                       seed=seed).alternative
    # the same disputes re-run under the alternative, by the same buyers
    actual = observed(replay(demo_disputes, TRUE_ODDS, ALTERNATIVE, seed=seed), model,
                      RATE_BASE)
    assert estimate.changed > 100
    assert estimate.money.contains(actual.money), (estimate.money, actual.money)
    assert estimate.arbitrations.contains(actual.arbitrations), (estimate.arbitrations,
                                                                 actual.arbitrations)
    assert estimate.rate is not None and actual.rate is not None
    assert estimate.rate.contains(actual.rate), (estimate.rate, actual.rate)
    # an interval that says something: narrower than a fifth of the money at stake
    assert estimate.money.high - estimate.money.low < 0.2 * estimate.money.mean

    # The history is what puts it there: the priors alone (no history) expect the
    # stalled parcels' refusals to reach arbitration 4 times as often as they do.
    priors = forecast(history, calibrate([], model, "volt"), model, ALTERNATIVE,
                      base=RATE_BASE, seed=seed)
    assert not priors.arbitrations.contains(actual.arbitrations)
    assert priors.arbitrations.low > actual.arbitrations
