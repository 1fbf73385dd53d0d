"""17TRACK wired in: the sync, the report, the workbook and the webhook, against both
simulators (the platform's and 17TRACK's) over real HTTP on loopback, with a real database.

The served simulator gives some parcels scans only 17TRACK has (the destination post's, on
registered and unregistered lines the platform stops following): those must reach the
stored timeline with their source, the store's report and the workbook's Tracking view.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import (
    ShipmentRow,
    SyncRunRow,
    TrackingEventRow,
    TrackingRegistrationRow,
)
from disputekit.adapters.parameters import StoreParameters, load_store, parse_store
from disputekit.adapters.seventeentrack import SeventeenTrackClient
from disputekit.adapters.workspace import Workspace
from disputekit.errors import MissingCredentialError, ParametersError
from disputekit.run.webhook import create_webhook_app, keys_of
from disputekit.services.queue import tracking_timeline
from disputekit.services.seventeentrack_feed import (
    DatabaseLedger,
    follow_open_parcels,
    open_parcels,
)
from disputekit.services.store_day import connect, store_day
from disputekit.services.sync import sync_store
from disputekit.simulator.app import RunningSimulator
from disputekit.simulator.seventeentrack import (
    DEMO_17TRACK_KEY,
    beyond_platform_numbers,
    create_17track_app,
)
from disputekit.ui.review import ReviewQueue
from disputekit.ui.store_report import StoreReport
from tests.conftest import ON_POSTGRES, copy_parameters, new_db_url
from tests.test_seventeentrack import serving

STORE = "spark"  # the demo store with the most open disputes beyond the platform's tracking


@pytest.fixture
def simulator(fresh_simulator: RunningSimulator) -> RunningSimulator:
    """A simulator of this test's own: 17TRACK registrations are state."""
    return fresh_simulator


@pytest.fixture
def ws17(tmp_path: Path, simulator: RunningSimulator, credentials: dict[str, str],
         monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """The repo's workspace with 17TRACK on, both pointed at this test's simulator."""
    import shutil

    from tests.conftest import REPO

    root = tmp_path / "ws"
    copy_parameters(root, simulator.sync_url, seventeentrack=True)
    shutil.copytree(REPO / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    if not ON_POSTGRES:
        return Workspace.at(root, env={})
    url = new_db_url(root)
    monkeypatch.setenv("DISPUTEKIT_DB_URL", url)
    return Workspace.at(root, env={"DISPUTEKIT_DB_URL": url})


@pytest.fixture
def store(ws17: Workspace) -> StoreParameters:
    return load_store(STORE, ws17.parameters_dir)


@pytest.fixture
def db(ws17: Workspace) -> Iterator[Database]:
    database = Database.open(ws17.db_url)
    yield database
    database.dispose()


def beyond(simulator: RunningSimulator, db: Database) -> dict[str, int]:
    """The open disputes' parcels that have scans only 17TRACK shows, and how many."""
    extra = beyond_platform_numbers(simulator.gateway.datasets, simulator.gateway.anchor)
    opened = {number for number, _ in open_parcels(db, STORE)}
    return {n: count for n, count in extra.items() if n in opened}


def sources(db: Database, number: str) -> list[tuple[str, str]]:
    with db.session() as s:
        return [(e.source, e.description) for e in s.scalars(
            select(TrackingEventRow).where(TrackingEventRow.store_id == STORE,
                                           TrackingEventRow.logistics_no == number)
            .order_by(TrackingEventRow.seq))]


def platform_events(simulator: RunningSimulator, number: str) -> list[dict[str, Any]]:
    return list(simulator.gateway.datasets[STORE].tracking[number])


# -- the sync, the report, the workbook ---------------------------------------------------


def test_the_day_shows_17track_events_for_parcels_the_platform_lacks(
        ws17: Workspace, simulator: RunningSimulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    day = store_day(STORE, workspace=ws17)
    db = Database.open(ws17.db_url)
    try:
        wanted = beyond(simulator, db)
        assert wanted, "the demo must have open parcels beyond the platform"
        assert day.sync.seventeentrack_read >= len(wanted)
        assert day.sync.seventeentrack_registered == len(open_parcels(db, STORE))
        for number, extra in wanted.items():
            stored = sources(db, number)
            platform = platform_events(simulator, number)
            only_17 = [desc for source, desc in stored if source == "17track"]
            # Every platform scan once, plus exactly the scans only 17TRACK has, named so.
            assert len(stored) == len(platform) + extra, number
            assert len(only_17) >= extra
            shown = tracking_timeline(db, STORE, number)
            assert set(shown["source"]) >= {"17TRACK"}
            assert list(shown["event"])[-extra:] == only_17[-extra:]
            with db.session() as s:
                shipment = s.get(ShipmentRow, (STORE, number))
                assert shipment is not None and shipment.source == "aliexpress+17track"
                assert shipment.last_event_at is not None
        # A parcel 17TRACK adds no scan to keeps the platform's scans, once each (17TRACK's
        # copy of one only where it says more, like the signatory in the delivery's text).
        for plain in [n for n, _ in open_parcels(db, STORE) if n not in wanted]:
            stored, platform = sources(db, plain), platform_events(simulator, plain)
            assert len(stored) == len(platform), plain
            for (source, desc), scan in zip(stored, sorted(
                    platform, key=lambda e: e["event_date"]), strict=True):
                assert source == "aliexpress" or (
                    scan["signed_name"] and scan["signed_name"] in desc), plain

        # The report: the table of scans beyond the platform, with the source named.
        report = StoreReport.of(day)
        assert set(day.beyond_platform["parcel"]) >= set(wanted)
        html = report.beyond_platform_table().to_html()
        assert "17TRACK" in html
        for number in wanted:
            assert number in html
            for desc in [d for s, d in sources(db, number) if s == "17track"][-1:]:
                assert desc in html  # plain words: no markup in the carriers' texts here

        # The workbook's Tracking view names the source beside each event.
        queue = ReviewQueue(db)
        issue = day.beyond_platform.iloc[0]
        detail = queue.tracking_html(STORE, int(issue["dispute"]))
        assert "· 17TRACK" in detail and "· AliExpress" in detail
        assert issue["event"] in detail
        queue.close()
    finally:
        db.dispose()
    assert DEMO_17TRACK_KEY not in caplog.text  # the key is never logged


def test_the_published_report_shows_the_17track_events(
        ws17: Workspace, simulator: RunningSimulator) -> None:
    """What `make demo` publishes: the store's notebook run by the runner, as HTML."""
    from disputekit.run.runner import run_stores

    summary = run_stores(ws17, [STORE], date(2026, 11, 28), jobs=1)
    assert summary.ok, [r.error for r in summary.runs]
    html = (ws17.reports_dir / "2026-11-28" / f"{STORE}.html").read_text()
    db = Database.open(ws17.db_url)
    try:
        wanted = beyond(simulator, db)
        assert wanted
        assert "Tracking from 17TRACK" in html and "parcels read from 17TRACK" in html
        for number in wanted:
            only_17 = [d for s, d in sources(db, number) if s == "17track"]
            assert number in html and only_17[-1] in html
    finally:
        db.dispose()
    assert DEMO_17TRACK_KEY not in html


def test_a_second_sync_registers_nothing_again_and_duplicates_nothing(
        store: StoreParameters, db: Database, simulator: RunningSimulator) -> None:
    def quota_used() -> int:
        with SeventeenTrackClient(DEMO_17TRACK_KEY, f"{simulator.url}/track/v2.2") as client:
            return client.getquota().used

    with connect(store) as client, _client17(store, db) as second:
        first = sync_store(store, client, db, orders=False, seventeentrack=second)
    used = quota_used()
    with db.session() as s:
        ledger = sorted(s.execute(select(TrackingRegistrationRow.logistics_no,
                                         TrackingRegistrationRow.carrier)).all())
        events = s.scalar(select(func.count()).select_from(TrackingEventRow))
    assert first.seventeentrack_registered == len(ledger) == used > 0
    # A new process (new client, same database): the ledger still says what was paid for.
    with connect(store) as client, _client17(store, db) as second:
        again = sync_store(store, client, db, orders=False, seventeentrack=second)
    assert again.seventeentrack_registered == 0 and quota_used() == used
    assert again.seventeentrack_read == first.seventeentrack_read > 0
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(TrackingEventRow)) == events
        assert sorted(s.execute(select(TrackingRegistrationRow.logistics_no,
                                       TrackingRegistrationRow.carrier)).all()) == ledger
    assert again.status == "ok"


def _client17(store: StoreParameters, db: Database, **options: Any) -> SeventeenTrackClient:
    assert store.seventeentrack is not None
    return SeventeenTrackClient(
        options.pop("key", DEMO_17TRACK_KEY),
        options.pop("base_url", store.seventeentrack.base_url),
        ledger=DatabaseLedger(db), rate_per_second=None, **options)


def test_quota_used_up_is_noted_with_the_fix_and_the_rest_still_synced(
        store: StoreParameters, db: Database, simulator: RunningSimulator) -> None:
    with connect(store) as client:
        sync_store(store, client, db, orders=False)
    app = create_17track_app(simulator.gateway.datasets, "other-key", now=simulator.gateway.anchor,
                             quota_total=1, beyond_platform=True)
    with serving(app) as url, _client17(store, db, key="other-key",
                                        base_url=f"{url}/track/v2.2") as second:
        feed = follow_open_parcels(store, second, db)
    opened = open_parcels(db, STORE)
    assert feed.registered == 1 and not feed.failed
    refused = [n for n in feed.notes if "-18019908" in n]
    assert len(refused) == len(opened) - 1
    assert all("buy more quota" in n for n in refused)
    assert any("quota is running low" in n for n in feed.notes)
    with db.session() as s:  # only what 17TRACK accepted is in the ledger
        assert s.scalar(select(func.count()).select_from(TrackingRegistrationRow)) == 1


def test_a_wrong_key_leaves_the_platform_tracking_and_says_why(
        store: StoreParameters, db: Database) -> None:
    with connect(store) as client, _client17(store, db, key="not-the-key") as second:
        result = sync_store(store, client, db, orders=False, seventeentrack=second)
    assert result.status == "partial" and result.fetched > 0
    assert result.seventeentrack_read == 0
    assert any("refused the key" in note for note in result.seventeentrack_notes)
    with db.session() as s:
        run = s.scalars(select(SyncRunRow).order_by(SyncRunRow.id.desc())).first()
        assert run is not None and "17TRACK" in run.error and "not-the-key" not in run.error
        assert set(s.scalars(select(TrackingEventRow.source))) == {"aliexpress"}


# -- parameters --------------------------------------------------------------------------


def _params(section: dict[str, Any]) -> dict[str, Any]:
    return {"store_id": "volt", "name": "Volt", "api": {
        "app_key_env": "K", "app_secret_env": "S", "access_token_env": "T"},
        "seventeentrack": section}


def test_parameters_name_the_key_never_hold_it() -> None:
    store = parse_store(_params({"api_key_env": "DISPUTEKIT_17TRACK_KEY"}), "volt.yaml")
    assert store.seventeentrack is not None
    assert store.seventeentrack.base_url == "https://api.17track.net/track/v2.2"
    assert store.seventeentrack_key({"DISPUTEKIT_17TRACK_KEY": "k1"}) == "k1"
    with pytest.raises(MissingCredentialError, match="DISPUTEKIT_17TRACK_KEY"):
        store.seventeentrack_key({})
    with pytest.raises(ParametersError, match="api_key_env"):
        parse_store(_params({"api_key": "abc", "api_key_env": "X"}), "volt.yaml")
    with pytest.raises(ParametersError, match="/track/v2.2"):
        parse_store(_params({"api_key_env": "X", "base_url": "https://api.17track.net/v1"}),
                    "volt.yaml")
    plain = parse_store({k: v for k, v in _params({}).items() if k != "seventeentrack"}, "x")
    assert plain.seventeentrack is None  # absent: off


# -- the webhook receiver ----------------------------------------------------------------


def _sign(body: bytes, key: str = DEMO_17TRACK_KEY) -> str:
    return hashlib.sha256(body + b"/" + key.encode()).hexdigest()


def _push(number: str, events: list[dict[str, Any]]) -> bytes:
    return json.dumps({"event": "TRACKING_UPDATED", "data": {
        "number": number, "carrier": 3011, "tag": "", "track_info": {
            "latest_status": {"status": "AvailableForPickup",
                              "sub_status": "AvailableForPickup_Other"},
            "tracking": {"providers": [{"provider": {"key": 1, "name": "Correos"},
                                        "events": events}]}}}}).encode()


@pytest.fixture
def receiver(ws17: Workspace, store: StoreParameters, db: Database) -> Iterator[str]:
    with connect(store) as client:
        sync_store(store, client, db, orders=False)  # the platform's tracking only, so far
    with serving(create_webhook_app(db, keys_of([store]))) as url:
        yield f"{url}/17track/push"


def _a_parcel(db: Database) -> str:
    with db.session() as s:
        return next(n for n, _ in open_parcels(db, STORE)
                    if s.scalar(select(func.count()).select_from(TrackingEventRow).where(
                        TrackingEventRow.logistics_no == n)))


def test_a_signed_push_is_stored_with_its_source(receiver: str, db: Database) -> None:
    number = _a_parcel(db)
    before = sources(db, number)
    event = {"time_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
             "description": "Awaiting collection at Correos, Sevilla", "location": "Sevilla, ES",
             "sub_status": "AvailableForPickup_Other", "stage": "AvailableForPickup"}
    body = _push(number, [event])
    answer = httpx.post(receiver, content=body, headers={"sign": _sign(body)})
    assert answer.status_code == 200 and answer.json()["code"] == 0
    after = sources(db, number)
    assert after[-1] == ("17track", "Awaiting collection at Correos, Sevilla")
    assert len(after) == len(before) + 1
    with db.session() as s:
        shipment = s.get(ShipmentRow, (STORE, number))
        assert shipment is not None and shipment.main_status == "AvailableForPickup"
    # The same push again changes nothing (no duplicate).
    assert httpx.post(receiver, content=body, headers={"sign": _sign(body)}).status_code == 200
    assert sources(db, number) == after


@pytest.mark.parametrize("how", ["unsigned", "garbage", "another account's key"])
def test_an_unsigned_or_mis_signed_push_is_refused_and_writes_nothing(
        receiver: str, db: Database, how: str) -> None:
    number = _a_parcel(db)
    before = sources(db, number)
    body = _push(number, [{"time_utc": "2026-11-30T10:00:00Z", "description": "Forged",
                           "sub_status": "Delivered_Other"}])
    headers = {"unsigned": {}, "garbage": {"sign": "0" * 64},
               "another account's key": {"sign": _sign(body, "another-key")}}[how]
    answer = httpx.post(receiver, content=body, headers=headers)
    assert answer.status_code == 401 and "sign" in answer.json()["message"]
    assert sources(db, number) == before


@pytest.mark.parametrize(("body", "says"), [
    (b"not json", "not JSON"),
    (json.dumps({"event": "TRACKING_UPDATED"}).encode(), "{'event'"),
    (json.dumps({"event": "TRACKING_UPDATED", "data": {"track_info": {}}}).encode(),
     "data.number"),
    (json.dumps({"event": "TRACKING_UPDATED", "data": {"number": "NUMBER",
                                                       "track_info": []}}).encode(),
     "track_info"),
    (json.dumps({"event": "TRACKING_UPDATED", "data": {"number": "NUMBER", "track_info": {
        "tracking": {"providers": "none"}}}}).encode(), "providers"),
])
def test_a_signed_but_malformed_push_is_refused_clearly_and_loses_nothing(
        receiver: str, db: Database, body: bytes, says: str) -> None:
    number = _a_parcel(db)
    body = body.replace(b"NUMBER", number.encode())
    before = sources(db, number)
    with db.session() as s:
        shipment = s.get(ShipmentRow, (STORE, number))
        assert shipment is not None
        state = (shipment.main_status, shipment.events_json)
    answer = httpx.post(receiver, content=body, headers={"sign": _sign(body)})
    assert answer.status_code == 400 and says in answer.json()["message"]
    assert sources(db, number) == before
    with db.session() as s:
        shipment = s.get(ShipmentRow, (STORE, number))
        assert shipment is not None and (shipment.main_status, shipment.events_json) == state


def test_a_push_about_an_unknown_parcel_or_a_stop_is_acknowledged(receiver: str) -> None:
    body = _push("ZZ000000000ZZ", [])
    answer = httpx.post(receiver, content=body, headers={"sign": _sign(body)})
    assert answer.status_code == 200 and "nothing to update" in answer.json()["message"]
    stop = json.dumps({"event": "TRACKING_STOPPED", "data": {"number": "ZZ000000000ZZ"}}).encode()
    answer = httpx.post(receiver, content=stop, headers={"sign": _sign(stop)})
    assert answer.status_code == 200 and "stopped" in answer.json()["message"]


def test_the_receiver_command_listens_on_loopback_only(ws17: Workspace) -> None:
    import os
    import socket
    import subprocess
    import sys
    import time

    env = {**os.environ, "DISPUTEKIT_HOME": str(ws17.root)}
    refused = subprocess.run(
        [sys.executable, "-m", "disputekit", "webhook-17track", "--host", "0.0.0.0"],
        env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "loopback" in refused.stderr
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "disputekit", "webhook-17track", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        body = _push("ZZ000000000ZZ", [])
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.post(f"http://127.0.0.1:{port}/17track/push", content=body,
                                    headers={"sign": _sign(body)})
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr
                time.sleep(0.2)
        assert answer.status_code == 200 and answer.json()["code"] == 0
        forged = httpx.post(f"http://127.0.0.1:{port}/17track/push", content=body,
                            headers={"sign": _sign(body, "wrong")})
        assert forged.status_code == 401
    finally:
        server.terminate()
        out, err = server.communicate(timeout=10)
    assert DEMO_17TRACK_KEY not in out + err
