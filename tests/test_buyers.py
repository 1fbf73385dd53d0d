"""Abusive buyers: a score from their history across the seller's stores, and a blocklist."""

from __future__ import annotations

import pytest

from disputekit.domain.buyers import (
    AbuseLevel,
    BuyerHistory,
    DisputeSighting,
    abuse_score,
    blocklisted,
    histories,
)


@pytest.mark.parametrize(("history", "level"), [
    (BuyerHistory(orders=1, disputes=1), AbuseLevel.NONE),  # a first dispute is not a sign
    (BuyerHistory(orders=20, disputes=2), AbuseLevel.NONE),  # 2 in 20 orders is ordinary
    (BuyerHistory(orders=3, disputes=2), AbuseLevel.WATCH),
    (BuyerHistory(orders=2, disputes=1, delivered_disputed=2), AbuseLevel.WATCH),
    (BuyerHistory(orders=4, disputes=4, money_demands=1), AbuseLevel.ABUSIVE),
    (BuyerHistory(orders=6, disputes=5, stores=3), AbuseLevel.ABUSIVE),
])
def test_levels(history: BuyerHistory, level: AbuseLevel) -> None:
    assert abuse_score(history).level is level


def test_the_score_says_why() -> None:
    score = abuse_score(BuyerHistory(orders=5, disputes=4, delivered_disputed=1,
                                     money_demands=2, stores=2))
    assert score.score == 1.0
    assert score.reasons == ("3 earlier disputes in 2 stores", "disputes 4 of 5 orders (80%)",
                             "disputed 1 parcel the carrier delivered",
                             "asked for money to cancel 2 times")


def test_the_blocklist_wins_and_ignores_case_and_spaces() -> None:
    score = abuse_score(BuyerHistory(orders=1, disputes=1), login_id="RU123abc",
                        blocklist={" ru123ABC "})
    assert (score.score, score.level) == (1.0, AbuseLevel.BLOCKLISTED)
    assert blocklisted("ru123abc", ["RU123ABC"])
    assert not blocklisted("", [""])
    assert not blocklisted("someone", ["else"])


def test_histories_across_stores() -> None:
    seen = [
        DisputeSighting("Buyer1", "volt", 1, delivered_disputed=True),
        DisputeSighting("buyer1", "spark", 2, money_demand=True),
        DisputeSighting("buyer1", "spark", 2),  # a second dispute on the same order
        DisputeSighting("buyer2", "bloom", 3),
    ]
    result = histories(seen, orders_by_buyer={"buyer1": 7})
    assert result["buyer1"] == BuyerHistory(orders=7, disputes=3, delivered_disputed=1,
                                            money_demands=1, stores=2)
    assert result["buyer2"] == BuyerHistory(orders=1, disputes=1, stores=1)


@pytest.mark.parametrize("bad", [{"orders": -1}, {"disputes": 1.5}, {"stores": True}])
def test_a_history_is_whole_numbers(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="whole number"):
        BuyerHistory(**bad)  # type: ignore[arg-type]
