"""Six stores, 5,100 disputes, synced at once through injected faults, rate limits and a
token that expires mid-sync: the database ends with exactly the simulator's disputes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from disputekit.adapters.aliexpress import AliExpressClient, RequestBudget, RetryPolicy
from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import DisputeRow, OrderRow, SyncRunRow
from disputekit.adapters.parameters import StoreParameters, parse_store
from disputekit.domain.platform_time import parse_pacific
from disputekit.services.sync import SyncResult, sync_stores
from disputekit.simulator.app import serve_in_thread
from disputekit.simulator.dataset import DEMO_APP_KEY, DEMO_APP_SECRET, make_stores
from disputekit.simulator.gateway import Faults, Gateway


@pytest.mark.slow
def test_six_stores_under_faults_end_exact(db_url: str, anchor: datetime,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    stores = make_stores(6)
    gateway = Gateway(seed=13, now=anchor, stores=stores, disputes_per_store=850, qps=400,
                      faults=Faults(isp_error=0.02, http_5xx=0.01, truncated=0.01, slow=0.002,
                                    slow_seconds=1.5, expire_token_after=1200))
    running = serve_in_thread(gateway)
    params: list[StoreParameters] = []
    for demo in stores:
        up = demo.store_id.upper()
        monkeypatch.setenv(f"DK_{up}_TOKEN", demo.access_token)
        monkeypatch.setenv(f"DK_{up}_REFRESH", f"demo-refresh-{demo.store_id}")
        params.append(parse_store({
            "store_id": demo.store_id, "name": demo.name,
            "api": {"base_url": running.sync_url, "app_key_env": "DK_APP_KEY",
                    "app_secret_env": "DK_APP_SECRET", "access_token_env": f"DK_{up}_TOKEN",
                    "refresh_token_env": f"DK_{up}_REFRESH", "timeout_seconds": 1.0},
        }, "test"))
    monkeypatch.setenv("DK_APP_KEY", DEMO_APP_KEY)
    monkeypatch.setenv("DK_APP_SECRET", DEMO_APP_SECRET)
    # One budget above the gateway's limit, shared by all six: ApiCallLimit will happen.
    budget = RequestBudget(500)

    def connect(store: StoreParameters) -> AliExpressClient:
        return AliExpressClient(base_url=store.api.base_url, credentials=store.credentials(),
                                store_id=store.store_id, timeout=store.api.timeout_seconds,
                                budget=budget, retry=RetryPolicy(attempts=10, base_delay=0.02))

    db = Database.open(db_url)
    # The 90-day window's start moves while the sync runs (minutes under load): a closed
    # dispute right at its edge may go either way, so the check is between two bounds.
    earliest = datetime.now(UTC) - timedelta(days=90)
    try:
        # Disputes are what this test counts; the order list has its own test.
        results = sync_stores(params, connect, db, jobs=6, orders=False)
        again = sync_stores(params, connect, db, jobs=6, orders=False)  # adds nothing
    finally:
        running.stop()

    bad = {k: r for k, r in results.items() if not (isinstance(r, SyncResult) and r.status == "ok")}
    assert not bad, bad
    assert all(isinstance(r, SyncResult) and r.fetched == 0 for r in again.values())
    def importable(horizon: datetime) -> dict[tuple[str, int], str]:
        return {
            (store_id, r.summary["issue_id"]): r.summary["gmt_modified"]
            for store_id, ds in gateway.datasets.items() for r in ds.issues
            if r.summary["issue_status"] == "processing"
            or (parse_pacific(r.summary["gmt_create"]) or horizon) >= horizon
        }

    expected = importable(datetime.now(UTC) - timedelta(days=90))  # surely imported
    possible = importable(earliest)  # imported if still inside when the sync began
    assert len(expected) > 4_900
    with db.session() as s:
        stored = {(row.store_id, row.issue_id): row.modified_at
                  for row in s.scalars(select(DisputeRow))}
        duplicates = s.scalar(select(func.count()).select_from(DisputeRow)) - len(stored)
        orders = s.scalar(select(func.count()).select_from(OrderRow))
        runs = s.scalars(select(SyncRunRow.status)).all()
    assert duplicates == 0
    assert set(expected) <= set(stored) <= set(possible)  # none lost, none extra
    assert all(stored[key] == parse_pacific(possible[key]) for key in stored)
    assert orders == len({(k[0], r.summary["parent_order_id"]) for k in stored
                          for r in [gateway.lifecycle.index[k[0]][k[1]]]})
    assert runs.count("ok") == 12
    # The faults really happened: the clients were made to work for it.
    tokens = {state.store_id for state in gateway.tokens.values()
              if not state.access_token.startswith("demo-token-")}
    assert tokens == {s.store_id for s in stores}  # every store refreshed its token
