"""The frames the KPIs read: their column contracts, and the normalisers that read any column
type the same way (text, ids, times, flags, money).

The contracts are documented in the package (``disputekit.domain.kpis``). Every KPI reads
its frames through :func:`_frame` (a missing column is an error naming it) and these
normalisers, so ``123``, ``123.0`` and ``"123"`` are one order everywhere.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from disputekit.domain.taxonomy import DisputeClass

__all__ = ["CLAIM_COLUMNS", "DISPUTE_COLUMNS", "ORDER_COLUMNS"]

ORDER_COLUMNS = (
    "store_id", "order_id", "created_at", "status", "finished_at", "country", "carrier",
    "service_kind", "product_id", "product_name", "amount_usd", "shipped",
)
DISPUTE_COLUMNS = (
    "store_id", "issue_id", "parent_order_id", "created_at", "issue_status",
    "reverse_detail_status", "reached_type", "arbitrated", "class", "family",
    "buyer_login_id", "country", "carrier", "service_kind", "product_id", "product_name",
    "refund_usd", "personal_reason",
)
CLAIM_COLUMNS = (
    "store_id", "logistics_no", "issue_id", "class", "status", "goods_amount",
    "freight_amount", "recovered_amount",
)


_UNKNOWN = "unknown"
# informational in the contract; a frame without them is accepted (read as blank)
_OPTIONAL = frozenset({"reverse_detail_status", "reached_type"})


def _frame(frame: pd.DataFrame | None, columns: tuple[str, ...], name: str) -> pd.DataFrame:
    """The frame with every contract column; an empty frame may lack them, a full one not."""
    if frame is None:
        return pd.DataFrame(columns=list(columns))
    missing = [c for c in columns if c not in frame.columns]
    needed = [c for c in missing if c not in _OPTIONAL]
    if needed and not frame.empty:
        raise ValueError(f"{name} lacks column(s) {', '.join(needed)}; expected "
                         f"{', '.join(columns)}")
    if missing:
        frame = frame.reindex(columns=[*frame.columns, *missing])
    return frame


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _as_of(as_of: datetime) -> pd.Timestamp:
    stamp = pd.Timestamp(as_of)
    if stamp.tzinfo is None:
        raise ValueError(f"as_of must be timezone-aware (UTC), not the naive {as_of}")
    return stamp.tz_convert("UTC")


def _times(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True)


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers are values
        return False


# The normalisers below have a fast path for the column types the pipeline and most
# callers pass (strings, numpy ints, bools, floats): over millions of rows a Python call
# per value is most of a report's time. Anything else (Decimals, mixed types, categoricals)
# takes the value-by-value path; both give the same result.


def _kind(series: pd.Series) -> str:
    """pandas' inferred kind of the non-missing values (``"string"``, ``"integer"``, ...)."""
    return str(pd.api.types.infer_dtype(series, skipna=True))


def _integers(series: pd.Series) -> bool:
    """A numpy integer column (never missing values)."""
    return pd.api.types.is_integer_dtype(series.dtype) and not isinstance(
        series.dtype, pd.CategoricalDtype)


def _per_value(series: pd.Series, fn: Any, missing: Any) -> pd.Series:
    """``fn`` of each distinct value once (stores, countries, carriers, products, statuses
    repeat over millions of rows), ``missing`` for missing values; an object Series."""
    codes, uniques = pd.factorize(series)  # missing values get code -1: the last item
    done = np.array([*(fn(u) for u in uniques), missing], dtype=object)
    return pd.Series(done[codes], index=series.index, dtype=object)


def _text(series: pd.Series) -> pd.Series:
    """Stripped strings, ``""`` for missing values."""
    if _kind(series) in ("string", "empty", "integer"):
        return _per_value(series, lambda v: str(v).strip(), "")
    return series.map(lambda v: "" if _missing(v) else str(v).strip()).astype(object)


def _upper(text: pd.Series) -> pd.Series:
    """``text.str.upper()`` of a :func:`_text` Series, each distinct value once."""
    return _per_value(text, str.upper, "")


def _lower(text: pd.Series) -> pd.Series:
    """``text.str.lower()`` of a :func:`_text` Series, each distinct value once."""
    return _per_value(text, str.lower, "")


def _ids(series: pd.Series) -> pd.Series:
    """Identifiers as strings, so ``123``, ``123.0`` and ``"123"`` are the same order."""
    if pd.api.types.is_integer_dtype(series.dtype) and not isinstance(
            series.dtype, pd.CategoricalDtype):
        return series.astype(str).astype(object)  # no missing value in an integer column
    if _kind(series) in ("string", "empty"):
        return _text(series)

    def one(value: Any) -> str:
        if _missing(value):
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()
    return series.map(one).astype(object)


def _flags(series: pd.Series) -> pd.Series:
    """Booleans; missing is false; ``"true"``/``"1"`` strings read as true."""
    if pd.api.types.is_bool_dtype(series.dtype) and not isinstance(
            series.dtype, pd.CategoricalDtype):
        return series.fillna(False).astype(bool)
    if _kind(series) == "boolean":
        return series.where(series.notna(), False).astype(bool)

    def one(value: Any) -> bool:
        if _missing(value):
            return False
        if isinstance(value, str):
            return value.strip().lower() in {"true", "1", "yes", "y", "t"}
        return bool(value)
    return series.map(one).astype(bool)


def _arbitrated(disputes: pd.DataFrame) -> pd.Series:
    """The platform ruled: the ``arbitrated`` flag, or ``reached_type`` says so."""
    return _flags(disputes["arbitrated"]) | (
        _text(disputes["reached_type"]).str.lower() == "platform_arbitrate")


def _money(series: pd.Series) -> pd.Series:
    """Floats (``Decimal`` welcome); missing is 0."""
    if (pd.api.types.is_float_dtype(series.dtype) or pd.api.types.is_integer_dtype(
            series.dtype)) and not isinstance(series.dtype, pd.CategoricalDtype):
        return series.astype(float).fillna(0.0)

    def one(value: Any) -> float:
        return 0.0 if _missing(value) else float(value)
    return series.map(one).astype(float)


def _or_none(text: pd.Series) -> pd.Series:
    """``""`` (from :func:`_text`) back to ``None``, so ``first`` and ``combine_first`` skip it."""
    return text.where(text != "", None)


def _labels(series: pd.Series) -> pd.Series:
    text = _text(series)
    return text.where(text != "", _UNKNOWN)


def _family(code: str) -> str:
    try:
        return DisputeClass(code).family.value
    except ValueError:
        return ""


def _nan(value: float | None) -> float:
    if value is None:
        return math.nan
    return float(value)
