"""The database read in bulk into Arrow (``adapters.db.arrow``) gives the columnar engine
the figures ``orders_frame``/``claims_frame`` give ``kpis``, and reading never disturbs the
application's own SQLite connections (the driver reads in a child process)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from disputekit.adapters.db import arrow
from disputekit.adapters.db.arrow import claims_arrow, orders_arrow
from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ClaimRow, OrderLineRow, StoreRow
from disputekit.domain import kpis
from disputekit.domain.kpis.columnar import Figures, canonical_claims, canonical_disputes
from disputekit.services.report_data import claims_frame, orders_frame
from tests.conftest import sqlite_only

NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)


def _fill(db: Database) -> None:
    with db.session() as s:
        s.add_all([StoreRow(store_id="s1", name="One"), StoreRow(store_id="s2", name="Two")])
        s.flush()
        for i in range(400):
            s.add(OrderLineRow(
                store_id="s1" if i % 3 else "s2", order_id=9_000 + i,
                # the first rows without a product or a date: the reader must not type
                # those columns by them
                created_at=None if i < 3 else NOW - timedelta(days=i % 90, minutes=i),
                status=" FINISH " if i % 4 else "WAIT_SELLER_SEND_GOODS",
                country=["br", "FR", "", "CL"][i % 4],
                carrier=["Yanwen", "4PX", "", " Yanwen "][i % 4],  # one carrier two ways
                service_kind=["registered", "unregistered", "platform"][i % 3],
                product_id=None if i < 5 else 500 + i % 7, product_name=f"P{i % 7}",
                amount_usd=None if i % 11 == 0 else Decimal(f"{40 + i % 90}.25"),
                shipped_at=None if i % 4 == 0 else NOW, synced_at=NOW))
        s.add(ClaimRow(store_id="s1", logistics_no="LP1", issue_id=77, carrier="Yanwen",
                       service_kind="registered", goods_amount=Decimal("12.50"),
                       freight_amount=Decimal("3.10"), currency="USD", status="recovered",
                       opened_at=NOW, recovered_amount=Decimal("14.25")))


def _disputes(orders: pd.DataFrame) -> pd.DataFrame:
    picked = orders.iloc[5::9].reset_index(drop=True)
    return pd.DataFrame({
        "store_id": picked["store_id"], "issue_id": range(70, 70 + len(picked)),
        "parent_order_id": picked["order_id"], "created_at": picked["created_at"]
        + pd.Timedelta(days=3), "issue_status": "processing", "reverse_detail_status": "",
        "reached_type": "", "arbitrated": False, "class": "stalled_in_transit",
        "family": "logistics", "buyer_login_id": "b1", "country": picked["country"],
        "carrier": picked["carrier"], "service_kind": picked["service_kind"],
        "product_id": picked["product_id"], "product_name": picked["product_name"],
        "refund_usd": 5.0, "personal_reason": False})


@pytest.fixture(params=["in process", "child processes"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of reading: a store's few rows in this process, a portfolio's in ADBC
    children (forced here by lowering the threshold)."""
    if request.param == "child processes":
        monkeypatch.setattr(arrow, "CHILD_ROWS", 10)
    return str(request.param)


@sqlite_only
def test_bulk_read_gives_the_figures_of_the_frames(db_url: str, reader: str) -> None:
    db = Database.open(db_url)
    _fill(db)
    orders, claims = orders_frame(db), claims_frame(db)
    disputes = _disputes(orders)
    figures = Figures(orders_arrow(db), canonical_disputes(disputes), claims_arrow(db),
                      orders_unique=True)
    rates = kpis.Rates(orders, disputes)
    assert figures.dispute_rate(NOW).denominator > 50
    assert figures.dispute_rate(NOW) == rates.dispute_rate(NOW)
    for dimension in ("carrier", "country", "service_kind"):
        pd.testing.assert_frame_equal(figures.by(NOW, dimension, 90),
                                      rates.by(NOW, dimension, 90), check_dtype=False)
    pd.testing.assert_frame_equal(figures.trend(NOW, "W", 10), rates.trend(NOW, "W", 10),
                                  check_dtype=False)
    prevention = figures.prevention_unshipped(NOW)
    assert len(prevention) > 0
    pd.testing.assert_frame_equal(prevention, kpis.prevention_unshipped(orders, NOW),
                                  check_dtype=False)
    money = figures.money_by_class()
    assert money.loc[money["class"] == "total", "recovered"].iloc[0] == 14.25
    # the same as the frames' claims made canonical
    assert claims_arrow(db).to_pandas()["recovered_amount"].tolist() == \
        canonical_claims(claims).to_pandas()["recovered_amount"].tolist()
    db.dispose()


@sqlite_only
def test_reading_leaves_the_applications_sqlite_working(db_url: str, reader: str) -> None:
    """A second copy of SQLite in the process would break sqlite3's locks (a stale read,
    then 'disk I/O error'): the driver reads in a child, so a write after a read is seen."""
    db = Database.open(db_url)
    _fill(db)
    assert claims_arrow(db).column("recovered_amount").to_pylist() == [14.25]
    assert orders_arrow(db).num_rows == 400  # in children when they read
    with db.session() as s:
        s.get_one(ClaimRow, ("s1", "LP1")).recovered_amount = Decimal("20.00")
    assert claims_arrow(db).column("recovered_amount").to_pylist() == [20.0]
    path = Path(str(db.engine.url.database))
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM order_lines").fetchone() == (400,)
    db.dispose()


def test_an_empty_database_reads_as_empty_tables(db_url: str) -> None:
    db = Database.open(db_url)
    assert orders_arrow(db).num_rows == 0
    assert claims_arrow(db).num_rows == 0
    db.dispose()


@sqlite_only
def test_text_is_read_stripped(db_url: str, reader: str) -> None:
    db = Database.open(db_url)
    _fill(db)
    orders = orders_arrow(db).to_pandas()
    assert set(orders["status"].astype(str)) == {"FINISH", "WAIT_SELLER_SEND_GOODS"}
    db.dispose()
