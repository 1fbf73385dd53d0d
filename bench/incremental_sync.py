"""Incremental sync: what a re-sync costs as a function of how many disputes changed.

    .venv/bin/python bench/incremental_sync.py [--quick]

Workload: one made-up store with N = 10,000 disputes (the issue's figure), no latency, no
rate limit, orders off, the simulator served from its own process (the gateway is another
machine; in the benchmark's process its work took a sixth of the GIL from the sync) with
its business clock frozen so no dispute changes by itself. After a first sync, 0 %, 1 %,
10 % and 100 % of the stored disputes are changed on the platform (``gmt_modified`` of the
summary and the detail moved forward, as ``tests/test_sync.py`` does) and the store is
synced again; requests are counted from the gateway's ``call_log`` (``/bench/methods``).
0 %, 1 % and 10 % twice each (interleaved), median; 100 % once: it takes as long as the
first sync, and its requests are the first sync's (every dispute read again), so a second
run would tell little for its minutes.

What a re-sync must do whatever changed: read the whole dispute list (the API has no
modified-since filter: N/50 pages) and re-read the tracking of every open dispute (parcels
move while disputes stand still). Everything else should scale with the changes.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections import Counter
from pathlib import Path

from _common import Result, Row, made_up_stores, median, serve_process, spread, standalone

N = 10_000
FRACTIONS = (0.0, 0.01, 0.10, 1.0)
RUNS = {0.0: 2, 0.01: 2, 0.10: 2, 1.0: 1}  # the 100 % re-sync is a full sync's time: once


def run(quick: bool = False) -> Result:
    from sqlalchemy import select

    from disputekit.adapters.aliexpress import AliExpressClient
    from disputekit.adapters.db.database import Database
    from disputekit.adapters.db.tables import DisputeRow
    from disputekit.services.sync import sync_store
    from disputekit.simulator.dataset import make_stores

    n = 300 if quick else N
    runs = {f: 1 for f in FRACTIONS} if quick else RUNS
    result = Result("incremental sync")
    stores = make_stores(1)  # the simulator process makes the same one
    result.note(f"workload: 1 store, N = {n:,} disputes, no latency, no limit, orders off, "
                "simulator in its own process, business clock frozen; re-sync after 0/1/10/100 % "
                "changed; "
                + ", ".join(f"{f:.0%} {r} run(s)" for f, r in runs.items()))
    tmp = tempfile.TemporaryDirectory(prefix="bench-incremental-")
    db = Database.open(f"sqlite:///{Path(tmp.name) / 'inc.sqlite'}")
    stamp_minutes = [0]

    with serve_process(seed=23, stores=1, disputes=n, qps=None, latency=0.0,
                       frozen=True) as served:
        params, env = made_up_stores(stores, served.sync_url)
        store = params[0]

        def sync() -> tuple[float, Counter[str], int]:
            before = served.methods()
            with AliExpressClient(base_url=store.api.base_url,
                                  credentials=store.credentials(env),
                                  store_id=store.store_id) as client:
                started = time.perf_counter()
                out = sync_store(store, client, db, orders=False)
                wall = time.perf_counter() - started
            if out.status != "ok":
                raise RuntimeError(f"sync {out.status}: {out.summary()}")
            return wall, served.methods() - before, out.fetched

        first_wall, first_calls, first_fetched = sync()
        full = sum(first_calls.values())
        with db.session() as s:
            stored = sorted(s.scalars(select(DisputeRow.issue_id)))
        result.note(f"first sync: {full:,} requests ({dict(first_calls)}) in {first_wall:.1f} s;"
                    f" {len(stored):,} disputes stored")
        rng = random.Random(5)
        measured: dict[float, list[tuple[float, int, int, Counter[str]]]] = {
            f: [] for f in FRACTIONS}
        for rep in range(max(runs.values())):
            for fraction in (f for f in FRACTIONS if rep < runs[f]):
                chosen = rng.sample(stored, round(fraction * len(stored)))
                stamp_minutes[0] += 1
                served.touch(store.store_id, chosen, stamp_minutes[0])
                wall, calls, fetched = sync()
                measured[fraction].append((wall, sum(calls.values()), fetched, calls))
                print(f"  run {rep + 1} {fraction:>4.0%} changed: {len(chosen):>5} marked, "
                      f"{fetched:>5} fetched, {sum(calls.values()):>5} requests, "
                      f"{wall:.2f} s", flush=True)
    db.dispose()
    tmp.cleanup()

    def med(fraction: float) -> tuple[float, float, float]:
        rows = measured[fraction]
        return (median(r[1] for r in rows), median(r[0] for r in rows),
                median(r[2] for r in rows))

    for fraction, rows in measured.items():
        result.note(f"{fraction:.0%} changed: requests {spread((r[1] for r in rows), '{:.0f}')},"
                    f" seconds {spread(r[0] for r in rows)}, by method {dict(rows[0][3])}")
    floor_req, floor_s, _ = med(0.0)
    pages = measured[0.0][0][3].get("aliexpress.issue.issuelist.get", 0)
    tracking = floor_req - pages
    per_change = {f: (med(f)[0] - floor_req) / max(med(f)[2], 1) for f in FRACTIONS[1:]}
    linear = all(0.75 <= per_change[f] / per_change[1.0] <= 1.33 for f in FRACTIONS[1:])
    result.note("requests per changed dispute above the floor: "
                + ", ".join(f"{f:.0%}: {v:.2f}" for f, v in per_change.items()))
    result.rows.append(Row(
        "Incremental sync, 0% changed",
        f"{floor_req:.0f} requests, {floor_s:.1f} s",
        f"first sync {full:,} requests, {first_wall:.1f} s (N = {len(stored):,}): "
        f"{floor_req / full:.1%}",
        f"floor: {pages} list pages (N/50) + {tracking:.0f} tracking reads of open disputes"))
    for fraction in FRACTIONS[1:]:
        req, secs, fetched = med(fraction)
        result.rows.append(Row(
            f"Incremental sync, {fraction:.0%} changed",
            f"{req:,.0f} requests, {secs:.1f} s ({fetched:,.0f} fetched)",
            f"first sync {full:,} requests ({req / full:.1%}); floor + "
            f"{per_change[fraction]:.2f} requests per changed dispute",
            "grows with the changes" if linear else "NOT linear in the changes"))
    return result


if __name__ == "__main__":
    raise SystemExit(standalone(run))
