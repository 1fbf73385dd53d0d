"""Interrupted syncs, re-run, end identical to an uninterrupted one; an interrupted operator
action is settled once with the platform, never applied twice, never forgotten.

Three kinds of interruption of ``disputekit sync``:

1. the process is killed (SIGKILL) at chosen requests and after random delays;
2. another program holds the SQLite write lock past the busy timeout (SQLite only);
3. the network is cut: the gateway stops answering mid-sync.

Every scenario reads the same platform: one simulator whose business clock is frozen (its
wall clock never moves), so an uninterrupted reference sync and the interrupted-then-resumed
ones see exactly the same disputes, orders and parcels. The kill points come from a seeded
RNG, so a failure is reproducible. Databases come from ``make_workspace`` (so they follow
``DISPUTEKIT_DB_URL`` when the suite runs on PostgreSQL).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from disputekit.adapters.aliexpress import AliExpressClient, RetryPolicy
from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ActionRow, SyncRunRow
from disputekit.adapters.parameters import load_store
from disputekit.adapters.workspace import Workspace
from disputekit.errors import PlatformUnreachableError, StorageError
from disputekit.services.actions import ActionStatus, DisputeActions
from disputekit.services.store_day import connect
from disputekit.services.sync import sync_store
from disputekit.simulator.app import RunningSimulator, serve_in_thread
from disputekit.simulator.gateway import Gateway, Reply
from disputekit.simulator.generator import MIN_DISPUTES
from tests.conftest import REPO, demo_credentials, make_workspace
from tests.dbdump import differences, normalised

STORE = "volt"
DETAIL = "aliexpress.issue.detail.get"
ORDER = "aliexpress.solution.order.info.get"
TRACK = "aliexpress.logistics.redefining.querytrackingresult"
ORDER_LIST = "aliexpress.trade.seller.orderlist.get"
SEED = 31  # of the kill points; change it to explore other points
Dump = dict[str, list[tuple[Any, ...]]]


# -- the platform, frozen ------------------------------------------------------------------

@pytest.fixture(scope="module")
def gateway(anchor: datetime) -> Gateway:
    """A platform whose business time never moves: every sync reads the same state."""
    wall = time.time()
    return Gateway(seed=31, now=anchor, disputes_per_store=MIN_DISPUTES, clock=lambda: wall)


@pytest.fixture(scope="module")
def platform(gateway: Gateway) -> Iterator[RunningSimulator]:
    running = serve_in_thread(gateway)
    yield running
    running.stop()


def sync_in_process(ws: Workspace, db_url: str | None = None,
                    retry: RetryPolicy | None = None) -> None:
    env = demo_credentials()
    store = load_store(STORE, ws.parameters_dir)
    db = Database.open(db_url or ws.db_url)
    try:
        with connect(store, env) as client:
            if retry is not None:
                client.retry = retry
            result = sync_store(store, client, db)
        assert result.status == "ok", result.failures
    finally:
        db.dispose()


def dump(db_url: str) -> Dump:
    db = Database.open(db_url)
    try:
        return normalised(db)
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, platform: RunningSimulator) -> Dump:
    """The database after one uninterrupted sync of the frozen platform."""
    ws = make_workspace(tmp_path_factory.mktemp("reference") / "ws", platform.sync_url)
    sync_in_process(ws)
    return dump(ws.db_url)


def assert_identical(db_url: str, reference: Dump) -> None:
    got = dump(db_url)
    assert got == reference, "\n".join(differences(got, reference))


def assert_nothing_half_written(db_url: str, reference: Dump) -> None:
    """Every row the interrupted run left is a row of the finished reference: whatever was
    written is whole and right, only some of it is missing."""
    got = dump(db_url)
    for table, rows in got.items():
        extra = set(rows) - set(reference[table])
        assert not extra, (table, sorted(extra, key=repr)[:3])


def run_statuses(db_url: str) -> list[str]:
    db = Database.open(db_url)
    try:
        with db.session() as s:
            return list(s.scalars(select(SyncRunRow.status).order_by(SyncRunRow.id)))
    finally:
        db.dispose()


@contextmanager
def on_request(gateway: Gateway, n: int, action: Callable[[], None],
               monkeypatch: pytest.MonkeyPatch, method: str | None = None
               ) -> Iterator[list[int]]:
    """Run ``action`` when the gateway receives its ``n``-th business call (of ``method``,
    if given) before answering it; yields the running count."""
    original = gateway.handle
    count = [0]
    lock = threading.Lock()

    def handle(params: Any) -> Reply:
        with lock:
            if method is None or params.get("method") == method:
                count[0] += 1
            hit = count[0] == n and (method is None or params.get("method") == method)
        if hit:
            action()
        return original(params)

    with monkeypatch.context() as patch:
        patch.setattr(gateway, "handle", handle)
        yield count


def kill_points(rng: random.Random, calls: int, k: int) -> list[int]:
    return sorted(rng.sample(range(1, calls), k))


# -- 1. the process killed -------------------------------------------------------------------

def cli_env(ws: Workspace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPUTEKIT_")}
    env.update(demo_credentials())
    env.update({"DISPUTEKIT_HOME": str(ws.root), "DISPUTEKIT_DB_URL": ws.db_url,
                "PYTHONPATH": str(REPO)})
    return env


def start_sync(ws: Workspace) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "disputekit", "sync", "--store", STORE,
                             "--home", str(ws.root)], env=cli_env(ws),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def killed_at_request(gateway: Gateway, ws: Workspace, method: str, n: int,
                      monkeypatch: pytest.MonkeyPatch) -> bool:
    """Run ``disputekit sync`` and SIGKILL it when its ``n``-th ``method`` request arrives."""
    proc = start_sync(ws)
    with on_request(gateway, n, lambda: os.kill(proc.pid, signal.SIGKILL), monkeypatch,
                    method):
        proc.communicate(timeout=120)
    assert proc.returncode in (0, -signal.SIGKILL), proc.returncode
    return proc.returncode == -signal.SIGKILL


def killed_after(gateway: Gateway, ws: Workspace, delay: float,
                 monkeypatch: pytest.MonkeyPatch) -> bool:
    """Run ``disputekit sync`` and SIGKILL it ``delay`` seconds after its first request
    (between requests, often in the middle of a database write)."""
    proc = start_sync(ws)
    timer = threading.Timer(delay, lambda: proc.poll() is None and os.kill(proc.pid,
                                                                            signal.SIGKILL))
    with on_request(gateway, 1, timer.start, monkeypatch):
        proc.communicate(timeout=120)
    timer.cancel()
    assert proc.returncode in (0, -signal.SIGKILL), proc.returncode
    return proc.returncode == -signal.SIGKILL


def finish(ws: Workspace) -> None:
    done = subprocess.run([sys.executable, "-m", "disputekit", "sync", "--store", STORE,
                           "--home", str(ws.root)], env=cli_env(ws), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_killed_at_chosen_requests_then_rerun_ends_identical(
        tmp_path: Path, gateway: Gateway, platform: RunningSimulator, reference: Dump,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ws = make_workspace(tmp_path / "ws", platform.sync_url)
    rng = random.Random(f"{SEED}:requests")
    # One kill at each step of a dispute's reading (its detail, its order, its parcels) and
    # in the order list, in a random order, each at a random one of that step's requests.
    # A resumed run skips what is stored, so later runs have fewer of each: small counts.
    steps = [(DETAIL, 12), (ORDER, 8), (TRACK, 8), (ORDER_LIST, 3)]
    rng.shuffle(steps)
    points = [(method, rng.randint(1, most)) for method, most in steps]
    kills = [killed_at_request(gateway, ws, method, n, monkeypatch) for method, n in points]
    assert kills[0] and sum(kills) >= 3, list(zip(points, kills, strict=True))
    finish(ws)
    assert_identical(ws.db_url, reference)
    # Each killed run was left 'running' and is said to be interrupted by the next one.
    statuses = run_statuses(ws.db_url)
    assert statuses.count("interrupted") == sum(kills) and statuses[-1] == "ok"


def test_killed_after_random_delays_then_rerun_ends_identical(
        tmp_path: Path, gateway: Gateway, platform: RunningSimulator, reference: Dump,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ws = make_workspace(tmp_path / "ws", platform.sync_url)
    rng = random.Random(f"{SEED}:delays")
    delays = [rng.uniform(0.05, 1.0) for _ in range(3)]
    kills = [killed_after(gateway, ws, delay, monkeypatch) for delay in delays]
    assert kills[0], f"the first run finished before {delays[0]:.2f} s"
    assert_nothing_half_written(ws.db_url, reference)
    finish(ws)
    assert_identical(ws.db_url, reference)


# -- 2. the database locked ------------------------------------------------------------------

def with_busy_timeout(db_url: str, seconds: float) -> str:
    url = make_url(db_url).update_query_dict({"timeout": str(seconds)})
    return url.render_as_string(hide_password=False)


@pytest.mark.parametrize("n", kill_points(random.Random(f"{SEED}:lock"), 160, 3))
def test_a_database_locked_past_the_busy_timeout_fails_clearly_then_rerun_ends_identical(
        tmp_path: Path, gateway: Gateway, platform: RunningSimulator, reference: Dump,
        monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    ws = make_workspace(tmp_path / "ws", platform.sync_url)
    url = make_url(ws.db_url)
    if url.get_backend_name() != "sqlite":
        pytest.skip("the write lock of a database file is SQLite's")
    path = str(url.database)
    short = with_busy_timeout(ws.db_url, 0.3)  # wait 0.3 s for a lock, not 30
    Database.open(short).dispose()  # the file and its tables exist before anyone locks it
    # Another program (a DB browser, a stuck notebook) takes the write lock mid-sync.
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        with on_request(gateway, n, lambda: other.execute("BEGIN EXCLUSIVE"), monkeypatch), \
                pytest.raises(StorageError) as caught:
            sync_in_process(ws, short)
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()
    message = str(caught.value)
    assert path in message and "locked" in message and "timeout" in message
    assert_nothing_half_written(ws.db_url, reference)
    sync_in_process(ws, short)  # the lock is gone: the re-run completes
    assert_identical(ws.db_url, reference)


def test_the_cli_reports_a_locked_database_by_name_without_a_traceback(
        tmp_path: Path, platform: RunningSimulator) -> None:
    ws = make_workspace(tmp_path / "ws", platform.sync_url)
    url = make_url(ws.db_url)
    if url.get_backend_name() != "sqlite":
        pytest.skip("the write lock of a database file is SQLite's")
    Database.open(ws.db_url).dispose()
    other = sqlite3.connect(str(url.database), isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        env = {**cli_env(ws), "DISPUTEKIT_DB_URL": with_busy_timeout(ws.db_url, 0.3)}
        done = subprocess.run([sys.executable, "-m", "disputekit", "sync", "--store", STORE,
                               "--home", str(ws.root)], env=env, capture_output=True, text=True,
                              timeout=120)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"volt: FAILED: the database {env['DISPUTEKIT_DB_URL']} is locked" in done.stderr


# -- 3. the network cut ----------------------------------------------------------------------

# The sync makes ~168 calls; points before the last ~16 leave calls still to be made after
# the cut (up to api.concurrency may already be on their way, and are answered).
@pytest.mark.parametrize("n", kill_points(random.Random(f"{SEED}:network"), 150, 3))
def test_the_network_cut_mid_sync_fails_clearly_then_rerun_ends_identical(
        tmp_path: Path, gateway: Gateway, reference: Dump, monkeypatch: pytest.MonkeyPatch,
        n: int) -> None:
    # A gateway of its own on its own port (the same frozen platform), so stopping it
    # cuts only this test's network.
    own = serve_in_thread(gateway)
    port = own.port
    ws = make_workspace(tmp_path / "ws", own.sync_url)
    quick = RetryPolicy(attempts=3, base_delay=0.05)
    try:
        def cut() -> None:
            # Cut now, not at uvicorn's next look at should_exit (0.1 s later: with requests
            # in flight the sync could finish meanwhile). This runs on the server's event
            # loop (the gateway answers there), so closing here is what its shutdown does:
            # stop listening, close idle connections, close busy ones after their answer.
            for listening in own.server.servers:
                listening.close()
            for connection in list(own.server.server_state.connections):
                connection.shutdown()
            own.server.should_exit = True

        with on_request(gateway, n, cut, monkeypatch), \
                pytest.raises(PlatformUnreachableError) as caught:
            sync_in_process(ws, retry=quick)
        own.stop()
        assert f"127.0.0.1:{port}" in str(caught.value)
        assert "is the simulator running?" in str(caught.value) \
            or "broke" in str(caught.value) or "did not answer" in str(caught.value)
        assert run_statuses(ws.db_url)[-1] == "failed"
        assert_nothing_half_written(ws.db_url, reference)
        own = serve_in_thread(gateway, port=port)  # the network is back
        sync_in_process(ws, retry=quick)
        assert_identical(ws.db_url, reference)
    finally:
        own.stop()


# -- an operator action killed around its API call -------------------------------------------

SAVE = "aliexpress.issue.solution.save"
REASON = "The parcel is moving; tracking shows it in your country"


@pytest.fixture
def acting(tmp_path: Path, anchor: datetime) -> Iterator[tuple[RunningSimulator, Workspace,
                                                               int]]:
    """A platform of its own (actions change it), a synced workspace, an open dispute."""
    running = serve_in_thread(Gateway(seed=5, now=anchor, disputes_per_store=MIN_DISPUTES))
    ws = make_workspace(tmp_path / "ws", running.sync_url)
    store = load_store(STORE, ws.parameters_dir)
    db = Database.open(ws.db_url)
    with connect(store, demo_credentials()) as client:
        sync_store(store, client, db, orders=False)
    db.dispose()
    record = next(r for r in running.gateway.datasets[STORE].issues
                  if r.detail["reverse_detail_status"] == "wait_for_seller_response"
                  and r.detail["buyer_solution_list"])
    yield running, ws, record.summary["issue_id"]
    running.stop()


def act_and_die(ws: Workspace, issue_id: int, when: str) -> None:
    """Refuse a dispute in another process that SIGKILLs itself just ``before`` the call
    reaches the platform, or just ``after`` the platform accepted it (before the journal
    records the answer)."""
    done = subprocess.run([sys.executable, "-m", "tests.crash_action", str(ws.root),
                           str(issue_id), when, REASON], env=cli_env(ws), cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr


def journal(ws: Workspace) -> list[tuple[str, str]]:
    db = Database.open(ws.db_url)
    try:
        with db.session() as s:
            return [(a.kind, a.status) for a in s.scalars(select(ActionRow).order_by(
                ActionRow.id))]
    finally:
        db.dispose()


def reconciled(ws: Workspace) -> list[Any]:
    store = load_store(STORE, ws.parameters_dir)
    db = Database.open(ws.db_url)
    try:
        client: AliExpressClient = connect(store, demo_credentials())
        with client:
            actions = DisputeActions(store, client, db, "ben")
            first = actions.reconcile()
            again = actions.reconcile()
        assert again == []  # nothing left unsettled
        return first
    finally:
        db.dispose()


def seller_plans(sim: RunningSimulator, issue_id: int) -> list[dict[str, Any]]:
    record = sim.gateway.lifecycle.index[STORE][issue_id]
    plans: list[dict[str, Any]] = record.detail["seller_solution_list"]
    return plans


def test_an_action_killed_after_the_platform_accepted_it_is_recorded_once_never_resent(
        acting: tuple[RunningSimulator, Workspace, int]) -> None:
    sim, ws, issue_id = acting
    act_and_die(ws, issue_id, "after")
    # The platform applied it; the journal only knows it was about to be sent.
    assert [p["content"] for p in seller_plans(sim, issue_id)] == [REASON]
    assert journal(ws) == [("refuse", "pending")]
    saves = [m for m, _ in sim.gateway.call_log if m == SAVE]
    assert len(saves) == 1

    outcomes = reconciled(ws)

    assert [o.status for o in outcomes] == [ActionStatus.OK]
    assert "not sent again" in outcomes[0].message
    assert [m for m, _ in sim.gateway.call_log if m == SAVE] == saves  # never re-sent
    assert len(seller_plans(sim, issue_id)) == 1
    assert journal(ws) == [("refuse", "ok")]  # recorded once


def test_an_action_killed_before_it_reached_the_platform_is_sent_once_on_reconcile(
        acting: tuple[RunningSimulator, Workspace, int]) -> None:
    sim, ws, issue_id = acting
    act_and_die(ws, issue_id, "before")
    assert seller_plans(sim, issue_id) == []  # the platform never saw it
    assert journal(ws) == [("refuse", "pending")]  # but it is not forgotten

    outcomes = reconciled(ws)

    assert [o.status for o in outcomes] == [ActionStatus.OK]
    assert [m for m, _ in sim.gateway.call_log if m == SAVE] == [SAVE]  # sent exactly once
    assert [p["content"] for p in seller_plans(sim, issue_id)] == [REASON]
    assert journal(ws) == [("refuse", "ok")]
