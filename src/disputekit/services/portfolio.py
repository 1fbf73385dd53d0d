"""The portfolio across stores, as a team lead reads it on the run's index page.

Per store: the open disputes by urgency, the weekly dispute rate over the platform's
assessment window (a quarter: 13 weeks), the money lost and recovered this month, and
whether the store is getting worse; across stores: the lanes getting worse and every
overdue dispute (buyer logins masked: the page is shared).

The rates are the columnar engine's (``kpis.columnar.Figures``, the same figures as
``kpis.Rates``), over the orders read in bulk into Arrow: at portfolio scale (ten million
orders) no order becomes a Python object. One engine per store, over that store's rows
(a lane's earlier rate: one over the lane's rows), each closed before the next opens, so
only one store's share of the orders is copied at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ClaimRow
from disputekit.domain.deadlines import Urgency
from disputekit.domain.kpis.columnar import Figures, canonical_disputes
from disputekit.domain.privacy import mask_login

__all__ = ["ASSESSMENT_WEEKS", "WORSENING_POINTS", "LaneChange", "Overdue", "Portfolio",
           "StoreFigures", "portfolio_of"]

# The platform assesses the dispute rate quarterly (domain.md): the chart shows 13 weeks.
ASSESSMENT_WEEKS = 13
# A store is "getting worse" when its 30-day rate rose this much in a week (0.2 points):
# about one disputed order more per 500, enough to matter at the next assessment.
WORSENING_POINTS = 0.002
# A lane is shown getting worse with this many orders behind it in each 30-day window, and
# this many disputes counted in the last: fewer is noise, not a finding.
LANE_MIN_ORDERS = 20
# Beyond chance: the one-sided 95 % point of the normal; from a rate of 0, three disputes.
_ABOVE_CHANCE = 1.645
_LEAST_DISPUTES_FROM_NONE = 3
LANE_MIN_DISPUTES = 3


@dataclass(frozen=True)
class StoreFigures:
    store_id: str
    urgency: dict[str, int]  # every Urgency tier's label -> open disputes in it
    weeks: list[tuple[date, float | None]]  # weekly rate, oldest first (None: no order)
    rate: float | None  # last 30 days
    rate_week_ago: float | None  # the 30 days to a week ago
    lost_month: float  # USD refunded or resent on disputes opened this month
    recovered_month: float  # USD recovered from carriers on claims closed this month
    # the counts behind ``rate``: disputed orders of the orders counted (None: not known)
    disputed: int | None = None
    counted: int | None = None

    @property
    def change(self) -> float | None:
        if self.rate is None or self.rate_week_ago is None:
            return None
        return self.rate - self.rate_week_ago

    @property
    def worsening(self) -> bool:
        """The 30-day rate rose by ``WORSENING_POINTS`` or more in a week, and by more than
        chance explains: a small store's one extra dispute is not a trend. With the counts,
        the disputed orders must lie above what the week-ago rate predicts for as many
        orders (one-sided, 95 %; binomial, by its normal approximation)."""
        change = self.change
        if change is None or change < WORSENING_POINTS:
            return False
        if self.disputed is None or not self.counted or self.rate_week_ago is None:
            return True
        p = self.rate_week_ago
        if p <= 0:
            return self.disputed >= _LEAST_DISPUTES_FROM_NONE
        expected, spread = self.counted * p, math.sqrt(self.counted * p * (1 - p))
        return (self.disputed - expected) / spread >= _ABOVE_CHANCE


@dataclass(frozen=True)
class LaneChange:
    store_id: str
    carrier: str
    country: str
    orders: int
    rate: float  # last 30 days
    previous: float | None  # the 30 days before


@dataclass(frozen=True)
class Overdue:
    store_id: str
    parent_order_id: str
    buyer: str  # masked
    product: str
    reason: str
    amount_usd: float
    hours_overdue: float


@dataclass(frozen=True)
class Portfolio:
    as_of: datetime
    stores: list[StoreFigures] = field(default_factory=list)
    lanes: list[LaneChange] = field(default_factory=list)
    overdue: list[Overdue] = field(default_factory=list)

    @property
    def month(self) -> str:
        return f"{self.as_of:%B %Y}"

    @property
    def worsening(self) -> list[StoreFigures]:
        return [s for s in self.stores if s.worsening]


def portfolio_of(db: Database, now: datetime, store_ids: Sequence[str], *,
                 queue: pd.DataFrame, orders: pa.Table,
                 disputes: pd.DataFrame) -> Portfolio:
    """The portfolio of ``store_ids`` from what the run already loaded (the open queue,
    untriaged; ``orders``, the canonical orders of ``adapters.db.arrow.orders_arrow``, one
    row per order; ``disputes``, ``disputes_frame``'s) and the carrier claims closed this
    month."""
    month_start = pd.Timestamp(now).tz_convert("UTC").normalize().replace(day=1)
    recovered = _recovered_since(db, month_start.to_pydatetime(), store_ids)
    orders_of = _by_store(orders, store_ids)
    disputes_of = _by_store(canonical_disputes(disputes), store_ids)
    stores, lanes = [], []
    for store_id in store_ids:
        mine = queue[queue["store_id"] == store_id] if len(queue) else queue
        theirs = disputes[disputes["store_id"] == store_id]
        sold, disputed = orders_of(store_id), disputes_of(store_id)
        rates = Figures(sold, disputed, orders_unique=True)  # order_lines' primary key
        try:
            trend = rates.trend(now, "W", ASSESSMENT_WEEKS)
            counted = rates.dispute_rate(now)
            week_ago = rates.dispute_rate(now - timedelta(days=7))
            lanes += _lanes_worse(store_id, sold, disputed, rates, now)
        finally:
            rates.close()
        opened = theirs[pd.to_datetime(theirs["created_at"], utc=True) >= month_start]
        lost = (opened["refund_usd"].astype(float).sum()
                + (opened["resend_usd"].astype(float).sum() if "resend_usd" in opened else 0))
        stores.append(StoreFigures(
            store_id=store_id,
            urgency={u.value: int((mine["urgency"] == u.value).sum()) if len(mine) else 0
                     for u in Urgency},
            weeks=[(row.period_start.date(), None if pd.isna(row.rate) else float(row.rate))
                   for row in trend.itertuples()],
            rate=counted.rate, rate_week_ago=week_ago.rate,
            disputed=counted.numerator, counted=counted.denominator,
            lost_month=float(lost),
            recovered_month=recovered.get(store_id, 0.0)))
    return Portfolio(now, stores, sorted(lanes, key=lambda x: x.rate - (x.previous or 0),
                                         reverse=True), _overdue(queue))


def _by_store(table: pa.Table, store_ids: Sequence[str]) -> Callable[[str], pa.Table]:
    """A function giving each store's rows of ``table``, in the table's order: the rows
    are sorted by store once (a stable sort of one small integer a row), not compared
    with every store id in turn, and a store's rows are copied only when asked for."""
    wanted = pa.array(list(store_ids), type=pa.string())
    codes = [_store_codes(chunk, wanted) for chunk in table.column("store_id").chunks]
    code = np.concatenate(codes) if codes else np.empty(0, dtype=np.int64)
    order = np.argsort(code, kind="stable")
    edges = np.searchsorted(code[order], np.arange(len(store_ids) + 1))
    where = {store_id: i for i, store_id in enumerate(store_ids)}

    def rows_of(store_id: str) -> pa.Table:
        i = where[store_id]
        return table.take(pa.array(order[edges[i]:edges[i + 1]]))

    return rows_of


def _store_codes(chunk: pa.Array, wanted: pa.Array) -> np.ndarray:
    """Each row's position in ``wanted`` (``len(wanted)`` when not there): a
    dictionary-encoded chunk's few distinct ids looked up once."""
    if pa.types.is_dictionary(chunk.type):
        found = pc.take(pc.index_in(chunk.dictionary.cast(pa.string()), value_set=wanted),
                        chunk.indices)
    else:
        found = pc.index_in(chunk.cast(pa.string()), value_set=wanted)
    return np.asarray(pc.fill_null(found, len(wanted)).to_numpy(zero_copy_only=False),
                      dtype=np.int64)


def _recovered_since(db: Database, start: datetime, store_ids: Sequence[str]
                     ) -> dict[str, float]:
    with db.session() as s:
        rows = s.execute(select(ClaimRow.store_id, ClaimRow.recovered_amount, ClaimRow.closed_at)
                         .where(ClaimRow.store_id.in_(list(store_ids)))
                         .order_by(ClaimRow.store_id, ClaimRow.logistics_no)).all()
    out: dict[str, float] = {}
    for store_id, amount, closed_at in rows:
        if closed_at is not None and closed_at >= start and amount:
            out[store_id] = out.get(store_id, 0.0) + float(amount)
    return out


def _lanes_worse(store_id: str, orders: pa.Table, disputes: pa.Table, rates: Figures,
                 now: datetime) -> list[LaneChange]:
    """The lanes (carrier × country) disputed at 1.5 × the store's rate or more in the last
    30 days, with enough orders and disputes, whose rate rose against the 30 days before
    (counted on as many orders: the orders and the disputes of the lane's carrier and
    country, in an engine of their own)."""
    flagged = rates.lanes_to_change(now, window_days=30, min_orders=LANE_MIN_ORDERS,
                                    factor=1.5)
    out = []
    for lane in flagged.to_dict("records"):
        if int(lane["disputes"]) < LANE_MIN_DISPUTES:
            continue
        carrier, country = str(lane["carrier"]), str(lane["country"])
        on_lane = Figures(_on_lane(orders, carrier, country),
                          _on_lane(disputes, carrier, country), orders_unique=True)
        try:
            earlier = on_lane.dispute_rate(now - timedelta(days=30))
        finally:
            on_lane.close()
        before = earlier.rate if earlier.denominator >= LANE_MIN_ORDERS else None
        if before is None or float(lane["rate"]) > before:
            out.append(LaneChange(store_id, carrier, country, int(lane["orders"]),
                                  float(lane["rate"]), before))
    return out


def _on_lane(table: pa.Table, carrier: str, country: str) -> pa.Table:
    """The rows whose own carrier and country are the lane's, compared as they are stored
    (as the pandas figures compared them: a lane named ``unknown`` holds no row)."""
    def equal(column: str, value: str) -> pa.ChunkedArray:
        return pc.equal(table.column(column).cast(pa.string()), value)

    return table.filter(pc.and_(equal("carrier", carrier), equal("country", country)))


def _overdue(queue: pd.DataFrame) -> list[Overdue]:
    if not len(queue):
        return []
    late = queue[queue["urgency"] == Urgency.OVERDUE.value].sort_values("hours_left")
    return [Overdue(str(r["store_id"]), str(r["parent_order_id"]), mask_login(str(r["buyer"])),
                    str(r["product"]), str(r["reason"]), float(r["amount_usd"]),
                    -float(r["hours_left"] or 0.0))
            for r in late.to_dict("records")]
