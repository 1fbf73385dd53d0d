"""Sync throughput: requests per second achieved against the simulator's rate limit.

    .venv/bin/python bench/sync_throughput.py [--quick]

Workload: the simulator (``make_stores(6)``, 45 disputes per store, the generator's
minimum, about 130 requests per store, orders not listed) with its per-app-key limit set
to ``QPS`` calls/s, served behind an ASGI middleware adding ``LATENCY`` to every request
(150 ms: a request to the Singapore gateway). Each run is a first sync into a fresh SQLite
database. Three ways:

- 6 stores at once: ``sync_stores(jobs=6)``, one ``RequestBudget(QPS)`` shared by all
  (the budget set to the limit, as ``pipeline.connect`` does per app key; it sends at 95 %
  of it, see ``client.RequestBudget``), each store with
  ``api.concurrency`` (default 8) requests in flight;
- 1 store: the same, one store;
- a naive client: one request at a time (``concurrency=1``), no budget, the stores one
  after another (``jobs=1``); measured on one store's requests, since one request at a
  time gives the same rate whatever the number of stores; one run (it barely varies).

Achieved = requests the gateway answered (its ``call_log``) / wall time of the sync;
requests it refused for the rate limit are counted apart (the middleware sees them).
The limit was raised from the client's default 10/s to 30/s so the run stays short; with
150 ms latency 6 stores can send up to ~38 req/s, so 30 is reachable.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from _common import (
    Result,
    Row,
    connector,
    made_up_stores,
    median,
    ok_or_not,
    serve_process,
    spread,
    standalone,
)

from disputekit.simulator.generator import MIN_DISPUTES

QPS = 30.0
LATENCY = 0.150
STORES = 6
DISPUTES = MIN_DISPUTES  # the generator's minimum (3 per class)
BIG = 3 * DISPUTES  # the single store's disputes
TARGET = 0.9


def _sync(served, params, env, *, jobs: int, budgeted: bool, qps: float,
          concurrency: int | None) -> dict[str, float]:
    from disputekit.adapters.aliexpress import RequestBudget
    from disputekit.adapters.db.database import Database
    from disputekit.services.sync import SyncResult, sync_stores

    time.sleep(1.1)  # the gateway's 1-second window forgets the previous run
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        db = Database.open(f"sqlite:///{Path(tmp) / 'sync.sqlite'}")
        try:
            before = served.counts()
            budget = RequestBudget(qps) if budgeted else RequestBudget(None)
            started = time.perf_counter()
            results = sync_stores(params, connector(env, budget), db, jobs=jobs, orders=False,
                                  concurrency=concurrency)
            wall = time.perf_counter() - started
        finally:
            db.dispose()
    failed = [s for s, r in results.items() if not isinstance(r, SyncResult) or r.status != "ok"]
    if failed:
        raise RuntimeError(f"sync failed for {failed}: {results}")
    after = served.counts()
    done = after["answered"] - before["answered"]
    refused = after["requests"] - before["requests"] - done
    return {"wall": wall, "requests": done, "refused": refused, "rps": done / wall}


def run(quick: bool = False) -> Result:
    from disputekit.simulator.dataset import make_stores

    # Quick: a smoke pass, short latency and a higher limit; the figures are not the point.
    qps, latency, runs = (100.0, 0.03, 1) if quick else (QPS, LATENCY, 3)
    result = Result("sync throughput")
    stores = make_stores(STORES)
    # The single store is a bigger one (3x the disputes), its own simulator with the same
    # limit: a sync of ~130 requests is too short for the rate to mean much (starting up
    # and the last answers are a tenth of it).
    big = make_stores(1)
    result.note(f"workload: {STORES} made-up stores x {DISPUTES} disputes, and 1 store x "
                f"{BIG} disputes (own simulator), first sync, orders off; limit {qps:g} "
                f"req/s per app key; +{latency * 1000:.0f} ms per request; {runs} run(s) "
                f"each, median; naive: the first of the 6 stores, one request at a time; "
                f"each simulator in its own process (as the gateway is another machine)")
    with serve_process(seed=17, stores=STORES, disputes=DISPUTES, qps=qps,
                       latency=latency) as served, \
            serve_process(seed=18, stores=1, disputes=BIG, qps=qps,
                          latency=latency) as served_big:
        params, env = made_up_stores(stores, served.sync_url)
        big_params, big_env = made_up_stores(big, served_big.sync_url)
        ways = {  # concurrency None: each store's api.concurrency (the default)
            "six": dict(served=served, params=params, env=env, jobs=STORES, budgeted=True,
                        concurrency=None),
            "one": dict(served=served_big, params=big_params, env=big_env, jobs=1,
                        budgeted=True, concurrency=None),
            "naive": dict(served=served, params=params[:1], env=env, jobs=1, budgeted=False,
                          concurrency=1),
        }
        runs_of: dict[str, list[dict[str, float]]] = {k: [] for k in ways}
        for n in range(runs):  # interleaved, so a noisy minute hits every way alike
            for key, way in ways.items():
                if key == "naive" and n:
                    continue  # one request at a time barely varies (0.19-0.21): one run
                out = _sync(way["served"], way["params"], way["env"], jobs=way["jobs"],
                            budgeted=way["budgeted"], qps=qps,
                            concurrency=way["concurrency"])
                runs_of[key].append(out)
                print(f"  run {n + 1} {key:>5}: {out['requests']:.0f} requests in "
                      f"{out['wall']:.1f} s = {out['rps']:.2f} req/s, "
                      f"{out['refused']:.0f} refused (rate limit)", flush=True)

    def fig(key: str) -> tuple[float, float, float, float]:
        outs = runs_of[key]
        return (median(o["rps"] for o in outs), median(o["wall"] for o in outs),
                median(o["requests"] for o in outs), median(o["refused"] for o in outs))

    for key, outs in runs_of.items():
        result.note(f"{key}: req/s per run {spread(o['rps'] for o in outs)}, "
                    f"refused {spread((o['refused'] for o in outs), '{:.0f}')}")
    six, one, naive = fig("six"), fig("one"), fig("naive")
    low, high = (min(o["rps"] for o in runs_of["six"]) / qps,
                 max(o["rps"] for o in runs_of["six"]) / qps)
    ceiling = 1 / latency
    inflight = params[0].api.concurrency
    result.rows += [
        Row("Sync, 6 stores at once",
            f"{six[0]:.1f} req/s = {six[0] / qps:.2f} of the limit (runs {low:.2f}-{high:.2f};"
            f" {six[2]:.0f} requests in {six[1]:.1f} s; {six[3]:.0f} refused)",
            f"limit {qps:g} req/s (the budget sends at 0.95 of it), +{latency * 1000:.0f} "
            f"ms, {inflight} in flight per store; target >= {TARGET}",
            ok_or_not(six[0] / qps >= TARGET)),
        Row("Sync, 1 store",
            f"{one[0]:.1f} req/s = {one[0] / qps:.2f} of the limit ({one[2]:.0f} requests "
            f"in {one[1]:.1f} s)",
            f"same limit; {inflight} requests in flight (one at a time would be <= "
            f"1/latency = {ceiling:.1f} req/s); target >= {TARGET}",
            ok_or_not(one[0] / qps >= TARGET)),
        Row("Sync, naive sequential client",
            f"{naive[0]:.1f} req/s = {naive[0] / qps:.2f} of the limit (one request at a "
            f"time; {naive[2]:.0f} requests in {naive[1]:.1f} s)",
            f"1 store {one[0] / naive[0]:.1f}x faster; 6 stores at once "
            f"{six[0] / naive[0]:.1f}x (6 stores' {six[2]:.0f} "
            f"requests: {six[2] / naive[0]:.0f} s naive vs {six[1]:.0f} s)",
            "baseline"),
    ]
    return result


if __name__ == "__main__":
    raise SystemExit(standalone(run))
