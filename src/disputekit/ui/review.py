"""The operator's workbook: one queue of open disputes across every store, as ipywidgets.

The queue is the home: a sortable table (``QueueTable``), most urgent first, filtered to
what needs the operator; the selected dispute's panel in tabs (Facts, Tracking, Options,
Reply, Evidence, History); the recommended handling as the one highlighted button, whose
confirmation shows exactly what the buyer will read. After an action the dispute's row
shows its new state or leaves "needs me", the counts change and the next most urgent
dispute opens. What the operator was doing (filters, sort, selection, drafts, offer,
reason) is kept in the database, so a restarted kernel or a reopened notebook picks it
up. Widgets only arrange controls; the data and every decision come from the services.
Buyer text is always escaped before it reaches an HTML widget.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
from sqlalchemy import func, select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import SyncRunRow
from disputekit.adapters.parameters import StoreParameters, load_all, reply_overrides
from disputekit.adapters.workspace import Workspace
from disputekit.domain.deadlines import Urgency
from disputekit.domain.failure_words import failure_in_words, status_in_words
from disputekit.domain.outcomes import Outcome
from disputekit.domain.platform_time import utc_now
from disputekit.domain.replies import LANGUAGE_NAMES, LANGUAGES, Channel, DelayReason, Overrides
from disputekit.domain.taxonomy import DisputeClass
from disputekit.errors import ActionError, DisputeKitError
from disputekit.render.evidence_labels import label
from disputekit.services import workbook_state
from disputekit.services.actions import (
    ActionOutcome,
    ActionStatus,
    DisputeActions,
    latest_action,
    unsettled_action,
)
from disputekit.services.assessment import record_override
from disputekit.services.buyer_report import reported_at
from disputekit.services.followups import (
    NextReply,
    mark_buyer_answered,
    mark_sent,
    mark_settled,
    next_reply,
)
from disputekit.services.handling import Carried, Handling, carry_out, plan_handling
from disputekit.services.history import dispute_history
from disputekit.services.queue import (
    Filters,
    OperatorQueue,
    dispute_detail,
    tracking_timeline,
)
from disputekit.ui.buyer_report_panel import BuyerReportPanel
from disputekit.ui.claim_panel import ClaimPanel
from disputekit.ui.copy_button import CopyButton
from disputekit.ui.evidence_panel import EvidencePanel
from disputekit.ui.queue_table import QueueTable
from disputekit.ui.store_connections import ReleasesOnClose, StoreConnections

ALL = "all stores"
ALL_CLASSES = "all classes"
ALL_URGENCIES = "any urgency"
ANY = "any"
OWN_WORDS = "my own words…"
_WIDE = widgets.Layout(width="auto")  # buttons show their whole label
#: Rows the table shows at once; it pages through the rest (bench/workbook.py).
PAGE_SIZE = 50
TABS = ("Facts", "Tracking", "Options", "Reply", "Evidence", "History")
_RED = "<span style='color:#b00020'>{}</span>"
Key = tuple[str, int]


class ReviewQueue(ReleasesOnClose, widgets.VBox):  # type: ignore[misc]
    """``ReviewQueue(db, operator=...)``: display it in a notebook cell."""

    def __init__(self, db: Database, now: datetime | None = None, operator: str = "",
                 overrides: Mapping[str, Overrides] | None = None,
                 actions_for: Callable[[str], DisputeActions] | None = None,
                 stores: Mapping[str, StoreParameters] | None = None,
                 frame: pd.DataFrame | None = None,
                 on_close: Callable[[], None] | None = None,
                 data_dir: Path | None = None,
                 outcomes: Sequence[Outcome] | None = None,
                 sync: Callable[[Callable[[str, int, int], None]], dict[str, str]] | None
                 = None) -> None:
        self.db = db
        # What the opener made for this widget alone (open_review: the store connections and
        # the database), released by ``close()``.
        self._on_close = on_close
        self.now = now or utc_now()
        self.operator = operator.strip()
        self.overrides = dict(overrides or {})  # store id -> that store's own wording
        self.actions_for = actions_for  # store id -> the operator's hands on that store
        self.stores = stores  # their lane overrides weigh in every class, the rules' included
        self.data_dir = data_dir
        self._outcomes = outcomes
        self._sync = sync  # the opener's "sync every store" (progress(store, done, total))
        self.reply: NextReply | None = None
        self.handling: Handling | None = None
        self._restoring = False  # True while the widget sets controls itself (no saving)
        self._seen_action: dict[Key, int] = {}
        self._pending: tuple[str, Callable[[], str]] | None = None
        # ``frame``: the open queue when the caller already has it (``open_disputes``'s
        # columns and order); bench/workbook.py times the widget over big made-up queues.
        self.queue = OperatorQueue(db, self.now, stores=stores, frame=frame,
                                   outcomes=outcomes)
        self._rows = self.frame

        # -- the top: who, when synced, the counts ----------------------------------------
        self.title = widgets.HTML()
        self.sync_button = widgets.Button(description="Sync now", icon="refresh",
                                          layout=_WIDE, tooltip="Read every store again")
        self.sync_progress = widgets.IntProgress(value=0, min=0, max=1,
                                                 layout=widgets.Layout(display="none"))
        self.sync_status = widgets.HTML()
        self.operator_name = widgets.Text(placeholder="your name", description="Your name",
                                          continuous_update=False)
        self.operator_button = widgets.Button(description="Start", button_style="primary")
        self.operator_box = widgets.HBox(
            [self.operator_name, self.operator_button,
             widgets.HTML("<i>Every action and reply is recorded with your name.</i>")])
        self.counts = widgets.HTML()

        # -- filters and the table ------------------------------------------------------
        store_ids = sorted(self.frame["store_id"].unique()) if len(self.frame) else []
        self.needs_me = widgets.ToggleButton(
            value=True, description="Needs me", icon="user",
            tooltip="Only what waits for you: your turn on the platform, a reply or a claim "
                    "due")
        self.store_filter = widgets.Dropdown(options=[ALL, *store_ids], value=ALL,
                                             description="Store")
        self.class_filter = widgets.Dropdown(options=[ALL_CLASSES, *self._values("class")],
                                             value=ALL_CLASSES, description="Class")
        self.urgency_filter = widgets.Dropdown(
            options=[ALL_URGENCIES, *[u.value for u in Urgency]], value=ALL_URGENCIES,
            description="Urgency")
        self.search = widgets.Text(placeholder="order number or buyer", description="Search",
                                   continuous_update=False)
        self.carrier_filter = widgets.Dropdown(options=[ANY, *self._values("carrier")],
                                               value=ANY, description="Carrier")
        self.country_filter = widgets.Dropdown(options=[ANY, *self._values("country")],
                                               value=ANY, description="Country")
        self.language_filter = widgets.Dropdown(options=[ANY, *self._values("language")],
                                                value=ANY, description="Language")
        self.table = QueueTable(page_size=PAGE_SIZE)

        # -- the selected dispute ---------------------------------------------------------
        self.heading = widgets.HTML()
        self.recommend_button = widgets.Button(description="Recommended", button_style="primary",
                                               icon="star", layout=_WIDE)
        self.confirmation = widgets.HTML()
        self.confirm_button = widgets.Button(description="Confirm", button_style="danger",
                                             layout=widgets.Layout(display="none"))
        self.cancel_button = widgets.Button(description="Cancel",
                                            layout=widgets.Layout(display="none"))
        self.action_status = widgets.HTML()
        self.detail = widgets.HTML()
        self.tracking = widgets.HTML()
        self.options = widgets.HTML()
        self.history = widgets.HTML()
        self.reclass = widgets.Dropdown(options=[c.value for c in DisputeClass],
                                        description="New class")
        self.reclass_button = widgets.Button(description="Change class", layout=_WIDE)
        # Every action but the recommended one: two clicks (ask, then confirm).
        self.amount = widgets.FloatText(value=0.0, description="Offer", step=0.5,
                                        continuous_update=True,
                                        layout=widgets.Layout(width="200px"))
        self.currency = widgets.HTML()
        self.reason = widgets.Text(placeholder="what the buyer reads with the offer",
                                   description="Reason", continuous_update=True,
                                   layout=widgets.Layout(width="60%"))
        self.days = widgets.BoundedIntText(value=15, min=1, max=30, description="Days",
                                           continuous_update=True,
                                           layout=widgets.Layout(width="160px"))
        self.refuse_button = widgets.Button(description="Refuse / counter-offer", layout=_WIDE)
        self.agree_button = widgets.Button(description="Agree to buyer's plan", layout=_WIDE)
        self.extend_button = widgets.Button(description="Extend protection", layout=_WIDE)
        self.report_button = widgets.Button(description="Report buyer", layout=_WIDE)
        self.return_button = widgets.Button(description="Agree to return", layout=_WIDE)
        self.resend_button = widgets.Button(description="Resend", layout=_WIDE)
        self.snooze_button = widgets.Button(description="Snooze 1 day", layout=_WIDE)
        self.retry_button = widgets.Button(description="Retry last", layout=_WIDE,
                                           tooltip="Settle an action whose answer was lost")
        self.claim_panel = ClaimPanel(db, now=now)  # hidden unless the parcel can be claimed
        # "Report buyer": the report pack to file in Seller Center, and its filing.
        self.buyer_report = BuyerReportPanel(db, operator=self.operator, data_dir=data_dir,
                                             on_filed=lambda _filed: self._redraw_detail())
        # -- the reply --------------------------------------------------------------------
        self.reply_lang = widgets.Dropdown(options=[(LANGUAGE_NAMES[k], k) for k in LANGUAGES],
                                           description="Reply in")
        self.reply_text = widgets.Textarea(layout=widgets.Layout(width="100%", height="240px"),
                                           continuous_update=True, disabled=True)
        self.copy_button = CopyButton()
        self.carrier_said = widgets.Dropdown(
            options=[("choose…", ""), *[(r.value.replace("_", " "), r.value)
                                        for r in DelayReason], (OWN_WORDS, OWN_WORDS)],
            value="", description="Carrier said")
        self.carrier_words = widgets.Text(
            placeholder="completes 'the carrier told us that …'", continuous_update=False,
            layout=widgets.Layout(width="50%", display="none"))
        self.carrier_box = widgets.HBox([self.carrier_said, self.carrier_words],
                                        layout=widgets.Layout(display="none"))
        self.reply_status = widgets.HTML()
        self.mark_sent = widgets.Button(description="Mark sent", icon="check",
                                        tooltip="After pasting it into the order chat")
        # No API shows the order chat: the operator says when the buyer wrote back (the
        # second stalled-parcel reply then asks them to cancel) and when the case is settled
        # between them (the plan's closing reply then asks them to cancel the dispute).
        self.answered_button = widgets.Button(
            description="Buyer answered", icon="comment",
            tooltip="The buyer wrote back in the order chat")
        self.settled_button = widgets.Button(
            description="Settled with buyer", icon="handshake-o",
            tooltip="Agreed in the chat (it works now, they take the offer): ask them to "
                    "cancel the dispute next")
        self.evidence: EvidencePanel | None = None  # made when its tab is first opened
        self.evidence_box = widgets.VBox()

        self._wire()
        self._lay_out()
        self._apply_operator()
        self._refresh(keep=self._saved_view())

    # -- layout and wiring -----------------------------------------------------------------
    def _wire(self) -> None:
        for control in (self.needs_me, self.store_filter, self.class_filter,
                        self.urgency_filter, self.search, self.carrier_filter,
                        self.country_filter, self.language_filter):
            control.observe(lambda _change: self._filters_changed(), names="value")
        self.table.on_select(lambda _key: self._show_selected())
        self.table.on_open(lambda _key: self._open_tab("Facts"))
        self.table.on_recommend(lambda _key: self._ask_recommended())
        self.table.observe(lambda _change: self._save_view(), names=["sort_by", "ascending"])
        self.sync_button.on_click(lambda _b: self.sync_now())
        self.operator_button.on_click(lambda _b: self._set_operator(self.operator_name.value))
        self.operator_name.observe(lambda c: self._set_operator(c["new"]), names="value")
        self.recommend_button.on_click(lambda _b: self._ask_recommended())
        self.reply_lang.observe(lambda change: self._draft(change["new"]), names="value")
        self.reply_text.observe(lambda _c: self._keep_draft(), names="value")
        self.amount.observe(lambda _c: self._keep_draft(), names="value")
        self.reason.observe(lambda _c: self._keep_draft(), names="value")
        self.carrier_said.observe(lambda _c: self._carrier_changed(), names="value")
        self.carrier_words.observe(lambda _c: self._carrier_changed(), names="value")
        self.mark_sent.on_click(lambda _button: self._mark_sent())
        self.answered_button.on_click(lambda _button: self._mark("buyer_answered"))
        self.settled_button.on_click(lambda _button: self._mark("settled"))
        self.refuse_button.on_click(lambda _b: self._ask("refuse", self._do_refuse))
        self.agree_button.on_click(lambda _b: self._ask("agree", self._do_agree))
        self.extend_button.on_click(lambda _b: self._ask("extend", self._do_extend))
        self.report_button.on_click(lambda _b: self._open_report())
        self.return_button.on_click(lambda _b: self._ask("return", self._do_return))
        self.resend_button.on_click(lambda _b: self._ask("resend", self._do_resend))
        self.snooze_button.on_click(lambda _b: self._guard(self._do_snooze))
        self.retry_button.on_click(lambda _b: self._guard(self._do_retry))
        self.reclass_button.on_click(lambda _b: self._guard(self._do_reclass))
        self.confirm_button.on_click(lambda _b: self._confirm())
        self.cancel_button.on_click(lambda _b: self._cancel())

    def _lay_out(self) -> None:
        top = widgets.HBox([self.title, self.sync_button, self.sync_progress, self.sync_status],
                           layout=widgets.Layout(align_items="center"))
        filters = widgets.VBox([
            widgets.HBox([self.needs_me, self.store_filter, self.class_filter,
                          self.urgency_filter]),
            widgets.HBox([self.carrier_filter, self.country_filter, self.language_filter,
                          self.search])])
        act = widgets.VBox([
            widgets.HBox([self.recommend_button, self.confirm_button, self.cancel_button]),
            self.confirmation, self.action_status])
        options_tab = widgets.VBox([
            self.options,
            widgets.HBox([self.amount, self.currency, self.reason]),
            widgets.HBox([self.refuse_button, self.agree_button, self.return_button,
                          self.resend_button, self.report_button]),
            widgets.HBox([self.days, self.extend_button, self.snooze_button,
                          self.retry_button]),
            self.claim_panel, self.buyer_report])
        reply_tab = widgets.VBox([
            widgets.HBox([self.reply_lang, self.copy_button]), self.carrier_box,
            self.reply_text,
            widgets.HBox([self.mark_sent, self.answered_button, self.settled_button]),
            self.reply_status])
        facts_tab = widgets.VBox([self.detail, widgets.HBox([self.reclass,
                                                             self.reclass_button])])
        self.tabs = widgets.Tab(children=[facts_tab, self.tracking, options_tab, reply_tab,
                                          self.evidence_box, self.history], titles=TABS)
        self.tabs.observe(lambda _c: self._tab_opened(), names="selected_index")
        super().__init__([top, self.operator_box, self.counts, filters, self.table,
                          self.heading, act, self.tabs])

    # -- the operator ----------------------------------------------------------------------
    def _apply_operator(self) -> None:
        known = bool(self.operator)
        self.operator_box.layout.display = "none" if known else None
        self.title.value = ("<b>disputekit · daily review</b>"
                            + (f" · {html.escape(self.operator)}" if known else ""))
        self.buyer_report.operator = self.operator
        for control in self._acting_controls():
            control.disabled = not known
        self.sync_status.value = self._synced_words()

    def _acting_controls(self) -> list[widgets.Button]:
        return [self.recommend_button, self.refuse_button, self.agree_button,
                self.extend_button, self.return_button, self.resend_button,
                self.snooze_button, self.retry_button, self.reclass_button, self.mark_sent,
                self.answered_button, self.settled_button]

    def _set_operator(self, name: str) -> None:
        """The operator said who they are: acting is allowed, their saved view comes back."""
        name = name.strip()
        if not name or name == self.operator:
            return
        self.operator = name
        if isinstance(self.actions_for, StoreConnections):
            self.actions_for.operator = name
        self._apply_operator()
        self._refresh(keep=self._saved_view())

    # -- the queue ---------------------------------------------------------------------------
    @property
    def frame(self) -> pd.DataFrame:
        """Every open dispute the workbook read, most urgent first (no filter applied)."""
        return self.queue.frame

    def _values(self, column: str) -> list[str]:
        return self.queue.values(column)

    @property
    def filters(self) -> Filters:
        """The controls' values as the queue's filters."""
        def chosen(control: widgets.Dropdown, everything: str) -> str | None:
            return None if control.value == everything else str(control.value)

        return Filters(store=chosen(self.store_filter, ALL),
                       dispute_class=chosen(self.class_filter, ALL_CLASSES),
                       urgency=chosen(self.urgency_filter, ALL_URGENCIES),
                       carrier=chosen(self.carrier_filter, ANY),
                       country=chosen(self.country_filter, ANY),
                       language=chosen(self.language_filter, ANY),
                       search=self.search.value, needs_me=bool(self.needs_me.value))

    @property
    def rows(self) -> pd.DataFrame:
        """The disputes currently listed, most urgent first (every filter applied)."""
        return self.queue.rows(self.filters)

    @property
    def selected(self) -> Key | None:
        key = self.table.selected
        return (str(key[0]), int(key[1])) if key is not None else None

    def _filters_changed(self) -> None:
        if self._restoring:
            return
        self._refresh()
        self._save_view()

    def _refresh(self, keep: Key | None = None) -> None:
        """Count what the filters keep and show it in the table (``keep``: the dispute to
        select when it is still listed, else the most urgent)."""
        rows = self.rows
        self._rows = rows
        n = self.queue.counts(rows)
        self.counts.value = (
            f"<b>{n.open} listed</b> · {n.needs_me} need you · OVERDUE {n.overdue} · "
            f"due &lt;24 h {n.due_24h} · due &lt;48 h {n.due_48h} · replies due today "
            f"{n.replies_due} · claims due {n.claims_due}")
        self.table.show(rows)
        if keep is not None and self._listed(keep):
            self.table.select(keep)
        self._show_selected()

    def _listed(self, key: Key) -> bool:
        rows = self._rows
        return bool(((rows["store_id"] == key[0]) & (rows["issue_id"] == key[1])).any()) \
            if len(rows) else False

    def select(self, store_id: str, issue_id: int) -> None:
        """Show one dispute (re-read from the database even if it was already selected);
        a dispute the filters hide is shown with every filter cleared."""
        key = (store_id, int(issue_id))
        if not self._listed(key):
            self._clear_filters()
        self.table.select(key)
        self._show_selected()

    def _clear_filters(self) -> None:
        self._restoring = True
        try:
            self.needs_me.value = False
            for control, everything in ((self.store_filter, ALL),
                                        (self.class_filter, ALL_CLASSES),
                                        (self.urgency_filter, ALL_URGENCIES),
                                        (self.carrier_filter, ANY),
                                        (self.country_filter, ANY),
                                        (self.language_filter, ANY)):
                control.value = everything
            self.search.value = ""
        finally:
            self._restoring = False
        self._refresh()

    def _show_selected(self) -> None:
        self._cancel(quiet=True)  # a confirmation belongs to the dispute it was asked on
        self.buyer_report.hide()  # a pack shown is the previous dispute's
        key = self.selected
        if key is None:
            self.heading.value = "<i>No open dispute matches.</i>"
            for pane in (self.detail, self.tracking, self.options, self.history):
                pane.value = ""
            self.claim_panel.show(None, 0, "")
            self._no_draft()
            self.recommend_button.description = "Recommended"
            self.recommend_button.disabled = True
            self._save_view()
            return
        store_id, issue_id = key
        row = self._selected_row()
        self.heading.value = self._heading(row)
        self.detail.value = self.detail_html(store_id, issue_id)
        self.tracking.value = self.tracking_html(store_id, issue_id)
        self.options.value = self._options_html(row)
        self.history.value = self._history_html(store_id, issue_id)
        self.claim_panel.show(store_id, issue_id, self._selected_class())
        self._remember(store_id, issue_id)
        self.currency.value = html.escape(str(row.get("offer_currency") or "")) \
            if row is not None else ""
        self._restoring = True
        try:
            self.carrier_said.value = ""
            self.carrier_words.value = ""
            self.reason.value = ""
            self.amount.value = self._recommended_offer()
        finally:
            self._restoring = False
        self._draft(None)
        if self.evidence is not None and self.tabs.selected_index == TABS.index("Evidence"):
            self.evidence.show(store_id, issue_id)
        self._save_view()

    def _heading(self, row: pd.Series | None) -> str:
        if row is None:
            return ""
        e = html.escape
        left = row.get("hours_left")
        due = "no deadline" if left is None or pd.isna(left) else (
            f"overdue by {-left:.0f} h" if left < 0 else f"due in {left:.0f} h")
        return (f"<b>{e(str(row['store_id']))} · order {e(str(row['parent_order_id']))}</b>"
                f" · {e(_class_label(str(row.get('class', ''))) or str(row.get('class', '')))}"
                f" · <span class='dk-state'>{e(status_in_words(str(row['status'])))}</span>"
                f" · {e(due)}")

    def _recommended_offer(self) -> float:
        """What the recommended option offers the buyer, in the dispute's currency (0 when
        it offers no money: a refusal, a resend, a report)."""
        row = self._selected_row()
        value = row.get("recommended_offer") if row is not None else None
        return float(value) if value is not None and not pd.isna(value) else 0.0

    def _selected_class(self) -> str:
        row = self._selected_row()
        return str(row["class"]) if row is not None and "class" in row else ""

    def _advice(self) -> str | None:
        """The queue's advice on the selected dispute (priced with the store's own odds),
        which the reply plan follows."""
        row = self._selected_row()
        return str(row["recommended"]) if row is not None and "recommended" in row \
            and isinstance(row["recommended"], str) else None

    def _selected_row(self) -> pd.Series | None:
        key = self.selected
        return self.queue.row(*key) if key is not None else None

    # -- the reply ---------------------------------------------------------------------------
    def _no_draft(self) -> None:
        """Nothing selected: no draft stays live (nothing to copy, mark or send)."""
        self._restoring = True
        try:
            self.reply, self.reply_text.value = None, ""
        finally:
            self._restoring = False
        self.reply_text.disabled = True
        self.copy_button.text = ""
        self.mark_sent.disabled = True
        self.carrier_box.layout.display = "none"
        self.reply_status.value = ""

    def _carrier_changed(self) -> None:
        if self._restoring:
            return
        own = self.carrier_said.value == OWN_WORDS
        self.carrier_words.layout.display = None if own else "none"
        self._draft(self.reply_lang.value)

    def _draft(self, lang: str | None) -> None:
        """Draft the selected dispute's next reply (``lang`` None: the buyer's language),
        or bring back the operator's own edit of that same step."""
        key = self.selected
        if key is None:
            self._no_draft()
            return
        store_id, issue_id = key
        said = self.carrier_said.value
        try:
            store = (self.stores or {}).get(store_id)
            reply = next_reply(
                self.db, store_id, issue_id, self._selected_class(), self.now,
                lang=lang, overrides=self.overrides.get(store_id),
                cost_model=store.triage.cost_model() if store else None,
                advice=self._advice(),
                delay_reason=DelayReason(said) if said not in ("", OWN_WORDS) else None,
                carrier_explanation=self.carrier_words.value.strip()
                if said == OWN_WORDS else None)
        except DisputeKitError as exc:
            self._no_draft()
            self.reply_status.value = _RED.format(html.escape(failure_in_words(exc)))
            return
        if lang is None and self.reply_lang.value != reply.lang:
            self.reply_lang.value = reply.lang  # fires _draft(reply.lang) once: same draft
            return
        self.reply = reply
        asks_carrier = reply.draft is not None and (
            "carrier_explanation" in reply.draft.missing or said != "")
        self.carrier_box.layout.display = None if asks_carrier else "none"
        if reply.due is None or reply.draft is None:
            self._no_draft()
            self.reply = reply
            self.reply_status.value = "<i>Nothing more to send on this dispute.</i>"
            self._update_recommended()
            return
        saved = self._saved_draft(reply)
        self._restoring = True
        try:
            self.reply_text.value = saved.text if saved is not None else reply.draft.preview
            if saved is not None:
                if saved.offer is not None:
                    self.amount.value = float(saved.offer)
                self.reason.value = saved.reason
            elif reply.due.step.channel is Channel.COUNTER_OFFER and reply.offer is not None:
                self.amount.value = float(reply.offer)  # the refusal sends what the draft says
        finally:
            self._restoring = False
        self.reply_text.disabled = not reply.draft.ready
        self.copy_button.text = self.reply_text.value if reply.draft.ready else ""
        self.mark_sent.disabled = not reply.draft.ready or not self.operator
        due = f"{reply.due.due_at:%d %b %H:%M} UTC" if reply.due.due_at \
            else "when the parcel is back"
        where = ("goes with the refusal as its reason"
                 if reply.due.step.channel is Channel.COUNTER_OFFER
                 else "copy it into the order chat, then Mark sent")
        status = (f"Reply {reply.due.number}: {html.escape(reply.due.step.template)} · due "
                  f"{due} · {where} · buyer's language: "
                  f"{html.escape(LANGUAGE_NAMES[reply.suggested_lang])}")
        if saved is not None:
            status += f"<br>Your edit of {saved.updated_at:%d %b %H:%M} UTC, kept."
        if reply.due.step.note:
            status += f"<br>{html.escape(reply.due.step.note)}"
        then = reply.following
        if then is not None:
            when = f"{then.due_at:%d %b %H:%M} UTC" if then.due_at else "when the parcel is back"
            status += (f"<br>Then reply {then.number}: {html.escape(then.step.template)} · due "
                       f"{when}")
        if reply.buyer_answered:
            status += "<br>The buyer answered."
        if not reply.draft.ready:
            status += f"<br><b>{html.escape(reply.draft.text)}</b>"
        self.reply_status.value = status
        self._update_recommended()

    def _saved_draft(self, reply: NextReply) -> workbook_state.Draft | None:
        if not self.operator or reply.due is None:
            return None
        saved = workbook_state.draft_for(self.db, self.operator, reply.store_id,
                                         reply.issue_id, reply.due.step.template,
                                         reply.due.number)
        # A draft in another language is the operator's to switch back to, not to mix in.
        return saved if saved is not None and saved.lang == reply.lang else None

    def _edited_text(self) -> str | None:
        """The reply as the operator left it (None: as drafted)."""
        reply = self.reply
        if reply is None or reply.draft is None or not reply.draft.ready:
            return None
        text = self.reply_text.value
        return None if text == reply.draft.text else text

    def _keep_draft(self) -> None:
        """The operator typed: keep the draft, the offer and the reason in the database."""
        if self._restoring:
            return
        reply = self.reply
        self.copy_button.text = self.reply_text.value if reply and reply.draft \
            and reply.draft.ready else ""
        if not self.operator or reply is None or reply.due is None or reply.draft is None:
            return
        self._update_recommended()
        edited = self._edited_text()
        offer = Decimal(f"{self.amount.value:.2f}")
        drafted_offer = reply.offer if reply.offer is not None else \
            Decimal(f"{self._recommended_offer():.2f}")
        if edited is None and not self.reason.value and offer == drafted_offer:
            workbook_state.discard_draft(self.db, self.operator, reply.store_id,
                                         reply.issue_id)
            return
        try:
            workbook_state.save_draft(self.db, self.operator, workbook_state.Draft(
                store_id=reply.store_id, issue_id=reply.issue_id,
                text=self.reply_text.value, lang=reply.lang, offer=offer,
                reason=self.reason.value, template=reply.due.step.template,
                step=reply.due.number, updated_at=utc_now()))
        except DisputeKitError as exc:
            self.reply_status.value = _RED.format(html.escape(failure_in_words(exc)))

    # -- the recommended handling ----------------------------------------------------------
    def _plan(self) -> Handling | None:
        row = self._selected_row()
        if row is None:
            return None
        return plan_handling(self.db, row, self.reply, text=self._edited_text(),
                             reason=self.reason.value, days=int(self.days.value))

    def _update_recommended(self) -> None:
        try:
            handling = self._plan()
        except DisputeKitError as exc:
            self.handling = None
            self.recommend_button.description = "Recommended"
            self.recommend_button.tooltip = failure_in_words(exc)
            return
        self.handling = handling
        if handling is None:
            return
        self.recommend_button.description = handling.title
        self.recommend_button.tooltip = handling.blocked or handling.confirmation()
        self.recommend_button.disabled = not self.operator

    def _ask_recommended(self) -> None:
        """The recommended handling, whole: one click asks, showing what the buyer reads."""
        if self.selected is None:
            self.action_status.value = "<i>Select a dispute first.</i>"
            return
        if self.actions_for is None or not self.operator:
            self._say_error(self._read_only_words())
            return
        self._update_recommended()
        handling = self.handling
        if handling is None:
            return
        if handling.blocked:
            self._say_error(handling.blocked)
            if handling.action == "report_buyer":
                self._open_report()
            elif handling.action == "carrier_claim":
                self._open_tab("Options")
            return
        conflict = self._conflict(handling.store_id, handling.issue_id)
        if conflict:
            self._say_error(conflict)
            return
        e = html.escape
        steps = "".join(f"<li>{e(step.words)}</li>" for step in handling.steps)
        reads = (f"<p><b>The buyer will read:</b></p><pre class='dk-buyer-reads' style="
                 f"'white-space:pre-wrap;border:1px solid #ccc;padding:8px;max-height:260px;"
                 f"overflow:auto'>{e(handling.buyer_reads)}</pre>"
                 if handling.buyer_reads else "")
        then = (f"<p>Then paste {e(handling.chat_reply)} into the order chat and mark it "
                "sent.</p>" if handling.chat_reply else "")
        self.confirmation.value = (f"<div class='dk-confirmation'><b>On order "
                                   f"{e(handling.order)} ({e(handling.store_id)}):</b>"
                                   f"<ol>{steps}</ol>{reads}{then}</div>")
        self._pending = ("recommended", lambda: self._do_handling(handling))
        self.confirm_button.layout.display = None
        self.cancel_button.layout.display = None

    def _do_handling(self, handling: Handling) -> str:
        assert self.actions_for is not None
        carried = carry_out(handling, self.actions_for(handling.store_id), self.db,
                            self.operator)
        return self._carried_words(carried)

    def _carried_words(self, carried: Carried) -> str:
        when = utc_now().strftime("%H:%M")
        done = [step.words.rstrip(".") for step, outcome in carried.done
                if outcome is None or outcome.status is ActionStatus.OK]
        lines = "".join(f"<li>✓ {html.escape(words)}</li>" for words in done)
        if carried.ok:
            return (f"✓ done {when} by {html.escape(self.operator)} · AliExpress ok"
                    f"<ul>{lines}</ul>")
        left = "".join(f"<li>not done: {html.escape(s.words.rstrip('.'))}</li>"
                       for s in carried.skipped)
        return (_RED.format(f"✗ stopped: {html.escape(carried.problem)}")
                + f"<ul>{lines}{left}</ul>")

    # -- two-click actions ------------------------------------------------------------------
    def _read_only_words(self) -> str:
        if not self.operator:
            return "say who you are first (Your name, above): every action is recorded " \
                   "with it"
        return ("this workbook was opened read-only (no store connections): open it with "
                "open_review(operator=...) to act")

    def _ask(self, what: str, do: Callable[[], str]) -> None:
        """First click: say exactly what will be sent; the second click sends it."""
        row = self._selected_row()
        if row is None:
            self.action_status.value = "<i>Select a dispute first.</i>"
            return
        if self.actions_for is None or not self.operator:
            self._say_error(self._read_only_words())
            return
        conflict = self._conflict(str(row["store_id"]), int(row["issue_id"]))
        if conflict:
            self._say_error(conflict)
            return
        order = html.escape(str(row["parent_order_id"]))
        if what == "refuse":
            text = (f"Refuse the buyer's plan and offer {self.amount.value:.2f} "
                    f"{html.escape(str(row.get('offer_currency') or ''))} on order {order}?")
        elif what == "agree":
            text = f"Agree to the buyer's plan on order {order} (the buyer is refunded)?"
        elif what == "extend":
            text = f"Extend the buyer's protection by {self.days.value} days on order {order}?"
        elif what == "return":
            text = (f"Agree to the buyer's return on order {order} (they ship it back to your "
                    "default return address, then are refunded)?")
        else:
            text = f"Record that you resend order {order} (goods and freight again)?"
        self._pending = (what, do)
        self.confirmation.value = f"<b>{text}</b>"
        self.confirm_button.layout.display = None
        self.cancel_button.layout.display = None

    def _cancel(self, quiet: bool = False) -> None:
        had = self._pending is not None
        self._pending = None
        self.confirm_button.layout.display = "none"
        self.cancel_button.layout.display = "none"
        self.confirmation.value = ""
        if had and not quiet:
            self.action_status.value = "<i>Nothing sent.</i>"

    def _confirm(self) -> None:
        if self._pending is None:
            return
        _what, do = self._pending
        key = self.selected
        self._pending = None
        self.confirm_button.layout.display = "none"
        self.cancel_button.layout.display = "none"
        self.confirmation.value = ""
        # Said before the calls start: the widget shows it while the kernel waits on them.
        self.action_status.value = "<i>Sending to AliExpress… (wait for the answer)</i>"
        busy = [self.recommend_button, *self._acting_controls()]
        for control in busy:
            control.disabled = True
        try:
            said = do()
        except DisputeKitError as exc:  # words in the panel, never a traceback
            self._say_error(failure_in_words(exc))
            return
        finally:
            for control in busy:
                control.disabled = not self.operator
        if key is not None:
            self._after_action(key, said)

    def _after_action(self, key: Key, said: str) -> None:
        """The dispute shows its new state; if it no longer needs the operator, it leaves
        the list and the next most urgent one opens."""
        self.queue.now = utc_now()
        self.queue.refresh(*key)
        if self.operator:
            reply = self.reply
            if reply is not None and reply.due is not None:
                fresh = self._replied(key)
                if fresh:
                    workbook_state.discard_draft(self.db, self.operator, *key)
        self._remember(*key)
        following = self._next_after(key)
        self._refresh(keep=key if self._stays(key) else following)
        shown = self.selected
        if shown != key and shown is not None:
            said += (f"<br>Next: {html.escape(shown[0])} · order "
                     f"{html.escape(str(self._order_of(shown)))}")
        self.action_status.value = said

    def _replied(self, key: Key) -> bool:
        """The reply the draft was for went out (the plan moved on)."""
        reply = self.reply
        try:
            again = next_reply(self.db, key[0], key[1], self._selected_class(), self.now,
                               advice=self._advice())
        except DisputeKitError:
            return True
        return reply is None or reply.due is None or again.due is None \
            or again.due.number != reply.due.number or again.due.step != reply.due.step

    def _stays(self, key: Key) -> bool:
        rows = self.rows
        return bool(((rows["store_id"] == key[0]) & (rows["issue_id"] == key[1])).any())

    def _next_after(self, key: Key) -> Key | None:
        """The dispute listed after ``key`` in the table's order (else the one before)."""
        return self.table.after(key)

    def _order_of(self, key: Key) -> str:
        row = self.queue.row(*key)
        return str(row["parent_order_id"]) if row is not None else ""

    def _outcome(self, outcome: ActionOutcome) -> str:
        when = utc_now().strftime("%H:%M")
        if outcome.status is ActionStatus.UNKNOWN and self.actions_for is not None:
            # The answer was lost: read the dispute back now, instead of asking the operator.
            row = self._selected_row()
            if row is not None:
                try:
                    outcome = self.actions_for(str(row["store_id"])).retry(outcome.action_id)
                except DisputeKitError as exc:
                    return _RED.format(html.escape(failure_in_words(exc)))
        if outcome.status is ActionStatus.OK:
            return (f"✓ {html.escape(str(outcome.kind).replace('_', ' '))} {when} by "
                    f"{html.escape(self.operator)} · AliExpress ok")
        if outcome.status is ActionStatus.UNKNOWN:
            return ("<span style='color:#b26a00'>? AliExpress did not answer and reading the "
                    f"dispute back could not tell: {html.escape(outcome.message)}</span>")
        return _RED.format(f"✗ {html.escape(outcome.message)}")

    def _actions(self) -> tuple[DisputeActions, int]:
        row = self._selected_row()
        assert row is not None and self.actions_for is not None
        return self.actions_for(str(row["store_id"])), int(row["issue_id"])

    def _do_refuse(self) -> str:
        actions, issue_id = self._actions()
        reply = self.reply
        ready = reply is not None and reply.draft is not None and reply.draft.ready
        counter = ready and reply is not None and reply.due is not None \
            and reply.due.step.channel is Channel.COUNTER_OFFER
        reason = self.reason.value.strip() or (self.reply_text.value if counter else "")
        amount = Decimal(f"{self.amount.value:.2f}")
        # A drafted counter-offer names its amount: the refusal must send that one.
        offer = reply.offer if counter and reply is not None else None
        if not self.reason.value.strip() and offer is not None and amount != offer:
            raise ActionError(f"the drafted reason offers {offer:.2f}, the offer field "
                              f"{amount:.2f}: set the offer to {offer:.2f}, or type your own "
                              "reason for this amount")
        outcome = actions.refuse(issue_id, reason, amount)
        if outcome.status is ActionStatus.OK and counter and not self.reason.value.strip() \
                and reply is not None:
            mark_sent(self.db, reply, self.operator, text=reason)  # the reply went with it
        return self._outcome(outcome)

    def _do_agree(self) -> str:
        actions, issue_id = self._actions()
        return self._outcome(actions.agree(issue_id))

    def _do_extend(self) -> str:
        actions, issue_id = self._actions()
        return self._outcome(actions.extend_protection(issue_id, int(self.days.value)))

    def _do_return(self) -> str:
        actions, issue_id = self._actions()
        refund = actions.client.seller_addresses(("refund",))["refund"]
        if not refund:
            raise ActionError("this store has no return address on AliExpress: add one in "
                              "Seller Center first")
        address = next((a for a in refund if a.is_default), refund[0])
        return self._outcome(actions.agree(issue_id, return_address_id=address.address_id))

    def _do_resend(self) -> str:
        actions, issue_id = self._actions()
        return self._outcome(actions.note(issue_id, "resend", {"reason": self.reason.value}))

    def _do_snooze(self) -> None:
        actions, issue_id = self._actions()
        until = utc_now() + timedelta(days=1)
        key = (actions.store.store_id, issue_id)
        following = self._next_after(key)
        actions.note(issue_id, "snooze", {"until": until.isoformat()})
        self.queue.snooze(actions.store.store_id, issue_id, until)
        self._refresh(keep=following)
        self.action_status.value = f"✓ snoozed until {until:%d %b %H:%M} UTC"

    def _do_retry(self) -> None:
        actions, issue_id = self._actions()
        action_id = unsettled_action(self.db, actions.store.store_id, issue_id)
        if action_id is None:
            self.action_status.value = "<i>No unsettled action on this dispute.</i>"
            return
        self.action_status.value = self._outcome(actions.retry(action_id))

    def _do_reclass(self) -> None:
        row = self._selected_row()
        if row is None:
            return
        store_id, issue_id = str(row["store_id"]), int(row["issue_id"])
        record_override(self.db, store_id, issue_id, self.reclass.value, self.operator,
                        self.reason.value, stores=self.stores)
        self.queue.set_class(store_id, issue_id, self.reclass.value, self.operator)
        self.action_status.value = (f"✓ class set to {html.escape(self.reclass.value)} by "
                                    f"{html.escape(self.operator)}")
        self.detail.value = self.detail_html(store_id, issue_id)
        self.heading.value = self._heading(self._selected_row())

    def _guard(self, work: Callable[[], None]) -> None:
        if self._selected_row() is None:
            self.action_status.value = "<i>Select a dispute first.</i>"
            return
        if (self.actions_for is None or not self.operator) and work != self._do_reclass:
            self._say_error(self._read_only_words())
            return
        try:
            work()
        except DisputeKitError as exc:
            self._say_error(failure_in_words(exc))

    def _open_report(self) -> None:
        """The report pack of the selected dispute, to file in Seller Center (no API does)."""
        row = self._selected_row()
        if row is None:
            self.action_status.value = "<i>Select a dispute first.</i>"
            return
        self._open_tab("Options")
        self.buyer_report.show(str(row["store_id"]), int(row["issue_id"]))

    def _open_tab(self, name: str) -> None:
        self.tabs.selected_index = TABS.index(name)

    def _tab_opened(self) -> None:
        """Evidence is read when its tab is opened (snapshots, the checklist), not on every
        selection."""
        key = self.selected
        if self.tabs.selected_index != TABS.index("Evidence") or key is None:
            return
        if self.evidence is None:
            if self.data_dir is None:
                self.evidence_box.children = [widgets.HTML(
                    "<i>Evidence needs the workspace's data folder: open the workbook with "
                    "open_review().</i>")]
                return
            self.evidence = EvidencePanel(
                self.db, self.data_dir, self.data_dir / "exports", operator=self.operator,
                actions_for=self.actions_for, stores=self.stores, frame=self.frame)
            self.evidence_box.children = [self.evidence]
        self.evidence.operator = self.operator
        self.evidence.show(*key)

    def _redraw_detail(self) -> None:
        key = self.selected
        if key is not None:
            self.detail.value = self.detail_html(*key)
            self.history.value = self._history_html(*key)

    def _remember(self, store_id: str, issue_id: int) -> None:
        latest = latest_action(self.db, store_id, issue_id)
        self._seen_action[(store_id, issue_id)] = latest.action_id if latest else 0

    def _conflict(self, store_id: str, issue_id: int) -> str:
        """Someone else acted on this dispute since this view showed it: say so, do not act."""
        latest = latest_action(self.db, store_id, issue_id)
        seen = self._seen_action.get((store_id, issue_id), 0)
        if latest and latest.action_id > seen and latest.operator != self.operator:
            self._seen_action[(store_id, issue_id)] = latest.action_id
            return (f"{latest.operator} already acted on this dispute ({latest.kind}) since "
                    "you opened it: look at the detail again, then act if it still needs you")
        return ""

    def _say_error(self, message: str) -> None:
        self.action_status.value = _RED.format(html.escape(message))

    def _mark_sent(self) -> None:
        if self.reply is None:
            return
        if not self.operator:
            self.reply_status.value = _RED.format(html.escape(
                "say who sent it first (Your name, above): operator must not be empty"))
            return
        key = self.selected
        try:
            row = mark_sent(self.db, self.reply, self.operator, text=self._edited_text())
        except DisputeKitError as exc:
            self.reply_status.value = _RED.format(html.escape(failure_in_words(exc)))
            return
        if key is not None:
            workbook_state.discard_draft(self.db, self.operator, *key)
            self.queue.refresh(*key)
        self._draft(self.reply_lang.value)
        self.reply_status.value = (f"✓ {html.escape(row.template)} marked sent {row.sent_at:%H:%M} "
                                   f"by {html.escape(row.operator)}<br>" + self.reply_status.value)
        if key is not None:
            self.history.value = self._history_html(*key)

    def _mark(self, what: str) -> None:
        """Record that the buyer answered, or that the case is settled, then draft again."""
        key = self.selected
        if key is None:
            self.reply_status.value = "<i>Select a dispute first.</i>"
            return
        store_id, issue_id = key
        try:
            if what == "buyer_answered":
                mark_buyer_answered(self.db, store_id, issue_id, self.operator)
                said = "buyer's answer recorded"
            else:
                mark_settled(self.db, store_id, issue_id, self.operator, self.reason.value)
                said = "settled with the buyer"
        except DisputeKitError as exc:
            self.reply_status.value = _RED.format(html.escape(failure_in_words(exc)))
            return
        self._draft(self.reply_lang.value)
        self.reply_status.value = (f"✓ {html.escape(said)} by {html.escape(self.operator)}<br>"
                                   + self.reply_status.value)

    # -- what the workbook keeps --------------------------------------------------------------
    def _saved_view(self) -> Key | None:
        """Bring back the operator's filters and sort; returns the dispute they had open."""
        if not self.operator:
            return None
        try:
            view = workbook_state.load_view(self.db, self.operator)
        except DisputeKitError:
            return None
        chosen = dict(view.filters)
        self._restoring = True
        try:
            for name, control, everything in (
                    ("store", self.store_filter, ALL),
                    ("dispute_class", self.class_filter, ALL_CLASSES),
                    ("urgency", self.urgency_filter, ALL_URGENCIES),
                    ("carrier", self.carrier_filter, ANY),
                    ("country", self.country_filter, ANY),
                    ("language", self.language_filter, ANY)):
                value = chosen.get(name)
                options = [o[1] if isinstance(o, tuple) else o for o in control.options]
                control.value = value if value in options else everything
            self.search.value = str(chosen.get("search") or "")
            needs = chosen.get("needs_me")
            self.needs_me.value = needs != "no" if needs is not None else True
            if view.sort_by:
                self.table.sort(view.sort_by, view.ascending)
        finally:
            self._restoring = False
        return view.selected

    def _save_view(self) -> None:
        if not self.operator or self._restoring:
            return
        f = self.filters
        filters: dict[str, str | None] = {
            "store": f.store, "dispute_class": f.dispute_class, "urgency": f.urgency,
            "carrier": f.carrier, "country": f.country, "language": f.language,
            "search": f.search, "needs_me": "yes" if f.needs_me else "no"}
        try:
            workbook_state.save_view(self.db, self.operator, workbook_state.ViewState(
                filters=filters, selected=self.selected, sort_by=self.table.sort_by,
                ascending=bool(self.table.ascending)))
        except DisputeKitError as exc:
            self.action_status.value = _RED.format(html.escape(failure_in_words(exc)))

    # -- sync ----------------------------------------------------------------------------------
    def _synced_words(self) -> str:
        with self.db.session() as s:
            last = s.scalar(select(func.max(SyncRunRow.finished_at)).where(
                SyncRunRow.status.in_(["ok", "partial"])))
            stores = s.scalar(select(func.count(func.distinct(SyncRunRow.store_id)))) or 0
        if last is None:
            return "<i>never synced</i>"
        return f"synced {last:%H:%M} UTC · {stores} store(s)"

    def sync_now(self) -> None:
        """Read every store again (progress shown), then the queue, keeping the selection."""
        if self._sync is None:
            self.sync_status.value = _RED.format(
                "this workbook has no store connections: open it with open_review() to sync")
            return
        key = self.selected
        self.sync_button.disabled = True
        self.sync_progress.layout.display = None
        self.sync_progress.value = 0
        self.sync_status.value = "<i>Syncing…</i>"

        def progress(store_id: str, done: int, total: int) -> None:
            self.sync_progress.max = max(total, 1)
            self.sync_progress.value = done
            self.sync_status.value = html.escape(f"syncing {store_id} ({done}/{total})")

        try:
            failures = self._sync(progress)
        finally:
            self.sync_button.disabled = False
            self.sync_progress.layout.display = "none"
        self.now = utc_now()
        self.queue = OperatorQueue(self.db, self.now, stores=self.stores,
                                   outcomes=self._outcomes)
        self._refresh(keep=key)
        words = self._synced_words()
        if failures:
            words += "<br>" + "<br>".join(_RED.format(html.escape(f"{store}: {why}"))
                                          for store, why in failures.items())
        self.sync_status.value = words

    # -- the panes -------------------------------------------------------------------------------
    def detail_html(self, store_id: str, issue_id: int) -> str:
        row = self.queue.row(store_id, issue_id)
        if row is None:
            return "<i>This dispute is no longer open.</i>"
        stored = dispute_detail(self.db, store_id, issue_id)
        opening = stored.opening_text
        local = (f" ({stored.refund_max_local} {stored.local_currency})"
                 if stored.refund_max_local is not None else "")
        e = html.escape
        buyer = (f"{row.buyer} · {stored.buyer.disputes} dispute(s) in {stored.buyer.stores} "
                 "store(s)"
                 + (f" · {row.abuse_level}" if row.get("abuse_level") not in (None, "", "none")
                    else ""))
        due = "no deadline (waiting for the buyer or the platform)" if pd.isna(row.due_at) \
            else f"{row.due_at:%Y-%m-%d %H:%M} UTC ({row.hours_left:+.1f} h, {row.deadline_source})"
        facts = [
            # row["product"], not row.product: that is pandas' Series.product method, whose
            # repr (the whole row) was shown here instead of the title.
            ("Store", row.store_id), ("Order", row.parent_order_id), ("Product", row["product"]),
            ("Amount", f"${row.amount_usd:.2f}{local}"), ("Buyer", buyer),
            ("Country", row.country), ("Reason", row.reason),
            ("State", status_in_words(str(row.status))),
            ("Shipping", f"{row.service} ({row.service_kind})"), ("Respond by", due),
        ]
        if "class" in row:
            overridden = f", set by {row.overridden_by}" if row.overridden_by else ""
            facts += [
                ("Class", f"{row['class']} ({row.confidence:.2f}{overridden})"),
                ("Situation", _class_label(str(row["class"]))),
                ("Because", row.why),
                ("Recommended", f"{str(row.recommended).replace('_', ' ')} · expected cost "
                                f"{row.recommended_cost} {row.cost_currency}"
                                + _offer_text(row)),
                ("Options", row.get("options", "")),
                # the sentences of the odds the store's closed disputes set, if any
                *([("Odds", row["odds"])] if isinstance(row.get("odds"), str)
                  and row["odds"] else []),
                ("If nobody acts", row.if_nobody_acts),
            ]
        reported = reported_at(self.db, store_id, issue_id)
        if reported is not None:
            facts.append(("Buyer reported", f"reported on {reported:%Y-%m-%d %H:%M} UTC"))
        table = "".join(f"<tr><th style='text-align:left'>{e(k)}</th><td>{e(str(v))}</td></tr>"
                        for k, v in facts)
        return (f"<table>{table}</table><p><b>Buyer wrote:</b> "
                f"<span style='white-space:pre-wrap'>{e(opening)}</span></p>")

    def tracking_html(self, store_id: str, issue_id: int) -> str:
        """The parcel's timeline, each event with its source (the Tracking tab)."""
        row = self.queue.row(store_id, issue_id)
        if row is None:
            return ""
        e = html.escape
        number = str(row.get("logistics_no") or "")
        if not number:
            return "<i>No tracking number on this order.</i>"
        timeline = tracking_timeline(self.db, str(row["store_id"]), number)
        # Each event says where it came from: the platform's, or 17TRACK's (the scans of the
        # destination's post the platform never shows).
        events = "".join(
            f"<li>{e(str(t.when))[:16]} — {e(t.event)} ({e(t.where)})"
            f" <span class='dk-source' title='tracking source'>· {e(t.source)}</span></li>"
            for t in timeline.itertuples()
        ) or "<li>no tracking events</li>"
        return (f"<p><b>Tracking {e(number)}</b> · {e(str(row.get('service') or ''))}</p>"
                f"<ul>{events}</ul>")

    def _options_html(self, row: pd.Series | None) -> str:
        if row is None or "class" not in row:
            return ""
        e = html.escape
        options = str(row.get("options") or "")
        cells = "".join(f"<li>{e(part)}</li>" for part in options.split(" · ") if part)
        return (f"<p><b>Recommended:</b> {e(str(row.get('recommended', '')).replace('_', ' '))}"
                f"{e(_offer_text(row))}</p><p>Expected cost of each option "
                f"({e(str(row.get('cost_currency') or ''))}):</p><ul>{cells}</ul>")

    def _history_html(self, store_id: str, issue_id: int) -> str:
        e = html.escape
        entries = dispute_history(self.db, store_id, issue_id)
        if not entries:
            return "<i>Nothing yet.</i>"
        body = "".join(
            f"<tr><td>{e(f'{x.at:%Y-%m-%d %H:%M}') if x.at else ''}</td><td>{e(x.who)}</td>"
            f"<td>{e(x.what)}</td><td style='white-space:pre-wrap'>{e(x.text[:2000])}</td></tr>"
            for x in entries)
        return ("<table class='dk-history'><tr><th>when (UTC)</th><th>who</th><th>what</th>"
                f"<th>words</th></tr>{body}</table>")


def _class_label(code: str) -> str:
    """The class in words (the evidence summary's English label), so an operator reads
    "Not as described: another colour, size or model than the listing", not only its code."""
    try:
        return label("en", f"class_{DisputeClass(code).value}")
    except ValueError:  # "unclassified": the reason is in "Because"
        return ""


def _offer_text(row: pd.Series) -> str:
    """What the recommended option offers the buyer, in the refusal's currency."""
    offer = row.get("recommended_offer")
    if offer is None or pd.isna(offer) or not offer:
        return ""
    return f" · offers the buyer {float(offer):.2f} {row.get('offer_currency') or ''}".rstrip()


def open_review(operator: str = "", workspace: Workspace | None = None) -> ReviewQueue:
    """The operator's workbook: every store's open disputes, with the hands to act on them
    (each store connected with its own credentials from the environment). ``close()`` on
    it closes those connections and the database."""
    from disputekit.services.store_day import connect
    from disputekit.services.sync import sync_stores

    # An operator may set their name once in their environment instead of in every notebook.
    operator = operator.strip() or os.environ.get("DISPUTEKIT_OPERATOR", "").strip()
    ws = workspace or Workspace.discover()
    stores = {s.store_id: s for s in load_all(ws.parameters_dir)}
    db = Database.open(ws.db_url)
    connections = StoreConnections(stores, db, operator)

    def release() -> None:
        connections.close()
        db.dispose()

    def sync(progress: Callable[[str, int, int], None]) -> dict[str, str]:
        failures: dict[str, str] = {}
        everyone = list(stores.values())
        for done, store in enumerate(everyone):
            progress(store.store_id, done, len(everyone))
            result = sync_stores([store], connect, db, jobs=1)[store.store_id]
            if isinstance(result, DisputeKitError):
                failures[store.store_id] = failure_in_words(result)
        progress("", len(everyone), len(everyone))
        return failures

    overrides = {sid: o for sid, s in stores.items()
                 if (o := reply_overrides(s, ws.parameters_dir)) is not None}
    return ReviewQueue(db, operator=operator, overrides=overrides, actions_for=connections,
                       stores=stores, on_close=release, data_dir=ws.data_dir, sync=sync)
