"""The report's figures over columns: DuckDB in memory over Arrow tables, for portfolio scale.

The same figures as ``Rates``, ``money_by_class``, ``abusive_buyers`` and
``prevention_unshipped`` (the golden figures of ``tests/fixtures/kpis_golden/`` are the
truth for both: ``tests/test_kpis_columnar.py``), computed by group-bys in an in-process
columnar engine instead of pandas: at 1,000,000 disputes / 10,000,000 orders a figure set
takes about a second, and nothing holds an order as a Python object.

Pure, like the rest of the domain: DuckDB runs in memory with external access off (no file,
no network, no extension download: ``enable_external_access = false``), over the Arrow
tables it is handed; reading the database is the caller's (``services.report_arrow``).

Input: Arrow tables in the *canonical* form (:func:`canonical_orders` and friends turn any
pandas frame of the ``kpis`` contracts into it with the same normalisers ``kpis`` uses):
text stripped (``""`` or null for missing), ids ``int64`` on both sides or text on both,
times ``int64`` nanoseconds since the epoch (UTC; exact, unlike a float or microseconds),
money ``float64``, flags ``bool``. ``country``, ``status``, ``family`` and ``issue_status``
may be in any case: the queries compare them as the ``kpis`` functions do.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal, ParamSpec, TypeVar

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from disputekit.domain.kpis.buyers import ABUSIVE_COLUMNS
from disputekit.domain.kpis.counting import AUTO_CONFIRM_APPROXIMATION, RateResult
from disputekit.domain.kpis.dimensions import DIMENSIONS, LANE_COLUMNS, _lane_suggestion
from disputekit.domain.kpis.frames import (
    CLAIM_COLUMNS,
    DISPUTE_COLUMNS,
    ORDER_COLUMNS,
    _as_of,
    _empty,
    _family,
    _flags,
    _frame,
    _ids,
    _integers,
    _money,
    _text,
    _times,
)
from disputekit.domain.kpis.money import _OPEN_CLAIMS, MONEY_COLUMNS
from disputekit.domain.kpis.prevention import (
    DEFAULT_STRICT_CUSTOMS,
    PREVENTION_COLUMNS,
    UNSHIPPED_STATUSES,
    StrictCustoms,
)
from disputekit.domain.kpis.trends import TREND_COLUMNS, periods_of
from disputekit.domain.taxonomy import DisputeClass

__all__ = ["Figures", "canonical_claims", "canonical_disputes", "canonical_orders"]

_ATTRIBUTES = ("carrier", "service_kind", "product_id", "product_name", "country")
_TEXT_ORDERS = ("store_id", "status", "country", "carrier", "service_kind", "product_id",
                "product_name")
_TEXT_DISPUTES = ("store_id", "issue_status", "reverse_detail_status", "reached_type", "class",
                  "family", "buyer_login_id", "country", "carrier", "service_kind",
                  "product_id", "product_name")
_TEXT_CLAIMS = ("store_id", "logistics_no", "class", "status")
_NS_PER_DAY = 86_400 * 10**9
# An only-confirmed order comes after every disputed one in a window's order of rows.
_CONFIRMED_AFTER = 2**48
_CONFIRM_NS = int(AUTO_CONFIRM_APPROXIMATION.total_seconds()) * 10**9
# The facts held as integer codes (``<fact>_c``, from the text column named here, on the
# orders and the disputes alike): the windows carry them and the lanes and ``by`` group on
# them, integers, not text (a quarter's orders: two million rows); the names come back
# from a few dozen at the end. Code 0 is the key "" (unknown: read as null); the codes are
# numbered in the names' sorted order, so ordering by code orders by name.
_CODED = {"carrier": "carrier", "service_kind": "service_kind", "country": "country_upper"}
# An order row as the figures read it: position, key, when it counts as confirmed received,
# its facts (null where unknown); over the orders or a cut of them (same columns).
_ORDER_FACTS = """
    SELECT i.rn, i.sc AS store, i.order_id AS oid, i.confirmed_at,
           nullif(i.carrier_c, 0) AS carrier, nullif(i.service_kind_c, 0) AS service_kind,
           nullif(i.product_id, '') AS product_id, nullif(i.product_name, '') AS product_name,
           nullif(i.country_c, 0) AS country
    FROM {source} i"""
_FACT_COLUMNS = ["rn", "sc", "order_id", "confirmed_at", "carrier_c", "service_kind_c",
                 "product_id", "product_name", "country_c"]
# An order never confirmed is confirmed "at the end of time": in no window.
_NEVER = np.iinfo(np.int64).max


# --------------------------------------------------------------------------- memory pages

_P = ParamSpec("_P")
_R = TypeVar("_R")
# numpy's own switch (private, read by ``NUMPY_MADVISE_HUGEPAGE`` too); a numpy without it
# keeps its default
_set_madvise_hugepage: Callable[[bool], bool] | None = getattr(
    getattr(getattr(np, "_core", None), "multiarray", None), "_set_madvise_hugepage", None)


def _small_pages(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``method`` with numpy asking for ordinary pages, then put numpy's choice back.

    numpy asks the kernel for huge pages on every array of 4 MiB or more. The figures make
    many such arrays over ten million order rows, each used once; where transparent huge
    pages are ``madvise`` with ``defrag=madvise`` (common, and this machine's), each of
    them waits for the kernel to compact memory: measured at 1 M / 10 M, the figures took
    1.82-1.88 s with huge pages and 1.53-1.56 s without (`bench/analytics.py`)."""
    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if _set_madvise_hugepage is None:
            return method(*args, **kwargs)
        before = _set_madvise_hugepage(False)
        try:
            return method(*args, **kwargs)
        finally:
            _set_madvise_hugepage(before)
    return wrapper


# --------------------------------------------------------------------------- canonical form


def _text_array(series: pd.Series) -> pa.Array:
    return pa.array(_text(series).to_numpy(dtype=object), type=pa.string())


def _ns(series: pd.Series) -> pa.Array:
    """Times as int64 ns since the epoch (null for NaT): comparisons stay exact."""
    times = _times(series)
    values = times.to_numpy(dtype="datetime64[ns]").astype("int64")
    return pa.array(values, type=pa.int64(), mask=times.isna().to_numpy())


def _id_pair(left: pd.Series, right: pd.Series) -> tuple[pa.Array, pa.Array]:
    """Two id columns as int64 when both are integer columns, else as ``_ids`` text (so
    ``123``, ``123.0`` and ``"123"`` are one order), as ``kpis`` compares them."""
    if _integers(left) and _integers(right):
        return (pa.array(left.to_numpy(dtype="int64")),
                pa.array(right.to_numpy(dtype="int64")))
    return (pa.array(_ids(left).to_numpy(dtype=object), type=pa.string()),
            pa.array(_ids(right).to_numpy(dtype=object), type=pa.string()))


def canonical_orders(orders: pd.DataFrame | None, disputes: pd.DataFrame | None = None
                     ) -> pa.Table:
    """``orders`` (the ``kpis`` contract) as the canonical Arrow table. ``disputes``: the
    frame whose ``parent_order_id`` the ids must compare with (text unless both integer)."""
    o = _frame(orders, ORDER_COLUMNS, "orders")
    d = _frame(disputes, DISPUTE_COLUMNS, "disputes")
    ids, _ = _id_pair(o["order_id"], d["parent_order_id"])
    columns: dict[str, Any] = {c: _text_array(o[c]) for c in _TEXT_ORDERS}
    columns |= {"order_id": ids, "created_at": _ns(o["created_at"]),
                "finished_at": _ns(o["finished_at"]),
                "amount_usd": pa.array(_money(o["amount_usd"]).to_numpy(dtype="float64")),
                "shipped": pa.array(_flags(o["shipped"]).to_numpy(dtype=bool))}
    return pa.table({c: columns[c] for c in ORDER_COLUMNS})


def canonical_disputes(disputes: pd.DataFrame | None, orders: pd.DataFrame | None = None
                       ) -> pa.Table:
    """``disputes`` as the canonical Arrow table (``resend_usd`` 0 when absent)."""
    d = _frame(disputes, DISPUTE_COLUMNS, "disputes")
    o = _frame(orders, ORDER_COLUMNS, "orders")
    _, parents = _id_pair(o["order_id"], d["parent_order_id"])
    issue = d["issue_id"]
    columns: dict[str, Any] = {c: _text_array(d[c]) for c in _TEXT_DISPUTES}
    columns |= {
        "issue_id": pa.array(_ids(issue).to_numpy(dtype=object), type=pa.string()),
        "parent_order_id": parents, "created_at": _ns(d["created_at"]),
        "arbitrated": pa.array(_flags(d["arbitrated"]).to_numpy(dtype=bool)),
        "refund_usd": pa.array(_money(d["refund_usd"]).to_numpy(dtype="float64")),
        "personal_reason": pa.array(_flags(d["personal_reason"]).to_numpy(dtype=bool)),
        "resend_usd": pa.array((_money(d["resend_usd"]) if "resend_usd" in d
                                else pd.Series(0.0, index=d.index)).to_numpy(dtype="float64")),
    }
    return pa.table({c: columns[c] for c in (*DISPUTE_COLUMNS, "resend_usd")})


def canonical_claims(claims: pd.DataFrame | None) -> pa.Table:
    c = _frame(claims, CLAIM_COLUMNS, "claims")
    columns: dict[str, Any] = {n: _text_array(c[n]) for n in _TEXT_CLAIMS}
    columns["issue_id"] = pa.array(_ids(c["issue_id"]).to_numpy(dtype=object), type=pa.string())
    for n in ("goods_amount", "freight_amount", "recovered_amount"):
        columns[n] = pa.array(_money(c[n]).to_numpy(dtype="float64"))
    return pa.table({n: columns[n] for n in CLAIM_COLUMNS})


# --------------------------------------------------------------------------- the engine


def _connect(threads: int | None, memory_limit: str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that can read nothing but what it is handed."""
    config: dict[str, Any] = {
        "enable_external_access": False,  # no files, no network: the domain does no I/O
        "autoinstall_known_extensions": False,  # never a download at run time (offline
        "autoload_known_extensions": False,     # machines, many sellers' among them)
        "memory_limit": memory_limit,
        "preserve_insertion_order": False,  # every query orders what it returns itself
    }
    if threads:
        config["threads"] = threads
    return duckdb.connect(":memory:", config=config)


def _numbered(table: pa.Table) -> pa.Table:
    return table.append_column("rn", pa.array(np.arange(table.num_rows, dtype=np.int32)
                                              if table.num_rows < 2**31 else
                                              np.arange(table.num_rows, dtype=np.int64)))


def _chunks(column: pa.ChunkedArray | pa.Array) -> list[pa.Array]:
    return list(column.chunks) if isinstance(column, pa.ChunkedArray) else [column]


def _codes(*columns: pa.ChunkedArray | pa.Array, also: tuple[str, ...] = ()
           ) -> tuple[list[pa.ChunkedArray], list[str]]:
    """Each text column's key (``coalesce(value, '')``) as an integer code, and the keys
    (``also`` among them, "" always: code 0). The joins and group-bys then match integers,
    not text (ten million orders, a million disputes); codes are numbered in the keys'
    sorted order, so ordering by code orders by name. Worked out over the batches'
    dictionaries (a few dozen stores, carriers or countries each), gathered by numpy into one
    buffer per column of the narrowest integer that holds the codes (a byte for a few
    dozen keys: less memory to write and scan than int32 over ten million rows)."""
    encoded = [[c if pa.types.is_dictionary(c.type) else pc.dictionary_encode(c)
                for c in _chunks(column)] for column in columns]
    # every batch's dictionary in one array, coded by one lookup: the batches (three
    # hundred of ten million orders, each with its own dictionary) cost no Python work
    # per value, only a slice each
    flat = [c for chunks in encoded for c in chunks]
    keys = pc.fill_null(pa.concat_arrays([
        c.dictionary if c.dictionary.type == pa.string() else c.dictionary.cast(pa.string())
        for c in flat]), "") if flat else pa.array([], type=pa.string())
    names = sorted({"", *also, *pc.unique(keys).to_pylist()})
    width = np.int8 if len(names) <= 2**7 else np.int16 if len(names) <= 2**15 else np.int32
    coded = np.asarray(pc.index_in(keys, value_set=pa.array(names, type=pa.string()))
                       .to_numpy(zero_copy_only=False), dtype=width)
    blank = np.array([names.index("")], dtype=width)
    done, offset = [], 0
    for chunks in encoded:
        out = np.empty(sum(len(c) for c in chunks), dtype=width)
        bounds, start = [], 0
        for c in chunks:
            n_values = len(c.dictionary)
            # a null index reads the slot after the values': ""
            mapping = np.concatenate([coded[offset:offset + n_values], blank])
            offset += n_values
            indices = (_indices(c.indices) if not c.indices.null_count else
                       pc.fill_null(c.indices, len(mapping) - 1).to_numpy())
            np.take(mapping, indices, out=out[start:start + len(c)])
            bounds.append((start, len(c)))
            start += len(c)
        # the column's chunks as the table's (slices of the one buffer, no copy)
        whole = pa.array(out)
        done.append(pa.chunked_array([whole.slice(s, n) for s, n in bounds],
                                     type=whole.type))
    return done, names


def _whole(column: pa.ChunkedArray) -> np.ndarray:
    """A ``_codes`` column as numpy: its chunks are slices of one buffer, read without a
    copy (ten million rows: a copy is fresh memory to fault in)."""
    if column.num_chunks == 0:
        return np.empty(0, dtype=np.int8)
    first = column.chunk(0)
    width = np.dtype(first.type.to_pandas_dtype())
    whole = np.frombuffer(first.buffers()[1], dtype=width)
    starts = np.cumsum([0, *(len(c) for c in column.chunks)])[:-1].tolist()
    if len(whole) >= len(column) and all(
            c.buffers()[1].address == first.buffers()[1].address and c.offset == start
            for c, start in zip(column.chunks, starts, strict=True)):
        return whole[:len(column)]
    return np.asarray(column.combine_chunks().to_numpy())


def _indices(indices: pa.Array) -> np.ndarray:
    """A dictionary chunk's indices (no null among them) as numpy, without a copy."""
    width = np.dtype(indices.type.to_pandas_dtype())
    return np.frombuffer(indices.buffers()[1], dtype=width,
                         count=indices.offset + len(indices))[indices.offset:]


def _codes_of(column: pa.ChunkedArray) -> np.ndarray:
    """An integer column without nulls (a ``_codes`` column) as one numpy array."""
    whole = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    return np.asarray(whole.to_numpy())


# Fibonacci hashing: an id times 2**64 / phi, its top bits the slot
_HASH = np.uint64(0x9E3779B97F4A7C15)


def _maybe_disputed(orders: pa.Table, parents: pa.ChunkedArray) -> pa.Table | None:
    """The order rows (``rn``, ``sc``, ``order_id``) whose id hashes to a slot some
    dispute's parent id hashes to: every order a dispute names, and about an eighth as
    many others (the slots: eight per dispute). ``None`` where it would not pay (few
    orders next to the disputes)."""
    wanted = pc.drop_null(parents)
    if len(wanted) == 0 or orders.num_rows < 4 * len(wanted):
        return None
    bits = max(int(len(wanted) - 1).bit_length() + 3, 10)
    shift = np.uint64(64 - bits)
    slots = np.zeros(1 << bits, dtype=bool)
    ids = np.asarray(wanted.combine_chunks().to_numpy(), dtype=np.int64)
    slots[(ids.view(np.uint64) * _HASH) >> shift] = True
    rows, codes, keys = [], [], []
    # a million rows at a time (thirty batches: numpy's call per batch cost as much as
    # the hashing), gathered from the batches into buffers reused from slice to slice
    # (fresh ones each time cost page faults: system time as large as the hashing)
    step = min(1 << 20, orders.num_rows)
    values = np.empty(step, dtype=np.int64)
    hashed = np.empty(step, dtype=np.uint64)
    hit = np.empty(step, dtype=bool)
    for start in range(0, orders.num_rows, step):
        part = orders.slice(start, step)
        n = part.num_rows
        oid = part.column("order_id")
        if oid.null_count:
            at = 0
            for chunk in oid.chunks:
                values[at:at + len(chunk)] = pc.fill_null(chunk, 0).to_numpy()
                at += len(chunk)
        else:
            at = 0
            for chunk in oid.chunks:
                values[at:at + len(chunk)] = _int64_values(chunk)[0]
                at += len(chunk)
        np.multiply(values[:n].view(np.uint64), _HASH, out=hashed[:n])
        np.right_shift(hashed[:n], shift, out=hashed[:n])
        np.take(slots, hashed[:n], out=hit[:n])
        if oid.null_count:  # a null id is no dispute's
            hit[:n] &= pc.is_valid(oid).to_numpy()
        found = np.flatnonzero(hit[:n])
        rows.append(found + start)
        codes.append(_codes_of(part.column("sc"))[found])
        keys.append(values[found])
    if not rows:
        return None
    return pa.table({"rn": np.concatenate(rows), "sc": np.concatenate(codes),
                     "order_id": np.concatenate(keys)})


def _per_value(column: Any, fn: Any) -> Any:
    """``fn`` of a text column, of each distinct value once where it is dictionary-encoded
    (ten million orders, a few dozen countries or statuses). Each batch read has its own
    dictionary, mostly the same values: ``fn`` runs once per distinct dictionary, not once
    per batch (three hundred kernel calls cost more than the values)."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    done = []
    seen: dict[tuple[Any, ...], Any] = {}
    for chunk in chunks:
        if pa.types.is_dictionary(chunk.type):
            dictionary = chunk.dictionary.cast(pa.string())
            key = tuple(dictionary.to_pylist()) if len(dictionary) <= 256 else None
            values = seen.get(key) if key is not None else None
            if values is None:
                values = fn(dictionary)
                if key is not None:
                    seen[key] = values
            if pa.types.is_string(values.type):  # text stays a dictionary (no copy)
                done.append(pa.DictionaryArray.from_arrays(chunk.indices, values))
            elif values.null_count or chunk.indices.null_count:
                done.append(pc.take(values, chunk.indices))
            else:  # numpy's gather: a tenth of Arrow's take of booleans
                done.append(pa.array(values.to_numpy(zero_copy_only=False)[
                    _indices(chunk.indices)]))
        else:
            done.append(fn(chunk.cast(pa.string())))
    if not done:
        return pa.chunked_array([], type=pa.string())
    if len({str(d.type) for d in done}) > 1:  # dictionary chunks and plain ones: plain
        done = [d.cast(pa.string()) if pa.types.is_dictionary(d.type) else d for d in done]
    return pa.chunked_array(done, type=done[0].type)


def _test_per_value(column: pa.ChunkedArray, test: Any) -> np.ndarray:
    """``test`` (text → bool) of each row of a text column as one numpy array, null read as
    "": worked out over every batch's dictionary at once (the dictionaries concatenated:
    one kernel call, not one per batch, and no Python work per value) and gathered by
    numpy into one buffer, batch by batch (no Arrow array per batch)."""
    out = np.empty(len(column), dtype=bool)
    chunks = _chunks(column)
    coded = [c for c in chunks if pa.types.is_dictionary(c.type)]
    if coded:
        results = np.asarray(pc.fill_null(test(pc.fill_null(pa.concat_arrays(
            [*(c.dictionary if c.dictionary.type == pa.string()
               else c.dictionary.cast(pa.string()) for c in coded), pa.array([""])]), "")),
            False).to_numpy(zero_copy_only=False), dtype=bool)
        blank = results[-1:]  # a null index reads the slot after the values': ""
    at = offset = 0
    for chunk in chunks:
        n = len(chunk)
        if pa.types.is_dictionary(chunk.type):
            size = len(chunk.dictionary)
            mapping = np.concatenate([results[offset:offset + size], blank])
            offset += size
            indices = (_indices(chunk.indices) if not chunk.indices.null_count else
                       pc.fill_null(chunk.indices, size).to_numpy())
            out[at:at + n] = mapping[indices]
        else:
            out[at:at + n] = np.asarray(pc.fill_null(test(pc.fill_null(
                chunk.cast(pa.string()), "")), False).to_numpy(zero_copy_only=False), dtype=bool)
        at += n
    return out


def _with_confirmed(orders: pa.Table) -> pa.Table:
    """Two derived columns computed once, not in every scan: ``confirmed_at`` (when the
    order counts as confirmed received: ``finished_at``, else ``created_at`` + the
    approximation, for ``FINISH`` orders; :data:`_NEVER` otherwise) and ``country_upper``."""
    if orders.num_rows == 0:
        return orders.append_column("confirmed_at", pa.array([], pa.int64())).append_column(
            "country_upper", pa.array([], pa.string()))
    # never confirmed: a time after every window (not null), so the times are one plain
    # int64 buffer numpy can count in and gather from without a copy (``Figures._times``);
    # worked out by numpy a batch at a time (Arrow's kernels over ten million rows took a
    # CPU-second)
    finished = _test_per_value(orders.column("status"), lambda v: pc.equal(
        pc.utf8_upper(v), "FINISH"))
    confirmed = np.empty(orders.num_rows, dtype=np.int64)  # written in place: no concat
    # a million rows at a time (numpy's calls per batch, three hundred, cost more than the
    # arithmetic), gathered from the batches into buffers reused from slice to slice and
    # written into ``confirmed`` in place: fresh memory for each slice's temporaries cost
    # page faults, system time as large as the arithmetic in a new process
    step = min(1 << 20, orders.num_rows)
    created, created_ok = np.empty(step, dtype=np.int64), np.empty(step, dtype=bool)
    done, done_ok = np.empty(step, dtype=np.int64), np.empty(step, dtype=bool)
    counted = np.empty(step, dtype=bool)
    for at in range(0, orders.num_rows, step):
        part = orders.slice(at, step)
        n = part.num_rows
        _fill_int64(part.column("created_at"), created, created_ok)
        _fill_int64(part.column("finished_at"), done, done_ok)
        out = confirmed[at:at + n]
        with np.errstate(over="ignore"):  # a null time's slot may hold anything: masked
            np.add(created[:n], _CONFIRM_NS, out=out)
        np.copyto(out, done[:n], where=done_ok[:n])
        np.logical_or(done_ok[:n], created_ok[:n], out=counted[:n])
        counted[:n] &= finished[at:at + n]
        np.copyto(out, _NEVER, where=~counted[:n])
    country = _per_value(orders.column("country"), lambda v: pc.utf8_upper(
        pc.fill_null(v, "")))
    return orders.append_column("confirmed_at", pa.array(confirmed)).append_column(
        "country_upper", country)


def _with_flags(disputes: pa.Table) -> pa.Table:
    """What the figures ask of a dispute's text, worked out once per distinct value of each
    dictionary chunk (a million disputes, a dozen statuses, classes, families), not per row:
    ``cancelled``, ``fam_logistics``, ``fam_product``, ``customs_class``,
    ``reached_arbitration``, ``platform_kind`` (bool; null read as "") and
    ``country_upper``."""
    def flag(name: str, test: Any) -> pa.Array:
        # a null value reads as "" (``coalesce(x, '')``)
        return pa.array(_test_per_value(disputes.column(name), test))

    lower = pc.utf8_lower
    flags = {
        "cancelled": flag("issue_status", lambda v: pc.equal(lower(v), "canceled_issue")),
        "fam_logistics": flag("family", lambda v: pc.equal(lower(v), "logistics")),
        "fam_product": flag("family", lambda v: pc.equal(lower(v), "product")),
        "customs_class": flag("class", lambda v: pc.starts_with(v, "customs_")),
        "reached_arbitration": flag("reached_type", lambda v: pc.equal(
            lower(v), "platform_arbitrate")),
        "platform_kind": flag("service_kind", lambda v: pc.equal(lower(v), "platform")),
        "country_upper": _per_value(disputes.column("country"), lambda v: pc.utf8_upper(
            pc.fill_null(v, ""))),
    }
    for name, column in flags.items():
        disputes = disputes.append_column(name, column)
    return disputes


def _flags_of(column: pa.ChunkedArray) -> np.ndarray:
    """A boolean column as numpy, null read as false."""
    return np.asarray(pc.fill_null(column, False).to_numpy(), dtype=bool)


def _numbers_of(column: pa.ChunkedArray, null: float = math.nan) -> np.ndarray:
    """A float column as numpy, null read as ``null``."""
    return np.asarray(pc.fill_null(column, null).to_numpy(), dtype=np.float64)


def _fill_int64(column: pa.ChunkedArray, values: np.ndarray, valid: np.ndarray) -> None:
    """An int64 column's values (anything where null) and where it is not null, written
    into the starts of ``values`` and ``valid``."""
    at = 0
    for chunk in column.chunks:
        n = len(chunk)
        values[at:at + n], valid[at:at + n] = _int64_values(chunk)
        at += n


def _int64_values(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """An int64 column's values (anything where null) and where it is not null."""
    n = len(column)
    if column.null_count == n:
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    values = np.frombuffer(column.buffers()[1], dtype=np.int64,
                           count=column.offset + n)[column.offset:]
    valid = (np.ones(n, dtype=bool) if column.null_count == 0
             else pc.is_valid(column).to_numpy(zero_copy_only=False))
    return values, valid


def _window_ns(start: pd.Timestamp, end: pd.Timestamp, inclusive: str) -> tuple[int, int]:
    """A window as half-open ``[lo, hi)`` in ns: ``(start, end]`` is ``[start+1, end+1)``."""
    lo, hi = start.value, end.value
    if inclusive in ("right", "neither"):
        lo += 1
    if inclusive in ("right", "both"):
        hi += 1
    return lo, hi


def _text_frame(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for c in columns:  # text as object, as the pandas figures give it
        frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    return frame


class Figures:
    """Every report figure of one portfolio's orders, disputes and claims, in DuckDB.

    Same figures and arguments as :class:`~disputekit.domain.kpis.Rates` (``dispute_rate``,
    ``trend``, ``by``, ``lanes_to_change``) plus :meth:`money_by_class`,
    :meth:`abusive_buyers` and :meth:`prevention_unshipped`. Give Arrow tables in the
    canonical form (see the module) or ``kpis`` frames (:meth:`from_frames`).

    ``orders_unique``: each ``(store_id, order_id)`` is one row (true of the database's
    ``order_lines``, whose primary key it is): the counts then skip a distinct over the
    orders. ``None``: checked.
    """

    @_small_pages
    def __init__(self, orders: pa.Table, disputes: pa.Table, claims: pa.Table | None = None,
                 *, exclude_personal: bool = False, exempt_platform_logistics: bool = True,
                 orders_unique: bool | None = None, threads: int | None = None,
                 memory_limit: str = "1GB") -> None:
        self.con = _connect(threads, memory_limit)
        claims = claims if claims is not None else canonical_claims(None)
        # The store key as an integer code on each table (``sc``; ``stores_in`` names it):
        # the joins and group-bys on it compare integers, not text.
        codes, self._stores = _codes(*(t.column("store_id")
                                       for t in (orders, disputes, claims)))
        orders, disputes, claims = (t.append_column("sc", c) for t, c in
                                    zip((orders, disputes, claims), codes, strict=True))
        self.con.register("stores_in", pa.table({
            "sc": pa.array(range(len(self._stores)), type=pa.int32()),
            "store_id": pa.array(self._stores, type=pa.string())}))
        # Row numbers (a column added without copying the others): what "first" and
        # "seen first" mean in the pandas figures, whatever order a scan reads rows in.
        self._orders = _with_confirmed(_numbered(orders))
        # each order row's confirmation as numpy, over the column's one buffer (no copy)
        self._confirmed = self._orders.column("confirmed_at").to_numpy()
        self._disputes = _with_flags(_numbered(disputes))
        # the facts the windows group by as codes (``_CODED``), "unknown" coded too (the
        # figures' name for a missing one); ``_names`` names them
        self._names: dict[str, list[str]] = {}
        for fact, column in _CODED.items():
            (on_orders, on_disputes), self._names[fact] = _codes(
                self._orders.column(column), self._disputes.column(column), also=("unknown",))
            self._orders = self._orders.append_column(f"{fact}_c", on_orders)
            self._disputes = self._disputes.append_column(f"{fact}_c", on_disputes)
        self.con.register("orders_in", self._orders)
        self.con.register("disputes_in", self._disputes)
        self._parent_type = (disputes.schema.field("parent_order_id").type
                             if "parent_order_id" in disputes.column_names else pa.string())
        self.con.register("claims_in", claims)
        self._prepare(exclude_personal, exempt_platform_logistics, orders_unique)
        self._windows: dict[tuple[int, int, tuple[str, ...]], str] = {}
        self._below_cache: dict[int, int] = {}
        self._times_cache: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @classmethod
    def from_frames(cls, orders: pd.DataFrame | None, disputes: pd.DataFrame | None,
                    claims: pd.DataFrame | None = None, **options: Any) -> Figures:
        """From ``kpis`` frames (any column types the contracts allow)."""
        return cls(canonical_orders(orders, disputes), canonical_disputes(disputes, orders),
                   canonical_claims(claims), **options)

    # ------------------------------------------------------------------ preparation

    def _prepare(self, exclude_personal: bool, exempt: bool, unique: bool | None) -> None:
        sql = self.con.execute
        # The orders, by view (ten million rows are not copied): position, key, when the
        # order counts as confirmed received, its facts (null where unknown).
        sql(f"CREATE VIEW o AS {_ORDER_FACTS.format(source='orders_in')}")
        if unique is None:
            unique = bool(sql("SELECT count(*) = count(DISTINCT (store, oid)) FROM o")
                          .fetchall()[0][0])
        self._unique = unique
        if not unique:  # each order's facts are its first row's (a frame, not the database)
            sql("""CREATE TEMP TABLE ofacts AS SELECT * EXCLUDE (confirmed_at) FROM o
                   QUALIFY row_number() OVER (PARTITION BY store, oid ORDER BY rn) = 1""")
        # Disputes as kpis._prepare leaves them: left-out ones dropped, the order key (a
        # dispute without an order is its own), flags, its own facts.
        dropped = ["false"]
        if exclude_personal:
            dropped.append("(coalesce(personal_reason, false) AND NOT (coalesce(arbitrated, "
                           "false) OR reached_arbitration))")
        if exempt:
            dropped.append("(fam_logistics AND platform_kind)")
        parent = ("CASE WHEN parent_order_id IS NULL OR parent_order_id::VARCHAR = '' THEN "
                  "'issue:' || coalesce(issue_id, '') ELSE parent_order_id::VARCHAR END"
                  if self._text_ids() else "parent_order_id")
        # Each disputed order's facts (its first order row) and every time it counts as
        # confirmed: the one join of the disputes (every one, dropped or not: a key no
        # window counts is never asked for) with the orders, on the integer key (store
        # code, order id) where ids are integers: pairs of positions out. The rows it names
        # are cut out by a mask (not a take: that would merge each batch's dictionaries)
        # and only they go through the text of ``_ORDER_FACTS``.
        source = "orders_in"
        if not self._text_ids():
            # integer ids: the orders whose id may be a dispute's, sifted first by numpy
            # (a table of the disputes' hashed ids, a byte a slot): the engine's join then
            # probes a tenth of ten million rows (probing them all was half the set-up)
            maybe = _maybe_disputed(self._orders, self._disputes.column("parent_order_id"))
            if maybe is not None:
                self.con.register("orders_maybe", maybe)
                source = "orders_maybe"
        pairs = sql(f"""SELECT k.rn AS drn, o.rn AS orn FROM {source} o JOIN (
                            SELECT rn, sc, {parent} AS oid FROM disputes_in) k
                          ON o.sc = k.sc AND o.order_id = k.oid""").fetchnumpy()
        if source != "orders_in":
            self.con.unregister(source)
        drn = np.asarray(pairs["drn"], dtype=np.int64)
        orn = np.asarray(pairs["orn"], dtype=np.int64)
        named = np.zeros(self._orders.num_rows, dtype=bool)
        named[orn] = True
        self.con.register("named_in", self._orders.select(_FACT_COLUMNS).filter(
            pa.array(named)))
        sql(f"CREATE TEMP VIEW dk AS {_ORDER_FACTS.format(source='named_in')}")
        if unique:
            # each dispute with its order's confirmation (``conf``; one order a row, so
            # one pair a dispute): a window's disputed orders, the counted ones and those
            # also confirmed in it, all from one scan of ``d`` (``_counts``)
            conf = np.zeros(self._disputes.num_rows, dtype=np.int64)
            row = np.zeros(self._disputes.num_rows, dtype=np.int64)
            found = np.zeros(self._disputes.num_rows, dtype=bool)
            conf[drn] = self._confirmed[orn]
            row[drn] = orn
            found[drn] = True
            # and its order's row (``orow``): its facts are looked up by position
            self._disputes = self._disputes.append_column(
                "conf", pa.array(conf, mask=~found)).append_column(
                "orow", pa.array(row, mask=~found))
            # and its order's coded facts (``order_<fact>_c``, 0 without an order), gathered
            # by numpy: a window grouped by them only (the lanes) joins no order row
            for fact in _CODED:
                codes = _whole(self._orders.column(f"{fact}_c"))
                # only the found pairs are read: with no order at all, there is no row 0
                gathered = np.zeros(self._disputes.num_rows, dtype=codes.dtype)
                gathered[drn] = codes[orn]
                self._disputes = self._disputes.append_column(
                    f"order_{fact}_c", pa.array(gathered))
            self.con.unregister("disputes_in")
            self.con.register("disputes_in", self._disputes)
        kept = f"""
            SELECT rn, sc AS store, {parent} AS oid,
                   created_at AS opened_at, NOT cancelled AS counted,
                   NOT cancelled AND fam_logistics AS logistics,
                   NOT cancelled AND fam_product AS product,
                   NOT cancelled AND customs_class AS customs,
                   nullif(carrier_c, 0) AS carrier, nullif(service_kind_c, 0) AS service_kind,
                   nullif(product_id, '') AS product_id,
                   nullif(product_name, '') AS product_name,
                   nullif(country_c, 0) AS country,
                   {"conf, orow" if unique else "NULL::BIGINT AS conf, NULL::BIGINT AS orow"},
                   {", ".join(f"nullif(order_{a}_c, 0) AS order_{a}" if unique else
                              f"NULL::INTEGER AS order_{a}" for a in _CODED)}
            FROM disputes_in
            WHERE NOT ({' OR '.join(dropped)})"""
        # a view over the Arrow rows, not a copy: the counts read its integers, each
        # window the text of its own disputes only
        sql(f"CREATE TEMP VIEW d AS {kept}")
        # each order disputed once (the usual case; asked only where an order is one
        # row): a window's disputed orders are then its disputes, counted without a
        # group-by per order. No order row named twice (the positions' mask counts each
        # once), and no key without an order row twice (a few disputes, if any).
        self._single = unique and int(np.count_nonzero(named)) == len(orn) and bool(sql(
            "SELECT count(*) = count(DISTINCT (store, oid)) FROM d WHERE orow IS NULL"
        ).fetchall()[0][0])
        if unique:  # one row a disputed order already
            sql("CREATE VIEW dfacts AS SELECT * EXCLUDE (confirmed_at) FROM dk")
        else:
            sql("""
                CREATE TEMP TABLE dfacts AS
                SELECT * EXCLUDE (confirmed_at) FROM dk
                QUALIFY row_number() OVER (PARTITION BY store, oid ORDER BY rn) = 1""")

    def _unknown(self, fact: str) -> str:
        """The key a missing ``fact`` is grouped under, as SQL: "unknown" (its code where
        the fact is coded)."""
        return str(self._names[fact].index("unknown")) if fact in _CODED else "'unknown'"

    def _named(self, fact: str, codes: pd.Series) -> pd.Series:
        """A coded fact's names (object), from its codes."""
        names = self._names[fact]
        return pd.Series([names[c] for c in codes.tolist()], index=codes.index, dtype=object)

    def _text_ids(self) -> bool:
        return not pa.types.is_integer(self._parent_type)

    # ------------------------------------------------------------------ one window

    def _window(self, lo: int, hi: int, attributes: tuple[str, ...] = _ATTRIBUTES) -> str:
        """A temp table of the outcomes one window counts (``kpis.counting._window``): one
        row per order, disputed ones first in the order of their first dispute, then the
        orders only confirmed in order (``pos``); made once per window. ``attributes``:
        the facts a figure groups by (the lanes need no product: two text columns less
        over a quarter's orders)."""
        for key in ((lo, hi, _ATTRIBUTES), (lo, hi, attributes)):
            if key in self._windows:
                return self._windows[key]
        name = f"w{len(self._windows)}"
        first = ", ".join(f"arg_min({a}, rn) FILTER (WHERE {a} IS NOT NULL) AS {a}"
                          for a in attributes)
        # the disputed orders (a few in a hundred), with their order's row (``orow``)
        # a key only disputes know (no order row) has no facts: the LEFT JOINs keep it
        if self._unique and self._single:
            # one dispute an order, one row an order: the window's disputes as they are,
            # their orders' facts looked up by position, no group-by per order
            self.con.execute(f"""
                CREATE TEMP TABLE {name}_d AS
                SELECT d.store, d.oid, true AS disputed,
                       coalesce(d.conf >= $lo AND d.conf < $hi, false) AS confirmed,
                       d.counted, d.logistics, d.product, d.customs, d.rn AS pos, d.orow,
                       {", ".join(f"coalesce(d.{a}, d.order_{a}) AS {a}" if a in _CODED else
                                  f"coalesce(d.{a}, f.{a}) AS {a}" for a in attributes)}
                FROM d {"LEFT JOIN dk f ON f.rn = d.orow"
                        if set(attributes) - set(_CODED) else ""}
                WHERE d.opened_at >= $lo AND d.opened_at < $hi""", {"lo": lo, "hi": hi})
        else:
            self.con.execute(f"""
                CREATE TEMP TABLE {name}_d AS
                WITH dw AS (
                    SELECT store, oid, min(rn) AS pos, bool_or(counted) AS counted,
                           bool_or(logistics) AS logistics, bool_or(product) AS product,
                           bool_or(customs) AS customs, {first}
                    FROM d WHERE opened_at >= $lo AND opened_at < $hi GROUP BY store, oid),
                dc AS (SELECT DISTINCT store, oid FROM dk
                       WHERE confirmed_at >= $lo AND confirmed_at < $hi)
                SELECT dw.store, dw.oid, true AS disputed, dc.oid IS NOT NULL AS confirmed,
                       dw.counted, dw.logistics, dw.product, dw.customs, dw.pos, f.rn AS orow,
                       {", ".join(f"coalesce(dw.{a}, f.{a}) AS {a}" for a in attributes)}
                FROM dw LEFT JOIN dfacts f ON f.store = dw.store AND f.oid = dw.oid
                        LEFT JOIN dc ON dc.store = dw.store AND dc.oid = dw.oid
                """, {"lo": lo, "hi": hi})
        columns = ", ".join(("store", "disputed", "confirmed", "counted", "logistics",
                             "product", "customs", "pos", *attributes))
        only = f"false, true, false, false, false, false, {_CONFIRMED_AFTER} + c.pos"
        if self._unique:
            # one order a row: the orders only confirmed in the window are its confirmed
            # rows less the disputed ones' rows, cut in Arrow by a numpy mask (no anti-join,
            # no copy: the window is a view over the cut, whose text the engine reads
            # only in the group-bys that name it)
            disputed = self.con.execute(f"SELECT orow FROM {name}_d WHERE orow IS NOT NULL"
                                        ).fetchnumpy()["orow"]
            # (only the columns the window's figures read are cut)
            stored = {a: f"{a}_c" if a in _CODED else a for a in attributes}
            self.con.register(f"{name}_c", self._confirmed_in(
                lo, hi, np.asarray(disputed, dtype=np.int64), ["rn", "sc", *stored.values()]))
            facts = ", ".join(f"nullif(c.{column}, {0 if a in _CODED else repr('')}) AS {a}"
                              for a, column in stored.items())
            self.con.execute(f"""
                CREATE TEMP VIEW {name} AS
                SELECT {columns} FROM {name}_d
                UNION ALL
                SELECT c.sc, {only}{", " if facts else ""}{facts}
                FROM (SELECT *, rn AS pos FROM {name}_c) c""")
        else:
            self.con.execute(f"""
                CREATE TEMP TABLE {name} AS
                SELECT {columns} FROM {name}_d
                UNION ALL
                SELECT c.store, {only}, {", ".join(f"f.{a}" for a in attributes)}
                FROM (SELECT store, oid, min(rn) AS pos FROM o
                      WHERE confirmed_at >= $lo AND confirmed_at < $hi GROUP BY store, oid) c
                JOIN ofacts f ON f.store = c.store AND f.oid = c.oid
                ANTI JOIN {name}_d w ON w.store = c.store AND w.oid = c.oid
                """, {"lo": lo, "hi": hi})
        self._windows[(lo, hi, attributes)] = name
        return name

    def _confirmed_in(self, lo: int, hi: int, besides: np.ndarray, columns: list[str]
                      ) -> pa.Table:
        """The order rows confirmed in ``[lo, hi)`` but those at the positions ``besides``
        (their ``columns``)."""
        mask = (self._confirmed >= lo) & (self._confirmed < hi)
        mask[besides] = False
        return self._orders.select(columns).filter(pa.array(mask))

    def _below(self, edge: int) -> int:
        """How many order rows are confirmed before ``edge`` (ns): numpy over the times'
        one buffer (no copy; a vectorised compare is cheaper than sorting ten million
        times or a filtered count per window), remembered per edge (trends share them)."""
        if edge not in self._below_cache:
            self._below_cache[edge] = int(np.count_nonzero(self._confirmed < edge))
        return self._below_cache[edge]

    def _dispute_times(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The kept disputes' opening times, whether each counts, and their orders'
        confirmations, as numpy (a time unknown: :data:`_NEVER`, in no window); read once."""
        if self._times_cache is None:
            got = self.con.execute(f"""
                SELECT coalesce(opened_at, {_NEVER}) AS opened_at,
                       coalesce(counted, false) AS counted, coalesce(conf, {_NEVER}) AS conf
                FROM d""").fetchnumpy()
            self._times_cache = (np.asarray(got["opened_at"], dtype=np.int64),
                                 np.asarray(got["counted"], dtype=bool),
                                 np.asarray(got["conf"], dtype=np.int64))
        return self._times_cache

    def _counts(self, windows: list[tuple[int, int]]) -> list[RateResult]:
        """The rate of each window, counted without listing its orders: opened and
        counted from the disputes, confirmed from the orders' times (:meth:`_below`, or
        one scan of the orders for all windows where an order may have several rows),
        the overlap from the disputed orders' confirmations."""
        if not windows:
            return []
        self.con.register("win", pa.table({
            "wid": pa.array(range(len(windows)), type=pa.int64()),
            "lo": pa.array([w[0] for w in windows], type=pa.int64()),
            "hi": pa.array([w[1] for w in windows], type=pa.int64())}))
        opened = dict.fromkeys(range(len(windows)), (0, 0))
        confirmed = dict.fromkeys(range(len(windows)), 0)
        both = dict.fromkeys(range(len(windows)), 0)
        if self._single:
            # each order one row and disputed once: a window's disputed orders are its
            # disputes, counted by numpy over their times (read once; a few compares over
            # a million rows a window cost less than DuckDB's range join with the windows)
            opened_at, counting, conf = self._dispute_times()
            for wid, (lo, hi) in enumerate(windows):
                inside = (opened_at >= lo) & (opened_at < hi)
                opened[wid] = (int(np.count_nonzero(inside)),
                               int(np.count_nonzero(inside & counting)))
                both[wid] = int(np.count_nonzero(inside & (conf >= lo) & (conf < hi)))
                confirmed[wid] = self._below(hi) - self._below(lo)
        elif self._unique:
            # one order a row: its disputes carry its confirmation (``d.conf``), and the
            # orders confirmed in a window are counted below each edge, no join, no sort;
            # a window's disputed orders: its disputes grouped per order
            for wid, n, counted, n_both in self.con.execute("""
                    SELECT wid, count(*), count(*) FILTER (WHERE counted),
                           count(*) FILTER (WHERE in_both) FROM (
                        SELECT win.wid, d.store, d.oid, bool_or(d.counted) AS counted,
                               bool_or(d.conf >= win.lo AND d.conf < win.hi) AS in_both
                        FROM d JOIN win ON d.opened_at >= win.lo AND d.opened_at < win.hi
                        GROUP BY ALL)
                    GROUP BY wid""").fetchall():
                opened[wid] = (n, counted)
                both[wid] = n_both
            for wid, (lo, hi) in enumerate(windows):
                confirmed[wid] = self._below(hi) - self._below(lo)
        else:
            for wid, n, counted in self.con.execute("""
                    SELECT wid, count(*), count(*) FILTER (WHERE counted) FROM (
                        SELECT win.wid, d.store, d.oid, bool_or(d.counted) AS counted
                        FROM d JOIN win ON d.opened_at >= win.lo AND d.opened_at < win.hi
                        GROUP BY ALL) GROUP BY wid""").fetchall():
                opened[wid] = (n, counted)
            for wid, n in self.con.execute("""
                    SELECT win.wid, count(DISTINCT (o.store, o.oid)) FROM o JOIN win
                      ON o.confirmed_at >= win.lo AND o.confirmed_at < win.hi
                    GROUP BY win.wid""").fetchall():
                confirmed[wid] = n
            for wid, n in self.con.execute("""
                    SELECT wid, count(*) FROM (
                        SELECT DISTINCT win.wid, d.store, d.oid
                        FROM d JOIN win ON d.opened_at >= win.lo AND d.opened_at < win.hi
                        SEMI JOIN dk ON dk.store = d.store AND dk.oid = d.oid
                           AND dk.confirmed_at >= win.lo AND dk.confirmed_at < win.hi)
                    GROUP BY wid""").fetchall():
                both[wid] = n
        self.con.unregister("win")
        results = []
        for wid in range(len(windows)):
            n_opened, numerator = opened[wid]
            only_confirmed = confirmed[wid] - both[wid]
            denominator = n_opened + only_confirmed
            results.append(RateResult(
                rate=numerator / denominator if denominator else None, numerator=numerator,
                denominator=denominator, opened=n_opened, cancelled=n_opened - numerator,
                confirmed=only_confirmed))
        return results

    # ------------------------------------------------------------------ the rate figures

    @_small_pages
    def dispute_rate(self, as_of: datetime, window_days: int = 30) -> RateResult:
        """As :func:`kpis.dispute_rate`."""
        end = _as_of(as_of)
        return self._counts([_window_ns(end - timedelta(days=window_days), end, "right")])[0]

    @_small_pages
    def rate_by_store(self, as_of: datetime, window_days: int = 30) -> dict[str, RateResult]:
        """:meth:`dispute_rate` of each store with an order or a dispute in the window
        (the portfolio page: one pass for every store, not one normalisation each)."""
        end = _as_of(as_of)
        w = self._window(*_window_ns(end - timedelta(days=window_days), end, "right"), ())
        rates = {}
        for store, opened, numerator, denominator, confirmed in self.con.execute(f"""
                SELECT store, count(*) FILTER (WHERE disputed),
                       count(*) FILTER (WHERE counted), count(*),
                       count(*) FILTER (WHERE confirmed AND NOT disputed)
                FROM {w} GROUP BY store ORDER BY store""").fetchall():
            rates[self._stores[store]] = RateResult(
                rate=numerator / denominator if denominator else None, numerator=numerator,
                denominator=denominator, opened=opened, cancelled=opened - numerator,
                confirmed=confirmed)
        return rates

    @_small_pages
    def trend(self, as_of: datetime, freq: Literal["W", "Q"] = "W",
              periods: int = 13) -> pd.DataFrame:
        """As :func:`kpis.rate_trend`: every period counted in one pass."""
        bounds, windows = [], []
        for period_start, period_end, inclusive in periods_of(as_of, freq, periods):
            bounds.append((period_start, period_end))
            windows.append(_window_ns(period_start, period_end, inclusive))
        rows = [{"period_start": s, "period_end": e, "rate": _nan(r.rate),
                 "numerator": r.numerator, "denominator": r.denominator}
                for (s, e), r in zip(bounds, self._counts(windows), strict=True)]
        trend = pd.DataFrame(rows, columns=TREND_COLUMNS)
        trend.attrs["freq"] = freq
        return trend

    @_small_pages
    def by(self, as_of: datetime, dimension: str, window_days: int = 30,
           min_orders: int = 0) -> pd.DataFrame:
        """As :func:`kpis.rate_by`."""
        if dimension not in DIMENSIONS:
            raise ValueError(f"dimension must be one of {', '.join(DIMENSIONS)}, "
                             f"not {dimension!r}")
        end = _as_of(as_of)
        w = self._window(*_window_ns(end - timedelta(days=window_days), end, "right"))
        columns = [dimension, "orders", "disputes", "rate"]
        table = self.con.execute(f"""
            SELECT coalesce({dimension}, {self._unknown(dimension)}) AS "{dimension}",
                   count(*) AS orders,
                   count(*) FILTER (WHERE counted) AS disputes,
                   count(*) FILTER (WHERE counted) / count(*) AS rate
            FROM {w} GROUP BY 1 HAVING count(*) >= $min
            ORDER BY rate DESC, orders DESC, 1""", {"min": max(min_orders, 1)}).df()
        if table.empty:
            return _empty(columns)
        table = table.astype({"orders": int, "disputes": int, "rate": float})
        if dimension in _CODED:
            table[dimension] = self._named(dimension, table[dimension])
        return _text_frame(table[columns], [dimension]).reset_index(drop=True)

    @_small_pages
    def lanes_to_change(
        self, as_of: datetime, window_days: int = 90, min_orders: int = 30,
        factor: float = 2.0, *,
        strict_countries: Mapping[str, StrictCustoms] = DEFAULT_STRICT_CUSTOMS,
    ) -> pd.DataFrame:
        """As :func:`kpis.lanes_to_change`; a lane's commonest service kind ties to the one
        seen first, as there."""
        end = _as_of(as_of)
        w = self._window(*_window_ns(end - timedelta(days=window_days), end, "right"),
                         ("carrier", "service_kind", "country"))
        chosen = self.con.execute(f"""
            WITH g AS (  -- the window's orders counted once per (store, lane, kind)
                SELECT store AS sc, coalesce(carrier, {self._unknown("carrier")}) AS carrier,
                       coalesce(country, {self._unknown("country")}) AS country,
                       coalesce(service_kind, {self._unknown("service_kind")}) AS service_kind,
                       count(*) AS n,
                       count(*) FILTER (WHERE counted) AS disputes,
                       count(*) FILTER (WHERE logistics) AS logistics,
                       count(*) FILTER (WHERE product) AS product,
                       count(*) FILTER (WHERE customs) AS customs, min(pos) AS seen
                FROM {w} GROUP BY ALL),
            stores AS (SELECT sc, sum(disputes)::BIGINT / sum(n)::BIGINT AS store_rate
                       FROM g GROUP BY sc),
            kinds AS (
                SELECT sc, carrier, country, service_kind FROM g
                QUALIFY row_number() OVER (PARTITION BY sc, carrier, country
                                           ORDER BY n DESC, seen) = 1),
            lanes AS (
                SELECT sc, carrier, country, sum(n)::BIGINT AS orders,
                       sum(disputes)::BIGINT AS disputes, sum(logistics)::BIGINT AS logistics,
                       sum(product)::BIGINT AS product, sum(customs)::BIGINT AS customs
                FROM g GROUP BY ALL)
            SELECT n.store_id, l.*, k.service_kind, s.store_rate,
                   l.disputes / l.orders AS rate, (l.disputes / l.orders) / s.store_rate AS ratio
            FROM lanes l JOIN kinds k USING (sc, carrier, country)
                         JOIN stores s USING (sc) JOIN stores_in n USING (sc)
            WHERE l.orders >= $min AND l.disputes > 0 AND s.store_rate > 0
              AND l.disputes / l.orders >= $factor * s.store_rate
            ORDER BY ratio DESC, orders DESC, sc, carrier, country""",
            {"min": min_orders, "factor": float(factor)}).df()
        if chosen.empty:
            return _empty(LANE_COLUMNS)
        for fact in ("carrier", "country", "service_kind"):
            chosen[fact] = self._named(fact, chosen[fact])
        chosen["suggestion"] = [_lane_suggestion(row, strict_countries)
                                for row in chosen.to_dict("records")]
        chosen = chosen.astype({"orders": int, "disputes": int, "rate": float,
                                "store_rate": float, "ratio": float})
        return _text_frame(chosen[LANE_COLUMNS].reset_index(drop=True),
                           ["store_id", "carrier", "country", "service_kind", "suggestion"])

    # ------------------------------------------------------------------ the other figures

    @_small_pages
    def money_by_class(self) -> pd.DataFrame:
        """As :func:`kpis.money_by_class` (sums compensated: ``fsum``, to the cent)."""
        n = self.con.execute("SELECT (SELECT count(*) FROM disputes_in), "
                             "(SELECT count(*) FROM claims_in)").fetchall()[0]
        if not n or (n[0] == 0 and n[1] == 0):
            return _empty(MONEY_COLUMNS)
        open_claims = ", ".join(f"'{s}'" for s in sorted(_OPEN_CLAIMS))
        table = self.con.execute(f"""
            WITH per_dispute AS (  -- grouped on the class as read (a dozen values)
                SELECT coalesce(nullif(class, ''), 'unknown') AS cls, count(*) AS disputes,
                       fsum(coalesce(refund_usd, 0)) AS refunded,
                       fsum(coalesce(resend_usd, 0)) AS resent
                FROM disputes_in GROUP BY 1),
            -- the class of the claims' disputes only (a claim per twenty disputes): the
            -- disputes cut by the claims first, then their text read
            known AS (SELECT d.sc AS store, coalesce(d.issue_id, '') AS issue,
                             arg_max(coalesce(nullif(d.class, ''), 'unknown'), d.rn) AS cls
                      FROM disputes_in d
                      SEMI JOIN claims_in c ON d.sc = c.sc
                                           AND coalesce(d.issue_id, '') = coalesce(c.issue_id, '')
                      GROUP BY ALL),
            per_claim AS (
                SELECT coalesce(nullif(coalesce(nullif(c.class, ''), k.cls, ''), ''),
                                'unknown') AS cls,
                       count(*) AS claims, fsum(coalesce(c.recovered_amount, 0)) AS recovered,
                       fsum(CASE WHEN lower(coalesce(c.status, '')) IN ({open_claims})
                                 THEN coalesce(c.goods_amount, 0)
                                      + coalesce(c.freight_amount, 0) ELSE 0 END) AS pending
                FROM claims_in c LEFT JOIN known k
                  ON k.store = c.sc AND k.issue = coalesce(c.issue_id, '')
                GROUP BY 1)
            SELECT coalesce(p.cls, q.cls) AS "class", coalesce(p.disputes, 0) AS disputes,
                   coalesce(p.refunded, 0) AS refunded, coalesce(p.resent, 0) AS resent,
                   coalesce(q.claims, 0) AS claims, coalesce(q.recovered, 0) AS recovered,
                   coalesce(q.pending, 0) AS pending
            FROM per_dispute p FULL OUTER JOIN per_claim q ON p.cls = q.cls""").df()
        for column in ("refunded", "resent", "recovered", "pending"):
            table[column] = table[column].astype(float)
        table["net_lost"] = table["refunded"] + table["resent"] - table["recovered"]
        table["family"] = [_family(code) for code in table["class"]]
        table = table.sort_values(["net_lost", "disputes", "class"],
                                  ascending=[False, False, True])
        total = {"class": "total", "family": "",
                 **{col: math.fsum(table[col]) if table[col].dtype.kind == "f"
                    else table[col].sum() for col in MONEY_COLUMNS[2:]}}
        table = pd.concat([table[MONEY_COLUMNS], pd.DataFrame([total])], ignore_index=True)
        table = table.astype({"disputes": int, "claims": int})[MONEY_COLUMNS]
        return _text_frame(table, ["class", "family"])

    @_small_pages
    def abusive_buyers(self, min_disputes: int = 3) -> pd.DataFrame:
        """As :func:`kpis.abusive_buyers`."""
        # A buyer's stores: with 64 stores or fewer, the bits of their codes or-ed together
        # and counted (a plain aggregate, exact; a distinct aggregate cost as much as all
        # the rest of the figure); with more, a distinct count.
        stores = ("bit_count(bit_or((1::UBIGINT) << sc::UBIGINT))" if len(self._stores) <= 64
                  else "count(DISTINCT sc)")
        table = self.con.execute(f"""
            SELECT buyer_login_id AS buyer, count(*) AS disputes, {stores} AS stores,
                   count(*) FILTER (WHERE class = '{DisputeClass.DELIVERED_DISPUTED.value}')
                       AS delivered_disputed,
                   count(*) FILTER (WHERE class = '{DisputeClass.EXTORTION.value}')
                       AS extortion,
                   count(*) FILTER (WHERE class = '{DisputeClass.DELIBERATE_ABUSE.value}')
                       AS deliberate_abuse,
                   count(*) FILTER (WHERE coalesce(arbitrated, false) OR reached_arbitration)
                       AS arbitrated,
                   fsum(coalesce(refund_usd, 0)) AS refunded, max(created_at) AS last_opened
            FROM disputes_in WHERE coalesce(buyer_login_id, '') != ''
            GROUP BY buyer_login_id HAVING count(*) >= $min
            ORDER BY disputes DESC, stores DESC, extortion DESC, buyer""",
            {"min": min_disputes}).df()
        if table.empty:
            return _empty(ABUSIVE_COLUMNS)
        counts = ["disputes", "stores", "delivered_disputed", "extortion", "deliberate_abuse",
                  "arbitrated"]
        table = table.astype(dict.fromkeys(counts, int) | {"refunded": float})
        table["last_opened"] = pd.to_datetime(table["last_opened"].astype("Int64"), unit="ns",
                                              utc=True)
        return _text_frame(table[ABUSIVE_COLUMNS].reset_index(drop=True), ["buyer"])

    @_small_pages
    def prevention_unshipped(
        self, as_of: datetime,
        strict_countries: Mapping[str, StrictCustoms] = DEFAULT_STRICT_CUSTOMS,
        min_value_usd: float | None = None,
    ) -> pd.DataFrame:
        """As :func:`kpis.prevention_unshipped`: the few orders kept leave the engine."""
        end = _as_of(as_of)
        if not strict_countries:
            return _empty(PREVENTION_COLUMNS)
        thresholds = {country: float(min_value_usd) if min_value_usd is not None
                      else rule.threshold_usd for country, rule in strict_countries.items()}
        # Which of ten million orders are kept, decided by numpy: the status and the
        # country's threshold worked out per distinct value (a few dozen), the rest
        # compared over plain buffers; only the kept rows leave Arrow.
        unshipped = pa.array(sorted(UNSHIPPED_STATUSES), type=pa.string())
        waiting = _test_per_value(self._orders.column("status"), lambda v: pc.is_in(
            pc.utf8_upper(v), value_set=unshipped))
        # the orders waiting to ship first (a few in a hundred), the rest on them only
        orders = self._orders.select(["store_id", "order_id", "created_at", "country_upper",
                                      "amount_usd", "product_name", "shipped"]
                                     ).filter(pa.array(waiting))
        threshold = _numbers_of(_per_value(orders.column("country_upper"), lambda v: pa.array(
            [thresholds.get(c, math.nan) for c in v.to_pylist()], type=pa.float64())))
        shipped = _flags_of(orders.column("shipped"))
        amount = _numbers_of(orders.column("amount_usd"), 0.0)
        created = pc.fill_null(orders.column("created_at"), _NEVER).to_numpy()
        kept = ~shipped & (created <= end.value) & (amount >= threshold)
        if not kept.any():
            return _empty(PREVENTION_COLUMNS)
        chosen_rows = orders.filter(pa.array(kept))

        def text(name: str) -> list[str]:
            values: list[str] = pc.fill_null(chosen_rows.column(name).cast(pa.string()),
                                             "").to_pylist()
            return values

        # the kept rows' facts as Python lists (a few thousand): no pandas string column
        # is iterated value by value
        countries = text("country_upper")
        chosen = [strict_countries[c] for c in countries]
        amounts, limits = amount[kept].tolist(), threshold[kept].tolist()
        created_ns = chosen_rows.column("created_at").to_numpy()
        # text built as object columns, as the figure gives them: pandas would otherwise
        # infer its Arrow-backed ``str`` for each list, then sort and convert it back
        def objects(values: list[str]) -> pd.Series:
            return pd.Series(values, dtype=object)

        o = pd.DataFrame({
            "store_id": objects(text("store_id")), "order_id": objects(text("order_id")),
            "created_at": pd.to_datetime(created_ns, unit="ns", utc=True),
            "country": objects(countries), "amount_usd": amounts, "threshold_usd": limits,
            "product_name": objects(text("product_name")),
            "tax_id": objects([r.tax_id for r in chosen]),
            "age_days": (((end.value - created_ns) / 1e9) / 86400).astype(int),
            "reason": objects([
                f"contact the buyer before shipping: ask for their {r.tax_id} and warn about "
                f"duty (order US${amount:,.2f}, threshold US${limit:,.0f}). {r.rule}"
                for r, amount, limit in zip(chosen, amounts, limits, strict=True)])})
        o = o.sort_values(["amount_usd", "created_at", "order_id"],
                          ascending=[False, True, True])
        return _text_frame(o[PREVENTION_COLUMNS].reset_index(drop=True),
                           ["store_id", "order_id", "country", "product_name", "tax_id",
                            "reason"])

    def close(self) -> None:
        self.con.close()


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)
