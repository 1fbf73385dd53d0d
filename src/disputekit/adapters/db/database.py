"""The database: SQLAlchemy 2 over SQLite by default (one file), PostgreSQL for a team.

``Database.open`` migrates the schema (``migrations``) before first use; every instant is
stored as UTC and comes back timezone-aware, whatever the backend; text loses NUL on its
way in (PostgreSQL's text cannot hold it).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    create_engine,
    event,
)
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from disputekit.adapters.db.tables import Base, missing_columns
from disputekit.adapters.db.urls import check_url
from disputekit.errors import ConfigError, StorageError


class Database:
    """An engine plus a session factory; ``Database.open(url)`` migrates the schema."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str) -> Database:
        """Connect to ``url`` and bring its schema to the newest revision (Alembic), so a
        new database is created and an older one upgraded on first use."""
        from disputekit.adapters.db import migrations

        parsed = check_url(url)
        kwargs: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            # Notebooks, the runner and widgets share one file: wait on a lock, don't fail.
            # ``?timeout=<seconds>`` in the URL changes how long (sqlite3's busy timeout).
            kwargs["connect_args"] = {"timeout": _busy_timeout(parsed)}
        else:
            # A server restarts, a firewall drops idle connections, a kernel sits open all
            # day: check a pooled connection before handing it out, and retire old ones.
            kwargs.update(pool_pre_ping=True, pool_recycle=1800)
        engine = create_engine(url, **kwargs)
        if parsed.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "before_cursor_execute", _without_nul, retval=True)
        shown = parsed.render_as_string(hide_password=True)
        try:
            migrations.upgrade(engine, shown)
            _check_schema(engine, shown)
        except OperationalError as exc:
            engine.dispose()
            if "locked" in str(exc) or "busy" in str(exc):
                raise storage_error(engine.url, exc) from exc
            raise  # the server is unreachable, the URL wrong: the CLI says which, masked
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises.

        A database that refuses the work (locked past the busy timeout, gone away) raises
        ``StorageError`` naming it; the whole unit was rolled back, so nothing is half-written.
        """
        try:
            with self._sessions() as session, session.begin():
                yield session
        except OperationalError as exc:
            raise storage_error(self.engine.url, exc) from exc

    def dispose(self) -> None:
        self.engine.dispose()

    def upsert(self, session: Session, table: type[Base], rows: list[dict[str, Any]]) -> None:
        """Insert or replace many rows at once, by primary key (see :func:`upsert`)."""
        upsert(session, table, rows)


def upsert(session: Session, table: type[Base], rows: list[dict[str, Any]],
           keys: Sequence[str] | None = None) -> None:
    """Insert or replace many rows at once, matched on ``keys`` (default: the primary key;
    else a unique constraint's columns). One ``INSERT … ON CONFLICT DO UPDATE`` on SQLite and
    PostgreSQL: unlike read-then-insert (``merge``) it cannot collide with another writer
    inserting the same row meanwhile, which PostgreSQL's row locks allow and SQLite's
    whole-file write lock hides."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):  # other backends: one merge at a time
        for row in rows:
            session.merge(table(**row))
        return
    statement = _upsert_statement(dialect, table, tuple(keys) if keys is not None else None,
                                  tuple(rows[0]))
    for start in range(0, len(rows), 500):
        session.execute(statement, rows[start:start + 500])


@functools.lru_cache(maxsize=256)
def _upsert_statement(dialect: str, table: type[Base], keys: tuple[str, ...] | None,
                      given: tuple[str, ...]) -> Any:
    """The ``INSERT … ON CONFLICT DO UPDATE`` for these columns, built once: building it
    (``excluded`` makes a copy of every column of the table) took a sixth of a sync's CPU
    when done for each row written. Statements are immutable, so one serves every session."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    columns = list(keys) if keys is not None else \
        [c.name for c in table.__table__.primary_key.columns]  # type: ignore[attr-defined]
    statement: Any = insert(table)
    return statement.on_conflict_do_update(
        index_elements=columns,
        set_={c: statement.excluded[c] for c in given if c not in columns})


def insert_missing(session: Session, table: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert the rows whose primary key is not there yet and leave the others as they are
    (``ON CONFLICT DO NOTHING``): "record it the first time" without a read-then-insert
    race between two writers."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        for row in rows:
            keys = tuple(row[c.name] for c in table.__table__.primary_key.columns)  # type: ignore[attr-defined]
            if session.get(table, keys) is None:
                session.add(table(**row))
        return
    from sqlalchemy.dialects import postgresql, sqlite

    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    session.execute(insert(table).on_conflict_do_nothing(), rows)


def values_of(row: Base) -> dict[str, Any]:
    """A model instance's column values, for :func:`upsert`."""
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


DEFAULT_BUSY_TIMEOUT = 30.0  # seconds a SQLite write waits for another writer's lock


def _busy_timeout(url: URL) -> float:
    raw = url.query.get("timeout")
    if raw is None:
        return DEFAULT_BUSY_TIMEOUT
    try:
        return float(raw if isinstance(raw, str) else raw[0])
    except ValueError:
        raise ConfigError(f"the database URL's timeout must be seconds, like ?timeout=30; "
                          f"got {raw!r}") from None


def storage_error(url: URL, exc: OperationalError) -> StorageError:
    """The database refused work: say which database, what happened and what to do."""
    shown = url.render_as_string(hide_password=True)
    said = str(exc.orig) if exc.orig is not None else str(exc)
    if "locked" in said or "busy" in said:
        return StorageError(
            f"the database {shown} is locked: another program (a notebook, the daily run, "
            f"a database browser) held its write lock longer than the busy timeout "
            f"({_busy_timeout(url) if url.get_backend_name() == 'sqlite' else '?'} s). Nothing "
            "of the interrupted step was written. Close or finish the other program and run "
            "again; add ?timeout=<seconds> to DISPUTEKIT_DB_URL to wait longer.")
    return StorageError(
        f"the database {shown} refused a read or write ({said[:200]}). Nothing of the "
        "interrupted step was written; check that the database is reachable and has space, "
        "then run again.")


def _check_schema(engine: Engine, shown_url: str) -> None:
    """Refuse a database whose tables lack columns (written by an older disputekit, or
    changed by hand), with a way out, rather than failing later in the middle of a sync."""
    from disputekit.adapters.db.migrations import outdated_message

    missing = missing_columns(engine)
    if missing:
        raise ConfigError(outdated_message(shown_url, missing))


def _without_nul(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                 executemany: bool) -> tuple[str, Any]:
    """The statement's parameters with NUL characters taken out of every text value.

    PostgreSQL's text cannot hold NUL (psycopg refuses the whole statement), so one buyer
    pasting one into a message would fail a sync there and not on SQLite. NUL carries no
    meaning in any text here; removing it on both databases keeps them storing the same
    thing. JSON values are untouched (PostgreSQL's ``json`` keeps ``\\u0000`` as written).
    """
    def clean(row: Any) -> Any:
        if isinstance(row, dict):
            if any(isinstance(v, str) and "\x00" in v for v in row.values()):
                return {k: v.replace("\x00", "") if isinstance(v, str) else v
                        for k, v in row.items()}
            return row
        if isinstance(row, (tuple, list)) and any(isinstance(v, str) and "\x00" in v
                                                  for v in row):
            return type(row)(v.replace("\x00", "") if isinstance(v, str) else v for v in row)
        return row

    if executemany and isinstance(parameters, (list, tuple)):
        return statement, type(parameters)(clean(row) for row in parameters)
    return statement, clean(parameters)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    # WAL lets a notebook read while the runner writes; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
