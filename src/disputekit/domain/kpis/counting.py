"""How the dispute rate counts (reference §7.2): the inputs normalised once, the orders one
window counts, and the rate of those outcomes.

The public figures (:func:`~disputekit.domain.kpis.dispute_rate`, ``Rates``...) are in
``rates``; their documentation says what is counted and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from disputekit.domain.kpis.frames import (
    DISPUTE_COLUMNS,
    ORDER_COLUMNS,
    _arbitrated,
    _empty,
    _flags,
    _frame,
    _ids,
    _integers,
    _lower,
    _or_none,
    _text,
    _times,
    _upper,
)

__all__ = ["AUTO_CONFIRM_APPROXIMATION", "RateResult"]

#: A ``FINISH`` order synced without its receipt date is dated ``created_at`` plus this:
#: a documented approximation (typical delivery and confirmation time), not a platform rule.
AUTO_CONFIRM_APPROXIMATION = timedelta(days=20)


_KEY = ["store_id", "order_id"]
_ATTRIBUTES = ["carrier", "service_kind", "product_id", "product_name", "country"]
_OUTCOME_COLUMNS = [*_KEY, "confirmed", "disputed", "counted", "logistics", "product",
                    "customs", *_ATTRIBUTES]
_Inclusive = Literal["both", "neither", "left", "right"]


@dataclass(frozen=True)
class RateResult:
    """A dispute rate and the counts behind it.

    ``numerator = opened - cancelled``; ``denominator = confirmed + opened``; ``rate`` is
    ``None`` when there is nothing to divide by.
    """

    rate: float | None
    numerator: int
    denominator: int
    opened: int  # orders with a dispute opened in the window
    cancelled: int  # of those, orders whose disputes the buyer all cancelled
    confirmed: int = 0  # orders confirmed received in the window, without a dispute in it


@dataclass(frozen=True)
class _Prepared:
    """The inputs normalised once, so a trend of many periods does not redo it.

    Orders are joined on one integer ``key`` per ``(store_id, order_id)`` (strings made
    once here): joining millions of rows on two text columns, again for every window, was
    most of a report's time.
    """

    orders: pd.DataFrame  # key, confirmed_at (NaT unless FINISH)
    keys: pd.DataFrame  # index key: store_id, order_id (text)
    facts: pd.DataFrame  # index key: _ATTRIBUTES of the order, None where unknown
    disputes: pd.DataFrame  # key, opened_at, flags, _ATTRIBUTES; left-out disputes dropped


_FLAGS = ["disputed", "counted", "logistics", "product", "customs"]


def _prepare(orders: pd.DataFrame, disputes: pd.DataFrame, exclude_personal: bool,
             exempt_platform_logistics: bool) -> _Prepared:
    o = _frame(orders, ORDER_COLUMNS, "orders")
    o_store, o_raw_id = _text(o["store_id"]), o["order_id"]
    o = pd.DataFrame({a: _or_none(_text(o[a])) for a in _ATTRIBUTES} | {
        "finished": _upper(_text(o["status"])) == "FINISH",
        "finished_at": _times(o["finished_at"]), "created_at": _times(o["created_at"]),
    }, index=o.index)
    o["country"] = _upper(o["country"].fillna("")).where(o["country"].notna(), None)
    when = o["finished_at"].fillna(o["created_at"] + AUTO_CONFIRM_APPROXIMATION)

    d = _frame(disputes, DISPUTE_COLUMNS, "disputes")
    family = _lower(_text(d["family"]))
    dropped = pd.Series(False, index=d.index)
    if exclude_personal:
        dropped |= _flags(d["personal_reason"]) & ~_arbitrated(d)
    if exempt_platform_logistics:
        dropped |= (family == "logistics") & (_lower(_text(d["service_kind"])) == "platform")
    d, family = d[~dropped], family[~dropped]
    d_store = _text(d["store_id"])
    live = _lower(_text(d["issue_status"])) != "canceled_issue"

    # One integer per (store_id, order_id), over orders and disputes together. Ids are
    # compared as text (``123``, ``123.0`` and ``"123"`` are one order), except when both
    # frames hold integer ids: then the integers are the same test, without making ten
    # million strings. The outcomes' ``order_id`` is then an integer (no figure reads it).
    stores = pd.concat([o_store, d_store], ignore_index=True)
    ids: Any
    if _integers(o_raw_id) and _integers(d["parent_order_id"]):
        ids = np.concatenate([o_raw_id.to_numpy(dtype="int64"),
                              d["parent_order_id"].to_numpy(dtype="int64")])
    else:
        order_key = _ids(d["parent_order_id"])
        d_id = order_key.where(order_key != "", "issue:" + _ids(d["issue_id"]))
        ids = pd.concat([_ids(o_raw_id), d_id], ignore_index=True)
    store_code, store_names = pd.factorize(stores)
    id_code, id_names = pd.factorize(ids)
    pair = store_code.astype("int64") * max(len(id_names), 1) + id_code
    key, pairs = pd.factorize(pair)
    keys = pd.DataFrame({"store_id": np.asarray(store_names, dtype=object)[
                            pairs // max(len(id_names), 1)],
                         "order_id": np.asarray(id_names)[pairs % max(len(id_names), 1)]})
    o_key, d_key = key[:len(o)], key[len(o):]

    # Row k holds key k's order facts (NaN for a key only disputes know): a window takes
    # its rows by position, no join.
    facts = (o[_ATTRIBUTES].assign(key=o_key).drop_duplicates("key").set_index("key")
             .reindex(pd.RangeIndex(len(pairs))))
    d = pd.DataFrame({
        "key": d_key,
        "opened_at": _times(d["created_at"]).array,  # .array: no alignment, stays UTC
        "disputed": True, "counted": live.to_numpy(),
        "logistics": (live & (family == "logistics")).to_numpy(),
        "product": (live & (family == "product")).to_numpy(),
        "customs": (live & _text(d["class"]).str.startswith("customs_")).to_numpy(),
        **{a: _or_none(_text(d[a])).to_numpy() for a in _ATTRIBUTES},
    })
    d["country"] = _upper(d["country"].fillna("")).where(d["country"].notna(), None)
    return _Prepared(
        orders=pd.DataFrame({"key": o_key,
                             "confirmed_at": when.where(o["finished"]).array}),
        keys=keys, facts=facts, disputes=d)


def _window(prepared: _Prepared, start: pd.Timestamp, end: pd.Timestamp,
            inclusive: _Inclusive) -> pd.DataFrame:
    """One row per order the rate counts in a window: confirmed received, disputed, or both.

    ``counted``: a dispute the buyer did not cancel (the numerator); ``logistics``,
    ``product``, ``customs``: such a dispute of that family (customs: a ``customs_*`` class).
    Disputed orders come first, in the order their first dispute appears, then the orders
    only confirmed, in order (what ``rate_by`` and ``lanes_to_change`` break ties by).
    """
    o = prepared.orders
    confirmed = pd.unique(o["key"][o["confirmed_at"].between(start, end,
                                                             inclusive=inclusive)].to_numpy())
    d = prepared.disputes
    d = d[d["opened_at"].between(start, end, inclusive=inclusive)]
    if d.empty:
        disputed = pd.DataFrame(columns=[*_FLAGS, *_ATTRIBUTES], index=pd.Index([], dtype="int64"))
    else:
        disputed = (d.groupby("key", sort=False)
                    .agg(**{f: (f, "any") for f in _FLAGS},
                         **{a: (a, "first") for a in _ATTRIBUTES}))
    keys = pd.unique(np.concatenate([disputed.index.to_numpy(dtype="int64"),
                                     confirmed.astype("int64")]))
    if not len(keys):
        return _empty(_OUTCOME_COLUMNS)
    frame = prepared.keys.iloc[keys].reset_index(drop=True)
    # ``keys`` starts with the disputed orders, in ``disputed``'s order; the rest are
    # orders only confirmed, with no dispute flag and no dispute attribute.
    only_confirmed = len(keys) - len(disputed)
    frame["confirmed"] = np.isin(keys, confirmed)
    for flag in _FLAGS:
        frame[flag] = np.concatenate([_flags(disputed[flag]).to_numpy(dtype=bool),
                                      np.zeros(only_confirmed, dtype=bool)])
    for attribute in _ATTRIBUTES:
        own = np.concatenate([disputed[attribute].to_numpy(dtype=object),
                              np.full(only_confirmed, None, dtype=object)])
        order = prepared.facts[attribute].to_numpy(dtype=object)[keys]
        frame[attribute] = np.where(pd.isna(own), order, own)  # the dispute's, else the order's
    return frame[_OUTCOME_COLUMNS]


def _rate_of(outcomes: pd.DataFrame) -> RateResult:
    opened = int(outcomes["disputed"].sum())
    numerator = int(outcomes["counted"].sum())
    denominator = len(outcomes)
    return RateResult(
        rate=numerator / denominator if denominator else None,
        numerator=numerator, denominator=denominator, opened=opened,
        cancelled=opened - numerator,
        confirmed=int((outcomes["confirmed"] & ~outcomes["disputed"]).sum()),
    )
