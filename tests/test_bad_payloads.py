"""Bad platform payloads are refused with an error that names the field, never a traceback.

Every answer the platform sends passes through ``payloads.parse`` (directly, or through the
client's methods and the envelope). Spoiling a valid answer in one place (a field deleted,
given a wrong type, a huge string, an unknown enum value, a badly formatted time; the body
cut off or not JSON at all) must end in either a valid record that fits the database, or a
``MalformedPayloadError`` naming the field.
"""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import BaseModel

from disputekit.adapters.aliexpress import AliExpressClient, Credentials, RetryPolicy
from disputekit.errors import DisputeKitError, MalformedPayloadError, PlatformError
from disputekit.wire import envelope, payloads
from tests.badinput import ISSUES, ORDERS, TRACKING, Mutation, names_a_prefix, spoiled

INT64 = 2**63
# Numeric(14, 2) columns: at most 12 digits before the point.
MAX_MONEY_DIGITS = 12


def fits_the_database(value: Any) -> bool:
    """Every number in a parsed record can be written to a BigInteger / Numeric column."""
    if isinstance(value, BaseModel):
        return all(fits_the_database(getattr(value, name)) for name in type(value).model_fields)
    if isinstance(value, list):
        return all(fits_the_database(v) for v in value)
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -INT64 <= value < INT64
    if isinstance(value, Decimal):
        return value.is_finite() and value.adjusted() < MAX_MONEY_DIGITS
    return True


def check(model: type[BaseModel], doc: Any, mutation: Mutation) -> None:
    try:
        parsed = payloads.parse(model, doc, "the answer")
    except MalformedPayloadError as exc:
        message = str(exc)
        assert names_a_prefix(message, mutation.path), (mutation.describe(), message)
        assert "report it with this message" in message  # what to do about it
        assert len(message) < 2000  # a huge value is not echoed back whole
        return
    assert fits_the_database(parsed), mutation.describe()


@given(st.sampled_from(ISSUES).flatmap(lambda r: spoiled(r.summary)))
def test_a_spoiled_issue_summary_is_refused_naming_the_field(case: tuple[Any, Mutation]
                                                              ) -> None:
    check(payloads.IssueSummary, *case)


@given(st.sampled_from(ISSUES).flatmap(lambda r: spoiled(r.detail)))
def test_a_spoiled_issue_detail_is_refused_naming_the_field(case: tuple[Any, Mutation]) -> None:
    check(payloads.IssueDetail, *case)


@given(st.sampled_from(ORDERS).flatmap(spoiled))
def test_a_spoiled_order_is_refused_naming_the_field(case: tuple[Any, Mutation]) -> None:
    check(payloads.OrderInfo, *case)


@given(st.sampled_from(TRACKING).flatmap(lambda events: spoiled(events[0])))
def test_a_spoiled_tracking_event_is_refused_naming_the_field(case: tuple[Any, Mutation]
                                                              ) -> None:
    check(payloads.TrackingEvent, *case)


@pytest.mark.parametrize("record", [ISSUES[0].summary, ISSUES[5].summary])
def test_valid_summaries_round_trip(record: dict[str, Any]) -> None:
    parsed = payloads.parse(payloads.IssueSummary, record, "the answer")
    again = payloads.parse(payloads.IssueSummary, parsed.model_dump(), "the answer")
    assert again == parsed and parsed.issue_id == record["issue_id"]


def test_valid_details_and_orders_round_trip() -> None:
    for record in ISSUES[:10]:
        detail = payloads.parse(payloads.IssueDetail, record.detail, "detail")
        assert payloads.parse(payloads.IssueDetail, detail.model_dump(), "again") == detail
        assert fits_the_database(detail)
    for order in ORDERS[:10]:
        info = payloads.parse(payloads.OrderInfo, order, "order")
        assert payloads.parse(payloads.OrderInfo, info.model_dump(), "again") == info


@pytest.mark.parametrize("value", ["2026-11-28T09:00:00Z", "28/11/2026", "2026-02-30 10:00:00"])
def test_a_wrong_time_format_names_the_field_and_the_expected_format(value: str) -> None:
    with pytest.raises(MalformedPayloadError) as caught:
        payloads.parse(payloads.IssueSummary, {**ISSUES[0].summary, "gmt_modified": value},
                       "issue list item 3")
    assert "gmt_modified" in str(caught.value) and "2026-03-01 09:30:00" in str(caught.value)
    assert "issue list item 3" in str(caught.value)


@pytest.mark.parametrize("value", [2**63, 10**30, -(2**63) - 1])
def test_an_id_too_large_for_the_database_is_refused(value: int) -> None:
    with pytest.raises(MalformedPayloadError, match="issue_id"):
        payloads.parse(payloads.IssueSummary, {**ISSUES[0].summary, "issue_id": value}, "x")


@pytest.mark.parametrize("value", ["1e400", "123456789012345.00", 1e20])
def test_an_amount_too_large_for_the_database_is_refused(value: Any) -> None:
    with pytest.raises(MalformedPayloadError, match="refund_money_max"):
        payloads.parse(payloads.IssueDetail, {**ISSUES[0].detail, "refund_money_max": value}, "x")


# -- through the client: envelope, JSON, methods ---------------------------------------------

DETAIL = "aliexpress.issue.detail.get"
LIST = "aliexpress.issue.issuelist.get"
ORDER = "aliexpress.solution.order.info.get"
TRACK = "aliexpress.logistics.redefining.querytrackingresult"
ORDER_LIST = "aliexpress.trade.seller.orderlist.get"


def answers() -> dict[str, dict[str, Any]]:
    """One valid answer per read method, in the gateway's (simplify=false) shape."""
    order = ORDERS[0]
    return {
        LIST: envelope.wrap(LIST, {"current_page": 1, "page_size": 50, "total_item": 2,
                                   "data_list": [ISSUES[0].summary, ISSUES[1].summary]}, False),
        DETAIL: envelope.wrap(DETAIL, {"result_object": ISSUES[0].detail}, False),
        ORDER: envelope.wrap(ORDER, {"result": {"data": order, "success": True}}, False),
        TRACK: envelope.wrap(TRACK, {"result_success": True, "details": TRACKING[0]}, False),
        ORDER_LIST: envelope.wrap(ORDER_LIST, {"result": {
            "total_count": 1, "current_page": 1, "page_size": 50,
            "target_list": [{"order_id": order["id"], "order_status": "FINISH",
                             "gmt_create": order["gmt_create"],
                             "pay_amount": {"amount": "1.00", "currency_code": "USD"},
                             "product_list": [{"child_id": 1, "product_id": 2}]}]}}, False),
    }


def client_answering(body: bytes, status: int = 200) -> AliExpressClient:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body,
                              headers={"Content-Type": "application/json"})

    return AliExpressClient(
        base_url="http://gateway.invalid/sync",
        credentials=Credentials("123", "secret", "token"),
        http=httpx.Client(transport=httpx.MockTransport(handler)),
        retry=RetryPolicy(attempts=1, base_delay=0.0), sleep=lambda _s: None)


def read(client: AliExpressClient, method: str) -> object:
    if method == LIST:
        return client.issue_page(1)
    if method == DETAIL:
        return client.issue_detail(1, "buyer")
    if method == ORDER:
        return client.order(1)
    if method == TRACK:
        return client.tracking_details("LP1", order_id=1, service_name="X", to_area="US")
    return client.order_page(1)


@given(st.sampled_from(sorted(answers())).flatmap(
    lambda method: st.tuples(st.just(method), spoiled(answers()[method]))))
def test_a_spoiled_answer_through_the_client_raises_only_disputekit_errors(
        case: tuple[str, tuple[Any, Mutation]]) -> None:
    method, (doc, mutation) = case
    client = client_answering(json.dumps(doc).encode())
    try:
        read(client, method)
    except PlatformError:
        pass  # a spoiled body can look like an error_response; that is a typed error too
    except MalformedPayloadError as exc:
        assert method in str(exc), (mutation.describe(), str(exc))
    # anything else (KeyError, TypeError, ValidationError, OverflowError...) fails the test


@given(method=st.sampled_from(sorted(answers())), cut=st.floats(0.0, 0.99),
       noise=st.binary(max_size=40))
def test_a_cut_off_or_garbage_body_is_a_truncated_response(method: str, cut: float,
                                                           noise: bytes) -> None:
    whole = json.dumps(answers()[method]).encode()
    body = whole[:int(len(whole) * cut)] + noise
    try:
        json.loads(body)
    except (ValueError, UnicodeDecodeError):
        pass
    else:
        return  # the noise happened to complete valid JSON; other tests cover shapes
    client = client_answering(body)
    with pytest.raises(MalformedPayloadError) as caught:
        read(client, method)
    assert method in str(caught.value) and "not complete JSON" in str(caught.value)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=12))
def test_any_json_document_gives_an_answer_or_a_typed_error(doc: Any) -> None:
    for method in answers():
        with contextlib.suppress(DisputeKitError):
            read(client_answering(json.dumps(doc).encode()), method)


# -- 17TRACK answers ---------------------------------------------------------------------------

TRACK_INFO: dict[str, Any] = {
    "latest_status": {"status": "InTransit", "sub_status": "InTransit_Other"},
    "shipping_info": {"recipient_address": {"country": "BR"}},
    "tracking": {"providers": [{"provider": {"name": "Cainiao", "key": 190271}, "events": [
        {"time_iso": "2026-11-01T10:00:00+08:00", "time_utc": "2026-11-01T02:00:00Z",
         "description": "Departed from sorting center", "location": "Shenzhen",
         "stage": "InTransit", "sub_status": "InTransit_Other"}]}]},
}
SEVENTEEN: dict[str, dict[str, Any]] = {
    "gettrackinfo": {"code": 0, "data": {
        "accepted": [{"number": "LP1", "carrier": 190271, "track_info": TRACK_INFO}],
        "rejected": [{"number": "LP2", "error": {"code": -18019902, "message": "not registered"}}],
    }},
    "register": {"code": 0, "data": {
        "accepted": [{"number": "LP1", "carrier": 190271, "origin": 1, "tag": ""}],
        "rejected": [{"number": "LP2", "error": {"code": -18019901, "message": "registered"}}],
    }},
    "getquota": {"code": 0, "data": {"quota_total": 100, "quota_used": 3, "quota_remain": 97,
                                     "today_used": 3, "max_track_daily": 1000}},
}


def seventeen_answering(answers: dict[str, bytes]) -> Any:
    from disputekit.adapters.seventeentrack import RetryPolicy as TrackRetry
    from disputekit.adapters.seventeentrack import SeventeenTrackClient

    def handler(request: httpx.Request) -> httpx.Response:
        endpoint = request.url.path.rsplit("/", 1)[-1]
        return httpx.Response(200, content=answers.get(endpoint, b"{}"))

    return SeventeenTrackClient("key", base_url="http://17track.invalid/track/v2.2",
                                http=httpx.Client(transport=httpx.MockTransport(handler)),
                                retry=TrackRetry(attempts=1), sleep=lambda _s: None,
                                rate_per_second=None)


def _with(endpoint: str, path: tuple[Any, ...], value: Any) -> tuple[str, tuple[Any, Mutation]]:
    doc = json.loads(json.dumps(SEVENTEEN[endpoint]))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return endpoint, (doc, Mutation("replace", path, value))


@given(st.sampled_from(sorted(SEVENTEEN)).flatmap(
    lambda endpoint: st.tuples(st.just(endpoint), spoiled(SEVENTEEN[endpoint]))))
# Found in CI: Python's json reads Infinity, and int(inf) raises OverflowError.
@example(_with("getquota", ("code",), float("inf")))
@example(_with("gettrackinfo", ("data", "rejected", 0, "error", "code"), float("inf")))
def test_a_spoiled_17track_answer_raises_only_disputekit_errors(
        case: tuple[str, tuple[Any, Mutation]]) -> None:
    endpoint, (doc, _mutation) = case
    answers = {name: json.dumps(body).encode() for name, body in SEVENTEEN.items()}
    answers[endpoint] = json.dumps(doc).encode()
    client = seventeen_answering(answers)
    try:
        if endpoint == "gettrackinfo":
            client.timelines(["LP1", "LP2"])
        elif endpoint == "register":
            client.register(["LP1", "LP2"])
        else:
            client.getquota()
    except DisputeKitError:
        pass
