"""Analytics: the report figures over large synthetic frames, time and peak memory.

    .venv/bin/python bench/analytics.py [--quick] [--scale 0.02 0.05]

Workload: the figures ``StoreFigures.compute`` draws (``kpis.dispute_rate``,
``rate_trend`` weekly (10) and quarterly (4), ``rate_by`` for carrier, service_kind,
product_name and country, ``money_by_class``) over frames built directly with numpy and
pandas with the columns of the contracts at the top of ``kpis.py``: orders over 400 days,
10 % of them disputed (the issue's 1,000,000 disputes for 10,000,000 orders), 20 stores,
30 countries, 8 carriers, 2,000 products, 13 classes, claims for 5 % of disputes.

The full size does not fit the time here (kpis turns text, id and flag columns into Python
objects row by row, and every figure prepares the frames again): each scale runs in its
own process (so its peak memory is its own), 3 times, median; the time and memory at full
size are extrapolated linearly from the two scales, which is what the measured ratio
between them checks.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from _common import Result, Row, median, peak_rss_mib, rss_mib, spread, timed

FULL_DISPUTES = 1_000_000
FULL_ORDERS = 10_000_000
AS_OF = datetime(2026, 11, 28, 12, tzinfo=UTC)
SCALES = (0.02, 0.05)  # of the full size: 20,000/200,000 and 50,000/500,000
TARGET_SECONDS = 60.0  # a report figure set a team lead can wait for (assumption)


def frames(orders_n: int, disputes_n: int, seed: int = 1):
    """Synthetic ``orders``, ``disputes``, ``claims`` per the ``kpis`` contracts."""
    import numpy as np
    import pandas as pd

    from disputekit.taxonomy import DisputeClass

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


def figures(orders, disputes, claims) -> None:
    """The report's figures, as ``pipeline.StoreFigures.compute`` asks for them: one
    ``kpis.Rates`` (the frames normalised once), every rate figure from it."""
    from disputekit import kpis

    rates = kpis.Rates(orders, disputes)
    rates.dispute_rate(AS_OF)
    rates.trend(AS_OF, "W", 10)
    rates.trend(AS_OF, "Q", 4)
    for dimension in ("carrier", "service_kind", "product_name", "country"):
        rates.by(AS_OF, dimension)
    rates.lanes_to_change(AS_OF)
    kpis.money_by_class(disputes, claims)
    kpis.abusive_buyers(disputes)
    kpis.prevention_unshipped(orders, AS_OF)


def measure_scale(scale: float, runs: int) -> dict[str, object]:
    """In this process: build the frames at ``scale``, compute the figures ``runs`` times."""
    import gc

    # Warm up on a tiny frame first: what pandas and kpis load on first use (imports,
    # string storage) is not the frames' memory.
    figures(*frames(2_000, 200))
    gc.collect()
    baseline = rss_mib()
    build, (orders, disputes, claims) = timed(
        lambda: frames(round(FULL_ORDERS * scale), round(FULL_DISPUTES * scale)))
    after_build = rss_mib()
    seconds = [timed(lambda: figures(orders, disputes, claims))[0] for _ in range(runs)]
    peak = peak_rss_mib()
    try:  # where the time goes: each figure prepares (normalises) the frames again
        from disputekit.kpis import _prepare

        prepare = timed(lambda: _prepare(orders, disputes, False, True))[0]
    except (ImportError, TypeError):  # a private helper: gone or changed, no matter
        prepare = float("nan")
    return {"scale": scale, "orders": len(orders), "disputes": len(disputes),
            "build_s": build, "seconds": seconds, "frames_mib": after_build - baseline,
            "peak_mib": peak, "work_mib": peak - after_build, "prepare_s": prepare}


def run(quick: bool = False, scales: tuple[float, ...] = SCALES) -> Result:
    if quick:
        scales, runs = (0.001, 0.002), 1
    else:
        runs = 3
    result = Result("analytics")
    result.note(f"workload: report figures (rate, trend W x10 and Q x4, rate_by x4, money) "
                f"over synthetic frames at {', '.join(f'{s:g}' for s in scales)} of "
                f"{FULL_DISPUTES:,} disputes / {FULL_ORDERS:,} orders; {runs} run(s), median")
    measured = []
    for scale in scales:
        out = subprocess.run([sys.executable, __file__, "--one", str(scale), str(runs)],
                             capture_output=True, text=True, timeout=1800, check=False,
                             cwd=Path(__file__).parent)
        if out.returncode:
            raise RuntimeError(f"analytics at scale {scale} failed: {out.stderr[-2000:]}")
        m = json.loads(out.stdout.strip().splitlines()[-1])
        measured.append(m)
        result.note(f"scale {scale:g}: {m['disputes']:,} disputes / {m['orders']:,} orders "
                    f"built in {m['build_s']:.1f} s; figures {spread(m['seconds'])} s; frames "
                    f"{m['frames_mib']:.0f} MiB, peak RSS {m['peak_mib']:.0f} MiB "
                    f"(+{m['work_mib']:.0f} MiB while computing); one kpis._prepare of the "
                    f"frames {m['prepare_s']:.2f} s, done 7 times per figure set = "
                    f"{7 * m['prepare_s'] / median(m['seconds']):.0%} of the time")
    small, large = measured[0], measured[-1]
    t_small, t_large = median(small["seconds"]), median(large["seconds"])
    growth = t_large / t_small
    size_ratio = large["scale"] / small["scale"]
    # Straight line through the two scales: a fixed part plus a part per row.
    slope = (t_large - t_small) / (large["scale"] - small["scale"])
    full_s = t_large + slope * (1 - large["scale"])

    def memory(m: dict[str, float]) -> float:
        return m["frames_mib"] + m["work_mib"]

    mem_slope = (memory(large) - memory(small)) / (large["scale"] - small["scale"])
    full_mib = memory(large) + mem_slope * (1 - large["scale"])
    shape = "about linear" if growth <= size_ratio * 1.2 else "worse than linear"
    result.note(f"time grew {growth:.2f}x for {size_ratio:.1f}x the rows ({shape}); "
                f"extrapolated to full size: {full_s:.0f} s, {full_mib / 1024:.1f} GiB")
    for label, m in (("smaller", small), ("larger", large)):
        t = median(m["seconds"])
        result.rows.append(Row(
            f"Analytics, {label} scale",
            f"{t:.1f} s for {m['disputes']:,} disputes / {m['orders']:,} orders; peak RSS "
            f"{m['peak_mib']:.0f} MiB (frames {m['frames_mib']:.0f} + "
            f"{m['work_mib']:.0f} computing)",
            f"{m['scale']:g} of the full size; {t / m['disputes'] * 1e6:.0f} us per dispute",
            "measured"))
    fits = full_mib < 0.8 * 24 * 1024
    fast = full_s <= TARGET_SECONDS
    result.rows.append(Row(
        "Analytics, full size (extrapolated)",
        f"~{full_s:.0f} s, ~{full_mib / 1024:.1f} GiB for {FULL_DISPUTES:,} disputes / "
        f"{FULL_ORDERS:,} orders",
        f"straight line through the two scales (time {growth:.2f}x for {size_ratio:.1f}x the "
        f"rows); target {TARGET_SECONDS:.0f} s (assumed), 24 GB RAM",
        ("fits in RAM" if fits else "does NOT fit in RAM") + "; "
        + ("meets target" if fast else "MISSES target")))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scale", type=float, nargs="+", default=list(SCALES))
    parser.add_argument("--one", nargs=2, metavar=("SCALE", "RUNS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_scale(float(args.one[0]), int(args.one[1]))))
        return 0
    from _common import table

    result = run(args.quick, tuple(args.scale))
    print()
    print(table(result.rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
