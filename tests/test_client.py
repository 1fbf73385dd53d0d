"""The client against the simulator over real HTTP on loopback (the contract)."""

from __future__ import annotations

import json
from datetime import datetime

import httpx
import pytest

from disputekit.adapters.aliexpress import AliExpressClient, Credentials, RetryPolicy
from disputekit.errors import (
    AccessTokenError,
    InvalidRequestError,
    MalformedPayloadError,
    PlatformUnreachableError,
    RateLimitedError,
    SignatureError,
)
from disputekit.simulator.app import RunningSimulator, serve_in_thread
from disputekit.simulator.dataset import DEMO_APP_KEY, DEMO_APP_SECRET
from disputekit.simulator.gateway import Gateway

NO_WAIT = RetryPolicy(attempts=4, base_delay=0.0)


def client_for(url: str, store: str = "volt", **kwargs: object) -> AliExpressClient:
    creds = Credentials(DEMO_APP_KEY, DEMO_APP_SECRET, f"demo-token-{store}")
    return AliExpressClient(base_url=url, credentials=creds, retry=NO_WAIT,
                            **kwargs)  # type: ignore[arg-type]


def test_pages_through_every_dispute(simulator: RunningSimulator) -> None:
    expected = [r.summary["issue_id"] for r in simulator.gateway.datasets["volt"].issues]
    with client_for(simulator.sync_url) as client:
        total, first = client.issue_page(1, 50)
        listed = [s.issue_id for s in client.iter_issues()]
    assert total == len(expected) > 100
    assert len(first) == 50
    assert listed == expected  # every one, once, in the platform's order


def test_status_filter_and_page_size_limit(simulator: RunningSimulator) -> None:
    open_ids = {r.summary["issue_id"] for r in simulator.gateway.datasets["spark"].issues
                if r.summary["issue_status"] == "processing"}
    with client_for(simulator.sync_url, "spark") as client:
        got = {s.issue_id for s in client.iter_issues(status="processing", page_size=7)}
        with pytest.raises(ValueError, match="page_size"):
            client.issue_page(1, 51)
    assert got == open_ids


@pytest.mark.parametrize("simplify", [False, True])
def test_detail_order_and_tracking(simulator: RunningSimulator, simplify: bool) -> None:
    record = next(r for r in simulator.gateway.datasets["volt"].issues
                  if r.truth == "delivered_disputed")
    with client_for(simulator.sync_url, simplify=simplify) as client:
        detail, raw = client.issue_detail(record.summary["issue_id"],
                                          record.summary["buyer_login_id"])
        order, _ = client.order(detail.parent_order_id)
        info = order.logistic_info_list[0]
        events = client.tracking(info.logistics_no, order_id=order.id,
                                 service_name=info.logistics_type_code,
                                 to_area=order.buyer_info.country)
    assert detail.order_id == record.summary["order_id"]
    assert isinstance(raw["process_dto_list"], list)
    assert detail.process_dto_list[0].action_type == "initiate"
    assert isinstance(detail.gmt_create, datetime) and detail.gmt_create.tzinfo is not None
    assert any(c.child_order_id == detail.order_id for c in order.child_order_list)
    assert events and events[-1].action_code == "GTMS_SIGNED" and events[-1].signed_name
    assert [e.event_date for e in events] == sorted(e.event_date for e in events)


def test_md5_signing_is_accepted(simulator: RunningSimulator) -> None:
    with client_for(simulator.sync_url, sign_method="md5") as client:
        total, _ = client.issue_page(1, 5)
    assert total > 0


def test_wrong_secret_is_a_signature_error(simulator: RunningSimulator) -> None:
    creds = Credentials(DEMO_APP_KEY, "not-the-secret", "demo-token-volt")
    with AliExpressClient(base_url=simulator.sync_url, credentials=creds,
                          retry=NO_WAIT) as client, pytest.raises(SignatureError) as info:
        client.issue_page(1, 5)
    assert info.value.code == "IncompleteSignature"
    assert "app secret" in str(info.value)


def test_unknown_token_is_an_access_token_error(simulator: RunningSimulator) -> None:
    creds = Credentials(DEMO_APP_KEY, DEMO_APP_SECRET, "expired-token")
    with AliExpressClient(base_url=simulator.sync_url, credentials=creds,
                          retry=NO_WAIT) as client, pytest.raises(AccessTokenError,
                                                                  match="Re-authorise this store"):
        client.issue_page(1, 5)


def test_unknown_issue_is_an_invalid_request(simulator: RunningSimulator) -> None:
    with client_for(simulator.sync_url) as client, pytest.raises(InvalidRequestError):
        client.issue_detail(1, "nobody")


def test_clock_skew_is_refused(simulator: RunningSimulator) -> None:
    with client_for(simulator.sync_url, clock=lambda: 1_000_000.0) as client, \
            pytest.raises(InvalidRequestError, match="Invalid Timestamp"):
        client.issue_page(1, 5)


def test_rate_limit_is_retried_until_it_passes(anchor: datetime) -> None:
    # One call per second per app key; the client's sleeps move the shared fake clock.
    now = [1.7e9]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    gateway = Gateway(seed=3, now=anchor, qps=1, clock=lambda: now[0])
    running = serve_in_thread(gateway)
    try:
        creds = Credentials(DEMO_APP_KEY, DEMO_APP_SECRET, "demo-token-volt")
        with AliExpressClient(base_url=running.sync_url, credentials=creds,
                              retry=RetryPolicy(attempts=5, base_delay=0.0),
                              clock=lambda: now[0], sleep=sleep) as client:
            first = client.issue_page(1, 5)
            second = client.issue_page(1, 5)  # limited at first, then let through
            assert first == second
            assert slept == [1.0]  # waited exactly as long as the ban said, once
            client.retry = RetryPolicy(attempts=1)
            with pytest.raises(RateLimitedError):
                client.issue_page(1, 5)
    finally:
        running.stop()


def test_unreachable_gateway_says_so() -> None:
    with client_for("http://127.0.0.1:9/sync") as client, \
            pytest.raises(PlatformUnreachableError, match="cannot reach"):
        client.issue_page(1, 5)


def test_malformed_payloads_are_refused_with_the_field_named() -> None:
    # The outside world misbehaving: a gateway that drops a documented field.
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"aliexpress_issue_issuelist_get_response": {
            "current_page": 1, "page_size": 50, "total_item": 1,
            "data_list": {"issue_api_issue_dto": [{"issue_id": "not-a-number"}]}}}
        return httpx.Response(200, text=json.dumps(body))

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with client_for("https://gateway.invalid/sync", http=http) as client, \
            pytest.raises(MalformedPayloadError, match="issue_id"):
        client.issue_page(1)


def test_non_json_answer_is_retried_then_reported() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, text="<html>maintenance</html>")

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with client_for("https://gateway.invalid/sync", http=http) as client, \
            pytest.raises(MalformedPayloadError, match="not complete JSON"):
        client.issue_page(1)
    assert len(calls) == NO_WAIT.attempts  # a cut-off body may be a hiccup: retried


def test_requests_follow_the_documented_protocol() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"current_page": 1, "page_size": 50,
                                         "total_item": 0, "data_list": []})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with client_for("https://api-sg.aliexpress.com/sync", http=http,
                    clock=lambda: 1517820392.0) as client:
        client.issue_page(1)
    request = seen[0]
    query = dict(request.url.params)
    body = dict(httpx.QueryParams(request.content.decode()))
    assert request.method == "POST"
    assert query["method"] == "aliexpress.issue.issuelist.get"
    assert query["timestamp"] == "1517820392000"
    assert query["sign_method"] == "sha256" and len(query["sign"]) == 64
    assert json.loads(body["query_dto"]) == {"current_page": 1, "page_size": 50}
    assert "session" not in query and body["session"] == "demo-token-volt"  # never in a URL
    from disputekit.wire.signing import verify
    assert verify({**query, **body}, DEMO_APP_SECRET, api_name=query["method"])
