"""Triage of JSON lines: the documented format in, one result or one clear error per line out."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from disputekit.domain.buyers import read_blocklist
from disputekit.domain.deadlines import EscalationRule
from disputekit.domain.decisions import CostModel
from disputekit.errors import DisputeKitError, TriageInputError
from disputekit.wire.records import triage_lines, triage_record

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "triage-input.jsonl"
CASES = [json.loads(line) for line in
         (REPO / "tests" / "fixtures" / "triage_cases.jsonl").read_text("utf-8").splitlines()]
NOW = datetime(2026, 11, 28, tzinfo=UTC)
OUTPUT_KEYS = {"issue_id", "class", "family", "confidence", "reasons", "flags", "language",
               "response_deadline", "deadline_source", "hours_left", "urgency",
               "intervention_at", "if_nobody_acts", "options", "recommended_action", "then",
               "recommendation", "buyer_abuse"}


def case(name: str) -> dict[str, Any]:
    found = next(c for c in CASES if c["case"] == name)
    return copy.deepcopy(found)


def test_the_example_file_triages_with_one_documented_error() -> None:
    results = list(triage_lines(EXAMPLE.read_text("utf-8").splitlines(), NOW))
    assert len(results) == 7
    errors = [r for r in results if "error" in r]
    assert errors == [{"line": 4, "field": "dispute.gmt_create", "issue_id": 8100000000099999,
                       "error": "field 'dispute.gmt_create': expected a platform time like "
                                "'2026-03-01 09:30:00' (US Pacific), got '27/11/2026 10:00'"}]
    for result in results:
        if "error" not in result:
            assert set(result) == OUTPUT_KEYS
            json.dumps(result)  # every value is plain JSON
    classes = [r.get("class") for r in results]
    assert classes == ["stalled_in_transit", "delivered_disputed", "customs_buyer_no_docs", None,
                       "buyer_misuse", "extortion", "returned_before_export"]


def test_the_format_is_documented_next_to_the_example() -> None:
    readme = (REPO / "examples" / "README.md").read_text("utf-8")
    for key in OUTPUT_KEYS | {"dispute", "order", "tracking", "buyer_history", "17track"}:
        assert f"`{key}`" in readme or key in readme, key


def test_output_of_one_line() -> None:
    out = triage_record(case("stalled-en-1"), NOW)
    assert out["response_deadline"] == "2026-11-28T17:00:00Z"
    assert out["deadline_source"] == "platform timer"
    assert out["hours_left"] == 17.0
    assert out["intervention_at"] == "2026-11-30T17:00:00Z"
    assert out["if_nobody_acts"][0].startswith("in 17 h")
    assert [o["action"] for o in out["options"]] == ["refuse", "resend_with_gift", "full_refund"]
    assert all(o["currency"] == "USD" for o in out["options"])


def test_blank_timer_falls_back_to_the_buyers_last_change() -> None:
    out = triage_record(case("stalled-ru-2"), NOW)
    assert out["deadline_source"] == "buyer's last change + 5 days"
    assert out["response_deadline"] == "2026-11-30T16:00:00Z"


def test_a_store_currency_and_the_legacy_rule() -> None:
    model = CostModel(currency="EUR", per_usd=0.92)
    out = triage_record(case("stalled-en-1"), NOW, model, escalation_rule=EscalationRule.LEGACY)
    refund = next(o for o in out["options"] if o["action"] == "full_refund")
    assert (refund["expected_cost"], refund["currency"]) == (11.87, "EUR")
    assert out["intervention_at"] == "2026-12-09T17:00:00Z"  # 16 days after opening


def test_the_blocklist_reaches_the_score_and_the_options() -> None:
    line = case("delivered-en-1")
    login = line["dispute"]["buyer_login_id"]
    out = triage_record(line, NOW, blocklist=read_blocklist([f"{login.upper()}  # chargebacks",
                                                             "# a comment", ""]))
    assert out["buyer_abuse"] == {"score": 1.0, "level": "blocklisted"}
    assert "report_buyer" in [o["action"] for o in out["options"]]


def test_seventeen_track_input() -> None:
    out = triage_record(case("lost-pt-1"), NOW)
    assert out["class"] == "lost"
    assert "Objeto extraviado" in out["reasons"][0]


def test_lines_without_order_or_tracking_are_still_triaged() -> None:
    line = case("misuse-en-1")
    del line["order"], line["tracking"]
    out = triage_record(line, NOW)
    assert out["class"] == "buyer_misuse"


def test_a_lane_override_changes_when_a_parcel_counts_as_stalled() -> None:
    line = case("stalled-en-2")  # silent 8 days: still moving on the default 10-day lane
    assert "still moving" in triage_record(line, NOW)["reasons"][0]
    tight = triage_record(line, NOW, lane_overrides={"*:GB": {"stalled_days": 5}})
    assert "no update for 8 days" in tight["reasons"][0]


def _bad(mutate: Any) -> str:
    line = case("stalled-en-1")
    mutate(line)
    return json.dumps(line)


@pytest.mark.parametrize(("line", "field", "message"), [
    ("{not json", "(line)", "not valid JSON at column 2"),
    ("[1, 2]", "(line)", "must be a JSON object"),
    (_bad(lambda d: d.pop("dispute")), "dispute", "field 'dispute' is missing"),
    (_bad(lambda d: d["dispute"].pop("gmt_create")), "dispute.gmt_create",
     "opening time is needed"),
    (_bad(lambda d: d["dispute"].pop("issue_status")), "dispute.issue_status", "Field required"),
    (_bad(lambda d: d["dispute"].update(order_id="abc")), "dispute.order_id", "integer"),
    (_bad(lambda d: d["dispute"].update(timeout_trigger_time="soon")),
     "dispute.timeout_trigger_time", "US Pacific"),
    (_bad(lambda d: d.update(order=[])), "order", "must be a JSON object"),
    (_bad(lambda d: d["order"].update(order_amount={"amount": "lots"})),
     "order.order_amount.amount", "decimal"),
    (_bad(lambda d: d["tracking"].update(source="dhl")), "tracking.source", "\"17track\""),
    (_bad(lambda d: d["tracking"].update(details={})), "tracking.details", "must be the list"),
    (_bad(lambda d: d.update(tracking={"source": "17track"})), "tracking.track_info",
     "track_info"),
    (_bad(lambda d: d.update(buyer_history={"orders": -2})), "buyer_history", "whole number"),
    (_bad(lambda d: d.update(buyer_history={"refunds": 2})), "buyer_history.refunds",
     "not known"),
])
def test_a_malformed_line_names_the_line_and_the_field(line: str, field: str,
                                                       message: str) -> None:
    good = json.dumps(case("misuse-en-1"))
    results = list(triage_lines([good, "", line, good], NOW))
    assert [r.get("class") for r in results] == ["buyer_misuse", None, "buyer_misuse"]
    error = results[1]
    assert error["line"] == 3 and error["field"] == field
    assert message in error["error"], error["error"]


def test_triage_record_raises_a_disputekit_error() -> None:
    with pytest.raises(TriageInputError, match="dispute") as caught:
        triage_record({"order": {}}, NOW)
    assert isinstance(caught.value, DisputeKitError)
    with pytest.raises(ValueError, match="timezone-aware"):
        triage_record(case("misuse-en-1"), datetime(2026, 11, 28))


# -- The addressee could not be contacted, in every language (issue 15, item 5) --------------

from tests.test_tracking import UNREACHABLE  # noqa: E402


@pytest.mark.parametrize("code", ["CC_IM_FAILURE", ""])
@pytest.mark.parametrize("language", sorted(UNREACHABLE))
def test_an_unreachable_addressee_is_classed_unreachable_not_missing_documents(
        language: str, code: str) -> None:
    line = case("customs-unreach-es-1")
    # The buyer says nothing about being away: the carrier's words alone must tell.
    for item in (*line["dispute"]["buyer_solution_list"], *line["dispute"]["process_dto_list"]):
        item["content"] = "¿Dónde está el paquete?"
    last = line["tracking"]["details"][-1]
    last.update(event_desc=UNREACHABLE[language], action_code=code)
    out = triage_record(line, NOW)
    assert out["class"] == "customs_buyer_unreachable", (language, out["reasons"])


def test_customs_waiting_for_documents_stays_missing_documents() -> None:
    assert triage_record(case("customs-docs-en-1"), NOW)["class"] == "customs_buyer_no_docs"
