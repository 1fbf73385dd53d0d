"""The rate over time: per week or quarter, and each store's change from last week."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

import pandas as pd

from disputekit.domain.kpis.counting import _Inclusive, _Prepared, _rate_of, _window
from disputekit.domain.kpis.frames import (
    _as_of,
    _empty,
    _nan,
)

__all__ = ["TREND_COLUMNS", "WEEK_CHANGE_COLUMNS", "week_changes"]

TREND_COLUMNS = ["period_start", "period_end", "rate", "numerator", "denominator"]
WEEK_CHANGE_COLUMNS = ["store_id", "this_week", "last_week", "change"]


def periods_of(as_of: datetime, freq: Literal["W", "Q"], periods: int,
               ) -> list[tuple[pd.Timestamp, pd.Timestamp, _Inclusive]]:
    """The ``periods`` last weeks or quarters up to ``as_of``, oldest first: each one's
    start, end and which ends it counts (the current one ends at ``as_of``, inclusive)."""
    if periods < 1:
        raise ValueError(f"periods must be at least 1, not {periods}")
    end = _as_of(as_of)
    if freq == "W":
        day = end.normalize()
        current = day - timedelta(days=day.weekday())
        starts = [current - timedelta(weeks=k) for k in range(periods - 1, -1, -1)]
        step: Any = timedelta(weeks=1)
    elif freq == "Q":
        current = pd.Timestamp(year=end.year, month=3 * ((end.month - 1) // 3) + 1, day=1,
                               tz="UTC")
        starts = [current - pd.DateOffset(months=3 * k) for k in range(periods - 1, -1, -1)]
        step = pd.DateOffset(months=3)
    else:
        raise ValueError(f"freq must be 'W' (weeks) or 'Q' (quarters), not {freq!r}")
    out: list[tuple[pd.Timestamp, pd.Timestamp, _Inclusive]] = []
    for period_start in starts:
        period_end = period_start + step
        inclusive: _Inclusive = "left"
        if period_end > end:
            period_end, inclusive = end, "both"
        out.append((period_start, period_end, inclusive))
    return out


def _trend(prepared: _Prepared, as_of: datetime, freq: Literal["W", "Q"],
           periods: int) -> pd.DataFrame:
    rows = []
    for period_start, period_end, inclusive in periods_of(as_of, freq, periods):
        result = _rate_of(_window(prepared, period_start, period_end, inclusive))
        rows.append({"period_start": period_start, "period_end": period_end,
                     "rate": _nan(result.rate), "numerator": result.numerator,
                     "denominator": result.denominator})
    trend = pd.DataFrame(rows, columns=TREND_COLUMNS)
    trend.attrs["freq"] = freq
    return trend


def week_changes(current: Mapping[str, float | None],
                 previous: Mapping[str, float | None]) -> pd.DataFrame:
    """The portfolio view: each store's value this week, last week, and the change.

    Every store in either mapping gets a row; a missing or ``None`` value is NaN and so is
    the change it makes. Sorted by change, worst (largest rise) first, unknown changes
    last, then by store. Columns :data:`WEEK_CHANGE_COLUMNS`.
    """
    stores = sorted(set(current) | set(previous))
    if not stores:
        return _empty(WEEK_CHANGE_COLUMNS)
    table = pd.DataFrame({
        "store_id": stores,
        "this_week": [_nan(current.get(s)) for s in stores],
        "last_week": [_nan(previous.get(s)) for s in stores],
    })
    table["change"] = table["this_week"] - table["last_week"]
    table = table.sort_values(["change", "store_id"], ascending=[False, True],
                              na_position="last")
    return table[WEEK_CHANGE_COLUMNS].reset_index(drop=True)
