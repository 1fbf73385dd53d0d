"""Every table of a disputekit database as plain, comparable Python values.

``snapshot`` keeps every column, keyed by each row's natural key, to prove rows were left
untouched. ``normalised`` drops what legitimately differs between two runs that read the
same platform state (when a row was written, surrogate ids, the runs' own bookkeeping) so
an interrupted-then-resumed sync can be compared with an uninterrupted one.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import Base

# Wall-clock "when we wrote it" columns: they differ between any two runs.
WRITTEN_AT = {"synced_at", "assessed_at", "last_synced_at", "recorded_at"}
# A claim opened by the sync is stamped with the sync's clock, not the platform's.
CLAIM_CLOCK = {"opened_at", "closed_at"}
# Tables that record runs, not data; their rows differ by design (one row per run).
BOOKKEEPING = {"sync_runs"}
# Natural keys of tables whose primary key is a surrogate autoincrement id.
NATURAL_KEYS = {"tracking_events": ("store_id", "logistics_no", "seq")}


def _plain(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def _key(table: Any) -> tuple[str, ...]:
    return NATURAL_KEYS.get(table.name) or tuple(c.name for c in table.primary_key.columns)


def snapshot(db: Database) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Every row of every table, all columns, keyed by the row's natural key."""
    out: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = [dict(r._mapping) for r in conn.execute(select(table))]
            key = _key(table)
            out[table.name] = {tuple(row[k] for k in key): {c: _plain(v) for c, v in row.items()}
                               for row in rows}
    return out


def normalised(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every data table's rows, sorted, without the columns that differ run to run."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in BOOKKEEPING:
                continue
            drop = WRITTEN_AT | (CLAIM_CLOCK if table.name == "claims" else set())
            if table.name in NATURAL_KEYS:
                drop = drop | {c.name for c in table.primary_key.columns}
            columns = [c for c in table.columns if c.name not in drop]
            rows = conn.execute(select(*columns)).all()
            out[table.name] = sorted((tuple(_plain(v) for v in row) for row in rows), key=repr)
    return out


def differences(a: dict[str, list[tuple[Any, ...]]], b: dict[str, list[tuple[Any, ...]]],
                limit: int = 5) -> list[str]:
    """What differs between two ``normalised`` dumps, for an assertion message."""
    found: list[str] = []
    for name in sorted(set(a) | set(b)):
        only_a = set(a.get(name, [])) - set(b.get(name, []))
        only_b = set(b.get(name, [])) - set(a.get(name, []))
        if only_a or only_b or len(a.get(name, [])) != len(b.get(name, [])):
            found.append(f"{name}: {len(a.get(name, []))} vs {len(b.get(name, []))} rows; "
                         f"only first: {sorted(only_a, key=repr)[:limit]}; "
                         f"only second: {sorted(only_b, key=repr)[:limit]}")
    return found
