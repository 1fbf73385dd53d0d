"""The 17TRACK client against the 17TRACK simulator over real HTTP on loopback; the webhook."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from disputekit.adapters.seventeentrack import (
    ERROR_CODES,
    BatchResult,
    InMemoryLedger,
    RetryPolicy,
    SeventeenTrackClient,
    verify_webhook,
    webhook_endpoint,
)
from disputekit.domain.platform_time import parse_pacific
from disputekit.domain.stalls import LaneThresholds, StallState, stall_state
from disputekit.domain.tracking import Timeline, from_17track, from_aliexpress
from disputekit.errors import (
    MalformedPayloadError,
    TrackingAuthError,
    TrackingRateLimitedError,
    TrackingRequestError,
    TrackingUnavailableError,
    WebhookSignatureError,
)
from disputekit.simulator.dataset import StoreDataset, generate
from disputekit.simulator.seventeentrack import CARRIER_KEYS, create_17track_app

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
KEY = "test-17track-key"
CHINA_POST, YANWEN, CAINIAO = 3011, 190012, CARRIER_KEYS["Cainiao"]

# Every code of reference/tracking-api.md §1.7, transcribed independently of the client.
REFERENCE_CODES = (
    -18010001, -18010002, -18010003, -18010004, -18010005,
    -18010010, -18010011, -18010012, -18010013, -18010014, -18010015, -18010016,
    -18010018, -18010019, -18010020, -18010022,
    -18010201, -18010202, -18010203, -18010204, -18010205, -18010206,
    -18019801, -18019802, -18019803, -18019804, -18019805, -18019806, -18019807, -18019808,
    -18019809, -18019810, -18019811,
    -18019815, -18019816, -18019817, -18019818,
    -18019901, -18019902, -18019903, -18019904, -18019905, -18019906, -18019907, -18019908,
    -18019909, -18019910, -18019911, -18019912,
)


# -- serving ---------------------------------------------------------------------------------


@contextmanager
def serving(app: Starlette) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) from a thread; yields the base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                            access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the test server could not start")
        threading.Event().wait(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class FakeTime:
    """One clock for the simulator and the client; ``sleep`` records and moves it on."""

    now: float = 1_000_000.0
    advance_on_sleep: bool = True
    waits: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.advance_on_sleep:
            self.now += seconds


@dataclass
class Recorder:
    """Request paths and body sizes as they leave the client."""

    sent: list[tuple[str, int]] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> None:
        body = json.loads(request.content or b"null")
        self.sent.append((request.url.path.rsplit("/", 1)[-1],
                          len(body) if isinstance(body, list) else 0))

    def paths(self) -> list[str]:
        return [path for path, _ in self.sent]


@pytest.fixture(scope="module")
def demo() -> dict[str, StoreDataset]:
    return generate(7, NOW)


@pytest.fixture(scope="module")
def numbers(demo: dict[str, StoreDataset]) -> list[str]:
    return sorted(n for ds in demo.values() for n, events in ds.tracking.items() if events)


@dataclass
class Rig:
    url: str
    time: FakeTime
    recorder: Recorder
    http: httpx.Client

    def client(self, **options: Any) -> SeventeenTrackClient:
        options.setdefault("sleep", self.time.sleep)
        options.setdefault("clock", self.time)
        options.setdefault("rate_per_second", None)
        return SeventeenTrackClient(options.pop("key", KEY), f"{self.url}/track/v2.2",
                                    http=self.http, **options)


@pytest.fixture
def make_rig(demo: dict[str, StoreDataset]) -> Iterator[Callable[..., Rig]]:
    stack: list[Any] = []

    def make(**app_options: Any) -> Rig:
        fake = FakeTime(advance_on_sleep=app_options.pop("advance_on_sleep", True))
        app = create_17track_app(demo, KEY, clock=fake, now=NOW, **app_options)
        served = serving(app)
        url = served.__enter__()
        recorder = Recorder()
        http = httpx.Client(event_hooks={"request": [recorder]}, timeout=10)
        stack.append((served, http))
        return Rig(url, fake, recorder, http)

    yield make
    for served, http in stack:
        http.close()
        served.__exit__(None, None, None)


@pytest.fixture
def rig(make_rig: Callable[..., Rig]) -> Rig:
    return make_rig(quota_total=2000)


# -- batching, ledger, quota -----------------------------------------------------------------


def test_95_numbers_go_in_three_batches(rig: Rig, numbers: list[str]) -> None:
    client = rig.client()
    result = client.register(numbers[:95])
    assert rig.recorder.sent == [("register", 40), ("register", 40), ("register", 15),
                                 ("getquota", 0)]
    assert result.calls == 4 and len(result.accepted) == 95 and not result.rejected
    assert result.quota is not None and result.quota.used == 95
    assert {a["number"] for a in result.accepted} == set(numbers[:95])
    info = client.gettrackinfo(numbers[:95])
    assert [s for s in rig.recorder.sent[4:]] == [("gettrackinfo", 40), ("gettrackinfo", 40),
                                                  ("gettrackinfo", 15)]
    assert len(info.accepted) == 95


def test_the_same_number_and_carrier_is_never_registered_twice(rig: Rig, numbers: list[str]
                                                               ) -> None:
    client = rig.client()
    client.register(numbers[:3] + [numbers[0]])  # a repeat inside one call too
    assert rig.recorder.sent[0] == ("register", 3)
    sent = len(rig.recorder.sent)
    again = client.register(numbers[:3])
    assert again.skipped == tuple(numbers[:3]) and not again.accepted
    assert len(rig.recorder.sent) == sent  # nothing left the client
    assert client.getquota().used == 3


def test_a_second_client_learns_from_already_registered(rig: Rig, numbers: list[str]) -> None:
    rig.client().register(numbers[:2])
    ledger = InMemoryLedger()
    fresh = rig.client(ledger=ledger)
    result = fresh.register(numbers[:2])
    assert [r.code for r in result.already_registered] == [-18019901, -18019901]
    assert ledger.carriers(numbers[0]) == {0}  # registered; carrier unknown to us
    assert fresh.register(numbers[:2]).skipped == tuple(numbers[:2])
    assert fresh.getquota().used == 2  # the rejections cost nothing


def test_explicit_carrier_is_a_separate_registration(rig: Rig, numbers: list[str]) -> None:
    client = rig.client()
    client.register([numbers[0]], carrier=CHINA_POST)
    assert client.register([numbers[0]], carrier=CHINA_POST).skipped == (numbers[0],)
    second = client.register([{"number": numbers[0], "carrier": YANWEN}])
    assert [a["carrier"] for a in second.accepted] == [YANWEN]
    assert client.ledger.carriers(numbers[0]) == {CHINA_POST, YANWEN}
    # without a carrier, any registration of the number is enough to skip it
    assert client.register([numbers[0]]).skipped == (numbers[0],)


def test_quota_running_low_warns(make_rig: Callable[..., Rig], numbers: list[str],
                                 caplog: pytest.LogCaptureFixture) -> None:
    rig = make_rig(quota_total=12)
    client = rig.client(quota_warning_at=10)
    with caplog.at_level(logging.WARNING, logger="disputekit.adapters.seventeentrack"):
        first = client.register(numbers[:1])
        assert not first.quota_low and not caplog.records
        second = client.register(numbers[1:3])
    assert second.quota_low and second.quota is not None and second.quota.remain == 9
    assert "quota is running low: 9 of 12 left" in caplog.text


def test_quota_exhausted_is_rejected_and_flagged(make_rig: Callable[..., Rig],
                                                 numbers: list[str]) -> None:
    rig = make_rig(quota_total=2)
    result = rig.client().register(numbers[:3])
    assert len(result.accepted) == 2
    assert [(r.number, r.code) for r in result.rejected] == [(numbers[2], -18019908)]
    assert "buy more quota" in result.rejected[0].fix
    assert result.quota_low and result.quota is not None and result.quota.remain == 0


# -- rejections ------------------------------------------------------------------------------


def test_every_reference_error_code_has_a_meaning_and_a_fix() -> None:
    assert len(REFERENCE_CODES) == len(set(REFERENCE_CODES)) == 49
    assert set(ERROR_CODES) == set(REFERENCE_CODES)
    for code in REFERENCE_CODES:
        assert ERROR_CODES[code].meaning and ERROR_CODES[code].fix, code


Scenario = Callable[[SeventeenTrackClient, list[str]], BatchResult]


def _registered(action: Scenario) -> Scenario:
    """``action`` on a client that has just registered the first (Cainiao) number."""
    def run(client: SeventeenTrackClient, numbers: list[str]) -> BatchResult:
        client.register(numbers[:1])
        return action(client, numbers)
    return run


def _registered_elsewhere(client: SeventeenTrackClient, numbers: list[str]) -> BatchResult:
    """Registered by someone else, so only 17TRACK itself can refuse the second one."""
    client.register(numbers[:1])
    client.ledger.forget(numbers[0], CAINIAO)
    return client.register(numbers[:1])


def _stop_twice(client: SeventeenTrackClient, numbers: list[str]) -> BatchResult:
    client.stoptrack(numbers[:1])
    return client.stoptrack(numbers[:1])


def _retrack_twice(client: SeventeenTrackClient, numbers: list[str]) -> BatchResult:
    client.stoptrack(numbers[:1])
    client.retrack(numbers[:1])
    client.stoptrack(numbers[:1])
    return client.retrack(numbers[:1])


def _unknown_number_info(client: SeventeenTrackClient, _numbers: list[str]) -> BatchResult:
    client.register(["ZZ999999999ZZ"], carrier=CHINA_POST)  # accepted: a carrier was named
    return client.gettrackinfo(["ZZ999999999ZZ"])


def _change(**change: int) -> Scenario:
    return _registered(lambda c, n: c.changecarrier([{"number": n[0], **change}]))


def _change_stopped(client: SeventeenTrackClient, numbers: list[str]) -> BatchResult:
    client.stoptrack(numbers[:1])
    return client.changecarrier([{"number": numbers[0], "carrier_old": CAINIAO,
                                  "carrier_new": YANWEN}])


REJECTIONS: dict[int, Scenario] = {
    -18010010: lambda c, n: c.register([" "]),
    -18010012: lambda c, n: c.register(["12-34"]),
    -18019901: _registered_elsewhere,
    -18019902: lambda c, n: c.gettrackinfo(n[:1]),
    -18019903: lambda c, n: c.register(["ZZ999999999ZZ"]),
    -18019904: _registered(lambda c, n: c.retrack(n[:1])),
    -18019905: _registered(_retrack_twice),
    -18019906: _registered(_stop_twice),
    -18019909: _unknown_number_info,
    -18019910: lambda c, n: c.register(n[:1], carrier=12345),
    -18019801: _change(carrier_new=YANWEN),
    -18019802: _change(carrier_old=CAINIAO, carrier_new=12345),
    -18019803: _change(carrier_old=YANWEN, carrier_new=YANWEN),
    -18019804: _change(carrier_old=CAINIAO),
    -18019805: _change(carrier_old=3013, carrier_new=YANWEN),
    -18019806: _registered(_change_stopped),
}


@pytest.mark.parametrize("code", sorted(REJECTIONS), ids=str)
def test_each_rejection_code_comes_back_typed(rig: Rig, numbers: list[str], code: int) -> None:
    # the number registered for these scenarios must be a Cainiao one (carrier_old below)
    cainiao = [n for n in numbers if n.startswith("LP")]
    result = REJECTIONS[code](rig.client(), cainiao)
    assert [r.code for r in result.rejected] == [code]
    assert not result.accepted
    rejection = result.rejected[0]
    assert rejection.fix == ERROR_CODES[code].fix and rejection.message
    assert str(code) in str(rejection) and rejection.fix in str(rejection)


def test_carrier_changes_stop_after_five(rig: Rig, numbers: list[str]) -> None:
    client = rig.client()
    number = next(n for n in numbers if n.startswith("LP"))
    client.register([number])
    keys = [YANWEN, CHINA_POST, 3013, YANWEN, CHINA_POST, 3013]
    old = CAINIAO
    outcomes = []
    for new in keys:
        result = client.changecarrier([{"number": number, "carrier_old": old,
                                        "carrier_new": new}])
        outcomes.append([r.code for r in result.rejected])
        if result.accepted:
            old = new
    assert outcomes == [[], [], [], [], [], [-18019807]]
    assert client.ledger.carriers(number) == {CHINA_POST}  # the ledger followed the changes


def test_wrong_carrier_reads_as_invalid_code_and_delete_frees_the_ledger(
        rig: Rig, numbers: list[str]) -> None:
    client = rig.client()
    number = next(n for n in numbers if n.startswith("LP"))
    client.register([number], carrier=YANWEN)
    timelines, _ = client.timelines([number])
    assert timelines[number].sub_status == "NotFound_InvalidCode" and not timelines[number].events
    deleted = client.deletetrack([number])
    assert len(deleted.accepted) == 1 and client.ledger.carriers(number) == set()
    assert len(client.register([number]).accepted) == 1  # costs quota again, as 17TRACK does


def test_more_than_40_is_a_request_level_error(rig: Rig, numbers: list[str]) -> None:
    response = rig.http.post(f"{rig.url}/track/v2.2/register", headers={"17token": KEY},
                             json=[{"number": n} for n in numbers[:41]])
    body = response.json()
    assert response.status_code == 200 and body["code"] == -18010014
    assert body["data"]["errors"][0]["code"] == -18010014


def test_request_level_codes_raise_with_the_fix() -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"code": -18010014, "data": {"errors": [
            {"code": -18010014, "message": "more than 40"}]}})

    client = SeventeenTrackClient(KEY, http=httpx.Client(transport=httpx.MockTransport(handler)),
                                  rate_per_second=None)
    with pytest.raises(TrackingRequestError, match="split the list") as caught:
        client.register(["RR123456789CN"])
    assert caught.value.code == -18010014


def test_wrong_key_raises_at_once(rig: Rig) -> None:
    with pytest.raises(TrackingAuthError, match="copy the key again") as caught:
        rig.client(key="not-the-key").getquota()
    assert caught.value.status == 401 and caught.value.code == -18010002
    assert len(rig.recorder.sent) == 1 and rig.time.waits == []  # never retried


def test_only_post_is_served(rig: Rig) -> None:
    assert rig.http.get(f"{rig.url}/track/v2.2/getquota",
                        headers={"17token": KEY}).status_code == 404
    assert rig.http.post(f"{rig.url}/track/v2.2/nothing", headers={"17token": KEY},
                         json={}).status_code == 404
    with pytest.raises(TrackingRequestError, match="/track/v2.2"):
        SeventeenTrackClient(KEY, f"{rig.url}/track/v9", http=rig.http,
                             rate_per_second=None).getquota()


# -- rate limit ------------------------------------------------------------------------------


def test_429_backs_off_and_succeeds(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig(rate_per_second=1.0)
    client = rig.client()
    client.getquota()
    client.getquota()  # same instant: the bucket is empty, 17TRACK answers 429
    assert rig.recorder.paths() == ["getquota"] * 3
    assert rig.time.waits == [1.0]  # first back-off step; the bucket refills meanwhile


def test_429_on_every_attempt_raises_after_exponential_waits(make_rig: Callable[..., Rig]
                                                              ) -> None:
    rig = make_rig(rate_per_second=1.0, advance_on_sleep=False)
    client = rig.client(retry=RetryPolicy(attempts=5, base_delay=0.5, max_delay=3.0))
    client.getquota()
    with pytest.raises(TrackingRateLimitedError, match="about 3 requests a second") as caught:
        client.getquota()
    assert caught.value.status == 429
    assert rig.time.waits == [0.5, 1.0, 2.0, 3.0]  # capped at max_delay
    assert rig.recorder.paths() == ["getquota"] * 6


def test_pacing_keeps_under_the_limit(make_rig: Callable[..., Rig], numbers: list[str]) -> None:
    rig = make_rig(rate_per_second=3.0, quota_total=500)
    client = rig.client(rate_per_second=3.0)
    result = client.register(numbers[:200])  # 5 batches + getquota, back to back
    assert len(result.accepted) == 200
    assert rig.recorder.paths() == ["register"] * 5 + ["getquota"]  # never a 429
    assert all(w == pytest.approx(1 / 3) for w in rig.time.waits[-3:])


def test_retry_after_is_honoured_when_longer() -> None:
    assert RetryPolicy().delay(1, retry_after=7.0) == 7.0
    assert RetryPolicy().delay(3, retry_after=0.5) == 4.0


@pytest.mark.parametrize("status", [500, 503])
def test_server_faults_are_retried(status: int) -> None:
    answers = [httpx.Response(status), httpx.Response(
        200, json={"code": 0, "data": {"quota_total": 100, "quota_used": 1,
                                       "quota_remain": 99, "today_used": 1,
                                       "max_track_daily": 0}})]
    waits: list[float] = []
    client = SeventeenTrackClient(
        KEY, http=httpx.Client(transport=httpx.MockTransport(lambda r: answers.pop(0))),
        sleep=waits.append, rate_per_second=None)
    assert client.getquota().remain == 99 and waits == [1.0]


def test_unreachable_raises_unavailable_after_retries() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    waits: list[float] = []
    client = SeventeenTrackClient(
        KEY, http=httpx.Client(transport=httpx.MockTransport(refuse)), sleep=waits.append,
        rate_per_second=None, retry=RetryPolicy(attempts=3))
    with pytest.raises(TrackingUnavailableError, match="could not be reached"):
        client.getquota()
    assert waits == [1.0, 2.0]


# -- tracking through 17TRACK ----------------------------------------------------------------


def _truths(demo: dict[str, StoreDataset]) -> dict[str, str]:
    truths = {}
    for dataset in demo.values():
        for record in dataset.issues:
            order = dataset.orders[record.detail["parent_order_id"]]
            truths[order["logistic_info_list"][0]["logistics_no"]] = record.truth
    return truths


def test_every_demo_parcel_reads_the_same_through_17track(
        make_rig: Callable[..., Rig], demo: dict[str, StoreDataset]) -> None:
    rig = make_rig(quota_total=5000)
    client = rig.client()
    details = {n: events for ds in demo.values() for n, events in ds.tracking.items()}
    registered = client.register(sorted(details))
    assert len(registered.accepted) == len(details) and not registered.rejected
    timelines, rejected = client.timelines(sorted(details))
    assert not rejected and set(timelines) == set(details)
    lane = LaneThresholds()

    def facts(t: Timeline) -> tuple[Any, ...]:
        return (t.delivered, t.signed_by, t.customs_hold, t.buyer_must_act, t.returned, t.lost,
                stall_state(t, lane, NOW), t.last_location, [e.at for e in t.events])

    for number, events in details.items():
        assert facts(timelines[number]) == facts(from_aliexpress(number, events)), number
    truths = _truths(demo)
    stalled = [timelines[n] for n, cls in truths.items() if cls == "stalled_in_transit"]
    assert {stall_state(t, lane, NOW) for t in stalled} == {StallState.STALLED,
                                                           StallState.PRESUMED_LOST}
    # 17TRACK's own verdict on a parcel silent for 30 days is Expired
    old = [t for t in stalled if (t.days_since_last_event(NOW) or 0) >= 30]
    assert old and all(t.sub_status == "Expired_Other" for t in old)


def test_track_info_wire_shape(rig: Rig, demo: dict[str, StoreDataset]) -> None:
    truths = _truths(demo)
    tracking = {n: e for ds in demo.values() for n, e in ds.tracking.items()}
    number = next(n for n, cls in truths.items() if cls == "delivered_disputed"
                  and tracking[n][-1]["address"].endswith(", BR"))
    client = rig.client()
    client.register([number])
    item = client.gettrackinfo([number]).accepted[0]
    info = item["track_info"]
    assert item["number"] == number and item["carrier"] in CARRIER_KEYS.values()
    assert info["latest_status"] == {"status": "Delivered", "sub_status": "Delivered_Other",
                                     "sub_status_descr": None}
    events = [e for p in info["tracking"]["providers"] for e in p["events"]]
    assert len(info["tracking"]["providers"]) == 2  # origin carrier, then the BR post
    source = tracking[number]
    assert len(events) == len(source)
    delivered = info["latest_event"]
    signed = source[-1]
    at = parse_pacific(signed["event_date"])
    assert at is not None
    assert delivered["time_utc"] == at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert delivered["time_iso"].endswith("-03:00")  # Sao Paulo, no DST since 2019
    assert datetime.fromisoformat(delivered["time_iso"]) == at
    assert delivered["stage"] == "Delivered" and delivered["sub_status"] == "Delivered_Other"
    assert delivered["location"] == signed["address"]
    assert signed["signed_name"] in delivered["description"]
    shenzhen = [e for e in events if e["address"]["country"] == "CN"]
    assert shenzhen and all(e["time_iso"].endswith("+08:00") for e in shenzhen)
    metrics = info["time_metrics"]
    assert metrics["days_after_last_update"] == math.floor((NOW - at) / timedelta(days=1))
    first = parse_pacific(source[0]["event_date"])
    assert first is not None
    assert metrics["days_of_transit_done"] == math.floor((at - first) / timedelta(days=1))
    stones = {m["key_stage"]: m["time_utc"] for m in info["milestone"]}
    assert stones["Delivered"] == delivered["time_utc"] and stones["Returned"] is None
    assert info["shipping_info"]["recipient_address"]["country"] == "BR"


def test_a_parcel_without_events_is_not_found(rig: Rig, demo: dict[str, StoreDataset]) -> None:
    number = next(n for ds in demo.values() for n, e in ds.tracking.items() if not e)
    client = rig.client()
    client.register([number])
    timeline = client.timelines([number])[0][number]
    assert timeline.sub_status == "NotFound_Other" and timeline.events == ()


def test_tracking_stops_after_30_quiet_days_and_can_be_retracked_once(
        rig: Rig, numbers: list[str]) -> None:
    client = rig.client()
    client.register(numbers[:1])
    assert not client.stoptrack(numbers[:1]).rejected
    assert not client.retrack(numbers[:1]).rejected
    rig.time.now += 31 * 86400  # a month of simulated silence
    assert [r.code for r in client.stoptrack(numbers[:1]).rejected] == [-18019906]
    assert [r.code for r in client.retrack(numbers[:1]).rejected] == [-18019905]


# -- webhook ---------------------------------------------------------------------------------

PUSH = json.dumps({"event": "TRACKING_UPDATED", "data": {
    "number": "RR123456789CN", "carrier": 3011, "tag": "8123",
    "track_info": {"latest_status": {"status": "Delivered", "sub_status": "Delivered_Other"}}}},
    separators=(",", ":")).encode()


def sign(body: bytes, key: str = KEY) -> str:
    return hashlib.sha256(body + b"/" + key.encode()).hexdigest()


def test_webhook_signature_valid() -> None:
    payload = verify_webhook(PUSH, {"Sign": sign(PUSH)}, KEY)
    assert payload["event"] == "TRACKING_UPDATED"
    assert from_17track(payload["data"]).delivered


@pytest.mark.parametrize(("body", "headers"), [
    (PUSH, {"sign": sign(PUSH, "another-key")}),
    (PUSH.replace(b"Delivered_Other", b"Exception_Lost"), {"sign": sign(PUSH)}),
    (PUSH, {}),
    (PUSH, {"sign": ""}),
], ids=["wrong-key", "tampered", "missing", "empty"])
def test_webhook_signature_invalid(body: bytes, headers: dict[str, str]) -> None:
    with pytest.raises(WebhookSignatureError):
        verify_webhook(body, headers, KEY)


def test_webhook_signed_but_malformed() -> None:
    for body in (b"not json", b'{"data": {}}'):
        with pytest.raises(MalformedPayloadError):
            verify_webhook(body, {"sign": sign(body)}, KEY)


def test_webhook_endpoint_over_http() -> None:
    received: list[dict[str, Any]] = []
    app = Starlette(routes=[Route("/17track/push", webhook_endpoint(KEY, received.append),
                                  methods=["POST"])])
    with serving(app) as url, httpx.Client() as http:
        ok = http.post(f"{url}/17track/push", content=PUSH, headers={"sign": sign(PUSH)})
        forged = http.post(f"{url}/17track/push", content=PUSH,
                           headers={"sign": sign(PUSH, "guess")})
        bad = http.post(f"{url}/17track/push", content=b"[]", headers={"sign": sign(b"[]")})
    assert (ok.status_code, forged.status_code, bad.status_code) == (200, 401, 400)
    assert received == [json.loads(PUSH)]


def test_the_served_simulator_answers_17track_on_its_own_path(simulator) -> None:  # type: ignore[no-untyped-def]
    """`disputekit simulator` serves 17TRACK beside /sync, over the same parcels."""
    from disputekit.adapters.seventeentrack import SeventeenTrackClient
    from disputekit.simulator.seventeentrack import DEMO_17TRACK_KEY as KEY

    ds = simulator.gateway.datasets["volt"]
    number = next(n for n, events in ds.tracking.items() if events)
    with SeventeenTrackClient(KEY, base_url=f"{simulator.url}/track/v2.2") as client:
        registered = client.register([number])
        assert not registered.rejected
        timelines, rejected = client.timelines([number])
    assert not rejected and timelines[number].events
