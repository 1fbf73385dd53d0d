"""The database schema's history (Alembic), for SQLite and PostgreSQL alike.

``Database.open`` calls :func:`upgrade` so a new database is created, and an older one
brought up to date, the moment it is opened; ``disputekit db upgrade`` does the same for an
operator who wants to do it by hand, ``disputekit db current`` says where a database is.
The environment (``env.py``) and the revisions (``versions/``) ship inside the package:
nothing needs an ``alembic.ini`` at run time.

Several processes may open one new database at once (the parallel daily run does): the
work happens under a lock that the database itself holds (``pg_advisory_lock`` on
PostgreSQL, a ``BEGIN IMMEDIATE`` write transaction on SQLite), and the revision is read
again once the lock is held, so only the first one migrates.

A database created by disputekit before migrations existed (tables, no ``alembic_version``)
is recognised: if its tables have every column of the initial schema it is stamped at
:data:`INITIAL` (tables added since are created); if it lacks columns it is refused with a
way out. A database at a revision this code does not know was migrated by a newer
disputekit: it is refused too, rather than written with an old idea of the schema.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import Engine

from disputekit.errors import ConfigError

HERE = Path(__file__).resolve().parent
INITIAL = "0001"
#: The tables revision 0001 creates: what disputekit made before migrations existed. A
#: database adopted from then gets the ones it lacks; later tables come from their revisions.
INITIAL_TABLES = frozenset({
    "actions", "buyer_blocklist", "claims", "class_overrides", "disputes", "evidence",
    "order_lines", "orders", "replies_sent", "shipments", "stores", "sync_runs",
    "tracking_events"})
# One number for every disputekit on a PostgreSQL server: the advisory lock's key.
_LOCK_KEY = zlib.crc32(b"disputekit schema migration")


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # the database's revision; None: never migrated
    head: str  # the newest revision this code knows
    legacy: bool  # tables from before migrations existed, not yet stamped

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built in code (no alembic.ini)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def _scripts() -> ScriptDirectory:
    """The revisions shipped with this code (read once per process)."""
    return ScriptDirectory.from_config(config())


def known_revisions() -> frozenset[str]:
    return frozenset(s.revision for s in _scripts().walk_revisions())


def head() -> str:
    heads = _scripts().get_heads()
    assert len(heads) == 1, f"the migrations have several heads {heads}: merge them"
    return heads[0]


def state(connection: Connection) -> SchemaState:
    current = MigrationContext.configure(connection).get_current_revision()
    legacy = current is None and "disputes" in inspect(connection).get_table_names()
    return SchemaState(current, head(), legacy)


def upgrade(engine: Engine, shown_url: str) -> SchemaState:
    """Bring the database to the newest revision; returns its state before. ``shown_url``
    (password hidden) names the database in errors."""
    with engine.connect() as connection:
        before = state(connection)
        connection.rollback()
    _refuse_newer(before, shown_url)
    if before.up_to_date:  # the usual case: no lock, no write
        return before
    with _locked(engine) as connection:
        before = state(connection)  # again: another process may have done it meanwhile
        _refuse_newer(before, shown_url)
        if before.legacy:
            _adopt_legacy(connection, shown_url)
        if not before.up_to_date:
            command.upgrade(config(connection), "head")
    return before


def _refuse_newer(found: SchemaState, shown_url: str) -> None:
    if found.current is None:
        return
    if found.current not in known_revisions():
        raise ConfigError(
            f"the database {shown_url} is at schema revision {found.current!r}, which this "
            f"disputekit does not know (it knows up to {found.head!r}): a newer disputekit "
            "migrated it. Upgrade disputekit on this machine (pip install -U disputekit) "
            "rather than writing to it with an older one.")


def _adopt_legacy(connection: Connection, shown_url: str) -> None:
    """Tables created by ``create_all`` before migrations existed: stamp them at the initial
    revision when they hold every column it has (tables added later are created)."""
    from disputekit.adapters.db.tables import Base, missing_columns

    present = set(inspect(connection).get_table_names())
    missing = missing_columns(connection, only_tables=present)
    if missing:
        raise ConfigError(outdated_message(shown_url, missing))
    # The old code created every table it knew; a table of the initial schema it did not
    # know yet is new here. Tables of later revisions are left to those revisions.
    Base.metadata.create_all(connection, tables=[
        t for t in Base.metadata.sorted_tables
        if t.name in INITIAL_TABLES and t.name not in present])
    command.stamp(config(connection), INITIAL)


def outdated_message(shown_url: str, missing: list[str]) -> str:
    return (f"the database {shown_url} was created by an older disputekit and lacks "
            f"{', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}. Back it up, then "
            "point DISPUTEKIT_DB_URL at a new one (or delete data/disputekit.sqlite) and "
            "sync again: disputes, orders and tracking are read back from the platform; "
            "class overrides, replies sent and the action journal live only in the backup.")


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection holding the database's migration lock; committed when the block ends."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Session-level: held across the migration's own transactions, released even
            # if the process dies (the server drops it with the connection).
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _LOCK_KEY})
            connection.commit()
            try:
                yield connection
                connection.commit()
            finally:
                connection.rollback()
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY})
                connection.commit()
        elif connection.dialect.name == "sqlite":
            # The write lock, taken before reading the revision: a second process waits
            # here (the busy timeout) instead of racing to CREATE TABLE. Alembic sees a
            # transaction already open and runs inside it; the DDL commits with it.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield connection
                connection.commit()
            except BaseException:
                connection.rollback()
                raise
        else:  # another backend: no lock of ours, its own DDL rules
            yield connection
            connection.commit()


def inspect_url(url: str) -> SchemaState | None:
    """The state of the database at ``url`` without changing it; None when there is no
    such database file yet (SQLite) — opening it would create it."""
    from sqlalchemy import create_engine

    from disputekit.adapters.db.urls import check_url

    parsed = check_url(url)  # a malformed URL or a missing driver: one line, not a traceback
    if parsed.get_backend_name() == "sqlite" and (
            not parsed.database or parsed.database == ":memory:"
            or not Path(parsed.database).exists()):
        return None
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return state(connection)
    finally:
        engine.dispose()


def describe(found: SchemaState | None) -> str:
    """One line for ``disputekit db current``."""
    if found is None or (found.current is None and not found.legacy):
        return f"no schema yet (`disputekit db upgrade` creates revision {head()})"
    if found.legacy:
        return ("tables from before migrations, not stamped (`disputekit db upgrade` "
                f"adopts them at {INITIAL})")
    if found.up_to_date:
        return f"{found.current} (up to date)"
    if found.current not in known_revisions():
        return f"{found.current} (newer than this disputekit, which knows up to {found.head})"
    return f"{found.current} (behind {found.head}: run `disputekit db upgrade`)"
