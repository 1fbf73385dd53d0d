"""The schema through Alembic, on SQLite and (with DISPUTEKIT_TEST_PG_URL) PostgreSQL:
migrations equal the models, old databases are adopted or refused, newer ones refused,
and the storage types behave the same on both backends."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text

from disputekit.adapters.db import migrations
from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import (
    ActionRow,
    Base,
    DisputeRow,
    ShipmentRow,
    StoreRow,
    SyncRunRow,
)
from disputekit.adapters.workspace import Workspace
from disputekit.errors import ConfigError
from tests.conftest import ON_POSTGRES

CLI = [sys.executable, "-m", "disputekit"]


def test_the_migrations_build_exactly_the_models(db_url: str) -> None:
    """Fails when a model changes without a migration: write one in migrations/versions/."""
    db = Database.open(db_url)
    try:
        with db.engine.connect() as connection:
            assert migrations.state(connection).up_to_date
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        db.dispose()
    assert differences == [], "models and migrations differ: add a revision"


def test_the_initial_revision_creates_the_tables_itself() -> None:
    """0001 spells the schema out: it must not lean on the models (create_all)."""
    source = (migrations.HERE / "versions" / "0001_initial.py").read_text()
    assert "metadata" not in source and "disputekit.adapters.db.database" not in source
    assert set(re.findall(r"op\.create_table\('(\w+)'", source)) == migrations.INITIAL_TABLES
    later = "".join(p.read_text() for p in (migrations.HERE / "versions").glob("*.py")
                    if p.name != "0001_initial.py")
    assert (migrations.INITIAL_TABLES | set(re.findall(r"op\.create_table\('(\w+)'", later))
            == set(Base.metadata.tables))


def test_a_database_from_before_migrations_is_stamped(db_url: str) -> None:
    """disputekit 0.1 made its tables with create_all and no alembic_version."""
    engine = create_engine(db_url)
    legacy = [t for t in Base.metadata.sorted_tables
              if t.name in migrations.INITIAL_TABLES and t.name != "evidence"]
    Base.metadata.create_all(engine, tables=legacy)  # a release before evidence existed
    with engine.begin() as connection:
        connection.execute(StoreRow.__table__.insert().values(store_id="volt", name="Volt"))
    engine.dispose()
    db = Database.open(db_url)
    try:
        with db.engine.connect() as connection:
            assert migrations.state(connection).current == migrations.head()
            # evidence: a table of 0001 the old code lacked; buyer_reports: a later revision's
            assert {"evidence", "buyer_reports"} <= set(inspect(connection).get_table_names())
        with db.session() as s:
            assert s.get(StoreRow, "volt") is not None  # the data stayed
    finally:
        db.dispose()


def test_a_database_from_before_migrations_lacking_columns_is_refused(db_url: str) -> None:
    engine = create_engine(db_url)
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE claims DROP COLUMN offered_amount"))
    engine.dispose()
    with pytest.raises(ConfigError, match=r"lacks claims\.offered_amount.*Back it up"):
        Database.open(db_url)
    engine = create_engine(db_url)
    with engine.connect() as connection:  # refused, not half-migrated
        assert "alembic_version" not in inspect(connection).get_table_names()
    engine.dispose()


def test_a_database_migrated_by_a_newer_disputekit_is_refused(db_url: str) -> None:
    Database.open(db_url).dispose()
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    engine.dispose()
    with pytest.raises(ConfigError, match=r"revision '0999'.*Upgrade disputekit"):
        Database.open(db_url)


def test_errors_never_show_the_password(db_url: str) -> None:
    if not ON_POSTGRES:
        pytest.skip("an SQLite URL has no password")
    from sqlalchemy.engine import make_url

    url = make_url(db_url).set(password="s3cret-pw")
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE claims DROP COLUMN offered_amount"))
    engine.dispose()
    with pytest.raises(ConfigError) as caught:
        Database.open(url.render_as_string(hide_password=False))
    assert "s3cret-pw" not in str(caught.value) and "***" in str(caught.value)


def test_instants_come_back_aware_utc_and_values_round_trip(db_url: str) -> None:
    db = Database.open(db_url)
    at = datetime(2026, 11, 28, 1, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-8)))
    try:
        with db.session() as s:
            s.add(StoreRow(store_id="volt", name="Volt"))
            s.flush()
            s.add(DisputeRow(
                store_id="volt", issue_id=9_007_199_254_740_993, order_id=1,
                parent_order_id=2, buyer_login_id="Ana", issue_status="processing",
                product_price=Decimal("12.34"), after_sale_warranty=True, created_at=at,
                modified_at=at, detail_json={"ünï": ["code", 1, None]}, synced_at=at))
        with db.session() as s:
            row = s.get(DisputeRow, ("volt", 9_007_199_254_740_993))
            assert row is not None
            assert row.created_at == at and row.created_at.tzinfo is UTC
            assert row.product_price == Decimal("12.34") and row.after_sale_warranty is True
            assert row.detail_json == {"ünï": ["code", 1, None]}
            # A naive instant is refused on both backends rather than guessed at.
            with pytest.raises(Exception, match="naive"):
                s.add(SyncRunRow(store_id="volt", started_at=datetime(2026, 1, 1)))
                s.flush()
    finally:
        db.dispose()


def test_upsert_inserts_then_replaces(db_url: str) -> None:
    db = Database.open(db_url)
    now = datetime.now(UTC)
    row = {"store_id": "volt", "logistics_no": "LP1", "parent_order_id": 7,
           "events_json": {"details": []}, "assessed_at": now, "delivered": False}
    try:
        with db.session() as s:
            s.add(StoreRow(store_id="volt", name="Volt"))
        with db.session() as s:
            db.upsert(s, ShipmentRow, [row])
        with db.session() as s:
            db.upsert(s, ShipmentRow, [{**row, "delivered": True, "parent_order_id": 8}])
        with db.session() as s:
            shipments = s.scalars(select(ShipmentRow)).all()
            assert [(r.parent_order_id, r.delivered) for r in shipments] == [(8, True)]
    finally:
        db.dispose()


def test_autoincrement_ids_grow_in_insertion_order(db_url: str) -> None:
    db = Database.open(db_url)
    now = datetime.now(UTC)
    try:
        with db.session() as s:
            s.add(StoreRow(store_id="volt", name="Volt"))
            s.flush()
            for kind in ("refuse", "agree", "extend"):
                s.add(ActionRow(store_id="volt", issue_id=1, kind=kind, operator="ana",
                                created_at=now, request_json={}))
        with db.session() as s:
            rows = s.scalars(select(ActionRow).order_by(ActionRow.id)).all()
            assert [r.kind for r in rows] == ["refuse", "agree", "extend"]
    finally:
        db.dispose()


def test_free_text_longer_than_its_column_is_clipped_alike(db_url: str) -> None:
    """PostgreSQL refuses what overflows VARCHAR(n), SQLite keeps it: both clip free text."""
    db = Database.open(db_url)
    try:
        with db.session() as s:
            s.add(StoreRow(store_id="volt", name="Ж" * 5000))
        with db.session() as s:
            row = s.get(StoreRow, "volt")
            assert row is not None and row.name == "Ж" * 199 + "…"
    finally:
        db.dispose()


def test_the_workspace_and_its_subprocesses_share_the_test_database(
        workspace: Workspace) -> None:
    """The mechanism itself: with DISPUTEKIT_TEST_PG_URL, the workspace fixture's database
    is a PostgreSQL one, and a process the test starts (the CLI, a worker, a kernel) finds
    it through DISPUTEKIT_DB_URL; without it, the workspace's SQLite file."""
    code = ("import sys; from pathlib import Path; "
            "from disputekit.adapters.workspace import Workspace; "
            "print(Workspace.at(Path(sys.argv[1])).db_url)")
    seen = subprocess.run([sys.executable, "-c", code, str(workspace.root)],
                          capture_output=True, text=True, check=True, timeout=60)
    assert seen.stdout.strip() == workspace.db_url
    assert workspace.db_url.startswith("postgresql+psycopg://" if ON_POSTGRES else "sqlite:///")


def test_cli_db_upgrade_and_current(tmp_path: Path, db_url: str) -> None:
    (tmp_path / "parameters").mkdir()
    (tmp_path / "notebooks").mkdir()
    env = {"DISPUTEKIT_DB_URL": db_url, "PATH": "/usr/bin:/bin"}
    before = subprocess.run([*CLI, "db", "current", "--home", str(tmp_path)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert before.returncode == 0, before.stderr
    assert "no schema yet" in before.stdout
    up = subprocess.run([*CLI, "db", "upgrade", "--home", str(tmp_path)],
                        capture_output=True, text=True, env=env, timeout=120)
    assert up.returncode == 0, up.stderr
    assert f"at revision {migrations.head()}" in up.stdout
    after = subprocess.run([*CLI, "db", "current", "--home", str(tmp_path)],
                           capture_output=True, text=True, env=env, timeout=120)
    assert f"{migrations.head()} (up to date)" in after.stdout
