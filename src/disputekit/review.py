"""The operator's review queue as ipywidgets.

One list of open disputes across every store, most urgent first, a store filter, the
detail of the selected dispute (facts, class and why, recommendation, tracking), and its
next reply drafted in the buyer's language, with a language switch and "mark sent".
Widgets only arrange controls; the data and every decision come from the package. Buyer
text is always escaped before it reaches an HTML widget.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import ipywidgets as widgets
import pandas as pd

from disputekit.dispute_queue import open_disputes, tracking_timeline
from disputekit.errors import DisputeKitError
from disputekit.followups import NextReply, mark_sent, next_reply
from disputekit.platform_time import utc_now
from disputekit.replies import LANGUAGE_NAMES, LANGUAGES, Overrides
from disputekit.storage import Database, DisputeRow

ALL = "all stores"


class ReviewQueue(widgets.VBox):  # type: ignore[misc]
    """``ReviewQueue(db)``: display it in a notebook cell."""

    def __init__(self, db: Database, now: datetime | None = None, operator: str = "",
                 overrides: Mapping[str, Overrides] | None = None) -> None:
        self.db = db
        self.now = now or utc_now()
        self.operator = operator
        self.overrides = dict(overrides or {})  # store id -> that store's own wording
        self.reply: NextReply | None = None
        self.frame = open_disputes(db, self.now)
        stores = sorted(self.frame["store_id"].unique()) if len(self.frame) else []
        self.counts = widgets.HTML()
        self.store_filter = widgets.Dropdown(options=[ALL, *stores], value=ALL,
                                             description="Store")
        self.list = widgets.Select(options=[], rows=15, layout=widgets.Layout(width="100%"))
        self.detail = widgets.HTML()
        self.reply_lang = widgets.Dropdown(options=[(LANGUAGE_NAMES[k], k) for k in LANGUAGES],
                                           description="Reply in")
        self.reply_text = widgets.Textarea(layout=widgets.Layout(width="100%", height="220px"),
                                           disabled=True)
        self.reply_status = widgets.HTML()
        self.mark_sent = widgets.Button(description="Mark sent", icon="check",
                                        tooltip="After pasting it into the order chat")
        self.store_filter.observe(lambda _change: self._refresh(), names="value")
        self.list.observe(lambda _change: self._show_selected(), names="value")
        self.reply_lang.observe(lambda change: self._draft(change["new"]), names="value")
        self.mark_sent.on_click(lambda _button: self._mark_sent())
        reply_box = widgets.VBox([widgets.HTML("<b>Next reply</b>"), self.reply_lang,
                                  self.reply_text, widgets.HBox([self.mark_sent]),
                                  self.reply_status])
        super().__init__([self.counts, self.store_filter, self.list, self.detail, reply_box])
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
        self._draft(None)

    def _selected_class(self) -> str:
        store_id, issue_id = self.list.value
        match = self.frame[(self.frame["store_id"] == store_id)
                           & (self.frame["issue_id"] == issue_id)]
        return str(match.iloc[0]["class"]) if len(match) and "class" in match else ""

    def _draft(self, lang: str | None) -> None:
        """Draft the selected dispute's next reply (``lang`` None: the buyer's language)."""
        if self.list.value is None:
            self.reply, self.reply_text.value = None, ""
            self.reply_status.value = ""
            return
        store_id, issue_id = self.list.value
        try:
            reply = next_reply(self.db, store_id, issue_id, self._selected_class(), self.now,
                               lang=lang, overrides=self.overrides.get(store_id))
        except DisputeKitError as exc:
            self.reply = None
            self.reply_status.value = f"<span style='color:#b00020'>{html.escape(str(exc))}</span>"
            return
        self.reply = reply
        if lang is None and self.reply_lang.value != reply.lang:
            self.reply_lang.value = reply.lang  # fires _draft(reply.lang) once: same draft
            return
        if reply.due is None or reply.draft is None:
            self.reply_text.value = ""
            self.mark_sent.disabled = True
            self.reply_status.value = "<i>Nothing more to send on this dispute.</i>"
            return
        self.reply_text.value = reply.draft.preview
        self.mark_sent.disabled = not reply.draft.ready
        due = f"{reply.due.due_at:%d %b %H:%M} UTC" if reply.due.due_at \
            else "when the parcel is back"
        status = (f"Step {reply.due.number}: {html.escape(reply.due.step.template)} · due {due}"
                  f" · buyer's language: {html.escape(LANGUAGE_NAMES[reply.suggested_lang])}")
        if reply.due.step.note:
            status += f"<br>{html.escape(reply.due.step.note)}"
        if not reply.draft.ready:
            status += f"<br><b>{html.escape(reply.draft.text)}</b>"
        self.reply_status.value = status

    def _mark_sent(self) -> None:
        if self.reply is None:
            return
        try:
            row = mark_sent(self.db, self.reply, self.operator)
        except DisputeKitError as exc:
            self.reply_status.value = f"<span style='color:#b00020'>{html.escape(str(exc))}</span>"
            return
        self._draft(self.reply_lang.value)
        self.reply_status.value = (f"✓ {html.escape(row.template)} marked sent {row.sent_at:%H:%M} "
                                   f"by {html.escape(row.operator)}<br>" + self.reply_status.value)

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
