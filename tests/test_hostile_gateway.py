"""A hostile gateway cannot crash a sync (issue 21, item 1).

A gateway (or something in front of it) answers with JSON nested deeper than the decoder's
recursion limit, an integer longer than Python's 4,300-digit limit, a total_item no store
has, or the same page whatever ``current_page`` asks. Each becomes a typed error for that
call or that record: the other disputes and the other stores still sync, the run row of a
store that failed ends ``failed`` with the reason (never left ``running``), and a list is
never read for ever.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from disputekit.adapters.aliexpress import AliExpressClient, Credentials, RetryPolicy
from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import SyncRunRow
from disputekit.adapters.parameters import StoreParameters, load_store
from disputekit.errors import DisputeKitError, MalformedPayloadError
from disputekit.services.sync import SyncResult, sync_store, sync_stores
from disputekit.simulator.app import RunningSimulator, serve_in_thread
from disputekit.simulator.gateway import Gateway
from disputekit.simulator.generator import MIN_DISPUTES
from tests.conftest import make_workspace

LIST = "aliexpress.issue.issuelist.get"
DETAIL = "aliexpress.issue.detail.get"
ORDER_LIST = "aliexpress.trade.seller.orderlist.get"

DEEP = b"[" * 100_000 + b"]" * 100_000  # RecursionError in json.loads
HUGE = "9" * 5000  # ValueError: exceeds the limit (4300 digits) for integer string conversion


def too_deep(_body: bytes) -> bytes:
    return DEEP


def huge_number(body: bytes) -> bytes:
    # A valid answer with one number no decoder limit lets through.
    return body.replace(b"{", b'{"hostile": ' + HUGE.encode() + b", ", 1)


@dataclass
class Hostile:
    """Forwards to the real simulator and spoils the answers ``spoil`` picks."""

    upstream: httpx.Client
    # (store's app key is shared: the store is told by its token) -> method -> spoiler
    spoil: Callable[[str, str, int, bytes], bytes | None]
    calls: dict[tuple[str, str], int] = field(default_factory=dict)

    def handle(self, request: httpx.Request) -> httpx.Response:
        answer = self.upstream.send(httpx.Request(request.method, request.url,
                                                  headers=request.headers,
                                                  content=request.read()))
        body = answer.read()
        method = request.url.params.get("method", "")
        token = dict(httpx.QueryParams(request.content.decode())).get("session", "")
        n = self.calls[token, method] = self.calls.get((token, method), 0) + 1
        spoiled = self.spoil(token, method, n, body)
        return httpx.Response(answer.status_code, content=body if spoiled is None else spoiled,
                              headers={"Content-Type": "application/json"})


@dataclass
class Setup:
    sim: RunningSimulator
    stores: dict[str, StoreParameters]
    db: Database
    upstreams: list[httpx.Client] = field(default_factory=list)

    def connect(self, spoil: Callable[[str, str, int, bytes], bytes | None]
                ) -> Callable[[StoreParameters], AliExpressClient]:
        self.upstreams.append(httpx.Client(timeout=30))
        hostile = Hostile(self.upstreams[-1], spoil)

        def connect(store: StoreParameters) -> AliExpressClient:
            return AliExpressClient(
                base_url=store.api.base_url, credentials=store.credentials(),
                store_id=store.store_id,
                http=httpx.Client(transport=httpx.MockTransport(hostile.handle)),
                retry=RetryPolicy(attempts=2, base_delay=0.0), sleep=lambda _s: None)
        return connect

    def token(self, store_id: str) -> str:
        return self.stores[store_id].credentials().access_token

    def runs(self, store_id: str) -> list[SyncRunRow]:
        with self.db.session() as s:
            return list(s.scalars(select(SyncRunRow).where(SyncRunRow.store_id == store_id)))


@pytest.fixture
def setup(tmp_path: Path, anchor: datetime, credentials: dict[str, str]) -> Iterator[Setup]:
    running = serve_in_thread(Gateway(seed=29, now=anchor, disputes_per_store=MIN_DISPUTES))
    ws = make_workspace(tmp_path / "ws", running.sync_url)
    db = Database.open(ws.db_url)
    stores = {s: load_store(s, ws.parameters_dir) for s in ("volt", "spark")}
    setup = Setup(running, stores, db)
    yield setup
    for upstream in setup.upstreams:
        upstream.close()
    db.dispose()
    running.stop()


def client_answering(body: bytes) -> AliExpressClient:
    return AliExpressClient(
        base_url="http://gateway.invalid/sync", credentials=Credentials("123", "secret", "tok"),
        http=httpx.Client(transport=httpx.MockTransport(
            lambda _r: httpx.Response(200, content=body))),
        retry=RetryPolicy(attempts=1, base_delay=0.0), sleep=lambda _s: None)


@pytest.mark.parametrize("body", [DEEP, b'{"a": ' + HUGE.encode() + b"}",
                                  b'{"error_response": {"code": ' + HUGE.encode() + b"}}",
                                  b'{"x": ' + b'{"y": ' * 80 + b"1" + b"}" * 81])
def test_an_undecodable_answer_is_a_typed_error_naming_the_call(body: bytes) -> None:
    with pytest.raises(MalformedPayloadError, match=DETAIL):
        client_answering(body).issue_detail(1, "buyer")


def test_a_deep_or_huge_detail_fails_that_dispute_alone(setup: Setup) -> None:
    volt = setup.stores["volt"]
    spoilers = {2: too_deep, 5: huge_number}

    def spoil(_token: str, method: str, n: int, body: bytes) -> bytes | None:
        return spoilers[n](body) if method == DETAIL and n in spoilers else None

    with setup.connect(spoil)(volt) as client:
        result = sync_store(volt, client, setup.db, orders=False, concurrency=1)
    assert result.status == "partial"
    assert len(result.failures) == 2, result.failures
    assert all(DETAIL in why for _id, why in result.failures)
    assert result.fetched == result.listed - 2
    (run,) = setup.runs("volt")
    assert run.status == "partial" and run.failed == 2
    assert "nested deeper" in run.error and "too long to read" in run.error


@pytest.mark.parametrize("spoiler", [too_deep, huge_number], ids=["deep", "huge-int"])
def test_a_hostile_list_fails_its_store_the_others_sync_and_the_run_says_why(
        setup: Setup, spoiler: Callable[[bytes], bytes]) -> None:
    volt = setup.token("volt")

    def spoil(token: str, method: str, _n: int, body: bytes) -> bytes | None:
        return spoiler(body) if token == volt and method == LIST else None

    results = sync_stores(list(setup.stores.values()), setup.connect(spoil), setup.db,
                          jobs=2, orders=False, seventeentrack=False)
    assert isinstance(results["volt"], MalformedPayloadError)
    assert LIST in str(results["volt"])
    spark = results["spark"]
    assert isinstance(spark, SyncResult) and spark.status == "ok" and spark.fetched > 0
    (run,) = setup.runs("volt")
    assert run.status == "failed" and LIST in run.error
    assert [r.status for r in setup.runs("spark")] == ["ok"]


def _with_total(body: bytes, total: int) -> bytes:
    doc = json.loads(body)
    doc[LIST.replace(".", "_") + "_response"]["total_item"] = total
    return json.dumps(doc).encode()


def test_an_absurd_total_item_is_refused_before_reading_millions_of_pages(
        setup: Setup) -> None:
    volt = setup.stores["volt"]

    def spoil(_token: str, method: str, n: int, body: bytes) -> bytes | None:
        return _with_total(body, 2**31 - 1) if method == LIST else None

    connect = setup.connect(spoil)
    with connect(volt) as client, pytest.raises(MalformedPayloadError) as caught:
        sync_store(volt, client, setup.db, orders=False)
    assert "pages a list is read to" in str(caught.value)
    (run,) = setup.runs("volt")
    assert run.status == "failed" and "2147483647 items" in run.error
    with connect(volt) as client, pytest.raises(MalformedPayloadError, match="pages"):
        list(client.iter_issues())


def test_a_gateway_ignoring_paging_is_refused_not_read_for_ever(setup: Setup) -> None:
    volt = setup.stores["volt"]
    first: list[bytes] = []

    def spoil(_token: str, method: str, n: int, body: bytes) -> bytes | None:
        if method != LIST:
            return None
        if not first:  # page 1 says 600 disputes; every page after it is page 1 again
            first.append(_with_total(body, 600))
        return first[0]

    connect = setup.connect(spoil)
    with connect(volt) as client, pytest.raises(MalformedPayloadError) as caught:
        sync_store(volt, client, setup.db, orders=False, concurrency=2)
    assert "ignores current_page" in str(caught.value)
    (run,) = setup.runs("volt")
    assert run.status == "failed" and "ignores current_page" in run.error
    with connect(volt) as client, pytest.raises(MalformedPayloadError,
                                                match="ignores current_page"):
        list(client.iter_issues())


def test_a_gateway_sending_the_whole_list_on_every_page_is_read_once(setup: Setup) -> None:
    volt = setup.stores["volt"]
    whole: list[bytes] = []
    with setup.connect(lambda _t, method, _n, body: whole.append(body) if method == LIST
                       else None)(volt) as client:
        total, _items = client.issue_page(1, 50)  # the fixture's store fits on one page
    calls: list[int] = []

    def spoil(_token: str, method: str, n: int, _body: bytes) -> bytes | None:
        if method != LIST:
            return None
        calls.append(n)
        return whole[0]  # page_size 10 asked: the whole list sent, on every page

    by_ten = volt.model_copy(update={"api": volt.api.model_copy(update={"page_size": 10})})
    with setup.connect(spoil)(by_ten) as client:
        result = sync_store(by_ten, client, setup.db, orders=False, concurrency=2)
        assert len(calls) == 1  # the data said it all: no second page asked for
        listed = list(client.iter_issues(page_size=10))
    assert result.listed == total and result.status == "ok"
    assert len(listed) == total and len(calls) == 2


def test_an_unexpected_fault_ends_the_run_failed_not_running(
        setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    volt = setup.stores["volt"]

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("disputekit.services.sync.shipments.lapse_claims", broken)
    results = sync_stores([volt], setup.connect(lambda *_a: None), setup.db, orders=False,
                          seventeentrack=False)
    assert isinstance(results["volt"], DisputeKitError)
    assert "ZeroDivisionError: a bug" in str(results["volt"])
    (run,) = setup.runs("volt")
    assert run.status == "failed" and "ZeroDivisionError" in run.error


@pytest.mark.parametrize("body", [DEEP, b'{"event": "TRACKING_UPDATED", "data": ' + HUGE.encode()
                                  + b"}"])
def test_a_hostile_17track_push_or_answer_is_a_typed_error(body: bytes) -> None:
    from disputekit.adapters.seventeentrack import (
        RetryPolicy as TrackRetry,
    )
    from disputekit.adapters.seventeentrack import (
        SeventeenTrackClient,
        verify_webhook,
    )

    sign = hashlib.sha256(body + b"/key").hexdigest()
    with pytest.raises(MalformedPayloadError):
        verify_webhook(body, {"sign": sign}, "key")
    client = SeventeenTrackClient(
        "key", base_url="http://17track.invalid/track/v2.2",
        http=httpx.Client(transport=httpx.MockTransport(
            lambda _r: httpx.Response(200, content=body))),
        retry=TrackRetry(attempts=1), sleep=lambda _s: None, rate_per_second=None)
    with pytest.raises(DisputeKitError):
        client.getquota()


@pytest.mark.parametrize("said", ["soon", "nan", "inf", "-5", "1e300",
                                  "Wed, 21 Oct 2026 07:28:00 GMT"])
def test_a_hostile_wait_is_a_bounded_rate_limit_not_a_crash(said: str) -> None:
    """``Retry-After: soon`` raised a raw ValueError, and a ban 'for nan more seconds'
    reached ``sleep(nan)``, which raises too: each is a rate limit waited a bounded time."""
    slept: list[float] = []
    ban = {"error_response": {"code": "ApiCallLimit", "msg": "Call limited",
                              "sub_code": "accesscontrol.limited-by-api-access-frequency",
                              "sub_msg": f"This ban will last for {said} more seconds"}}
    for answer in (httpx.Response(429, headers={"Retry-After": said}),
                   httpx.Response(200, content=json.dumps(ban).encode())):
        client = AliExpressClient(
            base_url="http://gateway.invalid/sync",
            credentials=Credentials("123", "secret", "tok"),
            http=httpx.Client(transport=httpx.MockTransport(lambda _r, a=answer: a)),
            retry=RetryPolicy(attempts=2, base_delay=0.0), sleep=slept.append)
        with pytest.raises(DisputeKitError):
            client.issue_detail(1, "buyer")
    assert slept and all(0.0 <= s <= 30.0 for s in slept), slept
