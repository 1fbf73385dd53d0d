"""People: the buyers who dispute again and again, across stores."""

from __future__ import annotations

import pandas as pd

from disputekit.domain.kpis.frames import (
    DISPUTE_COLUMNS,
    _arbitrated,
    _empty,
    _frame,
    _money,
    _text,
    _times,
)
from disputekit.domain.taxonomy import DisputeClass

__all__ = ["ABUSIVE_COLUMNS", "abusive_buyers"]

ABUSIVE_COLUMNS = ["buyer", "disputes", "stores", "delivered_disputed", "extortion",
                   "deliberate_abuse", "arbitrated", "refunded", "last_opened"]


def abusive_buyers(disputes: pd.DataFrame, min_disputes: int = 3) -> pd.DataFrame:
    """Buyers who dispute again and again, across every store in ``disputes``.

    One row per ``buyer_login_id`` (as given: mask it before sharing) with at least
    ``min_disputes`` disputes: how many, in how many ``stores``, how many
    ``delivered_disputed`` (tracking says delivered), ``extortion`` and
    ``deliberate_abuse``, how many went to the platform (``arbitrated``), the money
    ``refunded`` to them and when they ``last_opened`` one. Sorted by disputes, stores,
    extortion (descending), then buyer. Columns :data:`ABUSIVE_COLUMNS`.
    """
    d = _frame(disputes, DISPUTE_COLUMNS, "disputes")
    d = d.assign(buyer=_text(d["buyer_login_id"]))
    d = d[d["buyer"] != ""]
    if d.empty:
        return _empty(ABUSIVE_COLUMNS)
    cls = _text(d["class"])
    d = d.assign(
        delivered_disputed=cls == DisputeClass.DELIVERED_DISPUTED.value,
        extortion=cls == DisputeClass.EXTORTION.value,
        deliberate_abuse=cls == DisputeClass.DELIBERATE_ABUSE.value,
        arbitrated=_arbitrated(d),
        refunded=_money(d["refund_usd"]),
        opened=_times(d["created_at"]),
        store=_text(d["store_id"]),
    )
    table = d.groupby("buyer").agg(
        disputes=("buyer", "size"), stores=("store", "nunique"),
        delivered_disputed=("delivered_disputed", "sum"), extortion=("extortion", "sum"),
        deliberate_abuse=("deliberate_abuse", "sum"), arbitrated=("arbitrated", "sum"),
        refunded=("refunded", "sum"), last_opened=("opened", "max"),
    ).reset_index()
    table = table[table["disputes"] >= min_disputes]
    if table.empty:
        return _empty(ABUSIVE_COLUMNS)
    counts = ["disputes", "stores", "delivered_disputed", "extortion", "deliberate_abuse",
              "arbitrated"]
    table = table.astype(dict.fromkeys(counts, int))
    table = table.sort_values(["disputes", "stores", "extortion", "buyer"],
                              ascending=[False, False, False, True])
    return table[ABUSIVE_COLUMNS].reset_index(drop=True)
