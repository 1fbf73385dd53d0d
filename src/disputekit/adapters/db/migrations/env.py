"""Alembic's environment for disputekit: run by ``alembic.command`` from
``disputekit.adapters.db.migrations`` (never from an alembic.ini), always on a connection handed in
through ``config.attributes["connection"]``, so the caller holds the lock that stops two
processes migrating one database at once."""

from __future__ import annotations

from alembic import context

from disputekit.adapters.db.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `disputekit db upgrade` "
                       "(disputekit.adapters.db.migrations), "
                       "which hands this environment a locked connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    compare_type=True,
    # SQLite cannot ALTER most things: later migrations copy the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
