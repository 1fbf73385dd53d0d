"""The workbook: time to filter and redraw the review queue for 10,000 and 100,000 disputes.

    .venv/bin/python bench/workbook.py [--quick]

Workload: a synthetic open queue with the columns of ``dispute_queue.QUEUE_COLUMNS +
TRIAGE_COLUMNS`` (20 stores, deadlines spread over -24 h..+120 h, sorted by deadline as
``open_disputes`` returns it). Building a ``ReviewQueue`` needs a database, so this times
what the widget does on a change of the store filter (``ReviewQueue._refresh``): the
boolean mask on ``store_id`` (the other filters at their defaults), the urgency tally and
the set of (store, issue) keys for the counts line, and one option label per row shown
with ``ReviewQueue._label`` from the columns the widget converts (``_LABEL_COLUMNS``).
Separately, handing those options to a real ``ipywidgets.Select`` (no browser attached:
what the kernel does before anything is sent). The browser drawing
a 100,000-row list is not measured. Each figure: median of 5.

Two filter changes are timed: to one store (1/20 of the rows) and back to "all stores"
(every row: the worst case, and the one in the table). Target: 200 ms.
"""

from __future__ import annotations

from _common import Result, Row, median, ok_or_not, spread, standalone, timed

TARGET_MS = 200.0
SIZES = (10_000, 100_000)
STORES = 20


def queue(n: int, seed: int = 3):
    """A queue frame as ``open_disputes`` returns it, with made-up values."""
    from datetime import UTC, datetime

    import numpy as np
    import pandas as pd

    from disputekit.dispute_queue import QUEUE_COLUMNS, TRIAGE_COLUMNS
    from disputekit.taxonomy import DisputeClass

    rng = np.random.default_rng(seed)
    now = pd.Timestamp(datetime(2026, 11, 28, 12, tzinfo=UTC))
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


def redraw(frame, store: str | None):
    """``ReviewQueue.rows`` + ``_refresh`` minus the widgets, with every filter but the
    store at its default: the mask, the urgency tally and the (store, issue) keys for the
    counts line, and one label per row from the columns the widget converts."""
    import pandas as pd

    from disputekit import review

    keep = pd.Series(True, index=frame.index)
    if store is not None:
        keep &= frame["store_id"] == store
    rows = frame[keep]
    tally = rows["urgency"].value_counts() if len(rows) else pd.Series(dtype=int)
    keys = set(zip(rows["store_id"].astype(str), rows["issue_id"].astype(int),
                   strict=True)) if len(rows) else set()
    counts = ("<b>{} open</b> · OVERDUE {} · due &lt;24 h {} · due &lt;48 h {} · "
              "replies due today {} · claims due {}".format(
                  len(rows), tally.get("overdue", 0), tally.get("due in 24 h", 0),
                  tally.get("due in 48 h", 0), len(keys & set()), len(keys & set())))
    # The widget converts only the columns its labels read (``_LABEL_COLUMNS``, since the
    # first run of this bench); every column if that name is gone.
    columns = getattr(review, "_LABEL_COLUMNS", None)
    shown = rows[[c for c in columns if c in rows]] if columns else rows
    options = [(review.ReviewQueue._label(r), (r["store_id"], int(r["issue_id"])))
               for r in shown.to_dict("records")]
    return counts, options


LABEL_COLUMNS = ["hours_left", "store_id", "parent_order_id", "class", "amount_usd",
                 "country", "recommended", "issue_id"]


def _times(fn, runs: int) -> list[float]:
    return [timed(fn)[0] * 1000 for _ in range(runs)]


def _assign(select, options) -> None:
    """What ``_refresh`` does last: the labels into the list widget (traits validated)."""
    select.options = options


def run(quick: bool = False) -> Result:
    import ipywidgets as widgets

    sizes, runs = SIZES, (1 if quick else 5)
    result = Result("workbook")
    result.note(f"workload: synthetic queues of {', '.join(f'{n:,}' for n in sizes)} open "
                f"disputes over {STORES} stores; filter to one store and back to all; "
                f"median of {runs}")
    for n in sizes:
        frame = queue(n)
        redraw(frame.head(50), None)  # warm: the first call imports the widget module
        one = _times(lambda f=frame: redraw(f, "store7"), runs)
        every = _times(lambda f=frame: redraw(f, None), runs)
        _, options = redraw(frame, None)
        widget = _times(lambda o=options: _assign(widgets.Select(options=[], rows=15), o), runs)
        result.note(f"{n:,}: to one store {spread(one, '{:.0f}')} ms, to all stores "
                    f"{spread(every, '{:.0f}')} ms, Select.options {spread(widget, '{:.0f}')} ms")
        # For the record: converting every column of every row (what ``_refresh`` did
        # before it converted only the label columns) against the label columns alone.
        records = _times(lambda f=frame: f.to_dict("records"), 1)[0]
        narrow = _times(lambda f=frame: f[LABEL_COLUMNS].to_dict("records"), runs)
        result.note(f"{n:,}: to_dict('records') of all {frame.shape[1]} columns {records:.0f} "
                    f"ms, of the {len(LABEL_COLUMNS)} label columns "
                    f"{spread(narrow, '{:.0f}')} ms")
        all_ms, store_ms, widget_ms = median(every), median(one), median(widget)
        result.rows.append(Row(
            f"Workbook, filter + redraw, {n:,} open",
            f"{all_ms:.0f} ms all stores ({n:,} rows), {store_ms:.0f} ms one store; "
            f"+{widget_ms:.0f} ms into the Select widget",
            f"target {TARGET_MS:.0f} ms (browser drawing not measured)",
            ok_or_not(all_ms + widget_ms <= TARGET_MS)))
    return result


if __name__ == "__main__":
    raise SystemExit(standalone(run))
