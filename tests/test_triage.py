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
from disputekit.wire.records import facts_from_record, triage_lines, triage_record
from tests.test_tracking import UNREACHABLE

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "triage-input.jsonl"
CASES = [json.loads(line) for line in
         (REPO / "tests" / "fixtures" / "triage_cases.jsonl").read_text("utf-8").splitlines()]
WIRE_CASES = [json.loads(line) for line in
              (REPO / "tests" / "fixtures" / "wire_cases.jsonl").read_text("utf-8").splitlines()]
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
    (_bad(lambda d: d["tracking"].update(details="none")), "tracking.details",
     "must be the list"),
    (_bad(lambda d: d["dispute"].update(buyer_solution_list="none")),
     "dispute.buyer_solution_list", "valid list"),
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


# -- What the platform sends, in either envelope (issue 15, item 6) --------------------------

def _wrapped_lists(value: Any, item_key: str = "item_dto") -> Any:
    """Every list as simplify=false sends it: ``{"<item>": [...]}``, and ``{}`` when empty."""
    if isinstance(value, dict):
        return {k: ({item_key: [_wrapped_lists(i) for i in v]} if v else {})
                if isinstance(v, list) else _wrapped_lists(v) for k, v in value.items()}
    return value


def _simplify_false(line: dict[str, Any], item_key: str = "item_dto") -> dict[str, Any]:
    """The same line written as whole simplify=false answers, wrappers and all."""
    out = dict(line)
    out["dispute"] = {"aliexpress_issue_detail_get_response": {
        "result_object": _wrapped_lists(line["dispute"], item_key), "request_id": "0ba2"}}
    if "order" in line:
        out["order"] = {"aliexpress_solution_order_info_get_response": {"result": {
            "data": _wrapped_lists(line["order"], item_key), "error_code": "", "success": True}}}
    tracking = line.get("tracking")
    if tracking and tracking.get("source") == "aliexpress":
        out["tracking"] = {"source": "aliexpress", **({"logistics_no": tracking["logistics_no"]}
                                                        if "logistics_no" in tracking else {}),
                           "aliexpress_logistics_redefining_querytrackingresult_response": {
                               "details": _wrapped_lists({"d": tracking["details"]},
                                                         item_key)["d"],
                               "result_success": True}}
    return out


def _with_extras(value: Any) -> Any:
    """Unknown fields added at every level, as the platform adds fields without notice."""
    if isinstance(value, dict):
        return {**{k: _with_extras(v) for k, v in value.items()},
                "zz_new_field": {"nested": [1, "two"]}, "zz_flag": True}
    if isinstance(value, list):
        return [_with_extras(v) for v in value]
    return value


def _verdict(line: dict[str, Any]) -> dict[str, Any]:
    return triage_record({k: v for k, v in line.items() if k not in ("case", "expect", "note")},
                         NOW)


CASE_NAMES = [c["case"] for c in CASES]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_the_same_dispute_in_either_envelope_gets_the_same_verdict(name: str) -> None:
    line = case(name)
    plain = _verdict(line)
    assert plain["class"] == line["expect"]["class"]
    assert _verdict(_simplify_false(line)) == plain
    # the lists' wrappers are named after the item type, which the reader does not rely on
    assert _verdict(_simplify_false(line, "solution_dto")) == plain
    only_lists = {**line, "dispute": _wrapped_lists(line["dispute"])}
    if "order" in line:
        only_lists["order"] = _wrapped_lists(line["order"])
    assert _verdict(only_lists) == plain


@pytest.mark.parametrize("name", CASE_NAMES)
def test_unknown_fields_at_every_level_change_nothing(name: str) -> None:
    line = case(name)
    extra = {k: (_with_extras(v) if k in ("dispute", "order", "tracking") else v)
             for k, v in line.items()}
    assert _verdict({**extra, "my_note": "checked"}) == _verdict(line)


@pytest.mark.parametrize("name", ["stalled-en-1", "delivered-en-1", "misuse-en-1",
                                  "lost-pt-1", "customs-unreach-es-1"])
def test_the_order_keyed_order_id_is_read_like_id(name: str) -> None:
    line = case(name)
    keyed = copy.deepcopy(line)
    keyed["order"]["order_id"] = keyed["order"].pop("id")
    assert _verdict(keyed) == _verdict(line)
    keyed["order"].pop("order_id")  # and no id at all: the order still says what matters
    assert _verdict(keyed) == _verdict(line)


def test_an_empty_list_sent_as_an_empty_object_is_an_empty_list() -> None:
    line = case("stalled-en-1")
    line["dispute"]["seller_solution_list"] = {}
    line["dispute"]["platform_solution_list"] = {}
    line["order"]["child_order_list"] = {}
    plain = _verdict(line)
    line["tracking"]["details"] = {}
    line["dispute"]["process_dto_list"] = {}
    out = _verdict(line)
    assert out["issue_id"] == plain["issue_id"] and out["class"]


# Fields no verdict reads: a line without them gets the verdict it had with them.
UNREAD = [("dispute", "order_id"), ("dispute", "parent_order_id"),
          ("dispute", "seller_solution_list"), ("dispute", "platform_solution_list"),
          ("dispute", "refund_money_max_local"), ("dispute", "refund_money_max_currency"),
          ("dispute", "product_price_currency"), ("order", "id"), ("order", "child_order_list"),
          ("order", "logistics_amount"), ("order", "gmt_create"), ("order", "order_status")]
# Fields a verdict may read, but without which it is still given.
OPTIONAL = [("dispute", "product_price"), ("dispute", "product_name"),
            ("dispute", "product_id"), ("dispute", "buyer_login_id"),
            ("dispute", "buyer_solution_list"), ("dispute", "process_dto_list"),
            ("dispute", "refund_money_max"), ("dispute", "timeout_trigger_time"),
            ("dispute", "timeout_type"), ("dispute", "issue_reason"),
            ("dispute", "issue_reason_id"), ("dispute", "reverse_detail_status"),
            ("order", "order_amount"), ("order", "buyer_info"), ("order", "logistic_info_list")]


@pytest.mark.parametrize(("part", "key"), UNREAD)
def test_a_missing_unread_field_changes_nothing(part: str, key: str) -> None:
    for name in ("stalled-en-1", "misuse-en-1", "customs-unreach-es-1"):
        line = case(name)
        line[part].pop(key, None)
        assert _verdict(line) == _verdict(case(name)), (name, key)


@pytest.mark.parametrize(("part", "key"), OPTIONAL)
def test_a_missing_non_deciding_field_still_triages(part: str, key: str) -> None:
    for name in ("stalled-en-1", "misuse-en-1", "delivered-en-1"):
        line = case(name)
        line[part].pop(key, None)
        out = _verdict(line)
        assert out["class"] and out["issue_id"] == _verdict(case(name))["issue_id"], (name, key)


def test_nested_items_missing_their_ids_still_triage() -> None:
    line = case("misuse-en-1")
    for plan in line["dispute"]["buyer_solution_list"]:
        plan.pop("id")
    for step in line["dispute"]["process_dto_list"]:
        for attachment in step["attachments"]:
            attachment.pop("file_path")
    line["order"]["order_amount"].pop("amount")
    assert _verdict(line)["class"] == "buyer_misuse"


def test_tracking_without_its_source_is_read_from_its_keys() -> None:
    for name in ("stalled-en-1", "lost-pt-1"):
        line = case(name)
        bare = copy.deepcopy(line)
        bare["tracking"].pop("source")
        assert _verdict(bare) == _verdict(line)
    line = case("lost-pt-1")
    line["tracking"] = line["tracking"]["track_info"]  # the track_info object alone
    assert _verdict(line) == _verdict(case("lost-pt-1"))


@pytest.mark.parametrize("envelope", ["plain", "simplify_false"])
def test_only_what_classification_needs_refuses_a_line(envelope: str) -> None:
    def written(line: dict[str, Any]) -> str:
        return json.dumps(_simplify_false(line) if envelope == "simplify_false" else line)

    no_opening = case("stalled-en-1")
    no_opening["dispute"].pop("gmt_create")
    no_id = case("stalled-en-1")
    for key in ("id", "issue_id"):
        no_id["dispute"].pop(key, None)
    for plan in no_id["dispute"]["buyer_solution_list"]:
        plan.pop("issue_id")
    no_status = case("stalled-en-1")
    no_status["dispute"].pop("issue_status")
    no_source = case("stalled-en-1")
    no_source["tracking"] = {"logistics_no": "LP1"}
    results = list(triage_lines([written(no_opening), written(no_id), written(no_status),
                                 json.dumps(no_source)], NOW))
    assert [r.get("field") for r in results] == ["dispute.gmt_create", "dispute.id",
                                                 "dispute.issue_status", "tracking.source"]
    assert "field 'dispute.gmt_create' is missing" in results[0]["error"]
    assert results[0]["issue_id"] == case("stalled-en-1")["dispute"]["id"]
    assert "'id' or 'issue_id'" in results[1]["error"]


def test_the_wire_cases_cover_what_issue_15_names() -> None:
    names = [c["case"] for c in WIRE_CASES]
    assert len(names) >= 40 and len(set(names)) == len(names)
    for prefix in ("tie-", "unreach-", "envelope-", "order-id-"):
        assert any(n.startswith(prefix) for n in names), prefix
    languages = {n.split("-")[1] for n in names if n.startswith("unreach-")}
    assert languages >= {"en", "es", "fr", "pl", "pt_BR", "pt_PT", "ru", "de", "it", "ko", "uk",
                         "tr"}


@pytest.mark.parametrize("line", WIRE_CASES, ids=[c["case"] for c in WIRE_CASES])
def test_wire_case(line: dict[str, Any]) -> None:
    out = triage_record(line, NOW)
    expect = line["expect"]
    for key in ("class", "response_deadline", "urgency", "recommended_action"):
        assert out[key] == expect[key], (line["case"], key, out["reasons"])


def test_a_whole_tracking_answer_keeps_the_number_beside_it() -> None:
    line = _simplify_false(case("stalled-en-1"))
    line["tracking"]["logistics_no"] = "LP00099999999999"
    facts, _ = facts_from_record(line, NOW)
    assert facts.timeline is not None and facts.timeline.logistics_no == "LP00099999999999"
    assert facts.timeline.events  # the details inside the answer were read


def test_a_17track_webhook_body_is_read_as_17track() -> None:
    line = case("lost-pt-1")
    tracking = line["tracking"]
    line["tracking"] = {"event": "TRACKING_UPDATED",
                        "data": {"number": tracking.get("number", ""),
                                 "track_info": tracking["track_info"]}}
    assert _verdict(line) == _verdict(case("lost-pt-1"))
