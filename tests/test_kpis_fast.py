"""The fast kpis (frames normalised once, integer join keys, vectorised normalisers) give
exactly the figures of kpis as it was before (``tests/fixtures/kpis_before.py``)."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest

from disputekit import kpis

AS_OF = datetime(2026, 7, 1, 12, tzinfo=UTC)


def _before() -> ModuleType:
    path = Path(__file__).parent / "fixtures" / "kpis_before.py"
    spec = importlib.util.spec_from_file_location("kpis_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["kpis_before"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


BEFORE = _before()


def _frames(seed: int, messy: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Small random frames; ``messy``: the types a caller may pass (ids as floats and text,
    padded text, None, Decimals, "true" strings) that take the value-by-value path."""
    rng = np.random.default_rng(seed)
    n, m = 3_000, 600
    start = pd.Timestamp(AS_OF) - pd.Timedelta(days=400)
    created = start + pd.to_timedelta(rng.uniform(0, 400 * 86400, n), unit="s")
    status = rng.choice(["FINISH", "WAIT_BUYER_ACCEPT_GOODS", "WAIT_SELLER_SEND_GOODS"], n)
    finished = pd.Series(created + pd.to_timedelta(rng.uniform(8, 35, n), unit="D")).where(
        (status == "FINISH") & (rng.random(n) < .8))
    stores = np.array(["s1", "s2", "s3"], dtype=object)
    countries = np.array(["BR", "fr", "CL", "US", None], dtype=object)
    carriers = np.array(["Yanwen", "Cainiao", "4PX", None], dtype=object)
    kinds = np.array(["registered", "unregistered", "platform", "unknown"], dtype=object)
    products = np.array([f"Product {i}" for i in range(40)], dtype=object)
    order_ids = np.arange(1_000, 1_000 + n)
    product = rng.integers(0, len(products), n)
    orders = pd.DataFrame({
        "store_id": stores[rng.integers(0, 3, n)], "order_id": order_ids,
        "created_at": created, "status": status, "finished_at": finished,
        "country": countries[rng.integers(0, len(countries), n)],
        "carrier": carriers[rng.integers(0, len(carriers), n)],
        "service_kind": kinds[rng.integers(0, len(kinds), n)],
        "product_id": product + 500, "product_name": products[product],
        "amount_usd": rng.gamma(2.0, 40.0, n).round(2),
        "shipped": status != "WAIT_SELLER_SEND_GOODS",
    })
    pick = rng.choice(n, m, replace=True)  # some orders disputed twice
    o = orders.iloc[pick].reset_index(drop=True)
    codes = np.array(["stalled_in_transit", "customs_buyer_no_docs", "not_as_described",
                      "delivered_disputed", "extortion"], dtype=object)
    families = np.array(["logistics", "logistics", "product", "logistics", "product"],
                        dtype=object)
    cls = rng.integers(0, len(codes), m)
    disputes = pd.DataFrame({
        "store_id": o["store_id"], "issue_id": np.arange(50_000, 50_000 + m),
        "parent_order_id": o["order_id"],
        "created_at": o["created_at"] + pd.to_timedelta(rng.uniform(3, 40, m), unit="D"),
        "issue_status": rng.choice(["processing", "finish", "canceled_issue"], m),
        "reverse_detail_status": "", "reached_type": rng.choice(["", "platform_arbitrate"], m),
        "arbitrated": rng.random(m) < .1, "class": codes[cls], "family": families[cls],
        "buyer_login_id": np.array([f"b{i}" for i in rng.integers(0, 150, m)], dtype=object),
        "country": o["country"], "carrier": np.where(rng.random(m) < .2, None, o["carrier"]),
        "service_kind": o["service_kind"], "product_id": o["product_id"],
        "product_name": o["product_name"], "refund_usd": rng.uniform(0, 50, m).round(2),
        "personal_reason": rng.random(m) < .1,
    })
    claims = pd.DataFrame({
        "store_id": disputes["store_id"][:60], "logistics_no": [f"LP{i}" for i in range(60)],
        "issue_id": disputes["issue_id"][:60], "class": [""] * 30 + ["extortion"] * 30,
        "status": rng.choice(["due", "filed", "recovered", "lapsed"], 60),
        "goods_amount": rng.uniform(1, 30, 60), "freight_amount": rng.uniform(1, 5, 60),
        "recovered_amount": rng.uniform(0, 20, 60),
    })
    if messy:
        orders["order_id"] = orders["order_id"].astype(float)
        orders["store_id"] = orders["store_id"].map(lambda s: f" {s} ")
        orders.loc[::7, "amount_usd"] = None
        orders["amount_usd"] = orders["amount_usd"].map(
            lambda v: None if pd.isna(v) else Decimal(str(v)))
        orders["shipped"] = orders["shipped"].map(lambda b: "true" if b else "0")
        disputes["parent_order_id"] = disputes["parent_order_id"].astype(str)
        disputes.loc[::11, "parent_order_id"] = None
        disputes["personal_reason"] = disputes["personal_reason"].astype(object)
        disputes.loc[::13, "personal_reason"] = None
    return orders, disputes, claims


def _same(new: Any, old: Any) -> None:
    if isinstance(new, pd.DataFrame):
        pd.testing.assert_frame_equal(new.reset_index(drop=True), old.reset_index(drop=True),
                                      check_dtype=False)
    else:
        assert dataclasses.asdict(new) == dataclasses.asdict(old)


@pytest.mark.parametrize("messy", [False, True])
@pytest.mark.parametrize("flags", [(False, True), (True, False)])
def test_every_figure_is_the_same_as_before(messy: bool, flags: tuple[bool, bool]) -> None:
    orders, disputes, claims = _frames(7, messy)
    personal, exempt = flags
    opts = dict(exclude_personal=personal, exempt_platform_logistics=exempt)
    rates = kpis.Rates(orders, disputes, **opts)
    for as_of in (AS_OF, AS_OF - timedelta(days=7)):
        old = BEFORE.dispute_rate(orders, disputes, as_of, **opts)
        _same(kpis.dispute_rate(orders, disputes, as_of, **opts), old)
        _same(rates.dispute_rate(as_of), old)
    for freq, periods in (("W", 10), ("Q", 4)):
        old = BEFORE.rate_trend(orders, disputes, AS_OF, freq, periods, **opts)
        _same(kpis.rate_trend(orders, disputes, AS_OF, freq, periods, **opts), old)
        _same(rates.trend(AS_OF, freq, periods), old)
    for dimension in kpis.DIMENSIONS:
        old = BEFORE.rate_by(orders, disputes, AS_OF, dimension, 90, **opts)
        _same(kpis.rate_by(orders, disputes, AS_OF, dimension, 90, **opts), old)
        _same(rates.by(AS_OF, dimension, 90), old)
    old = BEFORE.lanes_to_change(orders, disputes, AS_OF, 200, 5, 1.2, **opts)
    assert len(old) > 0  # the comparison means something
    _same(kpis.lanes_to_change(orders, disputes, AS_OF, 200, 5, 1.2, **opts), old)
    _same(rates.lanes_to_change(AS_OF, 200, 5, 1.2), old)
    _same(kpis.money_by_class(disputes, claims), BEFORE.money_by_class(disputes, claims))
    _same(kpis.abusive_buyers(disputes, 2), BEFORE.abusive_buyers(disputes, 2))
    _same(kpis.prevention_unshipped(orders, AS_OF), BEFORE.prevention_unshipped(orders, AS_OF))


@pytest.mark.parametrize("values", [
    ["a", " b ", None, "a", np.nan], [1, 2, 3], [1.0, 2.5, None], [True, False, None],
    [Decimal("1.5"), None, 2], ["true", "0", " yes", None, "T"], [], [None, None],
    pd.array(["x", None, " y"], dtype="string"), [1, "1", 1.0, " 1 "],
])
def test_normalisers_match_the_value_by_value_ones(values: list[Any]) -> None:
    series = pd.Series(values, dtype=values.dtype if hasattr(values, "dtype") else None)
    for name in ("_text", "_ids", "_flags"):
        fast, slow = getattr(kpis, name)(series), getattr(BEFORE, name)(series)
        pd.testing.assert_series_equal(fast, slow, check_dtype=False)
    if all(v is None or isinstance(v, (int, float, Decimal)) for v in values):
        pd.testing.assert_series_equal(kpis._money(series), BEFORE._money(series))
