"""The columnar engine (``kpis.columnar.Figures``, DuckDB over Arrow) gives every golden
figure of ``tests/fixtures/kpis_golden/``: counts, text and times exactly, rates to 1e-9,
money to the cent. The frames, inputs and figure names are ``test_kpis_fast``'s, so the
two engines are held to the same stored truth.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from disputekit.domain import kpis
from disputekit.domain.kpis.columnar import (
    Figures,
    canonical_claims,
    canonical_disputes,
    canonical_orders,
)
from tests import test_kpis_fast as spec

#: Columns holding money (compared to the cent); every other float is a rate (to 1e-9).
MONEY = {"refunded", "resent", "recovered", "pending", "net_lost", "amount_usd",
         "threshold_usd"}


def _close(name: str, column: str, new: Any, old: Any) -> None:
    if isinstance(old, float) and math.isnan(old):
        assert isinstance(new, float) and math.isnan(new), (name, column, new)
        return
    if isinstance(old, float):
        tolerance = 0.005 if column in MONEY else 1e-9
        assert new == pytest.approx(old, abs=tolerance, rel=0), (name, column, new, old)
        return
    assert new == old, (name, column, new, old)


def _same(name: str, new: Any, stored: dict[str, Any]) -> None:
    old = spec.decode(stored)
    if stored["type"] == "RateResult":
        assert isinstance(new, kpis.RateResult), name
        fields = dataclasses.asdict(new)
        assert {k: v for k, v in fields.items() if k != "rate"} == {
            k: v for k, v in old.items() if k != "rate"}, name
        if old["rate"] is None:
            assert fields["rate"] is None, name
        else:
            assert fields["rate"] == pytest.approx(old["rate"], abs=1e-9, rel=0), name
        return
    new = new.reset_index(drop=True)
    assert list(new.columns) == list(old.columns), name
    assert len(new) == len(old), (name, len(new), len(old))
    for column, kind in zip(stored["columns"], stored["types"], strict=True):
        for a, b in zip(new[column].tolist(), old[column].tolist(), strict=True):
            if kind == "time":
                assert (pd.isna(a) and pd.isna(b)) or pd.Timestamp(a) == pd.Timestamp(b), (
                    name, column, a, b)
            elif kind == "text":
                assert (a is None and b is None) or a == b, (name, column, a, b)
            elif kind == "int":
                assert int(a) == int(b), (name, column, a, b)
            else:
                _close(name, column, float(a), b if b is None else float(b))


@pytest.mark.parametrize("messy", [False, True])
@pytest.mark.parametrize("flags", spec.FLAGS)
def test_the_engine_gives_every_golden_figure(messy: bool, flags: tuple[bool, bool]) -> None:
    orders, disputes, claims = spec._frames(7, messy)
    personal, exempt = flags
    golden = spec._load(spec.golden_path(messy))
    stored = golden["rates"][spec.flags_key(personal, exempt)]
    assert stored[spec.LANES]["rows"]  # the comparison means something
    figures = Figures.from_frames(orders, disputes, claims, exclude_personal=personal,
                                  exempt_platform_logistics=exempt)
    computed = spec.rate_figures(figures)
    assert list(computed) == list(stored)
    for name, figure in computed.items():
        _same(name, figure, stored[name])
    other = {"money_by_class": figures.money_by_class(),
             "abusive_buyers min2": figures.abusive_buyers(2),
             "prevention_unshipped": figures.prevention_unshipped(spec.AS_OF)}
    assert list(other) == list(golden["other"])
    for name, figure in other.items():
        _same(name, figure, golden["other"][name])


def test_duplicate_order_rows_count_once_with_the_first_rows_facts() -> None:
    """Orders listed twice (a frame, not the database) count once, as ``kpis`` counts."""
    orders, disputes, claims = spec._frames(7, False)
    doubled = pd.concat([orders, orders.assign(carrier="Other")], ignore_index=True)
    figures = Figures.from_frames(doubled, disputes, claims)
    assert not figures._unique
    rates = kpis.Rates(doubled, disputes)
    assert figures.dispute_rate(spec.AS_OF) == rates.dispute_rate(spec.AS_OF)
    pd.testing.assert_frame_equal(figures.by(spec.AS_OF, "carrier", 90),
                                  rates.by(spec.AS_OF, "carrier", 90), check_dtype=False)
    pd.testing.assert_frame_equal(figures.trend(spec.AS_OF, "W", 10),
                                  rates.trend(spec.AS_OF, "W", 10), check_dtype=False)


def test_empty_frames_give_empty_figures() -> None:
    figures = Figures.from_frames(pd.DataFrame(), pd.DataFrame())
    now = datetime(2026, 11, 28, tzinfo=UTC)
    assert figures.dispute_rate(now) == kpis.RateResult(None, 0, 0, 0, 0, 0)
    assert len(figures.trend(now, "Q", 4)) == 4
    assert figures.by(now, "country").empty
    assert figures.lanes_to_change(now).empty
    assert list(figures.money_by_class().columns) == kpis.MONEY_COLUMNS
    assert figures.abusive_buyers().empty
    assert figures.prevention_unshipped(now).empty


def test_disputes_without_any_order_give_the_same_figures_as_pandas() -> None:
    # A store whose orders were never synced (the what-if over one store did so): every
    # dispute stands alone, and the engine must not look up an order that is not there.
    orders, disputes, claims = spec._frames(7, False)
    no_orders = orders.iloc[0:0]
    figures = Figures.from_frames(no_orders, disputes, claims)
    rates = kpis.Rates(no_orders, disputes)
    assert figures.dispute_rate(spec.AS_OF) == rates.dispute_rate(spec.AS_OF)
    assert figures.dispute_rate(spec.AS_OF).opened > 0
    pd.testing.assert_frame_equal(figures.by(spec.AS_OF, "carrier", 90),
                                  rates.by(spec.AS_OF, "carrier", 90), check_dtype=False)
    pd.testing.assert_frame_equal(figures.lanes_to_change(spec.AS_OF),
                                  rates.lanes_to_change(spec.AS_OF), check_dtype=False)


def test_the_engine_reads_no_file() -> None:
    """External access is off: the domain's engine cannot read (or download) anything."""
    figures = Figures(canonical_orders(None), canonical_disputes(None))
    with pytest.raises(Exception, match="(?i)external|disabled|permission"):
        figures.con.execute("SELECT * FROM read_csv('/etc/hostname')").fetchall()


def test_a_naive_as_of_is_refused() -> None:
    figures = Figures.from_frames(pd.DataFrame(), pd.DataFrame())
    with pytest.raises(ValueError, match="timezone-aware"):
        figures.dispute_rate(datetime(2026, 1, 1) - timedelta(days=1))


def test_each_stores_rate_is_the_rate_of_its_own_frames() -> None:
    orders, disputes, claims = spec._frames(7, False)
    rates = Figures.from_frames(orders, disputes, claims).rate_by_store(spec.AS_OF, 90)
    assert sorted(rates) == ["s1", "s2", "s3"]
    for store, rate in rates.items():
        assert rate == kpis.dispute_rate(orders[orders["store_id"] == store],
                                         disputes[disputes["store_id"] == store],
                                         spec.AS_OF, 90)


@pytest.mark.parametrize("stores", [3, 70])
def test_a_buyers_stores_are_counted_with_few_stores_or_many(stores: int) -> None:
    """Up to 64 stores a buyer's stores are counted by their codes' bits, above by a
    distinct count: the same figure as ``kpis`` either way."""
    orders, disputes, claims = spec._frames(7, False)
    disputes = disputes.assign(
        store_id=[f"s{i % stores}" for i in range(len(disputes))],
        buyer_login_id=[f"b{i % 5}" for i in range(len(disputes))])
    figures = Figures.from_frames(orders, disputes, claims)
    pd.testing.assert_frame_equal(figures.abusive_buyers(2),
                                  kpis.abusive_buyers(disputes, 2), check_dtype=False)


def test_orders_disputed_once_count_as_kpis_counts() -> None:
    """Where each order is disputed once the engine counts a window's disputes without a
    group-by per order (``_single``): the same figures as ``kpis``."""
    orders, disputes, claims = spec._frames(7, False)
    once = disputes.drop_duplicates(["store_id", "parent_order_id"]).reset_index(drop=True)
    figures = Figures.from_frames(orders, once, claims)
    assert figures._unique and figures._single
    rates = kpis.Rates(orders, once)
    assert figures.dispute_rate(spec.AS_OF, 90) == rates.dispute_rate(spec.AS_OF, 90)
    for freq, periods in (("W", 10), ("Q", 4)):
        pd.testing.assert_frame_equal(figures.trend(spec.AS_OF, freq, periods),
                                      rates.trend(spec.AS_OF, freq, periods),
                                      check_dtype=False)
    for dimension in ("carrier", "country", "product_name"):
        pd.testing.assert_frame_equal(figures.by(spec.AS_OF, dimension, 90),
                                      rates.by(spec.AS_OF, dimension, 90), check_dtype=False)
    pd.testing.assert_frame_equal(figures.lanes_to_change(spec.AS_OF, min_orders=5),
                                  rates.lanes_to_change(spec.AS_OF, min_orders=5),
                                  check_dtype=False)


@pytest.mark.parametrize("min_disputes", [1, 2, 3, 4])
def test_abusive_buyers_cut_at_min_disputes_and_tie_on_the_login(min_disputes: int) -> None:
    """Buyers are counted by integer codes and named at the end: the cut keeps exactly
    those with ``min_disputes`` or more, blank and missing logins are no buyer, and equal
    buyers are ordered by the login's text (byte order: "B" before "a", "b10" before
    "b9"), from batches whose dictionaries differ, as ``kpis`` orders them."""
    orders, disputes, claims = spec._frames(7, False)
    logins = (["b9", "b10", "a", "B", "é"] * 3 + ["z", "z ", "", "", None, None, "y"]
              + ["", "x"] * 2)
    disputes = disputes.iloc[:len(logins)].assign(
        buyer_login_id=logins, store_id="s1", **{"class": "not_as_described"})
    expected = kpis.abusive_buyers(disputes, min_disputes)
    assert len(expected) == {1: 8, 2: 7, 3: 5, 4: 0}[min_disputes]
    if min_disputes == 3:  # ties broken by the login
        assert expected["buyer"].tolist() == ["B", "a", "b10", "b9", "é"]
    canonical = canonical_disputes(disputes, orders)
    # as the database gives it: each batch dictionary-encoded on its own
    batched = pa.Table.from_batches([
        pa.RecordBatch.from_arrays(
            [pc.dictionary_encode(c) if pa.types.is_string(c.type) else c
             for c in batch.columns], names=batch.schema.names)
        for batch in canonical.to_batches(max_chunksize=97)])
    for table in (canonical, batched):
        figures = Figures(canonical_orders(orders, disputes), table,
                          canonical_claims(claims))
        pd.testing.assert_frame_equal(figures.abusive_buyers(min_disputes), expected,
                                      check_dtype=False)


def test_orders_sifted_by_hashed_ids_lose_no_disputed_order() -> None:
    """The orders a dispute may name are sifted by their ids' hashes before the join: an
    id shared by two stores, ids far apart or negative, and disputes naming no order
    still count as ``kpis`` counts them."""
    orders, disputes, claims = spec._frames(7, False)
    ids = orders["order_id"].to_numpy()
    spread = np.where(ids % 3 == 0, -ids * 1_000_003, ids * 2**40 + 17)
    spread[1::7] = spread[0::7][:len(spread[1::7])]  # the same id in other stores
    mapping = dict(zip(orders["order_id"], spread, strict=True))
    orders = orders.assign(order_id=spread)
    parents = disputes["parent_order_id"].map(mapping).to_numpy().copy()
    parents[::11] = 999_999_999_999  # no such order
    disputes = disputes.assign(parent_order_id=parents)
    figures = Figures.from_frames(orders, disputes, claims)
    rates = kpis.Rates(orders, disputes)
    assert figures.dispute_rate(spec.AS_OF, 90) == rates.dispute_rate(spec.AS_OF, 90)
    pd.testing.assert_frame_equal(figures.by(spec.AS_OF, "carrier", 90),
                                  rates.by(spec.AS_OF, "carrier", 90), check_dtype=False)
    pd.testing.assert_frame_equal(figures.trend(spec.AS_OF, "W", 10),
                                  rates.trend(spec.AS_OF, "W", 10), check_dtype=False)


def test_the_figures_ask_numpy_for_small_pages_and_give_its_choice_back() -> None:
    # Huge pages for arrays used once cost 0.3 s at 1 M / 10 M (kernel compaction); the
    # switch is numpy's, process-wide, so a figure must put it back as it found it.
    from disputekit.domain.kpis import columnar

    switch = columnar._set_madvise_hugepage
    assert switch is not None  # this numpy has it: the saving is not silently lost

    def current() -> bool:
        value = switch(False)
        switch(value)
        return value

    seen: list[bool] = []

    @columnar._small_pages
    def probe() -> None:
        seen.append(current())

    for outside in (True, False):
        switch(outside)
        probe()
        assert seen[-1] is False and current() is outside
    switch(True)
    now = datetime(2026, 11, 28, tzinfo=UTC)
    figures = Figures.from_frames(pd.DataFrame(), pd.DataFrame())
    figures.dispute_rate(now)
    figures.trend(now, "W", 4)
    figures.by(now, "carrier")
    figures.lanes_to_change(now)
    figures.money_by_class()
    figures.abusive_buyers()
    figures.prevention_unshipped(now)
    assert current() is True
    for name in ("__init__", "dispute_rate", "rate_by_store", "trend", "by",
                 "lanes_to_change", "money_by_class", "abusive_buyers",
                 "prevention_unshipped"):
        assert getattr(Figures, name).__wrapped__ is not None, name
