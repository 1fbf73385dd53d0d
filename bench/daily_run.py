"""The daily run: wall time of ``run_stores`` against sequential and notebook-free runs.

    .venv/bin/python bench/daily_run.py [--quick]

Workload: the three demo stores (``volt``, ``spark``, ``bloom``: the simulator's defaults,
seed 7, 240-320 disputes and ~12,000 orders each), a copy of the repo's workspace pointed
at a simulator served on loopback (no added latency, limit 250 req/s, as ``make demo``).
A first sync fills the database beforehand (not timed), so every measured run is what a
scheduled morning run does: an incremental sync, the queue, the figures, the report.
12 stores would take ~2 minutes a run on this machine (2 cores), too long to repeat here:
the 1-store and 3-store figures give the per-store cost to extrapolate from.

Ways, interleaved, 3 runs each, median:

- ``run_stores`` with 1 store, and with 3 stores (``jobs`` default: the number of cores);
- the same 3 stores with ``jobs=1`` (one after another);
- the same store code in a plain Python process, no kernel, no Papermill: the notebook's
  code cells (``run_store_day`` and every figure it shows) run by
  ``bench/_plain_store_day.py`` in a fresh interpreter, stores one after another. The
  difference is the Papermill/kernel overhead (kernel start, messaging, writing the
  executed notebook, and rendering it to HTML).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, Result, Row, anchor, median, serve, spread, standalone, timed

STORES = ["volt", "spark", "bloom"]
PLAIN = Path(__file__).resolve().parent / "_plain_store_day.py"


def _credentials() -> dict[str, str]:
    from disputekit.simulator.dataset import DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_STORES

    env = {"DISPUTEKIT_APP_KEY": DEMO_APP_KEY, "DISPUTEKIT_APP_SECRET": DEMO_APP_SECRET}
    for store in DEMO_STORES:
        up = store.store_id.upper()
        env[f"DISPUTEKIT_{up}_TOKEN"] = store.access_token
        env[f"DISPUTEKIT_{up}_REFRESH_TOKEN"] = f"demo-refresh-{store.store_id}"
    return env


def _workspace(root: Path, sync_url: str):
    from disputekit.workspace import Workspace

    (root / "parameters").mkdir(parents=True)
    for path in (REPO / "parameters").glob("*.yaml"):
        text = path.read_text().replace("http://127.0.0.1:8765/sync", sync_url)
        (root / "parameters" / path.name).write_text(text)
    shutil.copytree(REPO / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return Workspace.at(root, env={})


def run(quick: bool = False) -> Result:
    from disputekit.parameters import load_store
    from disputekit.pipeline import connect
    from disputekit.runner import run_stores, temporary_environment
    from disputekit.simulator.gateway import Gateway
    from disputekit.storage import Database
    from disputekit.sync import sync_stores

    runs = 1 if quick else 3
    result = Result("daily run")
    # Quick: 42 disputes a store (the generator's minimum), a smoke pass only.
    gateway = Gateway(seed=7, now=anchor(), qps=250, disputes_per_store=42 if quick else None)
    sizes = {s: len(ds.issues) for s, ds in gateway.datasets.items()}
    result.note(f"workload: demo stores {sizes} disputes, no added latency, limit 250 req/s; "
                f"database filled by a first sync beforehand; {runs} run(s) each, interleaved")
    tmp = tempfile.TemporaryDirectory(prefix="bench-daily-")
    creds = _credentials()
    with serve(gateway) as served, temporary_environment(creds):
        ws = _workspace(Path(tmp.name) / "ws", served.sync_url)
        db = Database.open(ws.db_url)
        try:
            stores = [load_store(s, ws.parameters_dir) for s in STORES]
            first, _ = timed(lambda: sync_stores(stores, connect, db, jobs=3))
        finally:
            db.dispose()
        result.note(f"first sync of the 3 stores (not counted): {first:.1f} s")
        plain_env = {**os.environ, "DISPUTEKIT_HOME": str(ws.root),
                     "DISPUTEKIT_DB_URL": ws.db_url,
                     "DISPUTEKIT_PARAMETERS_DIR": str(ws.parameters_dir)}

        def runner(ids: list[str], jobs: int | None) -> dict[str, float]:
            wall, summary = timed(lambda: run_stores(ws, ids, jobs=jobs))
            if not summary.ok:
                raise RuntimeError("run_stores failed: "
                                   + "; ".join(f"{r.store_id}: {r.error}" for r in summary.runs))
            return {"wall": wall}

        def plain(ids: list[str]) -> dict[str, float]:
            started = time.perf_counter()
            out = subprocess.run([sys.executable, str(PLAIN), *ids], env=plain_env,
                                 cwd=ws.notebooks_dir, capture_output=True, text=True,
                                 timeout=900, check=False)
            wall = time.perf_counter() - started
            if out.returncode:
                raise RuntimeError(f"plain run failed: {out.stderr[-2000:]}")
            inner = json.loads(out.stdout.strip().splitlines()[-1])
            return {"wall": wall, "store_day": inner["run_store_day"]}

        ways = {
            "run_stores 1": lambda: runner(STORES[:1], None),
            "run_stores 3": lambda: runner(STORES, None),
            "run_stores 3 jobs=1": lambda: runner(STORES, 1),
            "plain 1": lambda: plain(STORES[:1]),
            "plain 3": lambda: plain(STORES),
        }
        measured: dict[str, list[dict[str, float]]] = {k: [] for k in ways}
        for n in range(runs):
            for key, way in ways.items():
                out = way()
                measured[key].append(out)
                extra = (f" (run_store_day {out['store_day']:.1f} s)" if "store_day" in out
                         else "")
                print(f"  run {n + 1} {key:<20} {out['wall']:6.1f} s{extra}", flush=True)
    tmp.cleanup()

    for key, outs in measured.items():
        result.note(f"{key}: seconds {spread(o['wall'] for o in outs)}")
    m = {k: median(o["wall"] for o in v) for k, v in measured.items()}
    store_day = {k: median(o["store_day"] for o in v) for k, v in measured.items()
                 if k.startswith("plain")}
    jobs = min(os.cpu_count() or 1, len(STORES))
    result.note(f"run_store_day alone (inside the plain runs): 1 store "
                f"{store_day['plain 1']:.1f} s, 3 stores {store_day['plain 3']:.1f} s")
    per_store = m["run_stores 3 jobs=1"] / len(STORES)
    result.note(f"12 stores, extrapolated: ~{12 * per_store / 60:.1f} min one after another, "
                f"~{12 * m['run_stores 3'] / len(STORES) / 60:.1f} min with jobs={jobs} "
                "on this machine")
    result.rows += [
        Row("Daily run, 1 store (run_stores)",
            f"{m['run_stores 1']:.1f} s",
            f"plain Python, same code: {m['plain 1']:.1f} s "
            f"(run_store_day {store_day['plain 1']:.1f} s)",
            f"Papermill/kernel overhead +{m['run_stores 1'] - m['plain 1']:.1f} s "
            f"({m['run_stores 1'] / m['plain 1']:.2f}x)"),
        Row("Daily run, 3 stores (run_stores)",
            f"{m['run_stores 3']:.1f} s with jobs={jobs} (the default: one per core)",
            f"jobs=1: {m['run_stores 3 jobs=1']:.1f} s",
            f"parallel speed-up {m['run_stores 3 jobs=1'] / m['run_stores 3']:.2f}x "
            f"on {os.cpu_count()} cores"),
        Row("Daily run, 3 stores, no notebook",
            f"{m['plain 3']:.1f} s (plain Python, one after another)",
            f"run_stores jobs=1: {m['run_stores 3 jobs=1']:.1f} s",
            f"Papermill/kernel overhead +{m['run_stores 3 jobs=1'] - m['plain 3']:.1f} s "
            f"({m['run_stores 3 jobs=1'] / m['plain 3']:.2f}x)"),
    ]
    return result


if __name__ == "__main__":
    raise SystemExit(standalone(run))
