"""The daily run: wall time of ``run_stores`` for 1, 3, 6 and 12 stores, against the same
stores one after another and against the same code without notebooks.

    .venv/bin/python bench/daily_run.py [--quick]

Workload: 12 made-up stores (``make_stores(12)``) of 45 disputes each (the generator's
minimum; ~1,700 orders each), in a copy of the repo's notebooks, on a simulator served from
its own process (no added latency, limit 250 req/s, as ``make demo``). Small stores, so 12
fit the time of ``make bench``: what grows with the number of stores (a kernel, the
notebook, its HTML report per store) is what this measures; the demo stores (240-320
disputes) take ~2.5x longer per store. A first sync fills the database beforehand (not
timed), so every measured run is what a scheduled morning run does: an incremental sync,
the queue, the figures, the report.

For 1, 3, 6 and 12 stores, ``RUNS`` run(s) each (one in ``make bench``: the runs of every
size take about 4 minutes together on 2 cores at load ~1.5-3, and ``make bench`` must stay
under 15 minutes; with ``RUNS`` > 1, 6 and 12 stores still run once):

- ``run_stores`` (``jobs`` default: the number of cores);
- the same stores with ``jobs=1`` (one after another), measured for the sizes in
  ``SEQUENTIAL`` (3, 6 and 12; for 1 store it is ``run_stores`` itself); a size left out
  of ``SEQUENTIAL`` is extrapolated from the 3-store run's cost per store, and the table
  says so;
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

from _common import REPO, Result, Row, median, serve_process, spread, standalone, timed

from disputekit.simulator.generator import MIN_DISPUTES

SIZES = (1, 3, 6, 12)
# The sizes whose one-after-another run (jobs=1) is measured; any other (but 1) is
# extrapolated from the 3-store run's cost per store. 6 and 12 add ~100 s to the benchmark.
SEQUENTIAL = (3, 6, 12)
DISPUTES = MIN_DISPUTES  # the generator's minimum (3 per class)
RUNS = 1
PLAIN = Path(__file__).resolve().parent / "_plain_store_day.py"


def _credentials(stores) -> dict[str, str]:
    from disputekit.simulator.dataset import DEMO_APP_KEY, DEMO_APP_SECRET

    env = {"DISPUTEKIT_APP_KEY": DEMO_APP_KEY, "DISPUTEKIT_APP_SECRET": DEMO_APP_SECRET}
    for store in stores:
        env[f"DISPUTEKIT_{store.store_id.upper()}_TOKEN"] = store.access_token
    return env


def _workspace(root: Path, sync_url: str, stores):
    """A workspace with a parameters file per made-up store and the repo's notebooks."""
    from disputekit.adapters.workspace import Workspace

    (root / "parameters").mkdir(parents=True)
    for store in stores:
        (root / "parameters" / f"{store.store_id}.yaml").write_text(
            f"store_id: {store.store_id}\nname: \"{store.name}\"\napi:\n"
            f"  base_url: {sync_url}\n  app_key_env: DISPUTEKIT_APP_KEY\n"
            f"  app_secret_env: DISPUTEKIT_APP_SECRET\n"
            f"  access_token_env: DISPUTEKIT_{store.store_id.upper()}_TOKEN\n"
            f"  requests_per_second: 200\n")
    shutil.copytree(REPO / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return Workspace.at(root, env={})


def run(quick: bool = False) -> Result:
    from disputekit.adapters.db.database import Database
    from disputekit.adapters.parameters import load_store
    from disputekit.run.runner import run_stores, temporary_environment
    from disputekit.services.store_day import connect
    from disputekit.services.sync import sync_stores
    from disputekit.simulator.dataset import make_stores

    sizes, runs = ((1, 3), 1) if quick else (SIZES, RUNS)
    made = make_stores(max(sizes))
    ids = [s.store_id for s in made]
    result = Result("daily run")
    result.note(f"workload: {max(sizes)} made-up stores x {DISPUTES} disputes (~1,700 orders "
                f"each); runs of the first 1, {', '.join(str(n) for n in sizes[1:])}; no "
                f"added latency, limit 250 req/s; database filled by a first sync beforehand; "
                f"{runs} run(s) each, interleaved, median")
    tmp = tempfile.TemporaryDirectory(prefix="bench-daily-")
    creds = _credentials(made)
    with serve_process(seed=7, stores=len(made), disputes=DISPUTES, qps=250.0,
                       latency=0.0) as served, temporary_environment(creds):
        ws = _workspace(Path(tmp.name) / "ws", served.sync_url, made)
        db = Database.open(ws.db_url)
        try:
            stores = [load_store(s, ws.parameters_dir) for s in ids]
            first, _ = timed(lambda: sync_stores(stores, connect, db, jobs=4))
        finally:
            db.dispose()
        result.note(f"first sync of the {len(ids)} stores (not counted): {first:.1f} s")
        plain_env = {**os.environ, **creds, "DISPUTEKIT_HOME": str(ws.root),
                     "DISPUTEKIT_DB_URL": ws.db_url,
                     "DISPUTEKIT_PARAMETERS_DIR": str(ws.parameters_dir)}

        def runner(chosen: list[str], jobs: int | None) -> dict[str, float]:
            wall, summary = timed(lambda: run_stores(ws, chosen, jobs=jobs))
            if not summary.ok:
                raise RuntimeError("run_stores failed: "
                                   + "; ".join(f"{r.store_id}: {r.error}" for r in summary.runs))
            if jobs == 1:  # one store at a time: the phases are not inflated by a neighbour
                breakdowns.append(breakdown(summary))
            return {"wall": wall}

        def plain(chosen: list[str]) -> dict[str, float]:
            started = time.perf_counter()
            out = subprocess.run([sys.executable, str(PLAIN), *chosen], env=plain_env,
                                 cwd=ws.notebooks_dir, capture_output=True, text=True,
                                 timeout=900, check=False)
            wall = time.perf_counter() - started
            if out.returncode:
                raise RuntimeError(f"plain run failed: {out.stderr[-2000:]}")
            inner = json.loads(out.stdout.strip().splitlines()[-1])
            return {"wall": wall, "store_day": inner["run_store_day"]}

        breakdowns: list[dict[str, float]] = []
        ways = {}
        for n in sizes:
            ways[f"{n} run_stores"] = lambda n=n: runner(ids[:n], None)
            if n > 1 and n in SEQUENTIAL:
                ways[f"{n} jobs=1"] = lambda n=n: runner(ids[:n], 1)
            ways[f"{n} plain"] = lambda n=n: plain(ids[:n])
        measured: dict[str, list[dict[str, float]]] = {k: [] for k in ways}
        for r in range(runs):
            for key, way in ways.items():
                if r and int(key.split()[0]) > 3:
                    continue  # 6 and 12 stores: one run
                out = way()
                measured[key].append(out)
                extra = (f" (run_store_day {out['store_day']:.1f} s)" if "store_day" in out
                         else "")
                print(f"  run {r + 1} {key:<16} {out['wall']:6.1f} s{extra}", flush=True)
    tmp.cleanup()

    for key, outs in measured.items():
        result.note(f"{key}: seconds {spread(o['wall'] for o in outs)}")
    m = {k: median(o["wall"] for o in v) for k, v in measured.items()}
    jobs = os.cpu_count() or 1
    per_store_seq = m["3 jobs=1"] / 3 if "3 jobs=1" in m else None
    for n in sizes:
        par, bare = m[f"{n} run_stores"], m[f"{n} plain"]
        if n == 1:
            seq, how = par, "measured (1 store: the same run)"
        elif f"{n} jobs=1" in m:
            seq, how = m[f"{n} jobs=1"], "measured"
        else:
            assert per_store_seq is not None
            seq, how = n * per_store_seq, "extrapolated from 3 stores"
        store_day = median(o["store_day"] for o in measured[f"{n} plain"])
        count = len(measured[f"{n} run_stores"])
        result.rows.append(Row(
            f"Daily run, {n} store{'s' if n > 1 else ''}",
            f"{par:.1f} s run_stores (jobs={min(jobs, n)}: one per core); "
            f"{par / n:.1f} s per store; {count} run(s)",
            f"jobs=1 (one after another, {how}): {seq:.1f} s; plain Python, no notebook: "
            f"{bare:.1f} s (run_store_day {store_day:.1f} s)",
            f"parallel {seq / par:.2f}x on {jobs} cores; Papermill/kernel "
            f"+{par - bare:.1f} s ({par / bare:.2f}x) over plain; one after another "
            f"{seq / bare:.2f}x plain"))
    if breakdowns:
        phases = {k: median(b[k] for b in breakdowns) for k in breakdowns[0]}
        text = ", ".join(f"{k} {v:.2f} s" for k, v in phases.items() if k != "stores")
        count = sum(b["stores"] for b in breakdowns)
        result.note(f"per store, median over the jobs=1 runs ({count:.0f} store runs): {text}")
        result.rows.append(Row(
            "Daily run, per store breakdown",
            f"{phases['total']:.1f} s a store (jobs=1): {text.split(', ', 1)[1]}",
            "kernel+papermill = notebook's wall minus its cells; imports+run_store_day = the "
            "first code cell; charts = the cells drawing one; HTML = after the notebook",
            "measured (Papermill's per-cell durations)"))
    return result


def breakdown(summary) -> dict[str, float]:
    """Where one store's run goes, averaged over the stores of ``summary``: from the
    executed notebooks' Papermill metadata (each cell's duration, the notebook's) and each
    store's whole run (``StoreRun.duration``)."""
    import nbformat

    totals: dict[str, float] = {}
    for run in summary.runs:
        nb = nbformat.read(run.notebook, as_version=4)
        cells = [c for c in nb.cells if c.cell_type == "code"
                 and "parameters" not in c.metadata.get("tags", [])
                 and "injected-parameters" not in c.metadata.get("tags", [])]
        seconds = [float(c.metadata.get("papermill", {}).get("duration") or 0.0)
                   for c in cells]
        charts = sum(t for c, t in zip(cells, seconds, strict=True) if "_chart(" in c.source)
        notebook = float(nb.metadata.get("papermill", {}).get("duration") or 0.0)
        parts = {
            "total": run.duration,
            "kernel+papermill": notebook - sum(seconds),
            "imports+run_store_day": seconds[0] if seconds else 0.0,
            "charts": charts,
            "tables": sum(seconds[1:]) - charts,
            "HTML export": run.duration - notebook,
        }
        for key, value in parts.items():
            totals[key] = totals.get(key, 0.0) + value
    n = len(summary.runs)
    return {**{k: v / n for k, v in totals.items()}, "stores": float(n)}


if __name__ == "__main__":
    raise SystemExit(standalone(run))
