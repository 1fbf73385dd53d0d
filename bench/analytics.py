"""Analytics: every report figure over 1,000,000 disputes and 10,000,000 orders.

    .venv/bin/python bench/analytics.py [--quick] [--scale 0.1 1]

Workload: the figures ``StoreFigures.compute`` draws, as it draws them (one ``kpis.Rates``:
the frames normalised once; ``dispute_rate``, ``trend`` weekly (10) and quarterly (4),
``by`` carrier, service_kind, product_name and country, ``lanes_to_change``; then
``money_by_class``, ``abusive_buyers``, ``prevention_unshipped``) over frames built
directly with numpy and pandas with the columns of the contracts at the top of
``kpis.py``: orders over 400 days, 10 % of them disputed (the issue's 1,000,000 disputes
for 10,000,000 orders), 20 stores, 30 countries, 8 carriers, 2,000 products, 13 classes,
claims for 5 % of disputes.

Each scale runs in its own process, so its peak memory (``VmHWM``: frames, the work, the
interpreter) is its own: 1/10 of the full size twice, median; the full size once (a
run takes minutes and gigabytes; measured, not extrapolated). ``--quick`` runs two tiny
scales and extrapolates the full size from them, and says so.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from _common import Result, Row, median, ok_or_not, peak_rss_mib, rss_mib, spread, timed

FULL_DISPUTES = 1_000_000
FULL_ORDERS = 10_000_000
AS_OF = datetime(2026, 11, 28, 12, tzinfo=UTC)
SCALES = (0.1, 1.0)  # of the full size: 100,000/1,000,000, then the full size
RUNS = {0.1: 2, 1.0: 1}  # the full size once: minutes and gigabytes per run
TARGET_SECONDS = 60.0  # a report figure set a team lead can wait for (assumption)


def frames(orders_n: int, disputes_n: int, seed: int = 1):
    """Synthetic ``orders``, ``disputes``, ``claims`` per the ``kpis`` contracts."""
    import numpy as np
    import pandas as pd

    from disputekit.domain.taxonomy import DisputeClass

    rng = np.random.default_rng(seed)
    start = pd.Timestamp(AS_OF) - pd.Timedelta(days=400)
    stores = np.array([f"store{i}" for i in range(1, 21)], dtype=object)
    countries = np.array(["US", "FR", "ES", "BR", "PL", "DE", "IT", "NL", "KR", "MX", "CL", "IL",
                          "TR", "ZA", "RU", "UA", "CZ", "SE", "BE", "PT", "CA", "AU", "JP",
                          "SA", "AE", "IN", "CO", "PE", "AR", "GB"], dtype=object)
    carriers = np.array(["CAINIAO", "YANWEN", "4PX", "CHINA_POST", "EMS", "DHL", "UPS",
                         "SF"], dtype=object)
    kinds = np.array(["registered", "unregistered", "platform", "unknown"], dtype=object)
    products = np.arange(1_005_000_000, 1_005_002_000)
    names = np.array([f"Product {i}" for i in range(len(products))], dtype=object)

    created = start + pd.to_timedelta(rng.uniform(0, 400 * 86400, orders_n), unit="s")
    status = rng.choice(np.array(["FINISH", "WAIT_BUYER_ACCEPT_GOODS", "WAIT_SELLER_SEND_GOODS",
                                  "IN_CANCEL"], dtype=object), orders_n, p=[.8, .12, .05, .03])
    finished = created + pd.to_timedelta(rng.uniform(8, 35, orders_n), unit="D")
    finished = pd.Series(finished).where((status == "FINISH") & (rng.random(orders_n) < .9))
    product = rng.integers(0, len(products), orders_n)
    orders = pd.DataFrame({
        "store_id": stores[rng.integers(0, len(stores), orders_n)],
        "order_id": np.arange(8_000_000_000_000, 8_000_000_000_000 + orders_n),
        "created_at": created, "status": status, "finished_at": finished,
        "country": countries[rng.integers(0, len(countries), orders_n)],
        "carrier": carriers[rng.integers(0, len(carriers), orders_n)],
        "service_kind": kinds[rng.integers(0, len(kinds), orders_n)],
        "product_id": products[product], "product_name": names[product],
        "amount_usd": rng.gamma(2.0, 15.0, orders_n).round(2),
        "shipped": status != "WAIT_SELLER_SEND_GOODS",
    })

    pick = rng.choice(orders_n, disputes_n, replace=False)
    codes = np.array([c.value for c in DisputeClass], dtype=object)
    families = np.array([c.family.value for c in DisputeClass], dtype=object)
    cls = rng.integers(0, len(codes), disputes_n)
    opened = (orders["created_at"].iloc[pick].reset_index(drop=True)
              + pd.to_timedelta(rng.uniform(5, 40, disputes_n), unit="D"))
    issue_status = rng.choice(np.array(["processing", "finish", "canceled_issue"],
                                       dtype=object), disputes_n, p=[.1, .8, .1])
    reached = rng.choice(np.array(["", "buyer_accept", "seller_accept", "platform_arbitrate"],
                                  dtype=object), disputes_n, p=[.2, .3, .35, .15])
    o = orders.iloc[pick]
    disputes = pd.DataFrame({
        "store_id": o["store_id"].to_numpy(),
        "issue_id": np.arange(9_000_000_000_000, 9_000_000_000_000 + disputes_n),
        "parent_order_id": o["order_id"].to_numpy(), "created_at": opened.to_numpy(),
        "issue_status": issue_status,
        "reverse_detail_status": np.where(issue_status == "processing", "wait_seller_confirm",
                                          "end"),
        "reached_type": reached, "arbitrated": reached == "platform_arbitrate",
        "class": codes[cls], "family": families[cls],
        "buyer_login_id": np.char.add("b", rng.integers(0, disputes_n // 3 + 1,
                                                        disputes_n).astype(str)).astype(object),
        "country": o["country"].to_numpy(), "carrier": o["carrier"].to_numpy(),
        "service_kind": o["service_kind"].to_numpy(), "product_id": o["product_id"].to_numpy(),
        "product_name": o["product_name"].to_numpy(),
        "refund_usd": np.where(rng.random(disputes_n) < .6,
                               o["amount_usd"].to_numpy() * rng.uniform(.3, 1, disputes_n), 0.0),
        "personal_reason": rng.random(disputes_n) < .05,
    })
    claims_n = max(1, disputes_n // 20)
    which = rng.choice(disputes_n, claims_n, replace=False)
    d = disputes.iloc[which]
    claims = pd.DataFrame({
        "store_id": d["store_id"].to_numpy(),
        "logistics_no": np.char.add("LP", np.arange(claims_n).astype(str)).astype(object),
        "issue_id": d["issue_id"].to_numpy(),
        "class": np.where(rng.random(claims_n) < .5, d["class"].to_numpy(), ""),
        "status": rng.choice(np.array(["due", "filed", "answered", "recovered", "refused",
                                       "lapsed"], dtype=object), claims_n),
        "goods_amount": rng.gamma(2.0, 15.0, claims_n).round(2),
        "freight_amount": rng.uniform(1, 8, claims_n).round(2),
        "recovered_amount": rng.uniform(0, 30, claims_n).round(2),
    })
    return orders, disputes, claims


def figures(orders, disputes, claims) -> tuple[float, dict[str, object]]:
    """The report's figures, as ``pipeline.StoreFigures.compute`` asks for them: one
    ``kpis.Rates`` (the frames normalised once), every rate figure from it. Returns the
    seconds spent normalising (``Rates(...)``) and the headline figures (to compare)."""
    from disputekit.domain import kpis

    prepare, rates = timed(lambda: kpis.Rates(orders, disputes))
    rate = rates.dispute_rate(AS_OF)
    weekly = rates.trend(AS_OF, "W", 10)
    rates.trend(AS_OF, "Q", 4)
    for dimension in ("carrier", "service_kind", "product_name", "country"):
        rates.by(AS_OF, dimension)
    lanes = rates.lanes_to_change(AS_OF)
    money = kpis.money_by_class(disputes, claims)
    kpis.abusive_buyers(disputes)
    prevention = kpis.prevention_unshipped(orders, AS_OF)
    return prepare, headline(rate, weekly, lanes, money, prevention)


def headline(rate, weekly, lanes, money, prevention) -> dict[str, object]:
    """A few figures both engines give, compared in the notes."""
    return {"rate": [rate.numerator, rate.denominator], "weekly": weekly["numerator"].tolist(),
            "lanes": len(lanes), "money_total": round(float(money["net_lost"].iloc[-1]), 2),
            "prevention": len(prevention)}


def database_view(orders, disputes, claims):
    """The frames as the database holds them, so both engines count the same data: no
    finish date (``order_lines`` has none: confirmed at created_at + 20 days) and claims
    classed by their dispute."""
    import pandas as pd

    return (orders.assign(finished_at=pd.Series(pd.NaT, index=orders.index,
                                                dtype="datetime64[ns, UTC]")),
            disputes, claims.assign(**{"class": ""}))


# --------------------------------------------------------------------------- the new engine


def database_path(scale: float) -> Path:
    """Where the portfolio of ``scale`` is kept as a disputekit SQLite database (built once,
    reused by later runs: writing ten million rows is not what is measured)."""
    import tempfile

    root = Path(tempfile.gettempdir()) / "disputekit-bench"
    root.mkdir(exist_ok=True)
    return root / f"analytics-{DB_VERSION}-{scale:g}.sqlite"


DB_VERSION = 1  # bump when frames() or the writing below changes


def build_database(scale: float) -> tuple[Path, float]:
    """The synthetic frames of ``scale`` written to a real disputekit database (schema by
    its migrations): ``order_lines`` and ``claims`` as the sync writes them, and the
    disputes with their effective class in a benchmark table ``bench_report_disputes``
    (the columns of ``kpis.DISPUTE_COLUMNS``: in the product a dispute's class comes from
    triage, a cost of the sync and the queue, not of the figures). Bulk-written by ADBC."""
    import time

    import adbc_driver_sqlite.dbapi as adbc
    import pyarrow as pa

    from disputekit.adapters.db.database import Database

    path = database_path(scale)
    if path.exists():
        return path, 0.0
    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    Database.open(f"sqlite:///{partial}").dispose()
    orders, disputes, claims = frames(round(FULL_ORDERS * scale), round(FULL_DISPUTES * scale))

    def stamp(series):  # naive UTC text, as UTCDateTime stores an instant in SQLite
        return pa.array(series.dt.tz_convert("UTC").dt.strftime("%Y-%m-%d %H:%M:%S.%f")
                        .where(series.notna(), None), type=pa.string())

    synced = AS_OF.strftime("%Y-%m-%d %H:%M:%S.%f")
    shipped_at = orders["created_at"].where(orders["shipped"]) + pd_days(2)
    order_lines = pa.table({
        "store_id": orders["store_id"].to_numpy(), "order_id": orders["order_id"].to_numpy(),
        "created_at": stamp(orders["created_at"]), "status": orders["status"].to_numpy(),
        "issue_status": pa.array([""] * len(orders)), "country": orders["country"].to_numpy(),
        "carrier": orders["carrier"].to_numpy(),
        "service_kind": orders["service_kind"].to_numpy(),
        "product_id": orders["product_id"].to_numpy(),
        "product_name": orders["product_name"].to_numpy(),
        "amount_usd": orders["amount_usd"].to_numpy(), "shipped_at": stamp(shipped_at),
        "synced_at": pa.array([synced] * len(orders)),
    })
    # The generator's finish dates are not in order_lines (the platform's order list does
    # not give them): the database's orders are confirmed at created_at + 20 days.
    n = len(claims)
    claim_rows = pa.table({
        "store_id": claims["store_id"].to_numpy(), "logistics_no": claims["logistics_no"],
        "issue_id": claims["issue_id"].to_numpy(), "carrier": ["CAINIAO"] * n,
        "service_kind": ["registered"] * n, "goods_amount": claims["goods_amount"].to_numpy(),
        "freight_amount": claims["freight_amount"].to_numpy(), "currency": ["USD"] * n,
        "status": claims["status"].to_numpy(), "attempts": [0] * n, "opened_at": [synced] * n,
        "recovered_amount": claims["recovered_amount"].to_numpy(),
    })
    report = disputes.assign(created_at=disputes["created_at"].dt.tz_localize(None)
                             .dt.strftime("%Y-%m-%d %H:%M:%S.%f"))
    with adbc.connect(str(partial)) as conn, conn.cursor() as cursor:
        stores = sorted(set(orders["store_id"]))
        cursor.adbc_ingest("stores", pa.table({"store_id": stores, "name": stores}),
                           mode="append")
        cursor.adbc_ingest("order_lines", order_lines, mode="append")
        cursor.adbc_ingest("claims", claim_rows, mode="append")
        cursor.adbc_ingest("bench_report_disputes", pa.Table.from_pandas(
            report, preserve_index=False), mode="create")
        conn.commit()
    partial.rename(path)
    return path, time.perf_counter() - started


def pd_days(n: int):
    import pandas as pd

    return pd.Timedelta(days=n)


def new_figures(path: Path) -> tuple[float, float, dict[str, object], tuple[float, float]]:
    """From the database file to every figure with ``kpis.columnar``: the seconds loading
    (bulk into Arrow), the seconds computing, and the headline figures (to compare)."""
    import time

    from disputekit.adapters.db.arrow import claims_arrow, orders_arrow, read_arrow
    from disputekit.adapters.db.database import Database
    from disputekit.domain.kpis import DISPUTE_COLUMNS
    from disputekit.domain.kpis.columnar import Figures

    started, cpu0 = time.perf_counter(), _cpu()
    db = Database.open(f"sqlite:///{path}")
    orders = orders_arrow(db)
    claims = claims_arrow(db)
    disputes = read_arrow(db, _report_disputes_query(db), _REPORT_DISPUTE_TYPES,
                          table="bench_report_disputes")
    db.dispose()
    loaded, cpu1 = time.perf_counter(), _cpu()
    figures = Figures(orders, disputes, claims, orders_unique=True)  # order_lines' key
    rate = figures.dispute_rate(AS_OF)
    weekly = figures.trend(AS_OF, "W", 10)
    figures.trend(AS_OF, "Q", 4)
    for dimension in ("carrier", "service_kind", "product_name", "country"):
        figures.by(AS_OF, dimension)
    lanes = figures.lanes_to_change(AS_OF)
    money = figures.money_by_class()
    figures.abusive_buyers()
    prevention = figures.prevention_unshipped(AS_OF)
    done, cpu2 = time.perf_counter(), _cpu()
    figures.close()
    assert list(disputes.column_names[:len(DISPUTE_COLUMNS)]) == list(DISPUTE_COLUMNS)
    return (loaded - started, done - loaded, headline(rate, weekly, lanes, money, prevention),
            (cpu1 - cpu0, cpu2 - cpu1))


_REPORT_DISPUTE_TYPES = {
    "store_id": "text", "issue_id": "text", "parent_order_id": "int", "created_at": "time",
    "issue_status": "text", "reverse_detail_status": "text", "reached_type": "text",
    "arbitrated": "bool", "class": "text", "family": "text", "buyer_login_id": "text",
    "country": "text", "carrier": "text", "service_kind": "text", "product_id": "text",
    "product_name": "text", "refund_usd": "float", "personal_reason": "bool",
    "resend_usd": "float"}


def _report_disputes_query(db):
    from sqlalchemy import DateTime, column, literal, select, table

    from disputekit.adapters.db.arrow import instant_ns

    columns = [c for c in _REPORT_DISPUTE_TYPES if c != "resend_usd"]
    t = table("bench_report_disputes", *(column(c, DateTime() if c == "created_at" else None)
                                         for c in columns))
    return select(*(instant_ns(db, t.c[c]).label(c) if c == "created_at" else t.c[c]
                    for c in columns), literal(0.0).label("resend_usd"))


def measure_new(scale: float, runs: int) -> dict[str, object]:
    """In this process: the database of ``scale`` to every figure, ``runs`` times; the
    peak RSS is the process's (loading included), the readers' (children) apart."""
    path, _ = build_database(scale)
    load, compute, load_cpu, compute_cpu, agreed = [], [], [], [], {}
    for _ in range(runs):
        loading, computing, agreed, cpus = new_figures(path)
        load.append(loading)
        compute.append(computing)
        load_cpu.append(cpus[0])
        compute_cpu.append(cpus[1])
    from disputekit.adapters.db.arrow import READER_PEAK_KIB

    children = max(READER_PEAK_KIB, default=0) / 1024
    return {"scale": scale, "load_s": load, "compute_s": compute, "load_cpu_s": load_cpu,
            "compute_cpu_s": compute_cpu, "peak_mib": peak_rss_mib(),
            "child_peak_mib": children, "figures": agreed,
            "db_mib": path.stat().st_size / 2**20}


def _cpu() -> float:
    """User + system seconds of this process and its finished children."""
    import os

    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def measure_scale(scale: float, runs: int) -> dict[str, object]:
    """In this process: build the frames at ``scale``, compute the figures ``runs`` times."""
    import gc

    # Warm up on a tiny frame first: what pandas and kpis load on first use (imports,
    # string storage) is not the frames' memory.
    figures(*frames(2_000, 200))
    gc.collect()
    baseline = rss_mib()
    build, (orders, disputes, claims) = timed(
        lambda: database_view(*frames(round(FULL_ORDERS * scale), round(FULL_DISPUTES * scale))))
    after_build = rss_mib()
    seconds, prepare = [], []
    agreed: dict[str, object] = {}
    cpu = []
    for _ in range(runs):
        before = _cpu()
        took, (normalising, agreed) = timed(lambda: figures(orders, disputes, claims))
        cpu.append(_cpu() - before)
        seconds.append(took)
        prepare.append(normalising)
    peak = peak_rss_mib()
    return {"scale": scale, "orders": len(orders), "disputes": len(disputes),
            "build_s": build, "seconds": seconds, "prepare_s": median(prepare),
            "figures": agreed, "cpu_s": cpu,
            "frames_mib": after_build - baseline, "peak_mib": peak,
            "work_mib": peak - after_build}


def _measure(scale: float, runs: int, engine: str = "old") -> dict[str, object]:
    out = subprocess.run([sys.executable, __file__, "--one", str(scale), str(runs), engine],
                         capture_output=True, text=True, timeout=1800, check=False,
                         cwd=Path(__file__).parent)
    if out.returncode:
        raise RuntimeError(f"analytics at scale {scale} failed: {out.stderr[-2000:]}")
    measured: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return measured


def run(quick: bool = False, scales: tuple[float, ...] = SCALES) -> Result:
    scales = (0.001, 0.002) if quick else scales
    result = Result("analytics")
    result.note(f"workload: every report figure (rate, trend W x10 and Q x4, by x4, lanes; "
                f"money, abusive buyers, prevention) at {', '.join(f'{s:g}' for s in scales)} "
                f"of {FULL_DISPUTES:,} disputes / {FULL_ORDERS:,} orders, the same data both "
                f"ways: the old pandas path (kpis.Rates etc.) over frames built in memory (not "
                f"counted), and the columnar engine (kpis.columnar) from a disputekit SQLite "
                f"file, loading counted; each engine and scale in its own process (peak RSS = "
                f"VmHWM of that process; the two ADBC reader children are counted apart); CPU "
                f"= user+sys of the process and its children (the machine is shared: wall "
                f"seconds swell with other load, CPU seconds much less)")
    for scale in scales:
        runs = 1 if quick else RUNS.get(scale, 3)
        path, built = build_database(scale)
        if built:
            result.note(f"scale {scale:g}: database built in {built:.0f} s (once, not counted): "
                        f"{path}")
        old = _measure(scale, runs, "old")
        new = _measure(scale, runs, "new")
        t_old, t_load, t_comp = (median(old["seconds"]), median(new["load_s"]),
                                 median(new["compute_s"]))
        t_new = t_load + t_comp
        same = old["figures"] == new["figures"]
        result.note(
            f"scale {scale:g} pandas: {old['disputes']:,} disputes / {old['orders']:,} orders "
            f"built in {old['build_s']:.1f} s; figures {spread(old['seconds'])} s ({runs} "
            f"run(s)), of which normalising {old['prepare_s']:.1f} s; CPU "
            f"{spread(old['cpu_s'])} s; frames {old['frames_mib']:.0f} MiB, peak RSS "
            f"{old['peak_mib']:.0f} MiB")
        result.note(
            f"scale {scale:g} columnar: load {spread(new['load_s'])} s (CPU "
            f"{spread(new['load_cpu_s'])} s, readers' peak RSS {new['child_peak_mib']:.0f} MiB), "
            f"compute {spread(new['compute_s'])} s (CPU {spread(new['compute_cpu_s'])} s); "
            f"peak RSS {new['peak_mib']:.0f} MiB; database {new['db_mib']:.0f} MiB")
        result.note(f"scale {scale:g} headline figures {'agree' if same else 'DIFFER'}: "
                    f"pandas {old['figures']}; columnar {new['figures']}")
        label = "Analytics, full size" if scale >= 1.0 else "Analytics, smaller scale"
        if quick and scale == scales[-1]:
            label = "Analytics, full size"
        figure = (f"{new['disputes'] if 'disputes' in new else old['disputes']:,} disputes / "
                  f"{old['orders']:,} orders: columnar {t_new:.1f} s from SQLite (load "
                  f"{t_load:.1f} + compute {t_comp:.1f}; CPU {median(new['load_cpu_s']):.1f} + "
                  f"{median(new['compute_cpu_s']):.1f}), peak {new['peak_mib'] / 1024:.2f} GiB; "
                  f"pandas {t_old:.1f} s (frames given), peak {old['peak_mib'] / 1024:.2f} GiB")
        compared = (f"pandas/columnar: {t_old / t_new:.1f}x the time (compute alone "
                    f"{t_old / t_comp:.1f}x), {old['peak_mib'] / new['peak_mib']:.1f}x the "
                    f"memory; figures {'agree' if same else 'DIFFER'}")
        if scale >= 1.0:
            verdict = "; ".join([
                "compute " + ok_or_not(t_comp < 2.0, "< 2 s", "MISSES < 2 s"),
                "total " + ok_or_not(t_new < 30.0, "< 30 s", "MISSES < 30 s"),
                "RSS " + ok_or_not(new["peak_mib"] < 2048, "< 2 GiB", "MISSES < 2 GiB")])
        else:
            verdict = "measured" if not quick else "quick pass (tiny scales)"
        result.rows.append(Row(label, figure, compared, verdict))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scale", type=float, nargs="+", default=list(SCALES))
    parser.add_argument("--one", nargs=3, metavar=("SCALE", "RUNS", "ENGINE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        measure = measure_new if args.one[2] == "new" else measure_scale
        print(json.dumps(measure(float(args.one[0]), int(args.one[1]))))
        return 0
    from _common import table

    result = run(args.quick, tuple(args.scale))
    print()
    print(table(result.rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
