"""Where disputes come from: the rate by carrier, service, product or country, and the lanes
(carrier x country) disputed far more than their store.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from disputekit.domain.kpis.counting import _Prepared, _window
from disputekit.domain.kpis.frames import (
    _as_of,
    _empty,
    _labels,
)
from disputekit.domain.kpis.prevention import StrictCustoms

__all__ = ["DIMENSIONS", "LANE_COLUMNS"]

LANE_COLUMNS = ["store_id", "carrier", "country", "service_kind", "orders", "disputes", "rate",
                "store_rate", "ratio", "suggestion"]

#: Dimensions :func:`rate_by` can break the rate down by.
DIMENSIONS = ("carrier", "service_kind", "product_name", "product_id", "country")


def _rate_by(prepared: _Prepared, as_of: datetime, dimension: str, window_days: int,
             min_orders: int) -> pd.DataFrame:
    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension must be one of {', '.join(DIMENSIONS)}, not {dimension!r}")
    end = _as_of(as_of)
    outcomes = _window(prepared, end - timedelta(days=window_days), end, "right")
    columns = [dimension, "orders", "disputes", "rate"]
    if outcomes.empty:
        return _empty(columns)
    table = (outcomes.assign(**{dimension: _labels(outcomes[dimension])})
             .groupby(dimension, sort=False)
             .agg(orders=("counted", "size"), disputes=("counted", "sum"))
             .reset_index())
    table = table[table["orders"] >= max(min_orders, 1)]
    table = table.assign(orders=table["orders"].astype(int),
                         disputes=table["disputes"].astype(int),
                         rate=table["disputes"] / table["orders"])
    table = table.sort_values(["rate", "orders", dimension], ascending=[False, False, True])
    return table[columns].reset_index(drop=True)


def _lanes(prepared: _Prepared, as_of: datetime, window_days: int, min_orders: int,
           factor: float, strict_countries: Mapping[str, StrictCustoms]) -> pd.DataFrame:
    end = _as_of(as_of)
    outcomes = _window(prepared, end - timedelta(days=window_days), end, "right")
    if outcomes.empty:
        return _empty(LANE_COLUMNS)
    outcomes = outcomes.assign(carrier=_labels(outcomes["carrier"]),
                               country=_labels(outcomes["country"]),
                               service_kind=_labels(outcomes["service_kind"]))
    stores = outcomes.groupby("store_id")["counted"].agg(["sum", "size"])
    store_rate = stores["sum"] / stores["size"]
    lane = ["store_id", "carrier", "country"]
    lanes = (outcomes.groupby(lane, sort=False)
             .agg(orders=("counted", "size"), disputes=("counted", "sum"),
                  logistics=("logistics", "sum"), product=("product", "sum"),
                  customs=("customs", "sum"))
             .reset_index())
    # Each lane's commonest service kind, ties to the one seen first (as value_counts):
    # counted for every lane at once, not one small value_counts per lane.
    kinds = (outcomes.groupby([*lane, "service_kind"], sort=False).size()
             .reset_index(name="n").sort_values("n", ascending=False, kind="stable")
             .drop_duplicates(lane))
    lanes = lanes.merge(kinds[[*lane, "service_kind"]], on=lane, how="left")
    lanes["store_rate"] = lanes["store_id"].map(store_rate).astype(float)
    lanes["rate"] = lanes["disputes"] / lanes["orders"]
    chosen = lanes[(lanes["orders"] >= min_orders) & (lanes["disputes"] > 0)
                   & (lanes["store_rate"] > 0)
                   & (lanes["rate"] >= factor * lanes["store_rate"])].copy()
    if chosen.empty:
        return _empty(LANE_COLUMNS)
    chosen["ratio"] = chosen["rate"] / chosen["store_rate"]
    chosen["suggestion"] = [_lane_suggestion(row, strict_countries)
                            for row in chosen.to_dict("records")]
    chosen = chosen.astype({"orders": int, "disputes": int})
    chosen = chosen.sort_values(["ratio", "orders", "store_id", "carrier", "country"],
                                ascending=[False, False, True, True, True])
    return chosen[LANE_COLUMNS].reset_index(drop=True)


def _lane_suggestion(lane: Mapping[str, Any], strict: Mapping[str, StrictCustoms]) -> str:
    carrier, country, kind = lane["carrier"], lane["country"], lane["service_kind"]
    if lane["product"] > lane["logistics"]:
        text = (f"mostly product disputes: changing carrier will not help; check the listings "
                f"and quality of what sells to {country}")
    elif kind == "unregistered":
        text = (f"switch {carrier} to {country} to registered shipping or the platform's "
                "online logistics: unregistered post has no tracking to defend a dispute with")
    elif kind == "registered":
        text = (f"try the platform's online logistics to {country} instead of {carrier}: the "
                "platform handles its logistics disputes and exempts them from the rate")
    elif kind == "platform":
        text = (f"already on the platform's online logistics to {country}: check that its "
                "logistics disputes were exempted, and what else goes wrong on this lane")
    else:
        text = (f"find out which service {carrier} is (add it to carriers.py); prefer "
                f"registered or platform logistics to {country}")
    if lane["customs"] and country in strict:
        text += (f"; {int(lane['customs'])} customs hold(s): ask buyers for their "
                 f"{strict[country].tax_id} before shipping")
    return text
