"""What works and drift (issue 17, items 3 and 5), on hand-made outcomes: the rates and their
intervals, the money by action, the odds that disagree with the priors, and drift firing on
a shifted window and not on a stable one."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from disputekit.domain.calibration import betainc
from disputekit.domain.decisions import CostModel
from disputekit.domain.kpis import action_rates, disagreements, drift, money_by_action
from disputekit.domain.kpis.drift import DriftOdd, predictive_interval
from disputekit.domain.kpis.what_works import (
    describe_rates,
    rate_interval,
    shown_rates,
    what_works_of,
)
from disputekit.domain.outcomes import End, Outcome, Step
from disputekit.domain.taxonomy import DisputeClass

NOW = datetime(2026, 12, 5, 6, tzinfo=UTC)
STALLED = DisputeClass.STALLED_IN_TRANSIT
_ids = itertools.count(1)


def outcome(end: End, steps: tuple[Step, ...] = (Step.REFUSE,), *,
            dispute_class: DisputeClass = STALLED, days_ago: float = 60, carrier: str = "Cainiao",
            store_id: str = "volt", refund: str = "0", goods: str = "0",
            freight: str = "0") -> Outcome:
    closed = NOW - timedelta(days=days_ago)
    return Outcome(store_id=store_id, issue_id=next(_ids), dispute_class=dispute_class,
                   steps=steps, end=end, agreed_plan=None, refund_paid=Decimal(refund),
                   goods_lost=Decimal(goods), freight_lost=Decimal(freight), currency="USD",
                   opened_at=closed - timedelta(days=12), closed_at=closed, carrier=carrier,
                   country="FR")


def refusals(cancelled: int, won: int, lost: int, split: int = 0, **kw: object) -> list[Outcome]:
    ends = ([End.BUYER_CANCELLED] * cancelled + [End.ARBITRATION_WON] * won
            + [End.ARBITRATION_LOST] * lost + [End.ARBITRATION_SPLIT] * split)
    return [outcome(e, **kw) for e in ends]  # type: ignore[arg-type]


# -- the rates --------------------------------------------------------------------------------

def test_rates_by_class_and_action_count_escalations_and_wins() -> None:
    history = (refusals(6, won=1, lost=2, split=1)
               + [outcome(End.AGREED, (Step.PARTIAL,)) for _ in range(3)]
               + [outcome(End.ARBITRATION_LOST, (Step.PARTIAL,))]
               + [outcome(End.AUTO_EXECUTED, ())])
    table = action_rates(history)
    refuse = table[(table["class"] == "stalled_in_transit") & (table["action"] == "refuse")]
    row = refuse.iloc[0]
    assert (row["cases"], row["escalated"], row["arbitrated"]) == (10, 4, 4)
    assert row["escalation_rate"] == pytest.approx(0.4)
    assert row["won"] == pytest.approx(1.5)  # the split counts half
    assert row["win_rate"] == pytest.approx(0.375)
    assert row["escalation_low"] < 0.4 < row["escalation_high"]
    partial = table[table["action"] == "partial_refund"].iloc[0]
    assert (partial["cases"], partial["escalated"]) == (4, 1)
    assert partial["win_rate"] == 0.0
    silent = table[table["action"] == "no answer"].iloc[0]
    assert silent["cases"] == 1 and silent["arbitrated"] == 0
    assert silent["win_rate"] != silent["win_rate"]  # NaN: nothing arbitrated
    assert list(table["cases"]) == sorted(table["cases"], reverse=True)


def test_interval_is_the_jeffreys_posteriors_5_and_95_percent_quantiles() -> None:
    low, high = rate_interval(4, 10)
    assert betainc(4.5, 6.5, low) == pytest.approx(0.05, abs=1e-9)
    assert betainc(4.5, 6.5, high) == pytest.approx(0.95, abs=1e-9)
    assert rate_interval(0, 0) != rate_interval(0, 0)  # NaN without cases


@pytest.mark.parametrize("truth", [0.05, 0.3, 0.6])
def test_intervals_contain_the_true_rate_about_90_percent_of_the_time(truth: float) -> None:
    draw = random.Random(17)
    covered = 0
    trials = 400
    for _ in range(trials):
        history = [outcome(End.ARBITRATION_LOST if draw.random() < truth
                           else End.BUYER_CANCELLED) for _ in range(25)]
        row = action_rates(history).iloc[0]
        covered += row["escalation_low"] <= truth <= row["escalation_high"]
    assert 0.84 <= covered / trials <= 0.97


def test_report_words_and_the_charts_text_alternative() -> None:
    table = action_rates(refusals(6, won=1, lost=3))
    shown = shown_rates(table)
    assert list(shown.iloc[0])[:3] == ["stalled in transit", "refuse", 10]
    low, high = rate_interval(4, 10)
    band = f"40 % ({round(low * 100)}–{round(high * 100)} %)"
    assert shown.iloc[0]["went to arbitration (90 % interval)"] == band
    assert describe_rates(table) == [
        f"stalled in transit, refuse: 10 disputes, {band} went to arbitration; of 4 "
        f"arbitrated, 25 % ({round(rate_interval(1, 4)[0] * 100)}–"
        f"{round(rate_interval(1, 4)[1] * 100)} %) won"]


def test_money_lost_per_class_and_action_adds_refund_goods_and_freight() -> None:
    history = [outcome(End.AGREED, (Step.AGREE,), refund="20.00"),
               outcome(End.AGREED, (Step.AGREE,), refund="10.50"),
               outcome(End.BUYER_CANCELLED, (Step.RESEND,), goods="6.00", freight="4.00"),
               outcome(End.BUYER_CANCELLED)]
    table = money_by_action(history).set_index("action")
    assert table.loc["full_refund", "lost"] == pytest.approx(30.5)
    assert table.loc["full_refund", "lost_per_case"] == pytest.approx(15.25)
    assert table.loc["resend", ["goods_lost", "freight_lost", "lost"]].tolist() == [6, 4, 10]
    assert table.loc["refuse", "lost"] == 0
    assert table.index[0] == "full_refund"  # the biggest loss first


# -- disagreements with the priors ------------------------------------------------------------

def test_odds_that_disagree_with_the_priors_are_listed_with_their_sentence() -> None:
    # stalled parcels' prior: 40 % of refusals reach arbitration; this store: 6 of 60
    calm = refusals(54, won=3, lost=3)
    table = disagreements(calm, CostModel(), "volt")
    row = table[table["odd"] == "refusals that reached arbitration"].iloc[0]
    assert row["class"] == "stalled_in_transit" and row["cases"] == 60
    assert row["says"] == "lower than the prior"
    assert row["high"] < 0.4 == row["prior"]
    assert row["text"].startswith("refuse: 10 % of your 60 refused stalled parcels went to "
                                  "arbitration (priors 40 %)")


def test_a_history_matching_the_priors_disagrees_with_nothing() -> None:
    as_expected = refusals(36, won=9, lost=15)  # 40 % escalated, 37.5 % won (prior 35 %)
    assert disagreements(as_expected, CostModel(), "volt").empty


# -- drift ------------------------------------------------------------------------------------

def history_at_35_percent_lost(carrier: str = "Cainiao") -> list[Outcome]:
    """200 stalled parcels refused and arbitrated before the window: 70 lost (35 %)."""
    return [outcome(End.ARBITRATION_LOST if i % 20 < 7 else End.ARBITRATION_WON,
                    days_ago=40 + i % 90, carrier=carrier) for i in range(200)]


def test_drift_fires_when_arbitration_losses_rise_in_the_window() -> None:
    recent = [outcome(End.ARBITRATION_LOST if i < 10 else End.ARBITRATION_WON,
                      days_ago=1 + i, carrier="Cainiao") for i in range(14)]
    lines = drift(history_at_35_percent_lost() + recent, CostModel(), NOW, "volt")
    losses = [d for d in lines if d.odd == DriftOdd.LOSSES]
    assert len(losses) == 1
    d = losses[0]
    assert (d.cases, d.hits, d.carrier, d.dispute_class) == (14, 10, None, STALLED)
    # the model: 70 lost of 200, shrunk toward the prior's 65 % lost (35 % won) by 10 cases
    assert d.rose and d.expected == pytest.approx((70 + 6.5) / 210)
    assert d.high == 9 / 14 < 10 / 14
    assert d.message == ("arbitration losses on stalled parcels rose: 10 of 14 in the last 30 "
                         "days; the model expects 36 % (14–64 % in 95 % of such windows)")


def test_drift_stays_quiet_on_a_stable_window() -> None:
    recent = [outcome(End.ARBITRATION_LOST if i < 5 else End.ARBITRATION_WON,
                      days_ago=1 + i) for i in range(14)]  # 5 of 14: 36 %
    assert drift(history_at_35_percent_lost() + recent, CostModel(), NOW, "volt") == []


def test_drift_names_the_carrier_whose_losses_rose() -> None:
    history = history_at_35_percent_lost("Cainiao") + history_at_35_percent_lost("YunExpress")
    recent = ([outcome(End.ARBITRATION_LOST if i < 11 else End.ARBITRATION_WON, days_ago=2,
                       carrier="Cainiao") for i in range(14)]
              + [outcome(End.ARBITRATION_LOST if i < 2 else End.ARBITRATION_WON, days_ago=2,
                         carrier="YunExpress") for i in range(14)])
    lines = drift(history + recent, CostModel(), NOW, "volt")
    assert [(d.carrier, d.cases, d.hits) for d in lines] == [("Cainiao", 14, 11)]
    assert "arbitration losses on stalled parcels via Cainiao rose: 11 of 14" in lines[0].message


def test_drift_needs_the_minimum_count_and_reads_the_store_asked() -> None:
    few = [outcome(End.ARBITRATION_LOST, days_ago=3) for _ in range(9)]
    assert drift(history_at_35_percent_lost() + few, CostModel(), NOW, "volt") == []
    other = [outcome(End.ARBITRATION_LOST, days_ago=3, store_id="spark") for _ in range(14)]
    assert drift(history_at_35_percent_lost() + other, CostModel(), NOW, "volt") == []
    assert [d.store_id for d in drift(history_at_35_percent_lost() + other, CostModel(), NOW,
                                      "spark")] == ["spark"]


def test_drift_without_history_measures_against_the_priors() -> None:
    # no history: the priors (40 % of refused stalled parcels escalate), ten cases' weight
    calm = refusals(30, won=0, lost=0, days_ago=5)
    lines = drift(calm, CostModel(), NOW, "volt")
    assert [(d.odd, d.rose, d.expected) for d in lines] == [
        (DriftOdd.ESCALATION, False, pytest.approx(0.4))]
    assert lines[0].message.startswith(
        "refusals that reached arbitration on stalled parcels fell: 0 of 30 in the last 30 days;"
        " the model expects 40 % (")
    assert lines[0].message.endswith(
        "; before the window only 0 such disputes: the model is mostly the priors")


def test_a_whole_class_moving_is_one_line_not_one_per_carrier() -> None:
    history = history_at_35_percent_lost("Cainiao") + history_at_35_percent_lost("YunExpress")
    recent = [outcome(End.ARBITRATION_LOST if i % 14 < 11 else End.ARBITRATION_WON,
                      days_ago=2, carrier=carrier)
              for carrier in ("Cainiao", "YunExpress") for i in range(14)]
    lines = drift(history + recent, CostModel(), NOW, "volt")
    assert [(d.carrier, d.cases, d.hits) for d in lines] == [(None, 28, 22)]
    assert "before the window" not in lines[0].message  # 400 earlier disputes


def test_predictive_interval_widens_with_the_models_doubt() -> None:
    sure = predictive_interval(350.0, 650.0, 20)
    unsure = predictive_interval(3.5, 6.5, 20)
    assert sure[0] <= 7 <= sure[1]
    assert unsure[0] <= sure[0] and unsure[1] >= sure[1] and unsure != sure


def test_what_works_of_counts_one_store_and_borrows_from_all() -> None:
    history = refusals(5, won=1, lost=1) + refusals(5, won=0, lost=0, store_id="spark")
    works = what_works_of(history, CostModel(), NOW, "volt")
    assert works.closed == 7 and int(works.rates["cases"].sum()) == 7
    assert works.drift == ()
    assert what_works_of(history, CostModel(), NOW).closed == 12


def test_interval_reaches_0_or_1_when_none_or_all_of_the_cases_count() -> None:
    low, high = rate_interval(0, 12)
    assert low == 0.0 and betainc(0.5, 12.5, high) == pytest.approx(0.95, abs=1e-9)
    low, high = rate_interval(12, 12)
    assert high == 1.0 and betainc(12.5, 0.5, low) == pytest.approx(0.05, abs=1e-9)
