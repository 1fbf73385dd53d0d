"""A database URL checked before any engine is made: what cannot be used is one line.

SQLAlchemy's own errors for these were tracebacks (``ArgumentError``, ``NoSuchModuleError``,
``ModuleNotFoundError``), and an in-memory SQLite database was accepted and lost.
"""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url

from disputekit.errors import ConfigError

__all__ = ["check_url"]

_URL_EXAMPLE = ("like sqlite:////path/to/disputekit.sqlite or "
                "postgresql+psycopg://user@host:5432/disputekit")


def check_url(url: str) -> URL:
    """``url`` parsed, or a ``ConfigError`` in one line: a malformed URL, a port out of
    range, a database or driver that is not installed (SQLAlchemy's own errors were a
    traceback), and an in-memory SQLite database, which each process (the runner's workers,
    every kernel) would open empty and lose at exit. The URL itself is never shown: it may
    hold a password."""
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError(f"DISPUTEKIT_DB_URL is not a database URL; give one {_URL_EXAMPLE}"
                          ) from None
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise ConfigError(f"DISPUTEKIT_DB_URL names port {parsed.port}, outside 1-65535")
    try:
        parsed.get_dialect().import_dbapi()
    except ArgumentError:  # NoSuchModuleError: no such database kind
        raise ConfigError(f"DISPUTEKIT_DB_URL names a database disputekit cannot use "
                          f"({parsed.drivername!r}); give one {_URL_EXAMPLE}") from None
    except ImportError as exc:
        raise ConfigError(f"DISPUTEKIT_DB_URL needs the Python package {exc.name!r} "
                          f"({parsed.drivername}), which is not installed: install it, or use "
                          "postgresql+psycopg:// (installed with disputekit)") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ConfigError("DISPUTEKIT_DB_URL names an in-memory SQLite database: each process "
                          "(the run's workers, every kernel) would get its own, empty, lost "
                          "at exit; name a file, like sqlite:////path/to/disputekit.sqlite")
    return parsed
