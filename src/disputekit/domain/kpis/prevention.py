"""Prevention: high-value unshipped orders to strict-customs countries, to contact the buyer
about before shipping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from disputekit.domain.kpis.frames import (
    ORDER_COLUMNS,
    _as_of,
    _empty,
    _flags,
    _frame,
    _ids,
    _money,
    _text,
    _times,
    _upper,
)

__all__ = ["DEFAULT_STRICT_CUSTOMS", "PREVENTION_COLUMNS", "UNSHIPPED_STATUSES", "StrictCustoms",
           "prevention_unshipped"]

PREVENTION_COLUMNS = ["store_id", "order_id", "created_at", "age_days", "country", "amount_usd",
                      "product_name", "tax_id", "threshold_usd", "reason"]

#: Paid orders still waiting for the seller to ship (AliExpress ``order_status``).
UNSHIPPED_STATUSES = frozenset({"WAIT_SELLER_SEND_GOODS", "SELLER_PART_SEND_GOODS",
                                "RISK_CONTROL"})


@dataclass(frozen=True)
class StrictCustoms:
    """A country whose customs holds parcels until the buyer gives an id or pays duty."""

    country: str  # ISO-2
    tax_id: str  # what the buyer must give customs
    threshold_usd: float  # contact the buyer before shipping an order worth at least this
    rule: str  # why, in one line, for the report


# The domain's prevention rule (shared/domain.md, `customs_buyer_no_docs`): parcels held at
# customs because the buyer gives no tax id or does not pay duty happen mostly on high-value
# orders, so the seller contacts those buyers *before shipping* and knows each country's
# duty threshold. These are countries whose customs clear a parcel only with the buyer's id
# number, with the value above which duty (or the id check) bites, as public customs and
# carrier notices put it in 2024-2026. They change often (Chile, Mexico and Turkey all did
# in 2025-2026): verify them, and pass your own table (``strict_countries=``) per store.
DEFAULT_STRICT_CUSTOMS: Mapping[str, StrictCustoms] = {
    c.country: c
    for c in (
        StrictCustoms("BR", "CPF", 50.0,
                      "Brazil: every parcel needs the buyer's CPF; import tax is 20 % up to "
                      "US$50 and 60 % above it (Remessa Conforme), plus state ICMS"),
        StrictCustoms("CL", "RUT", 41.0,
                      "Chile: customs needs the buyer's RUT; since 25 Oct 2025 every import "
                      "pays 19 % VAT (the US$41 exemption ended)"),
        StrictCustoms("KR", "PCCC", 150.0,
                      "South Korea: customs needs the buyer's PCCC (personal customs "
                      "clearance code) on every parcel; duty and VAT above US$150"),
        StrictCustoms("RU", "passport details and INN", 200.0,
                      "Russia: above EUR 200 a parcel pays 15 % duty on the excess and "
                      "customs asks the buyer for passport details and INN"),
        StrictCustoms("MX", "RFC (or CURP)", 50.0,
                      "Mexico: courier parcels from outside North America pay a 33.5 % flat "
                      "rate (since Aug 2025) and customs needs the buyer's RFC or CURP"),
        StrictCustoms("ZA", "SA ID or passport number", 30.0,
                      "South Africa: SARS holds parcels for duty and 15 % VAT and asks for "
                      "the buyer's ID number"),
        StrictCustoms("IL", "Israeli ID number (teudat zehut)", 75.0,
                      "Israel: VAT above US$75 (duty above US$500) and customs asks for the "
                      "buyer's ID number"),
        StrictCustoms("TR", "T.C. kimlik no (TCKN)", 30.0,
                      "Turkey: parcels from outside the EU pay 60 % and the small duty-free "
                      "allowance (EUR 30) is being removed; customs asks for the buyer's TCKN"),
    )
}


def prevention_unshipped(
    orders: pd.DataFrame, as_of: datetime,
    strict_countries: Mapping[str, StrictCustoms] = DEFAULT_STRICT_CUSTOMS,
    min_value_usd: float | None = None,
) -> pd.DataFrame:
    """Orders to contact the buyer about before shipping: high value, strict customs.

    Paid orders not shipped yet (``shipped`` false and ``status`` in
    :data:`UNSHIPPED_STATUSES`), created by ``as_of``, going to a country of
    ``strict_countries`` and worth at least its ``threshold_usd`` (or ``min_value_usd`` for
    every country, when given). ``reason`` says what to ask for and why. Sorted by value
    (highest first), then age (oldest first). Columns :data:`PREVENTION_COLUMNS`.
    """
    end = _as_of(as_of)
    o = _frame(orders, ORDER_COLUMNS, "orders")
    if o.empty:
        return _empty(PREVENTION_COLUMNS)
    o = o.assign(country=_upper(_text(o["country"])), created_at=_times(o["created_at"]))
    waiting = (~_flags(o["shipped"]) & _upper(_text(o["status"])).isin(UNSHIPPED_STATUSES)
               & o["country"].isin(list(strict_countries)) & (o["created_at"] <= end))
    o = o[waiting]
    if o.empty:
        return _empty(PREVENTION_COLUMNS)
    # The other columns only for the few orders kept (value by value, they are the cost).
    o = o.assign(
        amount_usd=_money(o["amount_usd"]),
        store_id=_text(o["store_id"]),
        order_id=_ids(o["order_id"]),
        product_name=_text(o["product_name"]),
    )
    rules = [strict_countries[c] for c in o["country"]]
    o = o.assign(
        tax_id=[r.tax_id for r in rules],
        threshold_usd=[float(min_value_usd) if min_value_usd is not None else r.threshold_usd
                       for r in rules],
        rule=[r.rule for r in rules],
        age_days=((end - o["created_at"]).dt.total_seconds() / 86400).astype(int),
    )
    o = o[o["amount_usd"] >= o["threshold_usd"]]
    if o.empty:
        return _empty(PREVENTION_COLUMNS)
    o = o.assign(reason=[
        f"contact the buyer before shipping: ask for their {tax_id} and warn about duty "
        f"(order US${amount:,.2f}, threshold US${threshold:,.0f}). {rule}"
        for tax_id, amount, threshold, rule in zip(o["tax_id"], o["amount_usd"],
                                                   o["threshold_usd"], o["rule"], strict=True)
    ])
    o = o.sort_values(["amount_usd", "created_at", "order_id"], ascending=[False, True, True])
    return o[PREVENTION_COLUMNS].reset_index(drop=True)
