"""The numbers the team lead reads: dispute rate, where disputes come from, money, prevention.

Pure functions over pandas DataFrames (no I/O): the pipeline loads the frames, the reports
and charts read the results. Every function accepts empty frames (and frames without any
columns) and returns an empty frame with its documented columns; no rate is ever divided by
zero (``None`` in a :class:`RateResult`, ``NaN`` in a frame).

Input contracts (all times tz-aware UTC; naive times are read as UTC; extra columns are
ignored; a non-empty frame missing a column raises ``ValueError`` naming it, except the
informational ``reverse_detail_status`` and ``reached_type``, read as blank when absent):

``orders`` (:data:`ORDER_COLUMNS`)
    ``store_id, order_id, created_at, status`` (AliExpress ``order_status``: ``FINISH`` =
    receipt confirmed by the buyer or automatically), ``finished_at`` (when receipt was
    confirmed; may be NaT), ``country`` (ISO-2), ``carrier``, ``service_kind``
    (``registered|unregistered|platform|unknown``), ``product_id``, ``product_name``,
    ``amount_usd``, ``shipped`` (bool).
``disputes`` (:data:`DISPUTE_COLUMNS`)
    ``store_id, issue_id, parent_order_id, created_at, issue_status``
    (``processing|finish|canceled_issue``), ``reverse_detail_status``, ``reached_type``,
    ``arbitrated`` (bool: the platform ruled; ``reached_type == "platform_arbitrate"`` also
    counts), ``class`` (taxonomy code), ``family``
    (``logistics|product``), ``buyer_login_id, country, carrier, service_kind, product_id,
    product_name``, ``refund_usd`` (refunded to the buyer, 0 if nothing),
    ``personal_reason`` (bool); optional ``resend_usd`` (goods and freight sent again).
``claims`` (:data:`CLAIM_COLUMNS`)
    ``store_id, logistics_no, issue_id, class, status`` (``claims.ClaimStatus``),
    ``goods_amount, freight_amount, recovered_amount`` (numbers or ``Decimal``; the caller
    converts them to USD first, like ``refund_usd``).

The dispute rate follows reference §7.2 (republished, not the platform's own code): the
figure in Seller Center always wins; this one is an estimate to watch the trend and to find
where disputes come from.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from disputekit.domain.taxonomy import DisputeClass

__all__ = [
    "ABUSIVE_COLUMNS",
    "AUTO_CONFIRM_APPROXIMATION",
    "CLAIM_COLUMNS",
    "DEFAULT_STRICT_CUSTOMS",
    "DIMENSIONS",
    "DISPUTE_COLUMNS",
    "LANE_COLUMNS",
    "MONEY_COLUMNS",
    "ORDER_COLUMNS",
    "PREVENTION_COLUMNS",
    "TREND_COLUMNS",
    "UNSHIPPED_STATUSES",
    "WEEK_CHANGE_COLUMNS",
    "RateResult",
    "Rates",
    "StrictCustoms",
    "abusive_buyers",
    "dispute_rate",
    "lanes_to_change",
    "money_by_class",
    "prevention_unshipped",
    "rate_by",
    "rate_trend",
    "week_changes",
]

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

TREND_COLUMNS = ["period_start", "period_end", "rate", "numerator", "denominator"]
MONEY_COLUMNS = ["class", "family", "disputes", "refunded", "resent", "claims", "recovered",
                 "pending", "net_lost"]
ABUSIVE_COLUMNS = ["buyer", "disputes", "stores", "delivered_disputed", "extortion",
                   "deliberate_abuse", "arbitrated", "refunded", "last_opened"]
PREVENTION_COLUMNS = ["store_id", "order_id", "created_at", "age_days", "country", "amount_usd",
                      "product_name", "tax_id", "threshold_usd", "reason"]
LANE_COLUMNS = ["store_id", "carrier", "country", "service_kind", "orders", "disputes", "rate",
                "store_rate", "ratio", "suggestion"]
WEEK_CHANGE_COLUMNS = ["store_id", "this_week", "last_week", "change"]

#: Dimensions :func:`rate_by` can break the rate down by.
DIMENSIONS = ("carrier", "service_kind", "product_name", "product_id", "country")

#: A ``FINISH`` order synced without its receipt date is dated ``created_at`` plus this:
#: a documented approximation (typical delivery and confirmation time), not a platform rule.
AUTO_CONFIRM_APPROXIMATION = timedelta(days=20)

#: Paid orders still waiting for the seller to ship (AliExpress ``order_status``).
UNSHIPPED_STATUSES = frozenset({"WAIT_SELLER_SEND_GOODS", "SELLER_PART_SEND_GOODS",
                                "RISK_CONTROL"})

_KEY = ["store_id", "order_id"]
_ATTRIBUTES = ["carrier", "service_kind", "product_id", "product_name", "country"]
_OUTCOME_COLUMNS = [*_KEY, "confirmed", "disputed", "counted", "logistics", "product",
                    "customs", *_ATTRIBUTES]
_UNKNOWN = "unknown"
# informational in the contract; a frame without them is accepted (read as blank)
_OPTIONAL = frozenset({"reverse_detail_status", "reached_type"})
_OPEN_CLAIMS = frozenset({"due", "filed", "answered", "appealed"})
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


# --------------------------------------------------------------------------- the rate


class Rates:
    """The rate figures of one pair of frames, normalised once.

    Each module function (:func:`dispute_rate`, :func:`rate_trend`, :func:`rate_by`,
    :func:`lanes_to_change`) normalises ``orders`` and ``disputes`` (text, ids, times,
    flags) before counting, which is most of its time on big frames. A report asks for
    many figures of the same frames: build one ``Rates`` and ask it for each, and the
    frames are normalised once. Same figures as the functions, same arguments.

    >>> from datetime import UTC, datetime
    >>> rates = Rates(pd.DataFrame(), pd.DataFrame())  # a store with no order yet
    >>> now = datetime(2026, 11, 28, tzinfo=UTC)
    >>> rates.dispute_rate(now)  # nothing to divide by: no rate, not an error
    RateResult(rate=None, numerator=0, denominator=0, opened=0, cancelled=0, confirmed=0)
    >>> len(rates.trend(now, "W", 10))
    10
    """

    def __init__(self, orders: pd.DataFrame, disputes: pd.DataFrame, *,
                 exclude_personal: bool = False,
                 exempt_platform_logistics: bool = True) -> None:
        self._prepared = _prepare(orders, disputes, exclude_personal,
                                  exempt_platform_logistics)

    def dispute_rate(self, as_of: datetime, window_days: int = 30) -> RateResult:
        """As :func:`dispute_rate`."""
        end = _as_of(as_of)
        return _rate_of(_window(self._prepared, end - timedelta(days=window_days), end,
                                "right"))

    def trend(self, as_of: datetime, freq: Literal["W", "Q"] = "W",
              periods: int = 13) -> pd.DataFrame:
        """As :func:`rate_trend`."""
        return _trend(self._prepared, as_of, freq, periods)

    def by(self, as_of: datetime, dimension: str, window_days: int = 30,
           min_orders: int = 0) -> pd.DataFrame:
        """As :func:`rate_by`."""
        return _rate_by(self._prepared, as_of, dimension, window_days, min_orders)

    def lanes_to_change(
        self, as_of: datetime, window_days: int = 90, min_orders: int = 30,
        factor: float = 2.0, *,
        strict_countries: Mapping[str, StrictCustoms] = DEFAULT_STRICT_CUSTOMS,
    ) -> pd.DataFrame:
        """As :func:`lanes_to_change`."""
        return _lanes(self._prepared, as_of, window_days, min_orders, factor,
                      strict_countries)



def dispute_rate(
    orders: pd.DataFrame, disputes: pd.DataFrame, as_of: datetime, window_days: int = 30,
    exclude_personal: bool = False, *, exempt_platform_logistics: bool = True,
) -> RateResult:
    """The dispute rate of reference §7.2 over ``(as_of - window_days, as_of]``.

    ``(orders on which the buyer opened a dispute - disputes the buyer cancelled) /
    (orders confirmed received + auto-confirmed + orders with a dispute)``, with these
    approximations of what the platform counts on its own data:

    - *orders on which the buyer opened a dispute*: distinct ``(store_id,
      parent_order_id)`` of ``disputes`` whose ``created_at`` is in the window, whatever
      their status now (``opened``);
    - *disputes the buyer cancelled*: of those orders, the ones whose every dispute in the
      window is ``canceled_issue`` (``cancelled``). Counted per order, so the numerator is
      never negative, and a buyer who cancels and opens again still counts;
    - *orders confirmed received + auto-confirmed*: ``orders`` in ``FINISH`` whose
      ``finished_at`` is in the window; a ``FINISH`` order without ``finished_at`` is
      dated ``created_at`` + :data:`AUTO_CONFIRM_APPROXIMATION` (20 days). The platform
      does not tell confirmed from auto-confirmed apart here, and need not;
    - *orders with a dispute*: the same orders as the numerator's; an order both
      confirmed and disputed in the window counts once (``confirmed`` counts only the
      others), which errs towards a higher rate rather than a flattering one.

    Disputes left out before counting (as if never opened):

    - ``exclude_personal``: buyer-personal-reason disputes (``personal_reason``) that the
      platform did not arbitrate. Off by default: a rule excluding them was reported but not
      found (§7.2), and an arbitrated dispute counts whatever the verdict (domain.md);
    - ``exempt_platform_logistics``: logistics disputes on orders shipped with the
      platform's online logistics (``service_kind == "platform"``), which the platform
      handles and exempts (domain.md). On by default.
    """
    return Rates(orders, disputes, exclude_personal=exclude_personal,
                 exempt_platform_logistics=exempt_platform_logistics
                 ).dispute_rate(as_of, window_days)


def rate_trend(
    orders: pd.DataFrame, disputes: pd.DataFrame, as_of: datetime,
    freq: Literal["W", "Q"] = "W", periods: int = 13, *, exclude_personal: bool = False,
    exempt_platform_logistics: bool = True,
) -> pd.DataFrame:
    """The rate per calendar week (Monday 00:00 UTC) or quarter, oldest first.

    The platform assesses the rate quarterly; weeks show a change early. Each period
    ``[period_start, period_end)`` is counted like :func:`dispute_rate`'s window; the last
    one is the current period, cut at ``as_of`` (``period_end == as_of``, included). Always
    ``periods`` rows: a period with no outcome has ``rate`` NaN and zero counts.
    Columns :data:`TREND_COLUMNS`.
    """
    return Rates(orders, disputes, exclude_personal=exclude_personal,
                 exempt_platform_logistics=exempt_platform_logistics
                 ).trend(as_of, freq, periods)


def _trend(prepared: _Prepared, as_of: datetime, freq: Literal["W", "Q"],
           periods: int) -> pd.DataFrame:
    if periods < 1:
        raise ValueError(f"periods must be at least 1, not {periods}")
    end = _as_of(as_of)
    if freq == "W":
        day = end.normalize()
        current = day - timedelta(days=day.weekday())
        starts = [current - timedelta(weeks=k) for k in range(periods - 1, -1, -1)]
        step: Any = timedelta(weeks=1)
    elif freq == "Q":
        current = pd.Timestamp(year=end.year, month=3 * ((end.month - 1) // 3) + 1, day=1,
                               tz="UTC")
        starts = [current - pd.DateOffset(months=3 * k) for k in range(periods - 1, -1, -1)]
        step = pd.DateOffset(months=3)
    else:
        raise ValueError(f"freq must be 'W' (weeks) or 'Q' (quarters), not {freq!r}")
    rows = []
    for period_start in starts:
        period_end = period_start + step
        inclusive: _Inclusive = "left"
        if period_end > end:
            period_end, inclusive = end, "both"
        result = _rate_of(_window(prepared, period_start, period_end, inclusive))
        rows.append({"period_start": period_start, "period_end": period_end,
                     "rate": _nan(result.rate), "numerator": result.numerator,
                     "denominator": result.denominator})
    trend = pd.DataFrame(rows, columns=TREND_COLUMNS)
    trend.attrs["freq"] = freq
    return trend


def rate_by(
    orders: pd.DataFrame, disputes: pd.DataFrame, as_of: datetime, dimension: str,
    window_days: int = 30, min_orders: int = 0, *, exclude_personal: bool = False,
    exempt_platform_logistics: bool = True,
) -> pd.DataFrame:
    """The rate broken down by ``dimension`` (one of :data:`DIMENSIONS`).

    Columns ``[dimension, "orders", "disputes", "rate"]``: ``orders`` is the rate's
    denominator for that value (always shown: 1 dispute in 2 orders is not a finding),
    ``disputes`` its numerator, counted as in :func:`dispute_rate`. A disputed order takes
    the dispute's own carrier, country and product (the order's when the dispute has none);
    missing values read ``"unknown"``. Values behind fewer than ``min_orders`` orders are
    left out. Sorted by rate, then orders, both descending.
    """
    return Rates(orders, disputes, exclude_personal=exclude_personal,
                 exempt_platform_logistics=exempt_platform_logistics
                 ).by(as_of, dimension, window_days, min_orders)


def _rate_by(prepared: _Prepared, as_of: datetime, dimension: str, window_days: int,
             min_orders: int) -> pd.DataFrame:
    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension must be one of {', '.join(DIMENSIONS)}, not {dimension!r}")
    end = _as_of(as_of)
    outcomes = _window(prepared, end - timedelta(days=window_days), end, "right")
    columns = [dimension, "orders", "disputes", "rate"]
    if outcomes.empty:
        return _empty(columns)
    table = (outcomes.assign(**{dimension: _labels(outcomes[dimension])})
             .groupby(dimension, sort=False)
             .agg(orders=("counted", "size"), disputes=("counted", "sum"))
             .reset_index())
    table = table[table["orders"] >= max(min_orders, 1)]
    table = table.assign(orders=table["orders"].astype(int),
                         disputes=table["disputes"].astype(int),
                         rate=table["disputes"] / table["orders"])
    table = table.sort_values(["rate", "orders", dimension], ascending=[False, False, True])
    return table[columns].reset_index(drop=True)


def lanes_to_change(
    orders: pd.DataFrame, disputes: pd.DataFrame, as_of: datetime, window_days: int = 90,
    min_orders: int = 30, factor: float = 2.0, *, exclude_personal: bool = False,
    exempt_platform_logistics: bool = True,
    strict_countries: Mapping[str, StrictCustoms] = DEFAULT_STRICT_CUSTOMS,
) -> pd.DataFrame:
    """Lanes (carrier x destination country) disputed at least ``factor`` x their store's rate.

    Both rates are counted as in :func:`dispute_rate` over ``window_days``; a lane needs at
    least ``min_orders`` orders behind it and one counted dispute. ``service_kind`` is the
    lane's commonest; ``suggestion`` says what to change: unregistered post to registered or
    platform logistics, registered to platform logistics (its logistics disputes are handled
    and exempted), nothing about the carrier when the lane's disputes are mostly about the
    product; customs holds in a strict-customs country add the tax id to ask for.
    Columns :data:`LANE_COLUMNS`, sorted by ``ratio`` then orders, descending.
    """
    return Rates(orders, disputes, exclude_personal=exclude_personal,
                 exempt_platform_logistics=exempt_platform_logistics
                 ).lanes_to_change(as_of, window_days, min_orders, factor,
                                   strict_countries=strict_countries)


def _lanes(prepared: _Prepared, as_of: datetime, window_days: int, min_orders: int,
           factor: float, strict_countries: Mapping[str, StrictCustoms]) -> pd.DataFrame:
    end = _as_of(as_of)
    outcomes = _window(prepared, end - timedelta(days=window_days), end, "right")
    if outcomes.empty:
        return _empty(LANE_COLUMNS)
    outcomes = outcomes.assign(carrier=_labels(outcomes["carrier"]),
                               country=_labels(outcomes["country"]),
                               service_kind=_labels(outcomes["service_kind"]))
    stores = outcomes.groupby("store_id")["counted"].agg(["sum", "size"])
    store_rate = stores["sum"] / stores["size"]
    lane = ["store_id", "carrier", "country"]
    lanes = (outcomes.groupby(lane, sort=False)
             .agg(orders=("counted", "size"), disputes=("counted", "sum"),
                  logistics=("logistics", "sum"), product=("product", "sum"),
                  customs=("customs", "sum"))
             .reset_index())
    # Each lane's commonest service kind, ties to the one seen first (as value_counts):
    # counted for every lane at once, not one small value_counts per lane.
    kinds = (outcomes.groupby([*lane, "service_kind"], sort=False).size()
             .reset_index(name="n").sort_values("n", ascending=False, kind="stable")
             .drop_duplicates(lane))
    lanes = lanes.merge(kinds[[*lane, "service_kind"]], on=lane, how="left")
    lanes["store_rate"] = lanes["store_id"].map(store_rate).astype(float)
    lanes["rate"] = lanes["disputes"] / lanes["orders"]
    chosen = lanes[(lanes["orders"] >= min_orders) & (lanes["disputes"] > 0)
                   & (lanes["store_rate"] > 0)
                   & (lanes["rate"] >= factor * lanes["store_rate"])].copy()
    if chosen.empty:
        return _empty(LANE_COLUMNS)
    chosen["ratio"] = chosen["rate"] / chosen["store_rate"]
    chosen["suggestion"] = [_lane_suggestion(row, strict_countries)
                            for row in chosen.to_dict("records")]
    chosen = chosen.astype({"orders": int, "disputes": int})
    chosen = chosen.sort_values(["ratio", "orders", "store_id", "carrier", "country"],
                                ascending=[False, False, True, True, True])
    return chosen[LANE_COLUMNS].reset_index(drop=True)


def week_changes(current: Mapping[str, float | None],
                 previous: Mapping[str, float | None]) -> pd.DataFrame:
    """The portfolio view: each store's value this week, last week, and the change.

    Every store in either mapping gets a row; a missing or ``None`` value is NaN and so is
    the change it makes. Sorted by change, worst (largest rise) first, unknown changes
    last, then by store. Columns :data:`WEEK_CHANGE_COLUMNS`.
    """
    stores = sorted(set(current) | set(previous))
    if not stores:
        return _empty(WEEK_CHANGE_COLUMNS)
    table = pd.DataFrame({
        "store_id": stores,
        "this_week": [_nan(current.get(s)) for s in stores],
        "last_week": [_nan(previous.get(s)) for s in stores],
    })
    table["change"] = table["this_week"] - table["last_week"]
    table = table.sort_values(["change", "store_id"], ascending=[False, True],
                              na_position="last")
    return table[WEEK_CHANGE_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------- money, buyers


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


# --------------------------------------------------------------------------- prevention


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


# --------------------------------------------------------------------------- internals


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


def _lane_suggestion(lane: Mapping[str, Any], strict: Mapping[str, StrictCustoms]) -> str:
    carrier, country, kind = lane["carrier"], lane["country"], lane["service_kind"]
    if lane["product"] > lane["logistics"]:
        text = (f"mostly product disputes: changing carrier will not help; check the listings "
                f"and quality of what sells to {country}")
    elif kind == "unregistered":
        text = (f"switch {carrier} to {country} to registered shipping or the platform's "
                "online logistics: unregistered post has no tracking to defend a dispute with")
    elif kind == "registered":
        text = (f"try the platform's online logistics to {country} instead of {carrier}: the "
                "platform handles its logistics disputes and exempts them from the rate")
    elif kind == "platform":
        text = (f"already on the platform's online logistics to {country}: check that its "
                "logistics disputes were exempted, and what else goes wrong on this lane")
    else:
        text = (f"find out which service {carrier} is (add it to carriers.py); prefer "
                f"registered or platform logistics to {country}")
    if lane["customs"] and country in strict:
        text += (f"; {int(lane['customs'])} customs hold(s): ask buyers for their "
                 f"{strict[country].tax_id} before shipping")
    return text


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
