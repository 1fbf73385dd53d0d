"""The simulator's contract, method by method and error by error, over real HTTP: what the
reference documents is what it answers (reference/aliexpress-api.md §1-§6)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from disputekit.adapters.aliexpress import AliExpressClient, Credentials, RetryPolicy
from disputekit.domain.platform_time import to_pacific_string
from disputekit.errors import AccessTokenError, InvalidRequestError
from disputekit.simulator.app import RunningSimulator, serve_in_thread
from disputekit.simulator.dataset import DEMO_APP_KEY, DEMO_APP_SECRET
from disputekit.simulator.gateway import Faults, Gateway
from disputekit.wire.signing import sign

TOKEN = "demo-token-spark"


@pytest.fixture
def sim(anchor: datetime) -> Iterator[RunningSimulator]:
    running = serve_in_thread(Gateway(seed=9, now=anchor))
    yield running
    running.stop()


def raw(sim: RunningSimulator, method: str, business: dict[str, str] | None = None, *,
        secret: str = DEMO_APP_SECRET, drop: tuple[str, ...] = (),
        override: dict[str, str] | None = None, simplify: bool = False) -> Any:
    """A hand-built signed call, so each protocol rule can be broken on purpose."""
    params = {"app_key": DEMO_APP_KEY, "method": method, "sign_method": "sha256",
              "timestamp": str(int(time.time() * 1000)), "session": TOKEN, "format": "json",
              "v": "2.0", "simplify": "true" if simplify else "false", **(business or {}),
              **(override or {})}
    for key in drop:
        params.pop(key, None)
    if "sign" not in drop:
        algorithm = params.get("sign_method", "sha256")
        algorithm = algorithm if algorithm in ("sha256", "md5", "hmac", "hmac-sha256") \
            else "sha256"
        params["sign"] = sign(params, secret, algorithm, method)
    return httpx.post(sim.sync_url, data=params, timeout=10)


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error_response"}, body
    error: dict[str, Any] = body["error_response"]
    assert error["request_id"]
    return error


LIST = "aliexpress.issue.issuelist.get"
QUERY = {"query_dto": json.dumps({"current_page": 1, "page_size": 5})}


@pytest.mark.parametrize(("broken", "code"), [
    ({"drop": ("method",)}, "21"),
    ({"override": {"method": "aliexpress.issue.seller.refuse"}}, "22"),
    ({"drop": ("app_key",)}, "28"),
    ({"override": {"app_key": "999"}}, "29"),
    ({"drop": ("timestamp",)}, "30"),
    ({"override": {"timestamp": "1517820392000"}}, "31"),  # 2018: far outside 7200 s
    ({"override": {"timestamp": "last tuesday"}}, "31"),
    ({"secret": "wrong"}, "IncompleteSignature"),
    ({"drop": ("sign",)}, "IncompleteSignature"),
    ({"override": {"sign_method": "sha1"}}, "IncompleteSignature"),
    ({"drop": ("session",)}, "IllegalAccessToken"),
    ({"override": {"session": "nobody"}}, "IllegalAccessToken"),
])
def test_protocol_errors(sim: RunningSimulator, broken: dict[str, Any], code: str) -> None:
    method = broken.get("override", {}).get("method", LIST)
    assert error_of(raw(sim, method, QUERY, **broken))["code"] == code


def test_argument_errors(sim: RunningSimulator) -> None:
    assert error_of(raw(sim, LIST))["code"] == "40"
    bad = raw(sim, LIST, {"query_dto": json.dumps({"page_size": 51})})
    assert error_of(bad)["code"] == "41" and "50" in error_of(bad)["sub_msg"]
    assert error_of(raw(sim, LIST, {"query_dto": "not json"}))["code"] == "41"
    missing = raw(sim, "aliexpress.issue.detail.get", {"issue_id": "1"})
    assert error_of(missing)["sub_code"] == "isv.missing-parameter:buyer_login_id"


def test_token_also_accepted_as_access_token_and_top_timestamps(sim: RunningSimulator) -> None:
    top_time = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 8 * 3600))
    response = raw(sim, LIST, QUERY, drop=("session",),
                   override={"access_token": TOKEN, "timestamp": top_time, "sign_method": "md5"})
    assert response.json()["aliexpress_issue_issuelist_get_response"]["total_item"] > 0
    old_top = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 8 * 3600 - 900))
    assert error_of(raw(sim, LIST, QUERY, override={"timestamp": old_top}))["code"] == "31"


def test_query_and_body_parameters_are_merged(sim: RunningSimulator) -> None:
    params = {"app_key": DEMO_APP_KEY, "method": LIST, "sign_method": "hmac-sha256",
              "timestamp": str(int(time.time() * 1000)), "session": TOKEN}
    params["sign"] = sign({**params, **QUERY}, DEMO_APP_SECRET, "hmac-sha256")
    response = httpx.post(sim.sync_url, params=params, data=QUERY)
    assert response.json()["aliexpress_issue_issuelist_get_response"]["page_size"] == 5


def test_both_envelopes_and_empty_wrapped_lists(sim: RunningSimulator) -> None:
    record = next(r for r in sim.gateway.datasets["spark"].issues
                  if any(not p["attachments"] for p in r.detail["process_dto_list"]))
    business = {"issue_id": str(record.summary["issue_id"]),
                "buyer_login_id": record.summary["buyer_login_id"]}
    wrapped = raw(sim, "aliexpress.issue.detail.get", business).json()
    obj = wrapped["aliexpress_issue_detail_get_response"]["result_object"]
    processes = obj["process_dto_list"]["api_issue_process_dto"]
    assert any(p["attachments"] == {} for p in processes)  # empty list sent as {}
    assert isinstance(obj["buyer_solution_list"]["solution_api_dto"], list)
    plain = raw(sim, "aliexpress.issue.detail.get", business, simplify=True).json()
    assert isinstance(plain["result_object"]["process_dto_list"], list)
    listed = raw(sim, LIST, QUERY).json()["aliexpress_issue_issuelist_get_response"]
    assert len(listed["data_list"]["issue_api_issue_dto"]) == 5


def test_rate_limit_names_the_ban(anchor: datetime) -> None:
    running = serve_in_thread(Gateway(seed=9, now=anchor, qps=2))
    try:
        answers = [raw(running, LIST, QUERY) for _ in range(4)]
    finally:
        running.stop()
    limited = [error_of(a) for a in answers if "error_response" in a.json()]
    assert limited and limited[0]["code"] == "ApiCallLimit"
    assert limited[0]["sub_code"] == "accesscontrol.limited-by-app-api-access-count"
    assert limited[0]["sub_msg"] == "This ban will last for 1 more seconds"


@pytest.mark.parametrize(("faults", "check"), [
    (Faults(isp_error=1.0), lambda r: r.json()["error_response"]["sub_code"].startswith("isp.")),
    (Faults(http_5xx=1.0), lambda r: r.status_code == 502),
    (Faults(truncated=1.0), lambda r: r.text.startswith("{") and not r.text.endswith("}")),
])
def test_injected_faults(sim: RunningSimulator, faults: Faults, check: Any) -> None:
    sim.gateway.faults = faults
    assert check(raw(sim, LIST, QUERY))


def test_order_methods(sim: RunningSimulator) -> None:
    credentials = Credentials(DEMO_APP_KEY, DEMO_APP_SECRET, TOKEN)
    with AliExpressClient(base_url=sim.sync_url, credentials=credentials,
                          retry=RetryPolicy(attempts=1)) as client:
        ds = sim.gateway.datasets["spark"]
        order_id = next(iter(ds.orders))
        found, _ = client.find_order(order_id)
        info, _ = client.order(order_id)
        assert found == info and found.id == order_id
        total, page = client.order_page(1)
        assert total > len(ds.orders) and len(page) == 50  # disputed and quiet orders
        assert all(o.order_status != "FINISH" for o in page)  # FINISH only when asked for
        finished, _ = client.order_page(1, statuses=["FINISH"])
        assert finished > 0
        since = to_pacific_string(sim.gateway.now - timedelta(days=7))
        recent = list(client.iter_orders(
            created_from=since, statuses=["WAIT_SELLER_SEND_GOODS", "WAIT_BUYER_ACCEPT_GOODS"]))
        assert recent and all(
            o.gmt_create and o.gmt_create >= sim.gateway.now - timedelta(days=7) for o in recent)
        with pytest.raises(InvalidRequestError, match="order-not-found"):
            client.order(1)


def test_addresses_extension_and_tracking(sim: RunningSimulator) -> None:
    credentials = Credentials(DEMO_APP_KEY, DEMO_APP_SECRET, TOKEN)
    with AliExpressClient(base_url=sim.sync_url, credentials=credentials,
                          retry=RetryPolicy(attempts=1)) as client:
        addresses = client.seller_addresses(("refund", "sender"))
        assert len(addresses["refund"]) == 2 and addresses["sender"][0].is_default
        order_id = next(iter(sim.gateway.datasets["spark"].orders))
        assert client.extend_protection(order_id, 10) is True
        assert sim.gateway.lifecycle.extensions[order_id] == 10
        with pytest.raises(InvalidRequestError, match="isv.invalid-days"):
            client.extend_protection(order_id, 365)
        assert client.tracking("NOSUCH123", order_id=order_id, service_name="CPAM",
                               to_area="BR") == []


def test_token_refresh_via_rest_and_expiry(sim: RunningSimulator) -> None:
    refreshed: list[Credentials] = []
    with AliExpressClient(
        base_url=sim.sync_url, store_id="spark", retry=RetryPolicy(attempts=1),
        credentials=Credentials(DEMO_APP_KEY, DEMO_APP_SECRET, TOKEN, "demo-refresh-spark"),
        on_token_refreshed=refreshed.append) as client:
        sim.gateway.expire_token("spark")
        total, _ = client.issue_page(1, 5)  # expired → refreshed → answered
        assert total > 0 and len(refreshed) == 1
        assert refreshed[0].access_token != TOKEN and "***" in repr(refreshed[0])
        # The old token is dead for everyone now.
        assert error_of(raw(sim, LIST, QUERY))["code"] == "IllegalAccessToken"
        bad = httpx.post(f"{sim.url}/rest/auth/token/refresh", data={"app_key": DEMO_APP_KEY})
        assert set(bad.json()) >= {"type", "code", "message", "request_id"}  # GOP error shape
    dead = Credentials(DEMO_APP_KEY, DEMO_APP_SECRET, "gone", "not-a-refresh-token")
    with AliExpressClient(base_url=sim.sync_url, store_id="spark", credentials=dead,
                          retry=RetryPolicy(attempts=1)) as stale, \
            pytest.raises(AccessTokenError, match="Re-authorise store 'spark'"):
        stale.issue_page(1, 5)


def test_admin_clock_moves_time_and_fires_timers(sim: RunningSimulator) -> None:
    before = httpx.get(f"{sim.url}/admin/state").json()
    moved = httpx.post(f"{sim.url}/admin/clock", json={"days": 6}).json()
    after = httpx.get(f"{sim.url}/admin/state").json()
    assert moved["events"] > 0
    assert datetime.fromisoformat(after["now"]) - datetime.fromisoformat(before["now"]) \
        >= timedelta(days=6)
    waiting_before = sum(s.get("wait_for_seller_response", 0) for s in before["stores"].values())
    waiting_after = sum(s.get("wait_for_seller_response", 0) for s in after["stores"].values())
    assert waiting_after < waiting_before  # timeouts executed the buyers' plans
    assert httpx.post(f"{sim.url}/admin/clock", json={"days": -1}).status_code == 400
    assert httpx.post(f"{sim.url}/admin/faults", json={"bogus": 1}).status_code == 400
