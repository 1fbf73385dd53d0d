"""Terminal and browser safety (issue 21, item 8).

A platform's error message carrying terminal escapes (ANSI colours, a screen clear, an OSC
window title or hyperlink) reached the operator's terminal and ``sync_runs.error`` raw; now
every error made from the gateway's words is plain text. The simulator's ``/admin`` took
cross-origin POSTs with any ``Host``: a web page the operator opened could move its clock
or switch faults on; now it answers loopback names, loopback pages and JSON bodies only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest

from disputekit.adapters.aliexpress import AliExpressClient, Credentials, RetryPolicy
from disputekit.errors import DisputeKitError, PlatformError
from disputekit.simulator.app import RunningSimulator, serve_in_thread
from disputekit.simulator.gateway import Gateway
from disputekit.simulator.generator import MIN_DISPUTES
from disputekit.wire import envelope
from disputekit.wire.decoding import printable

HOSTILE = ("Remote \x1b[2J\x1b[31mservice\x1b[0m error \x1b]0;owned\x07"
           "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\ \x9b2J\r\nnext\x00\u202eline")
# Anything a terminal acts on: ESC and the other C0/C1 controls, bidi overrides.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_printable_removes_escapes_whole_and_keeps_the_words() -> None:
    assert printable(HOSTILE) == "Remote service error click  nextline"


def client_answering(error: dict[str, object]) -> AliExpressClient:
    body = json.dumps({"error_response": error}).encode()
    return AliExpressClient(
        base_url="http://gateway.invalid/sync", credentials=Credentials("123", "secret", "tok"),
        http=httpx.Client(transport=httpx.MockTransport(
            lambda _r: httpx.Response(200, content=body))),
        retry=RetryPolicy(attempts=1, base_delay=0.0), sleep=lambda _s: None)


@pytest.mark.parametrize("code", ["15", "IllegalAccessToken", "ApiCallLimit", "weird\x1b[5m"])
def test_a_platform_error_with_terminal_escapes_is_plain_text(code: str) -> None:
    error = {"code": code, "msg": HOSTILE, "sub_code": "isp.\x1b[8mhidden",
             "sub_msg": HOSTILE, "request_id": "r\x1b]52;c;Y2xpcA==\x07"}
    with pytest.raises(DisputeKitError) as caught:
        client_answering(error).issue_detail(1, "buyer")
    said = str(caught.value)
    assert not CONTROL.search(said), repr(said)
    assert "owned" not in said
    if code != "IllegalAccessToken":  # that one says to re-authorise, in its own words
        assert "Remote service error" in said
    if isinstance(caught.value, PlatformError):
        for field in ("code", "msg", "sub_code", "sub_msg", "request_id"):
            assert not CONTROL.search(str(getattr(caught.value, field, ""))), field


def test_the_wire_error_itself_is_plain_text() -> None:
    exc = envelope.platform_error("m", {"code": "15", "msg": HOSTILE})
    assert not CONTROL.search(str(exc)) and not CONTROL.search(exc.msg)


def clock(sim: RunningSimulator) -> datetime:
    return datetime.fromisoformat(httpx.get(f"{sim.url}/admin/state").json()["now"])


def unmoved(sim: RunningSimulator, before: datetime) -> bool:
    """The clock only ran on with the wall clock: no /admin/clock of 3 days went through."""
    return clock(sim) - before < timedelta(hours=1)


@pytest.fixture(scope="module")
def sim() -> Iterator[RunningSimulator]:
    running = serve_in_thread(Gateway(seed=31, disputes_per_store=MIN_DISPUTES))
    yield running
    running.stop()


def test_the_cli_and_tests_way_still_drives_admin(sim: RunningSimulator) -> None:
    assert httpx.get(f"{sim.url}/admin/state").status_code == 200
    assert httpx.post(f"{sim.url}/admin/faults", json={}).status_code == 200
    assert httpx.post(f"{sim.url}/admin/faults", json={},
                      headers={"Host": f"localhost:{sim.port}",
                               "Origin": f"http://localhost:{sim.port}"}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{8765}", "127.0.0.1.nip.io",
                                  "10.0.0.5:8765"])
def test_admin_refuses_a_host_that_is_not_loopback(sim: RunningSimulator, host: str) -> None:
    before = clock(sim)
    moved = httpx.post(f"{sim.url}/admin/clock", json={"days": 3}, headers={"Host": host})
    assert moved.status_code == 403
    assert httpx.get(f"{sim.url}/admin/state", headers={"Host": host}).status_code == 403
    assert unmoved(sim, before)


@pytest.mark.parametrize("origin", ["http://evil.example", "https://evil.example:8765",
                                    "null", "file://"])
def test_admin_refuses_a_cross_origin_post(sim: RunningSimulator, origin: str) -> None:
    before = clock(sim)
    moved = httpx.post(f"{sim.url}/admin/clock", json={"days": 3}, headers={"Origin": origin})
    assert moved.status_code == 403
    assert unmoved(sim, before)


@pytest.mark.parametrize(("content", "kind"), [
    ('{"days": 3}', "text/plain"),  # what a form with enctype=text/plain sends
    ("days=3", "application/x-www-form-urlencoded"),
    ('{"days": 3}', None),
])
def test_admin_refuses_a_body_that_is_not_declared_json(
        sim: RunningSimulator, content: str, kind: str | None) -> None:
    before = clock(sim)
    headers = {"Content-Type": kind} if kind else {}
    moved = httpx.post(f"{sim.url}/admin/clock", content=content.encode(), headers=headers)
    assert moved.status_code == 415
    assert unmoved(sim, before)
