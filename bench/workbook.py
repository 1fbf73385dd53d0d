"""The workbook: time to filter and redraw the review queue for 10,000 and 100,000 disputes.

    .venv/bin/python bench/workbook.py [--quick]

Workload: a synthetic open queue with the columns of ``dispute_queue.QUEUE_COLUMNS +
TRIAGE_COLUMNS`` (20 stores, deadlines spread over -24 h..+120 h, sorted by deadline as
``open_disputes`` returns it), handed to a real ``review.ReviewQueue`` (``frame=``) over an
empty SQLite database. What is timed is the widget's own path on a change of the store
filter: setting ``store_filter.value`` fires ``_refresh`` (the filters' masks, the counts
line over every matching row, the first page of ``PAGE_SIZE`` labels into the ``Select``,
the first dispute's detail and reply draft). The database holds none of these disputes,
so the detail's two primary-key reads find nothing: the same cost at any queue size. No
browser is attached: what the kernel does before anything is sent; the browser draws one
page (200 rows), whatever the queue's size. Each figure: median of 5.

Two filter changes are timed: to one store (1/20 of the rows) and back to "all stores"
(every row: the worst case, and the one in the table); and turning to the next page.
Target: 200 ms.
"""

from __future__ import annotations

from datetime import UTC, datetime

from _common import Result, Row, median, ok_or_not, spread, standalone, timed

TARGET_MS = 200.0
SIZES = (10_000, 100_000)
STORES = 20
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


def queue(n: int, seed: int = 3):
    """A queue frame as ``open_disputes`` returns it, with made-up values."""
    import numpy as np
    import pandas as pd

    from disputekit.domain.taxonomy import DisputeClass
    from disputekit.services.queue import QUEUE_COLUMNS, TRIAGE_COLUMNS

    rng = np.random.default_rng(seed)
    now = pd.Timestamp(NOW)
    hours = rng.uniform(-24, 120, n).round(1)
    hours[rng.random(n) < 0.1] = np.nan  # waiting on the buyer: no deadline
    due = now + pd.to_timedelta(np.nan_to_num(hours), unit="h")
    urgency = np.select([np.isnan(hours), hours < 0, hours < 24, hours < 48],
                        ["later", "overdue", "due in 24 h", "due in 48 h"], "later")
    classes = np.array([c.value for c in DisputeClass], dtype=object)
    actions = np.array(["refuse", "counter_offer", "agree", "extend", "upload_evidence"],
                       dtype=object)
    stores = np.array([f"store{i}" for i in range(1, STORES + 1)], dtype=object)
    pick = rng.integers(0, len(classes), n)
    data = {
        "store_id": stores[rng.integers(0, STORES, n)],
        "issue_id": np.arange(9_100_000_000_000, 9_100_000_000_000 + n),
        "parent_order_id": np.arange(8_100_000_000_000, 8_100_000_000_000 + n),
        "order_id": np.arange(8_200_000_000_000, 8_200_000_000_000 + n),
        "buyer": np.char.add("fr", rng.integers(10**6, 10**7, n).astype(str)).astype(object),
        "country": rng.choice(np.array(["US", "FR", "BR", "PL", "ES", "KR"], dtype=object), n),
        "product": rng.choice(np.array(["USB-C charger 65W", "Cordless drill 18V",
                                        "LED desk lamp"], dtype=object), n),
        "amount_usd": rng.gamma(2, 15, n).round(2),
        "reason": rng.choice(np.array(["Item not received", "Item not as described"],
                                      dtype=object), n),
        "status": "wait_seller_confirm_refund",
        "carrier": rng.choice(np.array(["CAINIAO", "YANWEN", "4PX"], dtype=object), n),
        "service": "AliExpress Standard Shipping", "service_kind": "platform",
        "logistics_no": np.char.add("LP", np.arange(n).astype(str)).astype(object),
        "created_at": now - pd.to_timedelta(rng.uniform(0, 30, n), unit="D"),
        "due_at": due.where(~np.isnan(hours)), "deadline_source": "timeout_trigger",
        "hours_left": hours, "urgency": urgency,
        "class": classes[pick], "rule_class": classes[pick],
        "confidence": rng.uniform(.4, .99, n).round(2), "why": "tracking says delivered",
        "recommended": actions[rng.integers(0, len(actions), n)],
        "recommended_cost": rng.uniform(0, 40, n).round(2), "cost_currency": "USD",
        "intervention_at": None, "if_nobody_acts": "refunded automatically",
        "abuse_level": "none", "overridden_by": "", "language": "en",
    }
    frame = pd.DataFrame(data, columns=QUEUE_COLUMNS + TRIAGE_COLUMNS)
    return frame.sort_values(["due_at", "created_at"], na_position="last",
                             kind="stable").reset_index(drop=True)


def widget(frame, db):
    """A real ``ReviewQueue`` over ``frame`` (built once: opening the workbook)."""
    from disputekit.ui.review import ReviewQueue

    return ReviewQueue(db, now=NOW, frame=frame)


def _times(fn, runs: int) -> list[float]:
    return [timed(fn)[0] * 1000 for _ in range(runs)]


def _set(control, value) -> None:
    control.value = value


def run(quick: bool = False) -> Result:
    import tempfile
    from pathlib import Path

    from disputekit.adapters.db.database import Database
    from disputekit.ui.review import ALL, PAGE_SIZE

    sizes, runs = SIZES, (1 if quick else 5)
    result = Result("workbook")
    result.note(f"workload: synthetic queues of {', '.join(f'{n:,}' for n in sizes)} open "
                f"disputes over {STORES} stores in a real ReviewQueue (pages of {PAGE_SIZE}); "
                f"filter to one store and back to all, next page; median of {runs}")
    with tempfile.TemporaryDirectory(prefix="bench-workbook-") as tmp:
        db = Database.open(f"sqlite:///{Path(tmp) / 'empty.sqlite'}")
        try:
            for n in sizes:
                frame = queue(n)
                opened, q = timed(lambda f=frame: widget(f, db))
                one, every, turn = [], [], []
                for _ in range(runs):
                    one.append(timed(lambda q=q: _set(q.store_filter, "store7"))[0] * 1000)
                    every.append(timed(lambda q=q: _set(q.store_filter, ALL))[0] * 1000)
                    turn.append(timed(lambda q=q: q.show_page(q.page + 1))[0] * 1000)
                assert len(q.list.options) == min(n, PAGE_SIZE)
                result.note(f"{n:,}: workbook opened (queue given) in {opened * 1000:.0f} ms; "
                            f"to one store {spread(one, '{:.0f}')} ms, to all stores "
                            f"{spread(every, '{:.0f}')} ms, next page "
                            f"{spread(turn, '{:.0f}')} ms; counts: {q.counts.value}; "
                            f"{q.page_label.value}")
                all_ms, store_ms, page_ms = median(every), median(one), median(turn)
                result.rows.append(Row(
                    f"Workbook, filter + redraw, {n:,} open",
                    f"{all_ms:.0f} ms all stores ({n:,} rows counted, first {PAGE_SIZE} "
                    f"listed), {store_ms:.0f} ms one store, {page_ms:.0f} ms next page",
                    f"target {TARGET_MS:.0f} ms (ReviewQueue itself; browser drawing of one "
                    f"page not measured)",
                    ok_or_not(all_ms <= TARGET_MS)))
        finally:
            db.dispose()
    return result


if __name__ == "__main__":
    raise SystemExit(standalone(run))
