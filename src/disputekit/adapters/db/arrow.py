"""The figures' tables read from the database in bulk, into Arrow (``kpis.columnar``'s
canonical form), without an ORM object or a Python tuple per row where the backend allows.

SQLite (the default) is read by ADBC's SQLite driver (``adbc-driver-sqlite``: the driver
is compiled into the wheel, nothing is fetched at run time) straight into Arrow record
batches, in child processes (``arrow_batches``: the driver's own copy of SQLite must not
share a process with ``sqlite3``'s), two halves by ``rowid`` at once (one per core), each
streaming Arrow IPC back. Another backend
(PostgreSQL) is read through SQLAlchemy's DB-API cursor ``BATCH`` rows at a time, each
batch turned into Arrow columns before the next is fetched. Text columns are
dictionary-encoded batch by batch: ten million orders carry a few thousand distinct
carriers, countries, products and statuses, and the table stays a fraction of its size.

The queries are SQLAlchemy expressions (compiled for the backend); instants leave SQLite
as the naive-UTC text ``UTCDateTime`` stores (:func:`instant_ns`) and are parsed by Arrow
per batch, other backends' datetimes converted per batch; all held as int64 ns.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyarrow as pa
from sqlalchemy import (
    Float,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.sql import ColumnElement

from disputekit.adapters.db import arrow_batches
from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ClaimRow, OrderLineRow
from disputekit.errors import StorageError

__all__ = ["BATCH", "claims_arrow", "instant_ns", "orders_arrow", "read_arrow"]

Query = Select[*tuple[Any, ...]]

#: Rows per batch read (and dictionary-encoded) at a time.
BATCH = 32_768
#: Each finished reader process's peak RSS (KiB), for the benchmarks.
READER_PEAK_KIB: list[int] = []
#: From this many rows on (a SQLite table's rowid span), ADBC reads in child processes.
CHILD_ROWS = 200_000

# What each column becomes: text (dictionary-encoded), a time (int64 ns), or as read.
_TIME, _TEXT, _BOOL, _FLOAT, _INT = (arrow_batches.TIME, arrow_batches.TEXT,
                                     arrow_batches.BOOL, arrow_batches.FLOAT, arrow_batches.INT)


def orders_arrow(db: Database, store_ids: Sequence[str] | None = None) -> pa.Table:
    """``order_lines`` as ``kpis.columnar``'s canonical orders (the columns of
    ``kpis.ORDER_COLUMNS``; ``finished_at`` is not stored: null, as ``orders_frame`` has
    it), in the table's own order (a scan: ordering ten million rows by the key would walk
    its index; no figure depends on it but which of a lane's equally common service kinds
    is named)."""
    o = OrderLineRow
    query = select(
        _text(o.store_id, "store_id"), o.order_id.label("order_id"),
        instant_ns(db, o.created_at).label("created_at"), _text(o.status, "status"),
        literal(None).label("finished_at"), _text(o.country, "country"),
        _text(o.carrier, "carrier"), _text(o.service_kind, "service_kind"),
        _text(cast(o.product_id, String), "product_id"),
        _text(o.product_name, "product_name"), _money(o.amount_usd, "amount_usd"),
        case((o.shipped_at.is_not(None), 1), else_=0).label("shipped"),
    )
    if store_ids:
        query = query.where(o.store_id.in_(list(store_ids)))
    types = {"store_id": _TEXT, "order_id": _INT, "created_at": _TIME, "status": _TEXT,
             "finished_at": _TIME, "country": _TEXT, "carrier": _TEXT, "service_kind": _TEXT,
             "product_id": _TEXT, "product_name": _TEXT, "amount_usd": _FLOAT,
             "shipped": _BOOL}
    return read_arrow(db, query, types, table=OrderLineRow.__tablename__)


def claims_arrow(db: Database, store_ids: Sequence[str] | None = None) -> pa.Table:
    """``claims`` as the canonical claims (``class`` blank: a claim's class is its
    dispute's, as ``claims_frame`` leaves it)."""
    c = ClaimRow
    query = select(
        _text(c.store_id, "store_id"), _text(c.logistics_no, "logistics_no"),
        _text(cast(c.issue_id, String), "issue_id"), literal("").label("class"),
        _text(c.status, "status"), _money(c.goods_amount, "goods_amount"),
        _money(c.freight_amount, "freight_amount"),
        _money(c.recovered_amount, "recovered_amount"),
    )  # no ORDER BY: no figure depends on the claims' order
    if store_ids:
        query = query.where(c.store_id.in_(list(store_ids)))
    types = {"store_id": _TEXT, "logistics_no": _TEXT, "issue_id": _TEXT, "class": _TEXT,
             "status": _TEXT, "goods_amount": _FLOAT, "freight_amount": _FLOAT,
             "recovered_amount": _FLOAT}
    return read_arrow(db, query, types, table=ClaimRow.__tablename__)


def read_arrow(db: Database, query: Query, types: dict[str, str], *,
               table: str | None = None) -> pa.Table:
    """``query``'s rows as an Arrow table with ``types`` (column name → ``"text"``,
    ``"time"``, ``"bool"``, ``"float"``, ``"int"``). ``table``: on SQLite, the table the
    query scans; when it holds more than :data:`CHILD_ROWS` rows the read goes to ADBC
    child processes, in two halves by ``rowid`` read at once (the first half's rows
    first: give it only for a query without ORDER BY, each half is ordered on its own).
    A smaller read stays in this process, through the application's own driver: starting
    a reader costs more than reading a store's few thousand rows."""
    target = arrow_batches.schema(types)

    def convert(batch: pa.RecordBatch) -> pa.RecordBatch:
        # each batch typed and encoded as it arrives: the plain text of ten million rows
        # is never held at once
        return arrow_batches.convert(batch, types).cast(target)

    span = _rowids(db, table) if table is not None and _sqlite_file(db) else None
    if table is not None and span is not None and span[1] - span[0] + 1 > CHILD_ROWS:
        batches = _sqlite_batches(db, query, table, span, types)
    else:
        batches = _dbapi_batches(db, query, convert)
    if not batches:
        return target.empty_table()
    return pa.Table.from_batches(batches, schema=target)


def _sqlite_file(db: Database) -> bool:
    return db.engine.dialect.name == "sqlite" and db.engine.url.database not in (
        None, "", ":memory:")


def _rowids(db: Database, table: str) -> tuple[int, int] | None:
    """The table's lowest and highest ``rowid`` (two index lookups), None when empty."""
    with db.engine.connect() as conn:
        low, high = conn.execute(text(f'SELECT min(rowid), max(rowid) FROM "{table}"')).one()
    return None if low is None else (int(low), int(high))


def instant_ns(db: Database, column: Any) -> ColumnElement[Any]:
    """An instant column as the query should select it: on SQLite, its stored naive-UTC
    text, ``""`` for null (ADBC's SQLite driver types a column by its first rows: a column
    null there and text later would fail), parsed by Arrow per batch; elsewhere the column
    (the driver's datetimes, converted per batch)."""
    if db.engine.dialect.name != "sqlite":
        return column  # type: ignore[no-any-return]
    return func.coalesce(cast(column, String), "")


def _text(column: Any, name: str) -> Any:
    # never null: ADBC's SQLite driver types a column by its first rows; stripped per
    # distinct value once read (``arrow_batches.convert``), not by SQLite per row
    return func.coalesce(column, "").label(name)


def _money(column: Any, name: str) -> Any:
    # never null, always REAL (missing money is 0 in the figures, as ``kpis._money``)
    return func.coalesce(cast(column, Float), 0.0).label(name)


# --------------------------------------------------------------------------- reading


def _sql(db: Database, query: Query) -> str:
    return str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))


def _sqlite_batches(db: Database, query: Query, table: str, span: tuple[int, int],
                    types: dict[str, str]) -> list[pa.RecordBatch]:
    path = str(db.engine.url.database)
    low, high = span
    middle = (low + high) // 2
    rowid: ColumnElement[Any] = literal_column(f'"{table}".rowid')
    queries = [query.where(and_(rowid >= low, rowid <= middle)),
               query.where(and_(rowid > middle, rowid <= high))]
    # one child process per half, read at once (two cores: two halves)
    children = [_start_child(path, _sql(db, q), types) for q in queries]
    with ThreadPoolExecutor(len(children)) as pool:
        parts = list(pool.map(_read_child, children))
    return [b for part in parts for b in part]


def _start_child(path: str, sql: str, types: dict[str, str]) -> subprocess.Popen[bytes]:
    child = subprocess.Popen([sys.executable, "-m", "disputekit.adapters.db.arrow_batches"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    assert child.stdin is not None
    child.stdin.write(json.dumps({"path": path, "sql": sql, "types": types,
                                  "batch": BATCH}).encode())
    child.stdin.close()
    return child


def _read_child(child: subprocess.Popen[bytes]) -> list[pa.RecordBatch]:
    assert child.stdout is not None and child.stderr is not None
    try:
        with pa.ipc.open_stream(child.stdout) as reader:
            batches = list(reader)
    except pa.ArrowInvalid:
        batches = []
    error = child.stderr.read().decode(errors="replace")
    for line in error.splitlines():
        if line.startswith("peak_rss_kib="):
            READER_PEAK_KIB.append(int(line.split("=", 1)[1]))
    child.stdout.close()
    child.stderr.close()
    if child.wait() != 0:
        raise StorageError(f"reading the database into Arrow failed: {error[-1000:]}; "
                           "check that adbc-driver-sqlite is installed (pip install "
                           "adbc-driver-sqlite) and the database file is readable")
    return batches


def _dbapi_batches(db: Database, query: Query,
                   convert: Callable[[pa.RecordBatch], pa.RecordBatch]
                   ) -> list[pa.RecordBatch]:
    """Through the application's own driver, ``BATCH`` plain tuples at a time (no ORM
    object, no SQLAlchemy row), each batch turned into Arrow before the next is read."""
    names = [c.name for c in query.selected_columns]
    batches = []
    with db.engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(_sql(db, query))
            while rows := cursor.fetchmany(BATCH):
                columns = list(zip(*rows, strict=True))
                batches.append(convert(pa.record_batch([pa.array(list(c)) for c in columns],
                                                       names=names)))
        finally:
            cursor.close()
    return batches
