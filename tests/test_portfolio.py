"""Which stores the portfolio page calls "getting worse": a rise that matters and that
chance does not explain."""

from __future__ import annotations

from disputekit.services.portfolio import WORSENING_POINTS, StoreFigures


def store(rate: float, week_ago: float, disputed: int | None = None,
          counted: int | None = None) -> StoreFigures:
    return StoreFigures("s", {}, [], rate, week_ago, 0.0, 0.0, disputed, counted)


def test_a_big_store_s_rise_is_a_trend() -> None:
    # 2,000 orders: 60 disputed (3 %) where the week-ago 2 % predicts 40 +- 6.3
    assert store(0.03, 0.02, 60, 2000).worsening


def test_a_small_store_s_extra_dispute_is_chance() -> None:
    # 150 orders: 3 disputed (2 %) where the week-ago 1.33 % predicts 2: one more is noise
    assert not store(3 / 150, 2 / 150, 3, 150).worsening


def test_a_rise_below_the_points_that_matter_is_not_flagged_however_sure() -> None:
    rise = WORSENING_POINTS / 2
    assert not store(0.02 + rise, 0.02, int((0.02 + rise) * 10**6), 10**6).worsening


def test_from_no_dispute_at_all_three_are_a_trend_one_is_not() -> None:
    assert store(3 / 200, 0.0, 3, 200).worsening
    assert not store(1 / 200, 0.0, 1, 200).worsening


def test_without_the_counts_the_rise_alone_decides() -> None:
    assert store(0.031, 0.025).worsening and not store(0.026, 0.025).worsening
