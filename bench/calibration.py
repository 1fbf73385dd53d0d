"""Calibration: the cost model's odds learned from 1,000,000 closed disputes.

    .venv/bin/python bench/calibration.py [--quick]

Workload: 1,000,000 synthetic ``Outcome``s (50,000 for --quick) over 12 stores, each store
with its own true odds per class (escalation after a refusal, winning at arbitration, a
partial offer taken), drawn with a fixed seed. Building them is not timed; counting them
(``calibration.tally``) and each store's ``calibrate`` + ``calibrated`` cost model are,
3 times, median (once for --quick). Memory: the process's peak RSS (the outcomes held in
memory included) and what the counting and calibration themselves allocate (tracemalloc).

Compared with: the analytics' 60 s target for a store's figures over the same million
disputes (calibration runs beside them in the daily run); the recovery: the share of the
class x odd cells with 30 or more cases whose 90 % interval holds the store's true rate.
"""

from __future__ import annotations

import random
import tracemalloc
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from _common import Result, Row, median, peak_rss_mib, spread, standalone, timed

OUTCOMES = 1_000_000
STORES = 12
TARGET_S = 60.0

if TYPE_CHECKING:
    from disputekit.domain.outcomes import Outcome


def _world(count: int, seed: int = 17,
           ) -> tuple[list[Outcome], dict[tuple[str, str, str], float]]:
    """``count`` outcomes and each store's true rate per (store, odd, class)."""
    from disputekit.domain.outcomes import End, Outcome, Step
    from disputekit.domain.taxonomy import DisputeClass

    draws = random.Random(seed)
    classes = list(DisputeClass)
    stores = [f"store{i:02d}" for i in range(STORES)]
    truth: dict[tuple[str, str, str], float] = {}
    for store in stores:
        for code in classes:
            truth[(store, "escalation_if_refused", code)] = draws.uniform(0.05, 0.9)
            truth[(store, "win_chance", code)] = draws.uniform(0.05, 0.9)
            truth[(store, "partial_accepted", code)] = draws.uniform(0.3, 0.9)
    at = datetime(2026, 11, 1, tzinfo=UTC)
    zero = Decimal(0)
    outcomes: list[Outcome] = []
    for i in range(count):
        store, code = draws.choice(stores), draws.choice(classes)
        if draws.random() < 0.75:  # refused; else a partial offer
            steps: tuple[Step, ...] = (Step.REFUSE,)
            escalated = draws.random() < truth[(store, "escalation_if_refused", code)]
        else:
            steps = (Step.PARTIAL,)
            escalated = draws.random() >= truth[(store, "partial_accepted", code)]
        if escalated:
            won = draws.random() < truth[(store, "win_chance", code)]
            end = End.ARBITRATION_WON if won else End.ARBITRATION_LOST
        else:
            end = End.BUYER_CANCELLED
        outcomes.append(Outcome(store, i, code, steps, end, None, zero, zero, zero, "USD",
                                at, at, "YANWEN", "FR"))
    return outcomes, truth


def run(quick: bool = False) -> Result:
    from disputekit.domain.calibration import calibrate, calibrated, tally
    from disputekit.domain.decisions import CostModel

    count, runs = (50_000, 1) if quick else (OUTCOMES, 3)
    result = Result("calibration")
    outcomes, truth = _world(count)
    stores = sorted({key[0] for key in truth})
    model = CostModel()
    result.note(f"workload: {count:,} closed disputes over {len(stores)} stores, "
                f"{runs} run(s), median")

    def work() -> dict[str, CostModel]:
        tallies = tally(outcomes)
        return {s: calibrated(model, calibrate(tallies, model, s)) for s in stores}

    seconds: list[float] = []
    for _ in range(runs):
        took, _models = timed(work)
        seconds.append(took)
    tracemalloc.start()
    tallies = tally(outcomes)
    per_store = {s: calibrate(tallies, model, s) for s in stores}
    models = {s: calibrated(model, per_store[s]) for s in stores}
    allocated = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    held = cells = 0
    for store, found in per_store.items():
        for (odd, code), p in found.cells.items():
            if code is None or p.cases < 30:
                continue
            low, high = p.interval()
            cells += 1
            held += low <= truth[(store, str(odd), str(code))] <= high
    assert all(m.learned for m in models.values())
    took = median(seconds)
    result.note(f"seconds per run {spread(seconds, '{:.2f}')}; peak RSS {peak_rss_mib():.0f} "
                f"MiB (the outcomes in memory included); counting + calibration allocate "
                f"{allocated:.1f} MiB at most; {held}/{cells} cells' intervals hold the truth "
                f"(3 odds x 13 classes x {len(stores)} stores, >= 30 cases)")
    result.rows += [
        Row("Calibration, 1,000,000 closed disputes",
            f"{count:,}: {took:.1f} s ({took / len(stores):.2f} s a store), peak RSS "
            f"{peak_rss_mib():.0f} MiB, {allocated:.1f} MiB for the work",
            f"the analytics' {TARGET_S:.0f} s target over the same 1,000,000 disputes",
            ("well within it" if took < TARGET_S / 4 else
             "within it" if took < TARGET_S else "MISSES it")
            + f"; 90 % intervals hold the true rate in {held / max(cells, 1):.0%} of "
              f"{cells} cells"),
    ]
    result.rows.append(_from_the_database(outcomes[:100_000 if not quick else 10_000]))
    return result


def _from_the_database(outcomes: list[Outcome]) -> Row:
    """The queue's read: every recorded outcome counted, one by one (``load_outcomes`` then
    ``tally``) or grouped by the database (``load_tallies``), from a SQLite file."""
    import tempfile
    from pathlib import Path

    from sqlalchemy import insert

    from disputekit.adapters.db.database import Database
    from disputekit.adapters.db.tables import DisputeOutcomeRow, StoreRow
    from disputekit.domain.calibration import tally
    from disputekit.services.outcomes import load_outcomes, load_tallies

    with tempfile.TemporaryDirectory() as folder:
        db = Database.open(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        try:
            with db.session() as s:
                s.add_all(StoreRow(store_id=store, name=store)
                          for store in sorted({o.store_id for o in outcomes}))
            rows = [{"store_id": o.store_id, "issue_id": o.issue_id,
                     "rule_class": str(o.dispute_class), "steps": ",".join(o.steps),
                     "ending": str(o.end), "action": str(o.action or ""),
                     "agreed_plan": "", "refund_paid": o.refund_paid,
                     "goods_lost": o.goods_lost, "freight_lost": o.freight_lost,
                     "counter_offer": None, "refund_max": None, "currency": o.currency,
                     "opened_at": o.opened_at, "closed_at": o.closed_at,
                     "carrier": o.carrier, "country": o.country,
                     "dispute_modified_at": o.closed_at, "recorded_at": o.closed_at}
                    for o in outcomes]
            with db.session() as s:
                s.execute(insert(DisputeOutcomeRow), rows)
            one_by_one, by_row = timed(lambda: tally(load_outcomes(db)))
            grouped, by_group = timed(lambda: load_tallies(db))
        finally:
            db.dispose()
    assert by_row.counts == by_group.counts  # the same counts, or the speed means nothing
    return Row(f"The queue's odds from {len(outcomes):,} recorded outcomes (SQLite)",
               f"grouped by the database {grouped:.2f} s; read one by one {one_by_one:.2f} s",
               "reading them one by one (before: the workbook paid it on every refresh)",
               f"{one_by_one / max(grouped, 1e-9):.0f}x faster")


if __name__ == "__main__":
    raise SystemExit(standalone(run))
