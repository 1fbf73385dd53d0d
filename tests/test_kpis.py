"""KPIs over small hand-built frames: every expected number is worked out by hand here."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from disputekit.domain.kpis import (
    ABUSIVE_COLUMNS,
    DEFAULT_STRICT_CUSTOMS,
    LANE_COLUMNS,
    MONEY_COLUMNS,
    PREVENTION_COLUMNS,
    TREND_COLUMNS,
    WEEK_CHANGE_COLUMNS,
    RateResult,
    StrictCustoms,
    abusive_buyers,
    dispute_rate,
    lanes_to_change,
    money_by_class,
    prevention_unshipped,
    rate_by,
    rate_trend,
    week_changes,
)

AS_OF = datetime(2026, 7, 1, 12, tzinfo=UTC)  # a Wednesday
DAY = timedelta(days=1)
_ids = iter(range(10_000, 1_000_000))


def order(**kw: Any) -> dict[str, Any]:
    """A FINISH order confirmed 3 days before AS_OF, unless told otherwise."""
    row: dict[str, Any] = dict(
        store_id="s1", order_id=next(_ids), created_at=AS_OF - 25 * DAY, status="FINISH",
        finished_at=AS_OF - 3 * DAY, country="BR", carrier="Yanwen",
        service_kind="registered", product_id="p1", product_name="Drill", amount_usd=20.0,
        shipped=True)
    row.update(kw)
    return row


def dispute(parent_order_id: Any, **kw: Any) -> dict[str, Any]:
    """A processing logistics dispute opened 5 days before AS_OF."""
    row: dict[str, Any] = {
        "store_id": "s1", "issue_id": next(_ids), "parent_order_id": parent_order_id,
        "created_at": AS_OF - 5 * DAY, "issue_status": "processing",
        "reverse_detail_status": "wait_for_seller_response", "reached_type": "",
        "arbitrated": False, "class": "stalled_in_transit", "family": "logistics",
        "buyer_login_id": "buyer1", "country": "BR", "carrier": "Yanwen",
        "service_kind": "registered", "product_id": "p1", "product_name": "Drill",
        "refund_usd": 0.0, "personal_reason": False}
    row.update(kw)
    return row


def in_issue(**kw: Any) -> dict[str, Any]:
    """An order under dispute: not finished, so it counts only through its dispute."""
    return order(status="IN_ISSUE", finished_at=pd.NaT, **kw)


def frames(orders: list[dict[str, Any]], disputes: list[dict[str, Any]]
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.DataFrame(orders), pd.DataFrame(disputes)


def claim(issue_id: Any, status: str, cls: str | None, goods: Any, freight: Any,
          recovered: Any = 0) -> dict[str, Any]:
    return {"store_id": "s1", "logistics_no": f"LP{next(_ids)}", "issue_id": issue_id,
            "class": cls, "status": status, "goods_amount": goods,
            "freight_amount": freight, "recovered_amount": recovered}


# --------------------------------------------------------------------------- dispute_rate


def test_formula_opened_minus_cancelled_over_confirmed_plus_disputed() -> None:
    # 40 orders confirmed received, 3 other orders disputed, 1 of those disputes cancelled
    disputed = [in_issue() for _ in range(3)]
    orders, disputes = frames(
        [order() for _ in range(40)] + disputed,
        [dispute(disputed[0]["order_id"]), dispute(disputed[1]["order_id"]),
         dispute(disputed[2]["order_id"], issue_status="canceled_issue")])
    result = dispute_rate(orders, disputes, AS_OF)
    assert result == RateResult(rate=(3 - 1) / (40 + 3), numerator=2, denominator=43,
                                opened=3, cancelled=1, confirmed=40)


def test_window_is_the_last_30_days() -> None:
    orders, disputes = frames(
        [order(), order(),  # confirmed 3 days ago: in
         order(finished_at=AS_OF - 31 * DAY),  # confirmed 31 days ago: out
         order(finished_at=AS_OF - 30 * DAY),  # exactly 30 days: out, window is (as_of-30, as_of]
         order(finished_at=pd.NaT, created_at=AS_OF - 35 * DAY),  # ~finished 15 days ago: in
         order(finished_at=pd.NaT, created_at=AS_OF - 5 * DAY),  # ~finishes in 15 days: out
         order(status="WAIT_BUYER_ACCEPT_GOODS", finished_at=pd.NaT),  # not confirmed: out
         order(finished_at=AS_OF + DAY)],  # after as_of: out
        [dispute("d-in", created_at=AS_OF - 29 * DAY),
         dispute("d-old", created_at=AS_OF - 31 * DAY),
         dispute("d-now", created_at=AS_OF)])
    result = dispute_rate(orders, disputes, AS_OF)
    # numerator: d-in, d-now; denominator: 3 confirmed + 2 disputed
    assert (result.numerator, result.denominator, result.confirmed) == (2, 5, 3)
    assert result.rate == pytest.approx(2 / 5)
    # a 60-day window takes the 31-day-old dispute and confirmations in too
    wide = dispute_rate(orders, disputes, AS_OF, window_days=60)
    assert (wide.numerator, wide.denominator) == (3, 3 + 2 + 3)


def test_an_order_confirmed_and_disputed_counts_once() -> None:
    both = order(order_id=123)
    orders, disputes = frames([both, order(), order()],
                              [dispute("123")])  # same order, id given as text
    result = dispute_rate(orders, disputes, AS_OF)
    assert (result.numerator, result.denominator, result.confirmed, result.opened) == (1, 3, 2, 1)


def test_cancellations_are_counted_per_order() -> None:
    reopened, cancelled_twice = in_issue(), in_issue()
    orders, disputes = frames(
        [order(), order(), reopened, cancelled_twice],
        [dispute(reopened["order_id"], issue_status="canceled_issue", created_at=AS_OF - 9 * DAY),
         dispute(reopened["order_id"]),  # opened again, still open: the order counts
         dispute(cancelled_twice["order_id"], issue_status="canceled_issue"),
         dispute(cancelled_twice["order_id"], issue_status="canceled_issue")])
    result = dispute_rate(orders, disputes, AS_OF)
    assert (result.opened, result.cancelled, result.numerator, result.denominator) == (2, 1, 1, 4)


def test_exclude_personal_drops_unarbitrated_personal_reason_disputes() -> None:
    a, b, c = in_issue(), in_issue(), in_issue()
    orders, disputes = frames(
        [order() for _ in range(7)] + [a, b, c],
        [dispute(a["order_id"], personal_reason=True),  # settled between buyer and seller
         dispute(b["order_id"], personal_reason=True, arbitrated=True),  # counts regardless
         dispute(c["order_id"])])
    assert dispute_rate(orders, disputes, AS_OF).rate == pytest.approx(3 / 10)
    excluded = dispute_rate(orders, disputes, AS_OF, exclude_personal=True)
    # as if a's dispute never happened: a is not confirmed, so it leaves the denominator too
    assert (excluded.numerator, excluded.denominator) == (2, 9)


def test_a_platform_ruling_in_reached_type_also_keeps_a_personal_dispute() -> None:
    a = in_issue()
    orders, disputes = frames([order(), a], [dispute(a["order_id"], personal_reason=True,
                                                     reached_type="platform_arbitrate")])
    assert dispute_rate(orders, disputes, AS_OF, exclude_personal=True).numerator == 1
    # the informational columns may be absent
    bare = disputes.drop(columns=["reached_type", "reverse_detail_status"])
    assert dispute_rate(orders, bare, AS_OF, exclude_personal=True).numerator == 0


def test_platform_logistics_disputes_are_exempt_by_default() -> None:
    a, b = in_issue(service_kind="platform"), in_issue(service_kind="platform")
    orders, disputes = frames(
        [order() for _ in range(8)] + [a, b],
        [dispute(a["order_id"], service_kind="platform"),  # logistics: exempt
         dispute(b["order_id"], service_kind="platform", family="product",
                 **{"class": "genuine_defect"})])  # product: counts
    exempt = dispute_rate(orders, disputes, AS_OF)
    assert (exempt.numerator, exempt.denominator) == (1, 9)
    literal = dispute_rate(orders, disputes, AS_OF, exempt_platform_logistics=False)
    assert (literal.numerator, literal.denominator) == (2, 10)


def test_empty_inputs_give_no_rate_rather_than_a_division_by_zero() -> None:
    empty = dispute_rate(pd.DataFrame(), pd.DataFrame(), AS_OF)
    assert empty == RateResult(rate=None, numerator=0, denominator=0, opened=0, cancelled=0)
    columns_only = pd.DataFrame(columns=list(order()))
    assert dispute_rate(columns_only, pd.DataFrame(), AS_OF).rate is None
    # orders exist but none finished in the window
    stale = pd.DataFrame([order(finished_at=AS_OF - 90 * DAY)])
    assert dispute_rate(stale, pd.DataFrame(), AS_OF).denominator == 0


def test_bad_inputs_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        dispute_rate(pd.DataFrame(), pd.DataFrame(), datetime(2026, 7, 1))
    with pytest.raises(ValueError, match="finished_at"):
        dispute_rate(pd.DataFrame([order()]).drop(columns="finished_at"), pd.DataFrame(), AS_OF)


# --------------------------------------------------------------------------- rate_trend


def test_weekly_trend_uses_calendar_weeks_and_cuts_the_last_at_as_of() -> None:
    monday = datetime(2026, 6, 29, tzinfo=UTC)
    assert monday.weekday() == 0 and AS_OF - monday < 7 * DAY
    early = [in_issue() for _ in range(1)]
    rows = (
        # week of 15 June: 9 confirmed + 1 dispute -> 1/10
        [order(finished_at=datetime(2026, 6, 16, tzinfo=UTC)) for _ in range(9)] + early
        # week of 22 June: 4 confirmed, one of them at 00:00 Monday -> 0/4
        + [order(finished_at=datetime(2026, 6, 22, tzinfo=UTC))]
        + [order(finished_at=datetime(2026, 6, 25, tzinfo=UTC)) for _ in range(3)]
        # week of 29 June (until AS_OF): 1 confirmed at 00:00 Monday + 1 dispute at AS_OF -> 1/2
        + [order(finished_at=monday), order(finished_at=AS_OF + DAY)]
    )
    disputes = [dispute(early[0]["order_id"], created_at=datetime(2026, 6, 18, tzinfo=UTC)),
                dispute("late", created_at=AS_OF),
                dispute("future", created_at=AS_OF + timedelta(hours=1))]
    trend = rate_trend(pd.DataFrame(rows), pd.DataFrame(disputes), AS_OF, freq="W", periods=3)
    assert list(trend.columns) == TREND_COLUMNS
    assert list(trend["period_start"]) == [pd.Timestamp(d, tz="UTC") for d in
                                           ("2026-06-15", "2026-06-22", "2026-06-29")]
    assert list(trend["period_end"])[-1] == pd.Timestamp(AS_OF)
    assert list(trend["numerator"]) == [1, 0, 1]
    assert list(trend["denominator"]) == [10, 4, 2]
    assert list(trend["rate"]) == pytest.approx([0.1, 0.0, 0.5])


def test_quarterly_trend_follows_calendar_quarters() -> None:
    as_of = datetime(2026, 5, 15, tzinfo=UTC)
    a = in_issue()
    orders = [order(finished_at=datetime(2026, 2, 1, tzinfo=UTC)) for _ in range(3)] + [
        order(finished_at=datetime(2026, 4, 1, tzinfo=UTC)), a]
    disputes = [dispute(a["order_id"], created_at=datetime(2026, 3, 31, 23, tzinfo=UTC))]
    trend = rate_trend(pd.DataFrame(orders), pd.DataFrame(disputes), as_of, freq="Q",
                       periods=3)
    assert [str(s.date()) for s in trend["period_start"]] == [
        "2025-10-01", "2026-01-01", "2026-04-01"]
    assert list(trend["denominator"]) == [0, 4, 1]
    assert list(trend["numerator"]) == [0, 1, 0]
    assert math.isnan(trend["rate"].iloc[0])
    assert trend["rate"].iloc[1] == pytest.approx(1 / 4)


def test_trend_of_nothing_has_its_periods_and_no_rates() -> None:
    trend = rate_trend(pd.DataFrame(), pd.DataFrame(), AS_OF, freq="W", periods=4)
    assert len(trend) == 4 and trend["rate"].isna().all()
    assert list(trend["denominator"]) == [0, 0, 0, 0]
    with pytest.raises(ValueError, match="freq"):
        rate_trend(pd.DataFrame(), pd.DataFrame(), AS_OF, freq="M", periods=4)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="periods"):
        rate_trend(pd.DataFrame(), pd.DataFrame(), AS_OF, periods=0)


# --------------------------------------------------------------------------- rate_by


def _by_dimension_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    yanwen = [in_issue(carrier="Yanwen") for _ in range(2)]
    cpam = [in_issue(carrier="China Post")]
    orders = ([order(carrier="Yanwen") for _ in range(8)]  # Yanwen: 8 + 2 disputed
              + [order(carrier="China Post") for _ in range(19)]  # China Post: 19 + 1
              + [order(carrier=None)]  # unknown: 1 confirmed
              + yanwen + cpam)
    disputes = [dispute(yanwen[0]["order_id"], carrier="Yanwen"),
                dispute(yanwen[1]["order_id"], carrier="Yanwen"),
                dispute(cpam[0]["order_id"], carrier=""),  # the order's carrier fills in
                dispute("orphan", carrier="Yanwen", issue_status="canceled_issue")]
    return pd.DataFrame(orders), pd.DataFrame(disputes)


def test_rate_by_carrier_shows_the_orders_behind_each_rate() -> None:
    orders, disputes = _by_dimension_frames()
    table = rate_by(orders, disputes, AS_OF, "carrier")
    assert list(table.columns) == ["carrier", "orders", "disputes", "rate"]
    rows = {r["carrier"]: (r["orders"], r["disputes"]) for r in table.to_dict("records")}
    # Yanwen: 8 confirmed + 2 disputed + 1 cancelled = 11 orders, 2 counted disputes
    assert rows == {"Yanwen": (11, 2), "China Post": (20, 1), "unknown": (1, 0)}
    assert list(table["carrier"]) == ["Yanwen", "China Post", "unknown"]  # rate descending
    assert table["rate"].iloc[0] == pytest.approx(2 / 11)
    # the rates add up to the store's rate
    assert table["disputes"].sum() / table["orders"].sum() == pytest.approx(
        dispute_rate(orders, disputes, AS_OF).rate)


def test_rate_by_min_orders_and_ties() -> None:
    orders, disputes = _by_dimension_frames()
    assert list(rate_by(orders, disputes, AS_OF, "carrier", min_orders=12)["carrier"]) == [
        "China Post"]
    same = pd.DataFrame([order(country="CL") for _ in range(3)]
                        + [order(country="KR") for _ in range(5)])
    table = rate_by(same, pd.DataFrame(), AS_OF, "country")
    assert list(table["country"]) == ["KR", "CL"]  # both 0 %: more orders first


def test_rate_by_other_dimensions_and_bad_dimension() -> None:
    a = in_issue(service_kind="unregistered", product_name="Saw")
    orders = pd.DataFrame([order(), order(service_kind="unregistered", product_name="Saw"), a])
    disputes = pd.DataFrame([dispute(a["order_id"], service_kind="unregistered",
                                     product_name="Saw")])
    kinds = rate_by(orders, disputes, AS_OF, "service_kind")
    assert kinds.to_dict("records")[0] == {"service_kind": "unregistered", "orders": 2,
                                           "disputes": 1, "rate": 0.5}
    assert list(rate_by(orders, disputes, AS_OF, "product_name")["product_name"]) == [
        "Saw", "Drill"]
    with pytest.raises(ValueError, match="dimension"):
        rate_by(orders, disputes, AS_OF, "buyer")
    empty = rate_by(pd.DataFrame(), pd.DataFrame(), AS_OF, "country")
    assert empty.empty and list(empty.columns) == ["country", "orders", "disputes", "rate"]


# --------------------------------------------------------------------------- money


def test_money_by_class_refunded_recovered_net_and_total() -> None:
    disputes = pd.DataFrame([
        dispute("o1", issue_id=1, refund_usd=30.0),  # stalled, refunded 30
        dispute("o2", issue_id=2, refund_usd=20.0),  # stalled, refunded 20
        dispute("o3", issue_id=3, refund_usd=12.5, family="product",
                **{"class": "genuine_defect"}),
        dispute("o4", issue_id=4, refund_usd=None, **{"class": "lost"}),
    ])
    claims = pd.DataFrame([
        claim(1, "recovered", None, Decimal("20.00"), Decimal("5.00"), Decimal("25.00")),
        claim(2, "filed", "stalled_in_transit", Decimal("15.00"), Decimal("4.00")),
        claim(4, "refused", None, 10, 2),
    ])
    table = money_by_class(disputes, claims)
    assert list(table.columns) == MONEY_COLUMNS
    rows = {r["class"]: r for r in table.to_dict("records")}
    stalled = rows["stalled_in_transit"]
    assert (stalled["disputes"], stalled["refunded"], stalled["claims"], stalled["recovered"],
            stalled["pending"], stalled["net_lost"]) == (2, 50.0, 2, 25.0, 19.0, 25.0)
    assert stalled["family"] == "logistics"
    assert (rows["genuine_defect"]["net_lost"], rows["genuine_defect"]["family"]) == (
        12.5, "product")
    assert (rows["lost"]["claims"], rows["lost"]["net_lost"], rows["lost"]["pending"]) == (
        1, 0.0, 0.0)
    total = table.iloc[-1]
    assert total["class"] == "total"
    assert (total["disputes"], total["refunded"], total["recovered"], total["pending"],
            total["net_lost"]) == (4, 62.5, 25.0, 19.0, 37.5)
    assert list(table["class"][:-1]) == ["stalled_in_transit", "genuine_defect", "lost"]


def test_money_with_only_one_side_or_nothing() -> None:
    only_claims = money_by_class(pd.DataFrame(),
                                 pd.DataFrame([claim(9, "recovered", "lost", 8, 2, 10)]))
    assert only_claims.iloc[-1]["recovered"] == 10.0
    assert only_claims.iloc[-1]["net_lost"] == -10.0
    only_disputes = money_by_class(pd.DataFrame([dispute("o", refund_usd=5.0)]), pd.DataFrame())
    assert list(only_disputes["class"]) == ["stalled_in_transit", "total"]
    empty = money_by_class(pd.DataFrame(), pd.DataFrame())
    assert empty.empty and list(empty.columns) == MONEY_COLUMNS


# --------------------------------------------------------------------------- buyers


def test_abusive_buyers_across_stores() -> None:
    disputes = pd.DataFrame(
        [dispute("a1", buyer_login_id="serial", store_id="s1",
                 **{"class": "delivered_disputed"}, refund_usd=10.0),
         dispute("a2", buyer_login_id="serial", store_id="s2", **{"class": "extortion"},
                 family="product", arbitrated=True, created_at=AS_OF - DAY),
         dispute("a3", buyer_login_id="serial", store_id="s2",
                 **{"class": "delivered_disputed"}, refund_usd=5.0),
         dispute("a4", buyer_login_id="serial", store_id="s1")]
        + [dispute(f"b{i}", buyer_login_id="regular") for i in range(3)]
        + [dispute(f"c{i}", buyer_login_id="twice") for i in range(2)]
        + [dispute(f"d{i}", buyer_login_id="") for i in range(5)])  # unknown buyer: skipped
    table = abusive_buyers(disputes)
    assert list(table.columns) == ABUSIVE_COLUMNS
    assert list(table["buyer"]) == ["serial", "regular"]
    serial = table.iloc[0]
    assert (serial["disputes"], serial["stores"], serial["delivered_disputed"],
            serial["extortion"], serial["arbitrated"], serial["refunded"]) == (
        4, 2, 2, 1, 1, 15.0)
    assert serial["last_opened"] == pd.Timestamp(AS_OF - DAY)
    assert list(abusive_buyers(disputes, min_disputes=2)["buyer"]) == [
        "serial", "regular", "twice"]
    assert abusive_buyers(pd.DataFrame()).empty
    assert list(abusive_buyers(pd.DataFrame()).columns) == ABUSIVE_COLUMNS


# --------------------------------------------------------------------------- prevention


def _unshipped(country: str, amount: float, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict(country=country, amount_usd=amount,
                               status="WAIT_SELLER_SEND_GOODS", shipped=False,
                               finished_at=pd.NaT, created_at=AS_OF - 2 * DAY)
    return order(**{**row, **kw})


def test_prevention_lists_high_value_unshipped_orders_to_strict_countries() -> None:
    orders = pd.DataFrame([
        _unshipped("BR", 80.0, order_id=1),  # over BR's US$50: in
        _unshipped("BR", 30.0, order_id=2),  # under: out
        _unshipped("kr", 200.0, order_id=3, created_at=AS_OF - 4 * DAY),  # in, any case
        _unshipped("US", 500.0, order_id=4),  # not a strict-customs country: out
        order(country="BR", amount_usd=300.0, order_id=5),  # finished: out
        _unshipped("CL", 90.0, order_id=6, shipped=True),  # shipped already: out
        _unshipped("IL", 75.0, order_id=7, status="IN_CANCEL"),  # being cancelled: out
    ])
    table = prevention_unshipped(orders, AS_OF)
    assert list(table.columns) == PREVENTION_COLUMNS
    assert list(table["order_id"]) == ["3", "1"]  # highest value first
    kr, br = table.to_dict("records")
    assert (kr["country"], kr["tax_id"], kr["age_days"]) == ("KR", "PCCC", 4)
    assert br["tax_id"] == "CPF" and "CPF" in br["reason"] and "before shipping" in br["reason"]
    # one threshold for every country
    assert list(prevention_unshipped(orders, AS_OF, min_value_usd=25)["order_id"]) == [
        "3", "1", "2"]
    # the caller's own table
    own = {"US": StrictCustoms("US", "nothing", 400.0, "test")}
    assert list(prevention_unshipped(orders, AS_OF, strict_countries=own)["order_id"]) == ["4"]


def test_prevention_table_and_empty_input() -> None:
    assert {"BR", "CL", "KR", "MX", "ZA", "IL"} <= set(DEFAULT_STRICT_CUSTOMS)
    assert DEFAULT_STRICT_CUSTOMS["CL"].tax_id == "RUT"
    assert all(c.threshold_usd > 0 and c.rule for c in DEFAULT_STRICT_CUSTOMS.values())
    empty = prevention_unshipped(pd.DataFrame(), AS_OF)
    assert empty.empty and list(empty.columns) == PREVENTION_COLUMNS


# --------------------------------------------------------------------------- lanes


def _lane(carrier: str, country: str, kind: str, orders: int, disputed: int,
          cls: str = "stalled_in_transit", family: str = "logistics"
          ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    lane = dict(carrier=carrier, country=country, service_kind=kind)
    rows = [order(**lane) for _ in range(orders - disputed)]
    hit = [in_issue(**lane) for _ in range(disputed)]
    return rows + hit, [dispute(h["order_id"], **lane, family=family, **{"class": cls})
                        for h in hit]


def test_lanes_at_twice_the_store_rate_get_a_suggestion() -> None:
    a_orders, a_disputes = _lane("SunYou", "FR", "unregistered", 40, 8)  # 20 %
    b_orders, b_disputes = _lane("4PX", "US", "registered", 160, 2)  # 1.25 %
    c_orders, c_disputes = _lane("Yanwen", "ES", "registered", 10, 5)  # 50 %, too few orders
    orders = pd.DataFrame(a_orders + b_orders + c_orders)
    disputes = pd.DataFrame(a_disputes + b_disputes + c_disputes)
    # store: 15 disputes / 210 orders = 7.1 %, so a lane needs 14.3 %
    table = lanes_to_change(orders, disputes, AS_OF)
    assert list(table.columns) == LANE_COLUMNS
    assert len(table) == 1
    lane = table.iloc[0]
    assert (lane["carrier"], lane["country"], lane["orders"], lane["disputes"]) == (
        "SunYou", "FR", 40, 8)
    assert lane["store_rate"] == pytest.approx(15 / 210)
    assert lane["ratio"] == pytest.approx((8 / 40) / (15 / 210))
    assert "registered" in lane["suggestion"] and "no tracking" in lane["suggestion"]
    assert set(lanes_to_change(orders, disputes, AS_OF, min_orders=10)["carrier"]) == {
        "Yanwen", "SunYou"}
    # a higher bar: 20 % is not 3 x 7.1 %
    assert lanes_to_change(orders, disputes, AS_OF, factor=3.0).empty


def test_lane_suggestions_follow_the_cause() -> None:
    a_orders, a_disputes = _lane("4PX", "BR", "registered", 30, 9, cls="customs_buyer_no_docs")
    b_orders, b_disputes = _lane("Cainiao", "PL", "platform", 30, 9, cls="genuine_defect",
                                 family="product")
    c_orders, _ = _lane("China Post", "US", "registered", 300, 0)
    table = lanes_to_change(pd.DataFrame(a_orders + b_orders + c_orders),
                            pd.DataFrame(a_disputes + b_disputes), AS_OF)
    suggestions = dict(zip(table["carrier"], table["suggestion"], strict=True))
    assert "platform's online logistics" in suggestions["4PX"]
    assert "CPF" in suggestions["4PX"]  # customs holds in Brazil
    assert "product" in suggestions["Cainiao"]
    assert lanes_to_change(pd.DataFrame(), pd.DataFrame(), AS_OF).empty
    assert list(lanes_to_change(pd.DataFrame(), pd.DataFrame(), AS_OF).columns) == LANE_COLUMNS


# --------------------------------------------------------------------------- week changes


def test_week_changes_worst_first() -> None:
    table = week_changes({"spark": 0.04, "volt": 0.02, "new": 0.01, "quiet": None},
                         {"spark": 0.01, "volt": 0.03, "gone": 0.05, "quiet": 0.02})
    assert list(table.columns) == WEEK_CHANGE_COLUMNS
    assert list(table["store_id"]) == ["spark", "volt", "gone", "new", "quiet"]
    assert table["change"].iloc[0] == pytest.approx(0.03)
    assert table["change"].iloc[1] == pytest.approx(-0.01)
    assert table["change"].iloc[2:].isna().all()
    assert week_changes({}, {}).empty


def test_resends_count_as_money_lost_by_class() -> None:
    from disputekit.domain.kpis import DISPUTE_COLUMNS, money_by_class

    base = {c: "" for c in DISPUTE_COLUMNS}
    rows = [
        {**base, "store_id": "s", "issue_id": 1, "class": "lost", "refund_usd": 0.0,
         "resend_usd": 12.5, "arbitrated": False, "personal_reason": False},
        {**base, "store_id": "s", "issue_id": 2, "class": "lost", "refund_usd": 10.0,
         "resend_usd": 0.0, "arbitrated": False, "personal_reason": False},
    ]
    table = money_by_class(pd.DataFrame(rows), pd.DataFrame())
    lost = table[table["class"] == "lost"].iloc[0]
    assert (lost["refunded"], lost["resent"], lost["net_lost"]) == (10.0, 12.5, 22.5)
