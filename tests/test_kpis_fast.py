"""The fast kpis (frames normalised once, integer join keys, vectorised normalisers) give
exactly the figures kpis gave before it (commit 28d6f5d).

Those figures are stored in ``tests/fixtures/kpis_golden/`` (JSON, one frame row a line),
written by ``make_golden.py`` there from the frames and inputs below: read its docstring
before regenerating them. Every rate figure is computed twice, by the module function and
by :class:`kpis.Rates`, and compared with the stored one: a frame with
``assert_frame_equal(check_dtype=False)`` (as when the old module was run beside the new:
integers, text and times exact, floats to pandas' default relative 1e-5, though the stored
floats are the old ones to the last bit), a :class:`kpis.RateResult` field by field with
``==``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest

from disputekit.domain import kpis

AS_OF = datetime(2026, 7, 1, 12, tzinfo=UTC)
GOLDEN = Path(__file__).parent / "fixtures" / "kpis_golden"
#: (exclude_personal, exempt_platform_logistics)
FLAGS = [(False, True), (True, False)]


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


#: The inputs of the normalisers, by a name the stored outputs are filed under.
NORMALISER_INPUTS: dict[str, Any] = {
    "text_none_nan": ["a", " b ", None, "a", np.nan],
    "ints": [1, 2, 3],
    "floats_none": [1.0, 2.5, None],
    "bools_none": [True, False, None],
    "decimal_none_int": [Decimal("1.5"), None, 2],
    "true_strings": ["true", "0", " yes", None, "T"],
    "empty": [],
    "all_none": [None, None],
    "string_dtype": pd.array(["x", None, " y"], dtype="string"),
    "one_id_four_ways": [1, "1", 1.0, " 1 "],
}


def _series(values: Any) -> pd.Series:
    return pd.Series(values, dtype=values.dtype if hasattr(values, "dtype") else None)


def _normalisers(values: Any) -> tuple[str, ...]:
    """The normalisers compared on ``values``: ``_money`` only takes numbers (or None)."""
    names: tuple[str, ...] = ("_text", "_ids", "_flags")
    if all(v is None or isinstance(v, (int, float, Decimal)) for v in values):
        names += ("_money",)
    return names


class Functions:
    """The module functions of ``module`` (``kpis``, or kpis as it was) behind the
    methods of :class:`kpis.Rates`, so one list of figures serves both."""

    def __init__(self, module: ModuleType, orders: pd.DataFrame, disputes: pd.DataFrame,
                 **opts: bool) -> None:
        self.module, self.orders, self.disputes, self.opts = module, orders, disputes, opts

    def dispute_rate(self, as_of: datetime) -> Any:
        return self.module.dispute_rate(self.orders, self.disputes, as_of, **self.opts)

    def trend(self, as_of: datetime, freq: str, periods: int) -> pd.DataFrame:
        return self.module.rate_trend(self.orders, self.disputes, as_of, freq, periods,
                                      **self.opts)

    def by(self, as_of: datetime, dimension: str, window_days: int) -> pd.DataFrame:
        return self.module.rate_by(self.orders, self.disputes, as_of, dimension, window_days,
                                   **self.opts)

    def lanes_to_change(self, as_of: datetime, window_days: int, min_orders: int,
                        factor: float) -> pd.DataFrame:
        return self.module.lanes_to_change(self.orders, self.disputes, as_of, window_days,
                                           min_orders, factor, **self.opts)


LANES = "lanes_to_change 200d min5 x1.2"


def rate_figures(rates: Any) -> dict[str, Any]:
    """Every rate figure compared, by name, of a :class:`kpis.Rates` or :class:`Functions`."""
    figures: dict[str, Any] = {}
    for as_of in (AS_OF, AS_OF - timedelta(days=7)):
        figures[f"dispute_rate {as_of:%Y-%m-%d %H:%M}"] = rates.dispute_rate(as_of)
    for freq, periods in (("W", 10), ("Q", 4)):
        figures[f"rate_trend {freq}x{periods}"] = rates.trend(AS_OF, freq, periods)
    for dimension in kpis.DIMENSIONS:
        figures[f"rate_by {dimension} 90d"] = rates.by(AS_OF, dimension, 90)
    figures[LANES] = rates.lanes_to_change(AS_OF, 200, 5, 1.2)
    return figures


def other_figures(module: ModuleType, orders: pd.DataFrame, disputes: pd.DataFrame,
                  claims: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The figures that do not depend on the flags, by name."""
    return {"money_by_class": module.money_by_class(disputes, claims),
            "abusive_buyers min2": module.abusive_buyers(disputes, 2),
            "prevention_unshipped": module.prevention_unshipped(orders, AS_OF)}


def flags_key(exclude_personal: bool, exempt_platform_logistics: bool) -> str:
    return (f"exclude_personal={exclude_personal} "
            f"exempt_platform_logistics={exempt_platform_logistics}")


def golden_path(messy: bool) -> Path:
    return GOLDEN / ("messy.json" if messy else "clean.json")


NORMALISERS_PATH = GOLDEN / "normalisers.json"


@functools.cache
def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def decode_column(kind: str, values: list[Any]) -> pd.Series:
    """A stored column (``make_golden.encode_column``) back as a Series."""
    if kind == "int":
        return pd.Series(values, dtype="int64")
    if kind == "float":
        return pd.Series([math.nan if v is None else v for v in values], dtype="float64")
    if kind == "bool":
        return pd.Series(values, dtype=bool)
    if kind == "time":  # ISO 8601, to the nanosecond, UTC
        return pd.Series(pd.to_datetime(list(values), utc=True, format="ISO8601"))
    if kind == "text":
        return pd.Series(values, dtype=object)
    raise ValueError(f"unknown stored column type {kind!r}")


def decode(stored: dict[str, Any]) -> Any:
    """A stored figure back as a frame, or a RateResult's fields (a dict)."""
    if stored["type"] == "RateResult":
        return stored["fields"]
    rows = stored["rows"]
    columns = zip(*rows, strict=True) if rows else ([] for _ in stored["columns"])
    return pd.DataFrame({name: decode_column(kind, list(values)) for name, kind, values
                         in zip(stored["columns"], stored["types"], columns, strict=True)},
                        columns=stored["columns"])


def _same(name: str, new: Any, stored: dict[str, Any]) -> None:
    old = decode(stored)
    if stored["type"] == "RateResult":
        assert isinstance(new, kpis.RateResult), name
        assert dataclasses.asdict(new) == old, name
    else:
        pd.testing.assert_frame_equal(new.reset_index(drop=True), old, check_dtype=False,
                                      obj=name)


def _same_figures(figures: dict[str, Any], stored: dict[str, Any]) -> None:
    assert list(figures) == list(stored), "figures not stored: run make_golden.py"
    for name, figure in figures.items():
        _same(name, figure, stored[name])


@pytest.mark.parametrize("messy", [False, True])
@pytest.mark.parametrize("flags", FLAGS)
def test_every_figure_is_the_same_as_before(messy: bool, flags: tuple[bool, bool]) -> None:
    orders, disputes, claims = _frames(7, messy)
    personal, exempt = flags
    opts = dict(exclude_personal=personal, exempt_platform_logistics=exempt)
    golden = _load(golden_path(messy))
    stored = golden["rates"][flags_key(personal, exempt)]
    assert stored[LANES]["rows"]  # the comparison means something
    _same_figures(rate_figures(Functions(kpis, orders, disputes, **opts)), stored)
    _same_figures(rate_figures(kpis.Rates(orders, disputes, **opts)), stored)
    _same_figures(other_figures(kpis, orders, disputes, claims), golden["other"])


@pytest.mark.parametrize("name", list(NORMALISER_INPUTS))
def test_normalisers_match_the_value_by_value_ones(name: str) -> None:
    values = NORMALISER_INPUTS[name]
    series = _series(values)
    stored = _load(NORMALISERS_PATH)[name]
    assert list(stored) == list(_normalisers(values)), "run make_golden.py"
    for normaliser, outputs in stored.items():
        old = decode_column(outputs["type"], outputs["values"])
        # as when compared with the old module: _money's dtype (float) too, the others' not
        pd.testing.assert_series_equal(getattr(kpis, normaliser)(series), old,
                                       check_dtype=normaliser == "_money", obj=normaliser)


def test_every_normaliser_input_is_stored() -> None:
    assert list(_load(NORMALISERS_PATH)) == list(NORMALISER_INPUTS), "run make_golden.py"
