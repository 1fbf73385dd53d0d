"""Any answer of the gateway, driven through a whole ``sync_store``, ends in a result or a
typed error (issue 21: "a hostile gateway cannot crash a sync").

A fake gateway (``httpx.MockTransport``, no network) serves a small store from the
simulator's data, and Hypothesis replaces one surface's answer (the dispute list, a
detail, an order, a parcel's tracking, the order list) with anything: the valid answer
spoiled in one place, JSON nested far too deep, a number of thousands of digits, any JSON
document, any bytes. Each sync must return a ``SyncResult`` or raise a ``DisputeKitError``,
and its ``sync_runs`` row must end ``ok``, ``partial`` or ``failed``, never ``running``.

``EXAMPLES_PER_SURFACE`` examples per surface: ten times the profile's ``max_examples``
(1,000 in CI's profile, as issue 21 asks: 5,000 syncs, about 15 ms of CPU each; measured on
the shared 2 cores, 76 s of CPU and 281 s of wall time for the file, against 19 s and 44 s
at 200 a surface). The PostgreSQL pass (``make test-pg``) runs twice the profile's (200): it
checks the storage under these answers, which the SQLite pass already explored a thousand
ways. ``DISPUTEKIT_FUZZ_EXAMPLES=N`` asks for N.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from disputekit.adapters.aliexpress import AliExpressClient, Credentials, RetryPolicy
from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import DisputeRow, SyncRunRow
from disputekit.adapters.parameters import parse_store
from disputekit.errors import DisputeKitError
from disputekit.services.sync import SyncResult, sync_store
from disputekit.wire import envelope
from tests.badinput import _DATASET, ISSUES, spoiled
from tests.conftest import ON_POSTGRES, new_db_url

LIST = "aliexpress.issue.issuelist.get"
DETAIL = "aliexpress.issue.detail.get"
ORDER = "aliexpress.solution.order.info.get"
TRACK = "aliexpress.logistics.redefining.querytrackingresult"
ORDER_LIST = "aliexpress.trade.seller.orderlist.get"
SURFACES = (LIST, DETAIL, ORDER, TRACK, ORDER_LIST)

EXAMPLES_PER_SURFACE = int(os.environ.get("DISPUTEKIT_FUZZ_EXAMPLES")
                           or settings().max_examples * (2 if ON_POSTGRES else 10))

# Two disputes whose order has a parcel with events: every surface is asked for.
CHOSEN = [r for r in ISSUES
          if any(_DATASET.tracking.get(i.get("logistics_no", ""))
                 for i in _DATASET.orders[r.summary["parent_order_id"]]
                 .get("logistic_info_list", []))][:2]
STORE = parse_store({
    "store_id": "volt", "name": "Volt",
    "api": {"base_url": "http://gateway.invalid/sync", "app_key_env": "K",
            "app_secret_env": "S", "access_token_env": "T", "requests_per_second": None},
}, "test")


def valid_answer(method: str, business: dict[str, str]) -> dict[str, Any]:
    if method == LIST:
        return {"current_page": 1, "page_size": 50, "total_item": len(CHOSEN),
                "data_list": [r.summary for r in CHOSEN]}
    if method == DETAIL:
        record = next(r for r in CHOSEN if str(r.summary["issue_id"]) == business["issue_id"])
        return {"result_object": record.detail}
    if method == ORDER:
        order_id = json.loads(business["param1"])["order_id"]
        return {"result": {"data": _DATASET.orders[order_id], "success": True}}
    if method == TRACK:
        return {"result_success": True,
                "details": _DATASET.tracking.get(business["logistics_no"], [])}
    return {"result": {"total_count": 0, "current_page": 1, "page_size": 50,
                       "target_list": []}}


def gateway(surface: str, body: bytes) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        method = request.url.params["method"]
        if method == surface:
            return httpx.Response(200, content=body)
        business = dict(httpx.QueryParams(request.content.decode()))
        try:
            answer = envelope.wrap(method, valid_answer(method, business), False)
        except (StopIteration, KeyError, ValueError):
            # An id the spoiled list made up (``"issue_id": false`` asks for dispute 0): the
            # platform answers "not found", as an error, not with the fake's own exception.
            answer = {"error_response": {"code": "15", "msg": "Remote service error",
                                         "sub_code": "isv.resource-not-found",
                                         "sub_msg": "no such record"}}
        return httpx.Response(200, content=json.dumps(answer).encode())
    return handle


def deep(levels: int) -> bytes:
    return b'{"a": ' * levels + b"1" + b"}" * levels


def answers(surface: str) -> st.SearchStrategy[bytes]:
    """Any answer for ``surface``: its valid answer spoiled, too deep, a huge number, any
    JSON document, any bytes."""
    sample = envelope.wrap(surface, valid_answer(surface, {
        "issue_id": str(CHOSEN[0].summary["issue_id"]),
        "param1": json.dumps({"order_id": CHOSEN[0].summary["parent_order_id"]}),
        "logistics_no": next(iter(_DATASET.tracking))}), False)
    json_docs = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
        lambda inner: st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=12)
    return st.one_of(
        spoiled(sample).map(lambda case: json.dumps(case[0]).encode()),
        st.integers(60, 3000).map(deep),
        st.integers(4_000, 6_000).map(lambda digits: json.dumps(sample).replace(
            "{", '{"n": ' + "9" * digits + ", ", 1).encode()),
        json_docs.map(lambda doc: json.dumps(doc).encode()),
        st.binary(max_size=60),
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = Database.open(new_db_url(tmp_path_factory.mktemp("fuzz")))
    yield database
    database.dispose()


def sync_with(db: Database, surface: str, body: bytes) -> None:
    with db.session() as s:  # every dispute new again: its detail, order and parcel are read
        s.execute(delete(DisputeRow))
    client = AliExpressClient(
        base_url=STORE.api.base_url, credentials=Credentials("123", "secret", "token"),
        store_id="volt", http=httpx.Client(transport=httpx.MockTransport(gateway(surface, body))),
        retry=RetryPolicy(attempts=1, base_delay=0.0), sleep=lambda _s: None)
    with client:
        try:
            result = sync_store(STORE, client, db, concurrency=1)
        except DisputeKitError:
            pass
        else:
            assert isinstance(result, SyncResult)
            assert result.status in ("ok", "partial")
    with db.session() as s:
        last = s.scalars(select(SyncRunRow).order_by(SyncRunRow.id.desc()).limit(1)).one()
        assert last.status in ("ok", "partial", "failed"), (surface, body[:200])


def test_the_fake_gateway_syncs_the_store_whole(db: Database) -> None:
    sync_with(db, "none", b"")
    with db.session() as s:
        last = s.scalars(select(SyncRunRow).order_by(SyncRunRow.id.desc()).limit(1)).one()
    assert (last.status, last.listed, last.fetched) == ("ok", 2, 2)


@pytest.mark.parametrize("surface", SURFACES)
def test_any_answer_of_any_surface_ends_a_sync_in_a_result_or_a_typed_error(
        db: Database, surface: str) -> None:
    @settings(max_examples=EXAMPLES_PER_SURFACE)
    @given(body=answers(surface))
    def one(body: bytes) -> None:
        sync_with(db, surface, body)

    one()

