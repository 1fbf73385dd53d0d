"""Options, their expected cost, and the one recommendation domain.md prescribes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from disputekit.domain.buyers import BuyerHistory
from disputekit.domain.carriers import ServiceKind, service_for
from disputekit.domain.classify import Classification, DisputeFacts
from disputekit.domain.decisions import Action, CostModel, options, recommend
from disputekit.domain.taxonomy import DisputeClass, Flag
from disputekit.domain.tracking import MainStatus, ReturnKind, Timeline, TrackEvent

C = DisputeClass
MODEL = CostModel()


def facts(**fields: Any) -> DisputeFacts:
    base: dict[str, Any] = {"refund_asked": 20.0, "refund_max": 20.0, "product_price": 20.0,
                            "service": service_for("YANWEN_JYT"), "product_id": 42}
    base.update(fields)
    return DisputeFacts(**base)


def cls(code: DisputeClass, *flags: Flag) -> Classification:
    return Classification(code, 0.9, ("test",), tuple(flags))


def by_action(c: Classification, f: DisputeFacts, model: CostModel = MODEL) -> dict[Action, float]:
    return {o.action: o.expected_cost for o in options(c, f, model)}


def test_costs_follow_the_model() -> None:
    # refund 20, goods 40 % of 20 = 8, registered freight 4, gift 1
    costs = by_action(cls(C.LOST), facts())
    assert costs[Action.FULL_REFUND] == 20.0
    assert costs[Action.RESEND] == 12.0
    assert costs[Action.RESEND_WITH_GIFT] == 13.0
    assert costs[Action.CARRIER_CLAIM] == -6.0  # half the time, goods + freight back
    # refuse: 80 % escalate x (95 % lost x 20 + 5 dispute-rate cost) = 0.8 x 24 = 19.2
    assert costs[Action.REFUSE] == 19.2


def test_options_come_cheapest_first_with_explanations() -> None:
    listed = options(cls(C.GENUINE_DEFECT), facts(), MODEL)
    assert [o.expected_cost for o in listed] == sorted(o.expected_cost for o in listed)
    assert all(o.explanation for o in listed)
    partial = next(o for o in listed if o.action is Action.PARTIAL_REFUND)
    assert partial.percent == 30.0


def test_known_cost_of_goods_and_another_currency() -> None:
    model = CostModel(currency="EUR", per_usd=0.5, cost_of_goods={"42": 3.0})
    costs = by_action(cls(C.LOST), facts(), model)
    assert costs[Action.FULL_REFUND] == 10.0  # USD 20 at 0.5 EUR per USD
    assert costs[Action.RESEND] == 7.0  # goods 3 EUR (known) + freight 4


def test_returned_goods_come_back() -> None:
    costs = by_action(cls(C.RETURNED_IN_COUNTRY), facts())
    assert costs[Action.RESEND] == 4.0  # freight only: the goods are back
    assert costs[Action.FULL_REFUND] == 12.0  # 20 refunded, goods worth 8 back


def test_carrier_claim_only_on_claimable_logistics() -> None:
    assert Action.CARRIER_CLAIM in by_action(cls(C.LOST), facts())
    assert Action.CARRIER_CLAIM not in by_action(cls(C.LOST), facts(service=service_for("CPAP")))
    stalled = cls(C.STALLED_IN_TRANSIT)
    assert Action.CARRIER_CLAIM not in by_action(stalled, facts(silent_days=12))
    assert Action.CARRIER_CLAIM in by_action(stalled, facts(silent_days=31))


def test_platform_logistics_costs_the_seller_nothing_on_a_refusal() -> None:
    platform = facts(service=service_for("CAINIAO_STANDARD"))
    costs = by_action(cls(C.STALLED_IN_TRANSIT, Flag.PLATFORM_LOGISTICS), platform)
    assert costs[Action.REFUSE] == 0.0
    assert costs[Action.LEAVE_TO_PLATFORM] == 0.0


def test_an_abusive_buyer_can_always_be_reported() -> None:
    serial = facts(history=BuyerHistory(orders=4, disputes=4, money_demands=1))
    assert Action.REPORT_BUYER in by_action(cls(C.DELIVERED_DISPUTED), serial)
    assert Action.REPORT_BUYER not in by_action(cls(C.DELIVERED_DISPUTED), facts())


def test_the_partial_shown_for_extortion_is_what_the_buyer_demands() -> None:
    listed = options(cls(C.EXTORTION), facts(refund_asked=8.0), MODEL)
    partial = next(o for o in listed if o.action is Action.PARTIAL_REFUND)
    assert partial.percent == 40.0


@pytest.mark.parametrize(("code", "flags", "fields", "action", "then"), [
    (C.STALLED_IN_TRANSIT, (), {}, Action.REFUSE, ()),
    (C.STALLED_IN_TRANSIT, (), {"silent_days": 35}, Action.REFUSE, (Action.CARRIER_CLAIM,)),
    (C.DELIVERED_DISPUTED, (), {}, Action.REFUSE, ()),
    (C.CUSTOMS_BUYER_NO_DOCS, (), {}, Action.REFUSE, ()),
    (C.CUSTOMS_BUYER_UNREACHABLE, (), {}, Action.REFUSE, ()),
    (C.LOST, (), {}, Action.RESEND, (Action.CARRIER_CLAIM,)),
    (C.LOST, (), {"refund_asked": 5.0, "product_price": 5.0}, Action.FULL_REFUND,
     (Action.CARRIER_CLAIM,)),
    (C.LOST, (Flag.PLATFORM_LOGISTICS,), {"service": service_for("CAINIAO_STANDARD")},
     Action.LEAVE_TO_PLATFORM, (Action.CARRIER_CLAIM,)),
    # no tracking: wait for the parcel first, then the plan's partial offer
    (C.NO_TRACKING, (), {"service": service_for("CPAP")}, Action.PARTIAL_REFUND, ()),
    (C.RETURNED_BEFORE_EXPORT, (), {}, Action.RESEND, ()),
    (C.GENUINE_DEFECT, (), {}, Action.RESEND, ()),
    (C.GENUINE_DEFECT, (), {"refund_asked": 3.9, "product_price": 3.9}, Action.FULL_REFUND, ()),
    (C.GENUINE_DEFECT, (Flag.AFTER_SALE_WARRANTY,), {}, Action.LEAVE_TO_PLATFORM, ()),
    (C.BUYER_MISUSE, (), {}, Action.USAGE_HELP, ()),
    (C.BUYER_MISUSE, (Flag.BUYER_PERSONAL_REASON,), {}, Action.PARTIAL_REFUND, ()),
    (C.DELIBERATE_ABUSE, (), {}, Action.REFUSE, (Action.PARTIAL_REFUND,)),
    (C.EXTORTION, (), {}, Action.REPORT_BUYER, (Action.REFUSE,)),
])
def test_the_recommendation_follows_the_domain(code: DisputeClass, flags: tuple[Flag, ...],
                                               fields: dict[str, Any], action: Action,
                                               then: tuple[Action, ...]) -> None:
    advice = recommend(cls(code, *flags), facts(**fields), MODEL)
    assert advice.action is action, advice.steps
    assert advice.then == then
    assert advice.steps and advice.summary


def test_a_stalled_parcel_gets_the_first_reply_of_the_plan() -> None:
    steps = recommend(cls(C.STALLED_IN_TRANSIT), facts(), MODEL).steps
    assert steps[0].startswith("refuse the refund now")
    assert any("reply 1" in s for s in steps)
    assert any("extend buyer protection" in s for s in steps)


def test_a_parcel_waiting_to_be_collected_is_not_resent() -> None:
    waiting = Timeline("LP1", "aliexpress", (TrackEvent(datetime(2026, 11, 20, tzinfo=UTC),
                                                        "Available for pickup", "Krakow, PL"),),
                       MainStatus.AVAILABLE_FOR_PICKUP, "AvailableForPickup_Other")
    advice = recommend(cls(C.RETURNED_UNDELIVERED), facts(timeline=waiting), MODEL)
    assert advice.action is Action.REFUSE
    assert "Krakow, PL" in advice.steps[0]
    back = Timeline("LP1", "aliexpress", waiting.events, MainStatus.EXCEPTION,
                    "Exception_Returned", returned=ReturnKind.AFTER_FAILED_DELIVERY)
    assert recommend(cls(C.RETURNED_UNDELIVERED), facts(timeline=back), MODEL).action \
        is Action.RESEND


def test_model_overrides_merge_per_class_maps() -> None:
    model = MODEL.with_overrides(win_chance={C.STALLED_IN_TRANSIT: 0.9}, gift_cost=2.0,
                                 freight={ServiceKind.REGISTERED: 6.0})
    assert model.win_chance[C.STALLED_IN_TRANSIT] == 0.9
    assert model.win_chance[C.LOST] == MODEL.win_chance[C.LOST]
    assert model.freight[ServiceKind.UNREGISTERED] == MODEL.freight[ServiceKind.UNREGISTERED]
    assert by_action(cls(C.LOST), facts(), model)[Action.RESEND_WITH_GIFT] == 16.0


@pytest.mark.parametrize(("changes", "message"), [
    ({"per_usd": 0}, "per_usd"),
    ({"partial_accepted": 1.5}, "partial_accepted"),
    ({"win_chance": {C.LOST: -0.1}}, r"win_chance\[lost\]"),
])
def test_a_wrong_cost_model_says_what_is_wrong(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MODEL.with_overrides(**changes)


def test_abuse_from_a_serial_disputer_adds_a_report() -> None:
    serial = facts(history=BuyerHistory(orders=5, disputes=5, stores=3))
    advice = recommend(cls(C.DELIBERATE_ABUSE), serial, MODEL)
    assert advice.then == (Action.PARTIAL_REFUND, Action.REPORT_BUYER)
    assert "4 earlier disputes in 3 stores" in advice.steps[-1]
