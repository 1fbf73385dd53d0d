"""Simulated stores with their own true odds, synced over loopback into a real database:
the history the calibration tests learn from (``test_outcomes``,
``test_calibration_recovery``, ``test_settling_replies``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import pytest

from disputekit.adapters.db.database import Database
from disputekit.adapters.parameters import parse_store
from disputekit.services.store_day import connect
from disputekit.services.sync import SyncResult, sync_store
from disputekit.simulator.app import serve_in_thread
from disputekit.simulator.dataset import DEMO_APP_KEY, DEMO_APP_SECRET, make_stores
from disputekit.simulator.gateway import Gateway, SimClock
from disputekit.simulator.stores import OddsStore, with_odds


def odds_gateway(odds: Mapping[str, Mapping[str, Mapping[str, float]]], *, seed: int,
                 disputes: int) -> Gateway:
    """A gateway whose stores (``store1``…, as many as ``odds`` has) answer by their own
    odds, anchored at this hour: the data is drawn relative to ``now`` and the sync lists
    disputes by the wall clock, so a fixed past anchor would leave out more history each
    day. Its business clock stands still while the sync runs."""
    anchor = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    stores: tuple[OddsStore, ...] = tuple(
        with_odds(s, odds[s.store_id]) for s in make_stores(len(odds)))
    gateway = Gateway(seed=seed, now=anchor, stores=stores, disputes_per_store=disputes,
                      qps=1000)
    gateway.business = SimClock(anchor, wall=lambda: 0.0)
    return gateway


def sync_all(gateway: Gateway, db: Database, stores: Sequence[str] | None = None,
             ) -> dict[str, SyncResult]:
    """Sync each of the gateway's stores (or ``stores``) over loopback, disputes only."""
    running = serve_in_thread(gateway)
    results: dict[str, SyncResult] = {}
    try:
        for store in (ds.store for ds in gateway.datasets.values()):
            if stores is not None and store.store_id not in stores:
                continue
            params = parse_store({
                "store_id": store.store_id, "name": store.name,
                "api": {"base_url": running.sync_url, "app_key_env": "DK_APP_KEY",
                        "app_secret_env": "DK_APP_SECRET", "access_token_env": "DK_TOKEN",
                        "refresh_token_env": "DK_REFRESH", "requests_per_second": 2000}},
                "test")
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("DK_APP_KEY", DEMO_APP_KEY)
                mp.setenv("DK_APP_SECRET", DEMO_APP_SECRET)
                mp.setenv("DK_TOKEN", store.access_token)
                mp.setenv("DK_REFRESH", f"demo-refresh-{store.store_id}")
                with connect(params) as client:
                    results[store.store_id] = sync_store(params, client, db, orders=False)
    finally:
        running.stop()
    return results
