"""Shared fixtures: a real simulator on loopback, a sealed environment, a temp workspace.

The database of a test is SQLite (a file in its temp folder) unless ``DISPUTEKIT_TEST_PG_URL``
names a PostgreSQL server (``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``, a role
allowed to CREATE DATABASE): then every test that asks for a database gets a new, empty
PostgreSQL database of its own, dropped when the test ends. Ask for one with the ``db_url``
fixture, ``new_db_url(folder)``, ``make_workspace`` or the ``workspace`` fixture (whose
``db_url`` is that database; on PostgreSQL ``DISPUTEKIT_DB_URL`` is also set for the test, so
subprocesses, worker processes and kernels it starts find the same database). Mark a test
that only makes sense on SQLite (WAL, the file) with ``@sqlite_only``.

A test that needs a database already synced from the simulator asks ``synced_templates`` for
a copy (``copy_into(workspace, stores)``) of one synced once per session (per xdist worker),
and, if it acts on the simulator too, for a simulator in the same state (``fresh_simulator``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from disputekit.adapters.aliexpress import AliExpressClient
from disputekit.adapters.db.database import Database
from disputekit.adapters.parameters import StoreParameters, load_store
from disputekit.adapters.workspace import Workspace
from disputekit.services.store_day import connect
from disputekit.services.sync import sync_store
from disputekit.simulator.app import RunningSimulator, serve_in_thread
from disputekit.simulator.dataset import DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_STORES
from disputekit.simulator.gateway import Gateway, SimClock
from disputekit.simulator.seventeentrack import DEMO_17TRACK_KEY

REPO = Path(__file__).resolve().parents[1]

# Property tests are reproducible in CI: the same examples every run, no example database
# carried between runs, no per-example deadline (2 shared cores make timings noisy).
# HYPOTHESIS_PROFILE=dev explores new examples locally.
settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, max_examples=100,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile(
    "dev", deadline=None, max_examples=300,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
SHARED = REPO.parent / "shared"

# Read once, at import: ``sealed_environment`` hides every DISPUTEKIT_* variable from tests.
PG_URL = os.environ.get("DISPUTEKIT_TEST_PG_URL", "")
ON_POSTGRES = bool(PG_URL)
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="SQLite-specific (the file, its pragmas)")


class _Databases:
    """The PostgreSQL databases made for tests, so each is dropped when its test ends."""

    made: list[str] = []  # one registry for the session
    templates: list[str] = []  # synced once, copied per test; dropped after the session
    monkeypatch: pytest.MonkeyPatch | None = None  # the running test's, to export the URL

    @staticmethod
    def admin(statement: str) -> None:
        engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with engine.connect() as connection:
                connection.execute(text(statement))
        finally:
            engine.dispose()

    @classmethod
    def drop(cls, names: list[str]) -> None:
        for name in names:
            # FORCE: a test may leave an engine (or a kernel) connected.
            cls.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cls.made.remove(name)


def new_db_url(folder: Path) -> str:
    """A new, empty database for a test: ``folder/data/disputekit.sqlite`` (where a workspace
    at ``folder`` keeps it) or, with DISPUTEKIT_TEST_PG_URL, a new PostgreSQL database dropped
    after the test (after the session when made for a module- or session-scoped fixture)."""
    if not ON_POSTGRES:
        (folder / "data").mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder.resolve() / 'data' / 'disputekit.sqlite'}"
    name = f"dk_test_{uuid.uuid4().hex[:16]}"
    _Databases.admin(f'CREATE DATABASE "{name}"')
    _Databases.made.append(name)
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(autouse=True)
def fresh_databases(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Drops the PostgreSQL databases this test made (nothing to do on SQLite)."""
    if not ON_POSTGRES:
        yield
        return
    before = len(_Databases.made)
    _Databases.monkeypatch = monkeypatch
    try:
        yield
    finally:
        _Databases.monkeypatch = None
        _Databases.drop(_Databases.made[before:])


@pytest.fixture(scope="session", autouse=True)
def leftover_databases() -> Iterator[None]:
    """Drops the PostgreSQL databases made for wider-scoped fixtures."""
    yield
    if ON_POSTGRES:
        _Databases.drop(list(_Databases.made))
        for name in _Databases.templates:
            _Databases.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """The URL of a new, empty database (SQLite file, or PostgreSQL: see the module doc)."""
    return new_db_url(tmp_path)


def demo_credentials() -> dict[str, str]:
    env = {"DISPUTEKIT_APP_KEY": DEMO_APP_KEY, "DISPUTEKIT_APP_SECRET": DEMO_APP_SECRET}
    for store in DEMO_STORES:
        env[f"DISPUTEKIT_{store.store_id.upper()}_TOKEN"] = store.access_token
        env[f"DISPUTEKIT_{store.store_id.upper()}_REFRESH_TOKEN"] = f"demo-refresh-{store.store_id}"
    env["DISPUTEKIT_17TRACK_KEY"] = DEMO_17TRACK_KEY
    return env


@pytest.fixture(autouse=True)
def sealed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's disputekit settings or credentials."""
    for key in list(os.environ):
        if key.startswith("DISPUTEKIT_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def anchor() -> datetime:
    """The simulator's 'now': this hour, so deadlines are meaningful against the real clock."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


@pytest.fixture(scope="session")
def simulator(anchor: datetime) -> Iterator[RunningSimulator]:
    running = serve_in_thread(Gateway(seed=7, now=anchor))
    yield running
    running.stop()


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = demo_credentials()
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


ConnectStore = Callable[[StoreParameters], AliExpressClient]


@pytest.fixture
def connect_store() -> Iterator[ConnectStore]:
    """``connect(store)`` for a test whose clients outlive one ``with`` block (actors kept
    in a dict, a widget's ``actions_for``): each is closed when the test ends, not left to
    the garbage collector to warn about in some later test."""
    with ExitStack() as opened:
        yield lambda store: opened.enter_context(connect(store))


CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    """Debian's Chromium driven by Playwright; in CI a missing browser fails, else skips."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install chromium (.ci/run does it with apt-get)")
        pytest.skip("no /usr/bin/chromium here (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield launched
        launched.close()


def copy_parameters(root: Path, sync_url: str, *, seventeentrack: bool = False) -> Path:
    """The repo's store parameters in ``root/parameters``, pointed at ``sync_url``.

    The repo's files switch 17TRACK on (the demo shows it); a copy leaves it off unless
    ``seventeentrack``, then pointed at the same simulator's 17TRACK: tests written for the
    platform's tracking alone keep reading it alone.
    """
    (root / "parameters").mkdir(parents=True)
    track_url = sync_url.removesuffix("/sync") + "/track/v2.2"
    for path in (REPO / "parameters").glob("*.yaml"):
        text = path.read_text().replace("http://127.0.0.1:8765/sync", sync_url)
        if seventeentrack:
            text = text.replace("http://127.0.0.1:8765/track/v2.2", track_url)
        else:  # the section and its comment run to the end of each file
            text = text[:text.index("# 17TRACK as a second tracking source")]
        (root / "parameters" / path.name).write_text(text)
    return root / "parameters"


def make_workspace(root: Path, sync_url: str) -> Workspace:
    """A copy of the repo's workspace (parameters, notebooks) pointed at ``sync_url``."""
    copy_parameters(root, sync_url)
    shutil.copytree(REPO / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    if not ON_POSTGRES:
        return Workspace.at(root, env={})  # the default: root/data/disputekit.sqlite
    url = new_db_url(root)
    if _Databases.monkeypatch is not None:
        # Processes the test starts (the CLI, workers, kernels) read it from the environment.
        _Databases.monkeypatch.setenv("DISPUTEKIT_DB_URL", url)
    return Workspace.at(root, env={"DISPUTEKIT_DB_URL": url})


@pytest.fixture
def workspace(tmp_path: Path, simulator: RunningSimulator) -> Workspace:
    return make_workspace(tmp_path / "ws", simulator.sync_url)


# -- synced databases, copied -------------------------------------------------------------
# A sync of the demo stores takes seconds (tens on 2 busy cores). Tests that only need "a
# database synced from the simulator" get a copy of one synced once per session (per xdist
# worker) instead: a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL. Each
# test still gets its own copy, so a test that writes changes nobody else's database.


def fresh_gateway(seed: int, anchor: datetime) -> Gateway:
    """A simulator whose business time stands at ``anchor`` until a test advances it: two
    made with the same ``seed`` and ``anchor`` are in the same state however far apart they
    were made, so a database synced from one agrees with the other. (With the clock running,
    timers due in the seconds a sync takes would fire in one and not in the other.) Request
    timestamps and tokens still follow the real clock. The timers already due have fired, as
    on a simulator's first request, so what a test reads from it is what a sync would see."""
    gateway = Gateway(seed=seed, now=anchor)
    gateway.business = SimClock(anchor, wall=lambda: 0.0)
    gateway.advance(timedelta(0))
    return gateway


class SyncedTemplates:
    """Databases synced once per session from a fresh simulator (by seed and stores), copied
    into a test's workspace. A test that also talks to the simulator must use a fresh one of
    the same seed (``fresh_simulator``, or ``fresh_gateway``), so the two agree."""

    def __init__(self, anchor: datetime, root: Path) -> None:
        self.anchor = anchor
        self.root = root
        self.made: dict[tuple[int, tuple[str, ...]], str] = {}  # key -> file path or db name

    def copy_into(self, workspace: Workspace, stores: tuple[str, ...], seed: int = 7
                  ) -> Database:
        """``workspace``'s database replaced by a copy of one synced from ``stores`` of a
        fresh simulator of ``seed`` (disputes only, like ``sync_store(orders=False)``)."""
        key = (seed, tuple(stores))
        if key not in self.made:
            self.made[key] = self._sync(key)
        template = self.made[key]
        url = make_url(workspace.db_url)
        if not ON_POSTGRES:
            target = Path(str(url.database))
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(template, target)
        else:
            # The workspace's own (empty) database gives way to a copy under the same name.
            _Databases.admin(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
            _Databases.admin(f'CREATE DATABASE "{url.database}" TEMPLATE "{template}"')
        return Database.open(workspace.db_url)

    def _sync(self, key: tuple[int, tuple[str, ...]]) -> str:
        seed, stores = key
        folder = self.root / f"seed{seed}-{'-'.join(stores)}"
        running = serve_in_thread(fresh_gateway(seed, self.anchor))
        try:
            parameters = copy_parameters(folder, running.sync_url)
            if ON_POSTGRES:
                name = f"dk_tmpl_{uuid.uuid4().hex[:16]}"
                _Databases.admin(f'CREATE DATABASE "{name}"')
                _Databases.templates.append(name)
                url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
            else:
                name = str(folder / "disputekit.sqlite")
                url = f"sqlite:///{name}"
            db = Database.open(url)
            try:
                with pytest.MonkeyPatch.context() as mp:
                    for variable, value in demo_credentials().items():
                        mp.setenv(variable, value)
                    for store_id in stores:
                        store = load_store(store_id, parameters)
                        with connect(store) as client:
                            sync_store(store, client, db, orders=False)
            finally:
                # PostgreSQL copies a template only when nobody is connected to it.
                db.dispose()
        finally:
            running.stop()
        if not ON_POSTGRES:
            # Whatever the WAL still holds goes into the file: the copy is that file alone.
            with closing(sqlite3.connect(name)) as connection:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return name


@pytest.fixture(scope="session")
def synced_templates(anchor: datetime, tmp_path_factory: pytest.TempPathFactory
                     ) -> SyncedTemplates:
    return SyncedTemplates(anchor, tmp_path_factory.mktemp("synced-templates"))


@pytest.fixture
def fresh_simulator(anchor: datetime) -> Iterator[RunningSimulator]:
    """A simulator of its own for one test, in the state ``synced_templates`` synced from
    (seed 7, the session's anchor). A module whose tests copy a synced database and then act
    on the simulator overrides ``simulator`` with it."""
    running = serve_in_thread(fresh_gateway(7, anchor))
    yield running
    running.stop()
