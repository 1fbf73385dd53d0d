"""Money: what disputes cost in refunds and resends, and what carrier claims won back."""

from __future__ import annotations

import pandas as pd

from disputekit.domain.kpis.frames import (
    CLAIM_COLUMNS,
    DISPUTE_COLUMNS,
    _empty,
    _family,
    _frame,
    _ids,
    _labels,
    _money,
    _text,
)

__all__ = ["MONEY_COLUMNS", "money_by_class"]

MONEY_COLUMNS = ["class", "family", "disputes", "refunded", "resent", "claims", "recovered",
                 "pending", "net_lost"]
_OPEN_CLAIMS = frozenset({"due", "filed", "answered", "appealed"})


def money_by_class(disputes: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """Money lost to refunds and won back from carriers, per dispute class, plus a total row.

    ``disputes`` and ``refunded`` (sum of ``refund_usd``) come from ``disputes``; ``claims``
    (count), ``recovered`` (``recovered_amount`` received) and ``pending`` (goods + freight
    of claims still ``due|filed|answered|appealed``) from ``claims``, whose class is taken
    from the dispute (``store_id, issue_id``) when the claim has none. ``net_lost =
    refunded - recovered``. Classes sorted by net loss, descending; the last row is
    ``class == "total"``. Columns :data:`MONEY_COLUMNS`.
    """
    d = _frame(disputes, DISPUTE_COLUMNS, "disputes")
    c = _frame(claims, CLAIM_COLUMNS, "claims")
    if d.empty and c.empty:
        return _empty(MONEY_COLUMNS)
    # ``resend_usd`` (optional): goods and freight sent again, also money the dispute cost.
    resend = _money(d["resend_usd"]) if "resend_usd" in d else pd.Series(0.0, index=d.index)
    d = d.assign(cls=_labels(d["class"]), refund=_money(d["refund_usd"]), resend=resend)
    per_dispute = (d.groupby("cls").agg(disputes=("cls", "size"), refunded=("refund", "sum"),
                                        resent=("resend", "sum"))
                   if not d.empty else pd.DataFrame(columns=["disputes", "refunded", "resent"]))
    if not c.empty:
        known = dict(zip(zip(_text(d["store_id"]), _ids(d["issue_id"]), strict=True),
                         d["cls"], strict=True))
        own = _text(c["class"])
        from_dispute = pd.Series([known.get(k, "") for k in zip(
            _text(c["store_id"]), _ids(c["issue_id"]), strict=True)], index=c.index)
        c = c.assign(
            cls=_labels(own.where(own != "", from_dispute)),
            recovered=_money(c["recovered_amount"]),
            pending=(_money(c["goods_amount"]) + _money(c["freight_amount"])).where(
                _text(c["status"]).str.lower().isin(_OPEN_CLAIMS), 0.0),
        )
        per_claim = c.groupby("cls").agg(claims=("cls", "size"), recovered=("recovered", "sum"),
                                         pending=("pending", "sum"))
    else:
        per_claim = pd.DataFrame(columns=["claims", "recovered", "pending"])
    table = per_dispute.join(per_claim, how="outer")
    table.index.name = "class"
    table = table.reset_index()
    for column in ("disputes", "claims"):
        table[column] = pd.to_numeric(table[column]).fillna(0).astype(int)
    for column in ("refunded", "resent", "recovered", "pending"):
        table[column] = pd.to_numeric(table[column]).fillna(0.0).astype(float)
    table["net_lost"] = table["refunded"] + table["resent"] - table["recovered"]
    table["family"] = [_family(code) for code in table["class"]]
    table = table.sort_values(["net_lost", "disputes", "class"], ascending=[False, False, True])
    total = {"class": "total", "family": "",
             **{col: table[col].sum() for col in MONEY_COLUMNS[2:]}}
    table = pd.concat([table[MONEY_COLUMNS], pd.DataFrame([total])], ignore_index=True)
    return table.astype({"disputes": int, "claims": int})[MONEY_COLUMNS]
