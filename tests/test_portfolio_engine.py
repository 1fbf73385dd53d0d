"""The portfolio page's figures from the columnar engine (``portfolio_of``: orders read in
bulk into Arrow, one ``kpis.columnar.Figures`` per store and per flagged lane) are the ones
``kpis.Rates`` gives on the same data in pandas, as the page computed them before: each
week's rate over the assessment window, the 30-day rate now and a week ago with its counts,
the stores getting worse, and the lanes getting worse with their earlier rate."""

from __future__ import annotations

import random
from dataclasses import astuple
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from disputekit.adapters.db import arrow
from disputekit.adapters.db.arrow import orders_arrow
from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import OrderLineRow, StoreRow
from disputekit.domain import kpis
from disputekit.domain.kpis import DISPUTE_COLUMNS
from disputekit.services.portfolio import (
    ASSESSMENT_WEEKS,
    LANE_MIN_DISPUTES,
    LANE_MIN_ORDERS,
    LaneChange,
    Portfolio,
    portfolio_of,
)
from disputekit.services.report_data import orders_frame

NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)
STORES = ["steady", "worse", "small", "empty"]  # "empty": no order, no dispute
# carrier, country, service kind
LANES = [("Yanwen", "BR", "registered"), ("4PX", "FR", "unregistered"),
         ("Cainiao", "CL", "platform"), ("Yanwen", "US", "registered")]
QUEUE_COLUMNS = ["store_id", "urgency", "hours_left", "parent_order_id", "buyer", "product",
                 "reason", "amount_usd"]


def _odds(store: str, lane: tuple[str, str, str], opened_days_ago: float) -> float:
    """How likely an order is disputed, by when the dispute would open: ``steady``'s
    Yanwen→BR lane rises in the last 30 days (flagged, and worse than before), its 4PX→FR
    lane is flagged but was worse still before (not shown); ``worse`` rises this week."""
    recent = opened_days_ago <= 30
    if store == "steady" and lane[:2] == ("Yanwen", "BR"):
        return 0.16 if recent else 0.08
    if store == "steady" and lane[:2] == ("4PX", "FR"):
        return 0.09 if recent else 0.30
    if store == "worse":
        return 0.09 if opened_days_ago <= 7 else 0.01
    return 0.02


def _fill(db: Database) -> pd.DataFrame:
    """Orders over 130 days in the database; the disputes as ``disputes_frame`` gives
    them (cancelled ones, logistics disputes on the platform's shipping, one dispute
    without a stored order), returned."""
    draw = random.Random(19)
    disputes = []
    with db.session() as s:
        s.add_all([StoreRow(store_id=store, name=store) for store in STORES])
        s.flush()
        order_id = 10_000
        for store, per_day in (("steady", 12), ("worse", 8), ("small", 2)):
            for day in range(130):
                for k in range(per_day):
                    order_id += 1
                    carrier, country, kind = LANES[(k + day) % len(LANES)]
                    created = NOW - timedelta(days=day, hours=draw.uniform(0, 23))
                    s.add(OrderLineRow(
                        store_id=store, order_id=order_id, created_at=created,
                        status="FINISH" if draw.random() > 0.07 else "WAIT_BUYER_ACCEPT_GOODS",
                        country=country, carrier=carrier, service_kind=kind,
                        product_id=700 + k % 5, product_name=f"P{k % 5}",
                        amount_usd=Decimal("25.50"), shipped_at=created, synced_at=NOW))
                    opened = created + timedelta(days=draw.uniform(4, 26))
                    if opened > NOW:
                        continue
                    ago = (NOW - opened).total_seconds() / 86_400
                    if draw.random() < _odds(store, (carrier, country, kind), ago):
                        disputes.append(_dispute(store, order_id, opened, carrier, country,
                                                 kind, cancelled=draw.random() < 0.1,
                                                 logistics=draw.random() < 0.5))
    disputes.append(_dispute("steady", 1, NOW - timedelta(days=3), "Yanwen", "BR",
                             "registered", cancelled=False, logistics=True))
    frame = pd.DataFrame(disputes, columns=[*DISPUTE_COLUMNS, "resend_usd"])
    frame["issue_id"] = range(500, 500 + len(frame))
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True).astype(
        "datetime64[ns, UTC]")
    return frame


def _dispute(store: str, order_id: int, opened: datetime, carrier: str, country: str,
             kind: str, *, cancelled: bool, logistics: bool) -> dict[str, object]:
    return {"store_id": store, "issue_id": 0, "parent_order_id": order_id,
            "created_at": opened,
            "issue_status": "canceled_issue" if cancelled else "processing",
            "reverse_detail_status": "", "reached_type": "", "arbitrated": False,
            "class": "stalled_in_transit" if logistics else "not_as_described",
            "family": "logistics" if logistics else "product", "buyer_login_id": "b",
            "country": country, "carrier": carrier, "service_kind": kind,
            "product_id": "700", "product_name": "P0", "refund_usd": 4.0,
            "personal_reason": False, "resend_usd": 0.0}


def _pandas_figures(orders: pd.DataFrame, disputes: pd.DataFrame
                    ) -> tuple[dict[str, tuple[object, ...]], list[LaneChange]]:
    """The page's figures as ``portfolio_of`` computed them in pandas (``kpis.Rates`` over
    each store's rows; a lane's earlier rate by ``kpis.dispute_rate`` on its rows)."""
    stores, lanes = {}, []
    for store in STORES:
        sold = orders[orders["store_id"] == store]
        theirs = disputes[disputes["store_id"] == store]
        rates = kpis.Rates(sold, theirs)
        trend = rates.trend(NOW, "W", ASSESSMENT_WEEKS)
        counted = rates.dispute_rate(NOW)
        stores[store] = (
            [(r.period_start.date(), None if pd.isna(r.rate) else float(r.rate))
             for r in trend.itertuples()],
            counted.rate, rates.dispute_rate(NOW - timedelta(days=7)).rate,
            counted.numerator, counted.denominator)
        flagged = rates.lanes_to_change(NOW, window_days=30, min_orders=LANE_MIN_ORDERS,
                                        factor=1.5)
        for lane in flagged.to_dict("records"):
            if int(lane["disputes"]) < LANE_MIN_DISPUTES:
                continue
            on_lane = (sold["carrier"] == lane["carrier"]) & (sold["country"] == lane["country"])
            d_lane = ((theirs["carrier"] == lane["carrier"])
                      & (theirs["country"] == lane["country"]))
            earlier = kpis.dispute_rate(sold[on_lane], theirs[d_lane], NOW - timedelta(days=30))
            before = earlier.rate if earlier.denominator >= LANE_MIN_ORDERS else None
            if before is None or float(lane["rate"]) > before:
                lanes.append(LaneChange(store, str(lane["carrier"]), str(lane["country"]),
                                        int(lane["orders"]), float(lane["rate"]), before))
    return stores, sorted(lanes, key=lambda x: x.rate - (x.previous or 0), reverse=True)


def _orders_frame(db: Database) -> pd.DataFrame:
    """``orders_frame``'s orders, times in one resolution (pandas 3 reads the never-set
    ``finished_at`` in seconds and ``created_at`` in microseconds, and ``kpis`` warns
    filling one from the other)."""
    orders = orders_frame(db, STORES)
    for column in ("created_at", "finished_at"):
        orders[column] = orders[column].astype("datetime64[ns, UTC]")
    return orders


@pytest.fixture(params=["in process", "child processes"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways the orders are read: a few in this process, a portfolio's in ADBC
    children (forced here by lowering the threshold; SQLite only, elsewhere the same)."""
    if request.param == "child processes":
        monkeypatch.setattr(arrow, "CHILD_ROWS", 10)
    return str(request.param)


def _portfolio(db: Database, disputes: pd.DataFrame) -> Portfolio:
    return portfolio_of(db, NOW, STORES, queue=pd.DataFrame(columns=QUEUE_COLUMNS),
                        orders=orders_arrow(db, STORES), disputes=disputes)


def test_the_engine_gives_the_pandas_figures(db_url: str, reader: str) -> None:
    db = Database.open(db_url)
    try:
        disputes = _fill(db)
        portfolio = _portfolio(db, disputes)
        stores, lanes = _pandas_figures(_orders_frame(db), disputes)
    finally:
        db.dispose()
    assert [s.store_id for s in portfolio.stores] == STORES
    for figures in portfolio.stores:
        assert (figures.weeks, figures.rate, figures.rate_week_ago, figures.disputed,
                figures.counted) == stores[figures.store_id], figures.store_id
    assert portfolio.lanes == lanes
    # the data shows what the page is for, so a wrong figure cannot hide
    assert [s.store_id for s in portfolio.worsening] == ["worse"]
    steady = dict(zip(STORES, portfolio.stores, strict=True))["steady"]
    weekly = [rate for _, rate in steady.weeks]
    assert len(weekly) == ASSESSMENT_WEEKS and None not in weekly
    assert len(set(weekly)) > ASSESSMENT_WEEKS // 2  # weeks with rates of their own
    assert dict(zip(STORES, portfolio.stores, strict=True))["empty"].rate is None
    shown = {(x.store_id, x.carrier, x.country): x for x in portfolio.lanes}
    assert ("steady", "4PX", "FR") not in shown  # flagged, but it was worse before
    rising = shown[("steady", "Yanwen", "BR")]
    assert rising.previous is not None and 0 < rising.previous < rising.rate


def test_a_lane_s_earlier_rate_is_its_own_rows(db_url: str) -> None:
    """The earlier rate is the lane's over the 30 days before, not the store's: with
    the lane's disputes before left out it falls, and the lane is shown from a lower rate."""
    db = Database.open(db_url)
    try:
        disputes = _fill(db)
        before = _lane(_portfolio(db, disputes))
        opened = disputes["created_at"]
        quiet = disputes[~((disputes["carrier"] == "Yanwen") & (disputes["country"] == "BR")
                           & (opened <= NOW - timedelta(days=30)))]
        after = _lane(_portfolio(db, quiet))
    finally:
        db.dispose()
    assert astuple(after)[:5] == astuple(before)[:5]
    assert after.previous == 0.0 < (before.previous or 0.0)


def _lane(portfolio: Portfolio) -> LaneChange:
    return next(x for x in portfolio.lanes if (x.store_id, x.carrier, x.country)
                == ("steady", "Yanwen", "BR"))
