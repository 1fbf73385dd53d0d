"""The operator's review queue as ipywidgets (read-only in this version).

One list of open disputes across every store, most urgent first, a store filter, and the
detail of the selected dispute. Widgets only arrange controls; the data comes from
``dispute_queue``. Buyer text is always escaped before it reaches an HTML widget.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

import ipywidgets as widgets
import pandas as pd

from disputekit.dispute_queue import open_disputes, tracking_timeline
from disputekit.platform_time import utc_now
from disputekit.storage import Database, DisputeRow

ALL = "all stores"


class ReviewQueue(widgets.VBox):  # type: ignore[misc]
    """``ReviewQueue(db)``: display it in a notebook cell."""

    def __init__(self, db: Database, now: datetime | None = None) -> None:
        self.db = db
        self.now = now or utc_now()
        self.frame = open_disputes(db, self.now)
        stores = sorted(self.frame["store_id"].unique()) if len(self.frame) else []
        self.counts = widgets.HTML()
        self.store_filter = widgets.Dropdown(options=[ALL, *stores], value=ALL,
                                             description="Store")
        self.list = widgets.Select(options=[], rows=15, layout=widgets.Layout(width="100%"))
        self.detail = widgets.HTML()
        self.store_filter.observe(lambda _change: self._refresh(), names="value")
        self.list.observe(lambda _change: self._show_selected(), names="value")
        super().__init__([self.counts, self.store_filter, self.list, self.detail])
        self._refresh()

    @property
    def rows(self) -> pd.DataFrame:
        """The disputes currently listed, in display order."""
        if self.store_filter.value == ALL or self.frame.empty:
            return self.frame
        return self.frame[self.frame["store_id"] == self.store_filter.value]

    def _refresh(self) -> None:
        rows = self.rows
        tally = rows["urgency"].value_counts() if len(rows) else pd.Series(dtype=int)
        self.counts.value = (
            "<b>{} open</b> · overdue {} · due &lt;24 h {} · due &lt;48 h {}".format(
                len(rows), tally.get("overdue", 0), tally.get("due in 24 h", 0),
                tally.get("due in 48 h", 0))
        )
        self.list.options = [(self._label(r), (r["store_id"], int(r["issue_id"])))
                             for r in rows.to_dict("records")]
        self.list.value = self.list.options[0][1] if self.list.options else None
        self._show_selected()

    @staticmethod
    def _label(r: dict[str, Any]) -> str:
        left = r["hours_left"]
        due = "no deadline" if pd.isna(left) else f"{left:+.0f} h"
        return (f"{due:>12} │ {r['store_id']:<6} │ {r['parent_order_id']} │ "
                f"{str(r.get('class', ''))[:26]:<26} │ ${r['amount_usd']:.2f} │ "
                f"{r['country']} │ {str(r.get('recommended', '')).replace('_', ' ')}")

    def select(self, store_id: str, issue_id: int) -> None:
        """Show one dispute (re-read from the database even if it was already selected)."""
        self.list.value = (store_id, issue_id)
        self._show_selected()

    def _show_selected(self) -> None:
        if self.list.value is None:
            self.detail.value = "<i>No open dispute matches.</i>"
            return
        store_id, issue_id = self.list.value
        self.detail.value = self.detail_html(store_id, issue_id)

    def detail_html(self, store_id: str, issue_id: int) -> str:
        row = self.frame[(self.frame["store_id"] == store_id)
                         & (self.frame["issue_id"] == issue_id)].iloc[0]
        with self.db.session() as s:
            dispute = s.get(DisputeRow, (store_id, issue_id))
            opening = dispute.buyer_opening_text if dispute else ""
        e = html.escape
        due = "no deadline (waiting for the buyer or the platform)" if pd.isna(row.due_at) \
            else f"{row.due_at:%Y-%m-%d %H:%M} UTC ({row.hours_left:+.1f} h, {row.deadline_source})"
        facts = [
            ("Store", row.store_id), ("Order", row.parent_order_id), ("Product", row.product),
            ("Amount", f"${row.amount_usd:.2f}"), ("Buyer", row.buyer),
            ("Country", row.country), ("Reason", row.reason), ("Status", row.status),
            ("Shipping", f"{row.service} ({row.service_kind})"), ("Respond by", due),
        ]
        if "class" in row:
            overridden = f", set by {row.overridden_by}" if row.overridden_by else ""
            facts += [
                ("Class", f"{row['class']} ({row.confidence:.2f}{overridden})"),
                ("Because", row.why),
                ("Recommended", f"{str(row.recommended).replace('_', ' ')} · expected cost "
                                f"{row.recommended_cost} {row.cost_currency}"),
                ("If nobody acts", row.if_nobody_acts),
            ]
        table = "".join(f"<tr><th style='text-align:left'>{e(k)}</th><td>{e(str(v))}</td></tr>"
                        for k, v in facts)
        timeline = tracking_timeline(self.db, store_id, row.logistics_no) if row.logistics_no \
            else pd.DataFrame()
        events = "".join(
            f"<li>{e(str(t.when))[:16]} — {e(t.event)} ({e(t.where)})</li>"
            for t in timeline.itertuples()
        ) or "<li>no tracking events</li>"
        return (f"<table>{table}</table><p><b>Buyer wrote:</b> "
                f"<span style='white-space:pre-wrap'>{e(opening)}</span></p>"
                f"<p><b>Tracking {e(row.logistics_no)}</b></p><ul>{events}</ul>")
