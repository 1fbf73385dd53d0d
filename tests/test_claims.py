"""Carrier claims: when one is due, its windows, its money, and the steps it refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from disputekit.domain.carriers import SERVICES, ServiceKind, ShippingService, service_for
from disputekit.domain.claims import (
    CLAIM_CLASSES,
    CarrierClaim,
    ClaimRules,
    ClaimStatus,
    appeal,
    case_claimable,
    claim_due,
    claimable,
    file_claim,
    filing_deadline,
    lapse,
    open_claim,
    record_answer,
    record_recovery,
    record_refusal,
)
from disputekit.domain.classify import Classification, DisputeFacts
from disputekit.domain.decisions import Action, CostModel, options, recommend
from disputekit.domain.platform_time import to_pacific_string
from disputekit.domain.stalls import LaneThresholds
from disputekit.domain.taxonomy import DisputeClass, Flag
from disputekit.domain.tracking import Timeline, from_aliexpress
from disputekit.errors import ClaimError
from disputekit.simulator.dataset import generate

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
LANE = LaneThresholds()
DAY = timedelta(days=1)


def silent(days: float, *codes: str, desc: str = "event") -> Timeline:
    start = NOW - timedelta(days=days + len(codes) - 1)
    details = [{"event_date": to_pacific_string(start + i * DAY), "event_desc": desc,
                "address": "X, CN", "signed_name": "", "action_code": code}
               for i, code in enumerate(codes)]
    return from_aliexpress("LP1", details)


PLATFORM, REGISTERED = ServiceKind.PLATFORM, ServiceKind.REGISTERED


@pytest.mark.parametrize(("timeline", "kind", "due"), [
    (silent(2, "LH_DEPART", "", desc="Shipment lost"), PLATFORM, True),
    (silent(2, "LH_DEPART", "", desc="Shipment lost"), REGISTERED, True),
    (silent(2, "LH_DEPART", "", desc="Shipment lost"), ServiceKind.UNREGISTERED, False),
    (silent(2, "LH_DEPART", "", desc="Shipment lost"), ServiceKind.UNKNOWN, False),
    (silent(35, "PU_PICKUP_SUCCESS", "LH_DEPART"), PLATFORM, True),
    (silent(30, "PU_PICKUP_SUCCESS", "LH_DEPART"), REGISTERED, True),
    (silent(29, "PU_PICKUP_SUCCESS", "LH_DEPART"), PLATFORM, False),  # stalled, not yet
    (silent(35, "PU_PICKUP_SUCCESS", "LH_DEPART"), ServiceKind.UNREGISTERED, False),
    (silent(60, "LH_ARRIVE", "GTMS_SIGNED"), PLATFORM, False),  # the carrier delivered it
    (silent(60, "LH_ARRIVE", "RT_INBOUND"), PLATFORM, False),  # returning: it carried it
    (silent(60, "LH_ARRIVE", "CUS_TAX"), PLATFORM, False),  # customs, not the carrier
    (silent(60, "LH_ARRIVE", "RT_DESTROY"), PLATFORM, False),  # destroyed by customs
    (silent(60, "CONSIGN"), PLATFORM, False),  # never picked up: nothing to claim
    (from_aliexpress("LP1", []), PLATFORM, False),
], ids=["lost", "lost-registered", "lost-unregistered", "lost-unknown", "35d", "30d-registered",
        "29d", "35d-unregistered", "delivered", "returning", "customs", "destroyed", "no-pickup",
        "no-events"])
def test_claim_due(timeline: Timeline, kind: ServiceKind, due: bool) -> None:
    assert claim_due(timeline, kind, LANE, NOW) is due


def test_claim_threshold_is_per_lane() -> None:
    stalled = silent(20, "PU_PICKUP_SUCCESS", "LH_DEPART")
    assert not claim_due(stalled, PLATFORM, LANE, NOW)
    assert claim_due(stalled, PLATFORM, LaneThresholds(claim_after_days=15), NOW)


def test_no_claim_once_the_120_day_window_has_passed() -> None:
    lost = silent(40, "PU_PICKUP_SUCCESS", "LH_DEPART")
    assert claim_due(lost, PLATFORM, LANE, NOW, logistics_created_at=NOW - 119 * DAY)
    assert not claim_due(lost, PLATFORM, LANE, NOW, logistics_created_at=NOW - 121 * DAY)
    assert not claim_due(lost, PLATFORM, LaneThresholds(claim_window_days=90), NOW,
                         logistics_created_at=NOW - 95 * DAY)


def claim(**overrides: Any) -> CarrierClaim:
    fields: dict[str, Any] = dict(
        store_id="volt", issue_id="9001", logistics_no="LP1", carrier="Cainiao",
        service_kind=PLATFORM, goods_amount=Decimal("24.50"), freight_amount=Decimal("3.10"),
        currency="USD", now=NOW, logistics_created_at=NOW - 40 * DAY)
    fields.update(overrides)
    return open_claim(**fields)


def test_a_claim_recovered_after_one_attempt_has_its_windows() -> None:
    c = claim()
    assert c.status is ClaimStatus.DUE and c.attempts == 0 and c.attempts_left == 2
    assert c.claimed_amount == Decimal("27.60")
    assert c.filing_deadline == NOW + 80 * DAY == filing_deadline(NOW - 40 * DAY)
    filed = file_claim(c, NOW + DAY)
    assert filed.status is ClaimStatus.FILED and filed.attempts == 1
    assert filed.carrier_answer_due == NOW + 11 * DAY
    answered = record_answer(filed, NOW + 6 * DAY, Decimal("27.60"))
    assert answered.appeal_until == NOW + 21 * DAY
    recovered = record_recovery(answered, NOW + 9 * DAY, Decimal("27.60"))
    assert recovered.status is ClaimStatus.RECOVERED
    assert recovered.recovered_amount == Decimal("27.60")
    assert recovered.closed_at == NOW + 9 * DAY
    assert c.status is ClaimStatus.DUE  # steps return new records


def test_an_appeal_within_15_days_can_still_recover() -> None:
    answered = record_answer(file_claim(claim(), NOW), NOW + 10 * DAY, Decimal("0"))
    appealed = appeal(answered, NOW + 25 * DAY)
    assert appealed.status is ClaimStatus.APPEALED
    assert record_recovery(appealed, NOW + 30 * DAY, Decimal("24.50")).recovered_amount \
        == Decimal("24.50")


def test_appeal_after_the_window_is_refused() -> None:
    answered = record_answer(file_claim(claim(), NOW), NOW + 10 * DAY, Decimal("0"))
    with pytest.raises(ClaimError, match="appeal window .* closed"):
        appeal(answered, NOW + 25 * DAY + timedelta(seconds=1))


def test_two_attempts_then_no_third() -> None:
    first = record_refusal(record_answer(file_claim(claim(), NOW), NOW + 5 * DAY, Decimal(0)),
                           NOW + 6 * DAY)
    assert first.status is ClaimStatus.REFUSED and first.attempts_left == 1
    second = file_claim(first, NOW + 7 * DAY)
    assert second.attempts == 2 and second.carrier_answer_due == NOW + 17 * DAY
    assert second.offered_amount is None and second.appeal_until is None
    refused = record_refusal(record_answer(second, NOW + 9 * DAY, Decimal(0)), NOW + 10 * DAY)
    with pytest.raises(ClaimError, match="already had 2 complaints"):
        file_claim(refused, NOW + 11 * DAY)


def test_filing_after_the_120_days_is_refused() -> None:
    late = claim(logistics_created_at=NOW - 119 * DAY)
    assert file_claim(late, NOW + DAY - timedelta(seconds=1)).status is ClaimStatus.FILED
    with pytest.raises(ClaimError, match="filing window .* closed"):
        file_claim(late, NOW + 2 * DAY)


def test_other_carriers_can_have_their_own_rules() -> None:
    four_px = claim(rules=ClaimRules(attempts=1, answer_days=30, filing_window_days=90),
                    logistics_created_at=NOW - 40 * DAY)
    filed = file_claim(four_px, NOW)
    assert filed.carrier_answer_due == NOW + 30 * DAY
    refused = record_refusal(record_answer(filed, NOW + DAY, Decimal(0)), NOW + DAY)
    with pytest.raises(ClaimError, match="already had 1 complaints"):
        file_claim(refused, NOW + 2 * DAY)


@pytest.mark.parametrize(("step", "words"), [
    (lambda c: record_answer(c, NOW, Decimal(1)), "cannot record an answer on .* due"),
    (lambda c: appeal(c, NOW), "cannot appeal .* due"),
    (lambda c: record_recovery(c, NOW, Decimal(1)), "cannot record money received"),
    (lambda c: record_refusal(c, NOW), "cannot record a refusal"),
    (lambda c: appeal(file_claim(c, NOW), NOW), "it is filed"),
    (lambda c: file_claim(file_claim(c, NOW), NOW), "cannot file .* it is filed"),
    (lambda c: file_claim(record_recovery(record_answer(file_claim(c, NOW), NOW, Decimal(5)),
                                          NOW, Decimal(5)), NOW), "it is recovered"),
])
def test_illegal_steps_are_refused(step: Any, words: str) -> None:
    with pytest.raises(ClaimError, match=words):
        step(claim())


@pytest.mark.parametrize(("offered", "recovered"), [
    (Decimal("-1"), None), (Decimal("27.61"), None),
    (Decimal("5"), Decimal("0")), (Decimal("5"), Decimal("30")),
])
def test_amounts_are_checked(offered: Decimal, recovered: Decimal | None) -> None:
    filed = file_claim(claim(), NOW)
    with pytest.raises(ClaimError, match="outside"):
        answered = record_answer(filed, NOW, offered)
        assert recovered is not None
        record_recovery(answered, NOW, recovered)


def test_claims_only_for_claimable_logistics_and_sane_amounts() -> None:
    with pytest.raises(ClaimError, match="no claim channel"):
        claim(service_kind=ServiceKind.UNREGISTERED)
    with pytest.raises(ClaimError, match="negative"):
        claim(freight_amount=Decimal("-3"))


def test_time_passing() -> None:
    due = claim(logistics_created_at=NOW - 100 * DAY)
    assert lapse(due, NOW + 19 * DAY) is due
    assert lapse(due, NOW + 21 * DAY).status is ClaimStatus.EXPIRED
    filed = file_claim(claim(), NOW)
    assert not filed.answer_overdue(NOW + 10 * DAY)
    assert filed.answer_overdue(NOW + 10 * DAY + timedelta(seconds=1))
    refused = record_answer(filed, NOW + DAY, Decimal(0))
    assert lapse(refused, NOW + 16 * DAY) is refused
    assert lapse(refused, NOW + 17 * DAY).status is ClaimStatus.REFUSED
    offer = record_answer(filed, NOW + DAY, Decimal(10))
    assert lapse(offer, NOW + 60 * DAY) is offer  # money offered stays awaited


def test_every_demo_lost_parcel_is_claimable() -> None:
    due_counts = {"lost": 0, "stalled_in_transit": 0}
    for dataset in generate(7, NOW).values():
        for record in dataset.issues:
            if record.truth not in due_counts:
                continue
            info = dataset.orders[record.detail["parent_order_id"]]["logistic_info_list"][0]
            timeline = from_aliexpress(info["logistics_no"], dataset.tracking[info["logistics_no"]])
            kind = SERVICES[info["logistics_type_code"]].kind
            if claim_due(timeline, kind, LANE, NOW):
                due_counts[record.truth] += 1
            elif record.truth == "lost":
                pytest.fail(f"lost parcel {info['logistics_no']} ({kind}) not claimable")
    assert due_counts["lost"] > 0
    # some stalled parcels have gone quiet past 30 days; most are still only stalled
    assert due_counts["stalled_in_transit"] > 0


# -- one rule for which services are claimable, whoever asks -----------------------------
def _service_of(kind: ServiceKind) -> ShippingService:
    if kind is ServiceKind.UNKNOWN:
        return service_for("NEW_LINE_2027")
    return next(s for s in SERVICES.values() if s.kind is kind)


@pytest.mark.parametrize("kind", list(ServiceKind))
@pytest.mark.parametrize("code", list(DisputeClass))
def test_claims_and_decisions_agree_on_what_is_claimable(kind: ServiceKind,
                                                         code: DisputeClass) -> None:
    """Every service kind x class: the claim rules (the sync opens, the workbook files) and
    the decision's options (the advice shown beside them) say the same thing."""
    service = _service_of(kind)
    assert service.kind is kind
    # The claim side: a lost parcel on this logistics opens a claim, or is refused, in words.
    lost = silent(2, "LH_DEPART", "", desc="Shipment lost")
    assert claim_due(lost, kind, LANE, NOW) is claimable(kind)
    if claimable(kind):
        assert claim(service_kind=kind).status is ClaimStatus.DUE
    else:
        with pytest.raises(ClaimError, match="no claim channel"):
            claim(service_kind=kind)
    # The decision side, for a parcel silent long past the claim threshold.
    flags = (Flag.PLATFORM_LOGISTICS,) if kind is ServiceKind.PLATFORM else ()
    c = Classification(code, 0.9, ("test",), flags)
    facts = DisputeFacts(refund_asked=20.0, refund_max=20.0, product_price=20.0,
                         service=service, product_id=42, silent_days=60.0)
    listed = {o.action: o for o in options(c, facts, CostModel())}
    expected = case_claimable(code, kind)
    assert expected is (code in CLAIM_CLASSES and claimable(kind))
    assert (Action.CARRIER_CLAIM in listed) is expected, (code, kind)
    advice = recommend(c, facts, CostModel())
    if expected:
        # What the options say about claiming: goods and freight back, from this carrier.
        claim_option = listed[Action.CARRIER_CLAIM]
        assert claim_option.expected_cost < 0
        assert service.carrier in claim_option.explanation
        assert Action.CARRIER_CLAIM in advice.then
    else:
        assert Action.CARRIER_CLAIM not in advice.then


def test_which_kinds_are_claimable() -> None:
    # Spelled out once, so a change to the one rule is a deliberate one.
    assert {k for k in ServiceKind if claimable(k)} == {ServiceKind.PLATFORM,
                                                        ServiceKind.REGISTERED}
    assert {DisputeClass.STALLED_IN_TRANSIT, DisputeClass.LOST} == CLAIM_CLASSES


def test_a_step_dated_before_the_one_it_follows_is_refused() -> None:
    filed = file_claim(claim(), NOW)
    with pytest.raises(ClaimError, match="before its filing"):
        record_answer(filed, NOW - DAY, Decimal("5"))
    answered = record_answer(filed, NOW + DAY, Decimal("5"))
    for step in (lambda c: appeal(c, NOW), lambda c: record_refusal(c, NOW),
                 lambda c: record_recovery(c, NOW, Decimal("5"))):
        with pytest.raises(ClaimError, match="before the carrier's answer"):
            step(answered)
    with pytest.raises(ClaimError, match="before the parcel was shipped"):
        file_claim(claim(), NOW - 41 * DAY)
    # Days, not instants: an earlier hour of the filing's own day is that day.
    same_day = record_answer(filed, NOW - timedelta(hours=1), Decimal("5"))
    assert same_day.status is ClaimStatus.ANSWERED


def test_a_recovery_in_another_currency_is_refused_with_the_way_out() -> None:
    answered = record_answer(file_claim(claim(), NOW), NOW + DAY, Decimal("5"))
    with pytest.raises(ClaimError, match="kept in USD.*convert"):
        record_recovery(answered, NOW + 2 * DAY, Decimal("36"), "CNY")
    assert record_recovery(answered, NOW + 2 * DAY, Decimal("5"), "usd").recovered_amount == 5
