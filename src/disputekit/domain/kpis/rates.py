"""The rate figures: the ``Rates`` of one pair of frames (normalised once, asked for many
figures), and each figure as a one-shot function.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Literal

import pandas as pd

from disputekit.domain.kpis.counting import RateResult, _prepare, _rate_of, _window
from disputekit.domain.kpis.dimensions import _lanes, _rate_by
from disputekit.domain.kpis.frames import (
    _as_of,
)
from disputekit.domain.kpis.prevention import DEFAULT_STRICT_CUSTOMS, StrictCustoms
from disputekit.domain.kpis.trends import _trend

__all__ = ["Rates", "dispute_rate", "lanes_to_change", "rate_by", "rate_trend"]


class Rates:
    """The rate figures of one pair of frames, normalised once.

    Each module function (:func:`dispute_rate`, :func:`rate_trend`, :func:`rate_by`,
    :func:`lanes_to_change`) normalises ``orders`` and ``disputes`` (text, ids, times,
    flags) before counting, which is most of its time on big frames. A report asks for
    many figures of the same frames: build one ``Rates`` and ask it for each, and the
    frames are normalised once. Same figures as the functions, same arguments.

    >>> from datetime import UTC, datetime
    >>> rates = Rates(pd.DataFrame(), pd.DataFrame())  # a store with no order yet
    >>> now = datetime(2026, 11, 28, tzinfo=UTC)
    >>> rates.dispute_rate(now)  # nothing to divide by: no rate, not an error
    RateResult(rate=None, numerator=0, denominator=0, opened=0, cancelled=0, confirmed=0)
    >>> len(rates.trend(now, "W", 10))
    10
    """

    def __init__(self, orders: pd.DataFrame, disputes: pd.DataFrame, *,
                 exclude_personal: bool = False,
                 exempt_platform_logistics: bool = True) -> None:
        self._prepared = _prepare(orders, disputes, exclude_personal,
                                  exempt_platform_logistics)

    def dispute_rate(self, as_of: datetime, window_days: int = 30) -> RateResult:
        """As :func:`dispute_rate`."""
        end = _as_of(as_of)
        return _rate_of(_window(self._prepared, end - timedelta(days=window_days), end,
                                "right"))

    def trend(self, as_of: datetime, freq: Literal["W", "Q"] = "W",
              periods: int = 13) -> pd.DataFrame:
        """As :func:`rate_trend`."""
        return _trend(self._prepared, as_of, freq, periods)

    def by(self, as_of: datetime, dimension: str, window_days: int = 30,
           min_orders: int = 0) -> pd.DataFrame:
        """As :func:`rate_by`."""
        return _rate_by(self._prepared, as_of, dimension, window_days, min_orders)

    def lanes_to_change(
        self, as_of: datetime, window_days: int = 90, min_orders: int = 30,
        factor: float = 2.0, *,
        strict_countries: Mapping[str, StrictCustoms] = DEFAULT_STRICT_CUSTOMS,
    ) -> pd.DataFrame:
        """As :func:`lanes_to_change`."""
        return _lanes(self._prepared, as_of, window_days, min_orders, factor,
                      strict_countries)


def dispute_rate(
    orders: pd.DataFrame, disputes: pd.DataFrame, as_of: datetime, window_days: int = 30,
    exclude_personal: bool = False, *, exempt_platform_logistics: bool = True,
) -> RateResult:
    """The dispute rate of reference §7.2 over ``(as_of - window_days, as_of]``.

    ``(orders on which the buyer opened a dispute - disputes the buyer cancelled) /
    (orders confirmed received + auto-confirmed + orders with a dispute)``, with these
    approximations of what the platform counts on its own data:

    - *orders on which the buyer opened a dispute*: distinct ``(store_id,
      parent_order_id)`` of ``disputes`` whose ``created_at`` is in the window, whatever
      their status now (``opened``);
    - *disputes the buyer cancelled*: of those orders, the ones whose every dispute in the
      window is ``canceled_issue`` (``cancelled``). Counted per order, so the numerator is
      never negative, and a buyer who cancels and opens again still counts;
    - *orders confirmed received + auto-confirmed*: ``orders`` in ``FINISH`` whose
      ``finished_at`` is in the window; a ``FINISH`` order without ``finished_at`` is
      dated ``created_at`` + :data:`AUTO_CONFIRM_APPROXIMATION` (20 days). The platform
      does not tell confirmed from auto-confirmed apart here, and need not;
    - *orders with a dispute*: the same orders as the numerator's; an order both
      confirmed and disputed in the window counts once (``confirmed`` counts only the
      others), which errs towards a higher rate rather than a flattering one.

    Disputes left out before counting (as if never opened):

    - ``exclude_personal``: buyer-personal-reason disputes (``personal_reason``) that the
      platform did not arbitrate. Off by default: a rule excluding them was reported but not
      found (§7.2), and an arbitrated dispute counts whatever the verdict (domain.md);
    - ``exempt_platform_logistics``: logistics disputes on orders shipped with the
      platform's online logistics (``service_kind == "platform"``), which the platform
      handles and exempts (domain.md). On by default.
    """
    return Rates(orders, disputes, exclude_personal=exclude_personal,
                 exempt_platform_logistics=exempt_platform_logistics
                 ).dispute_rate(as_of, window_days)


def rate_trend(
    orders: pd.DataFrame, disputes: pd.DataFrame, as_of: datetime,
    freq: Literal["W", "Q"] = "W", periods: int = 13, *, exclude_personal: bool = False,
    exempt_platform_logistics: bool = True,
) -> pd.DataFrame:
    """The rate per calendar week (Monday 00:00 UTC) or quarter, oldest first.

    The platform assesses the rate quarterly; weeks show a change early. Each period
    ``[period_start, period_end)`` is counted like :func:`dispute_rate`'s window; the last
    one is the current period, cut at ``as_of`` (``period_end == as_of``, included). Always
    ``periods`` rows: a period with no outcome has ``rate`` NaN and zero counts.
    Columns :data:`TREND_COLUMNS`.
    """
    return Rates(orders, disputes, exclude_personal=exclude_personal,
                 exempt_platform_logistics=exempt_platform_logistics
                 ).trend(as_of, freq, periods)


def rate_by(
    orders: pd.DataFrame, disputes: pd.DataFrame, as_of: datetime, dimension: str,
    window_days: int = 30, min_orders: int = 0, *, exclude_personal: bool = False,
    exempt_platform_logistics: bool = True,
) -> pd.DataFrame:
    """The rate broken down by ``dimension`` (one of :data:`DIMENSIONS`).

    Columns ``[dimension, "orders", "disputes", "rate"]``: ``orders`` is the rate's
    denominator for that value (always shown: 1 dispute in 2 orders is not a finding),
    ``disputes`` its numerator, counted as in :func:`dispute_rate`. A disputed order takes
    the dispute's own carrier, country and product (the order's when the dispute has none);
    missing values read ``"unknown"``. Values behind fewer than ``min_orders`` orders are
    left out. Sorted by rate, then orders, both descending.
    """
    return Rates(orders, disputes, exclude_personal=exclude_personal,
                 exempt_platform_logistics=exempt_platform_logistics
                 ).by(as_of, dimension, window_days, min_orders)


def lanes_to_change(
    orders: pd.DataFrame, disputes: pd.DataFrame, as_of: datetime, window_days: int = 90,
    min_orders: int = 30, factor: float = 2.0, *, exclude_personal: bool = False,
    exempt_platform_logistics: bool = True,
    strict_countries: Mapping[str, StrictCustoms] = DEFAULT_STRICT_CUSTOMS,
) -> pd.DataFrame:
    """Lanes (carrier x destination country) disputed at least ``factor`` x their store's rate.

    Both rates are counted as in :func:`dispute_rate` over ``window_days``; a lane needs at
    least ``min_orders`` orders behind it and one counted dispute. ``service_kind`` is the
    lane's commonest; ``suggestion`` says what to change: unregistered post to registered or
    platform logistics, registered to platform logistics (its logistics disputes are handled
    and exempted), nothing about the carrier when the lane's disputes are mostly about the
    product; customs holds in a strict-customs country add the tax id to ask for.
    Columns :data:`LANE_COLUMNS`, sorted by ``ratio`` then orders, descending.
    """
    return Rates(orders, disputes, exclude_personal=exclude_personal,
                 exempt_platform_logistics=exempt_platform_logistics
                 ).lanes_to_change(as_of, window_days, min_orders, factor,
                                   strict_countries=strict_countries)
