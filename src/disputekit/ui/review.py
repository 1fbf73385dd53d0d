"""The operator's review queue as ipywidgets.

One list of open disputes across every store, most urgent first, a store filter, the
detail of the selected dispute (facts, class and why, recommendation, tracking), and its
next reply drafted in the buyer's language, with a language switch and "mark sent".
Widgets only arrange controls; the data and every decision come from the package. Buyer
text is always escaped before it reaches an HTML widget.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from disputekit.adapters.db.database import Database
from disputekit.adapters.parameters import StoreParameters, load_all, reply_overrides
from disputekit.adapters.workspace import Workspace
from disputekit.domain.deadlines import Urgency
from disputekit.domain.outcomes import Outcome
from disputekit.domain.platform_time import utc_now
from disputekit.domain.replies import LANGUAGE_NAMES, LANGUAGES, Channel, Overrides
from disputekit.domain.taxonomy import DisputeClass
from disputekit.errors import ActionError, DisputeKitError
from disputekit.render.evidence_labels import label
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
from disputekit.services.queue import (
    Filters,
    OperatorQueue,
    dispute_detail,
    tracking_timeline,
)
from disputekit.ui.buyer_report_panel import BuyerReportPanel
from disputekit.ui.claim_panel import ClaimPanel
from disputekit.ui.store_connections import ReleasesOnClose, StoreConnections

ALL = "all stores"
ALL_CLASSES = "all classes"
ALL_URGENCIES = "any urgency"
ANY = "any"
_WIDE = widgets.Layout(width="auto")  # buttons show their whole label
_LABEL_COLUMNS = ("store_id", "issue_id", "hours_left", "parent_order_id", "class",
                  "amount_usd", "country", "recommended")
#: Disputes listed at once, most urgent first; "next"/"previous" page through the rest.
#: Labelling and sending 100,000 rows to the browser took most of a second and nobody
#: reads past the first screens (bench/workbook.py).
PAGE_SIZE = 200


class ReviewQueue(ReleasesOnClose, widgets.VBox):  # type: ignore[misc]
    """``ReviewQueue(db)``: display it in a notebook cell.

    The list shows :data:`PAGE_SIZE` disputes at a time, most urgent first, with
    "Previous"/"Next" and "showing 1–200 of N"; the counts line always counts every
    dispute the filters keep.
    """

    def __init__(self, db: Database, now: datetime | None = None, operator: str = "",
                 overrides: Mapping[str, Overrides] | None = None,
                 actions_for: Callable[[str], DisputeActions] | None = None,
                 stores: Mapping[str, StoreParameters] | None = None,
                 frame: pd.DataFrame | None = None,
                 on_close: Callable[[], None] | None = None,
                 data_dir: Path | None = None,
                 outcomes: Sequence[Outcome] | None = None) -> None:
        self.db = db
        # What the opener made for this widget alone (open_review: the store connections and
        # the database), released by ``close()``.
        self._on_close = on_close
        self.now = now or utc_now()
        self.operator = operator
        self.overrides = dict(overrides or {})  # store id -> that store's own wording
        self.actions_for = actions_for  # store id -> the operator's hands on that store
        self.reply: NextReply | None = None
        # ``frame``: the open queue when the caller already has it (``open_disputes``'s
        # columns and order); bench/workbook.py times the widget over big made-up queues.
        self.stores = stores  # their lane overrides weigh in every class, the rules' included
        # ``outcomes``: the closed disputes that price the advice (left out: every store's
        # recorded ones, read once; ``()``: the parameters' odds alone).
        self.queue = OperatorQueue(db, self.now, stores=stores, frame=frame,
                                   outcomes=outcomes)
        self._seen_action: dict[tuple[str, int], int] = {}
        self.page = 0  # which PAGE_SIZE rows of ``rows`` the list shows
        self._rows = self.frame  # ``rows`` as of the last filter change
        store_ids = sorted(self.frame["store_id"].unique()) if len(self.frame) else []
        self.counts = widgets.HTML()
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
        self.list = widgets.Select(options=[], rows=15, layout=widgets.Layout(width="100%"))
        self.page_label = widgets.HTML()
        self.previous_button = widgets.Button(description="Previous", icon="arrow-left",
                                              layout=_WIDE,
                                              tooltip=f"The {PAGE_SIZE} more urgent disputes")
        self.next_button = widgets.Button(description="Next", icon="arrow-right", layout=_WIDE,
                                          tooltip=f"The next {PAGE_SIZE} disputes")
        self.detail = widgets.HTML()
        self.reply_lang = widgets.Dropdown(options=[(LANGUAGE_NAMES[k], k) for k in LANGUAGES],
                                           description="Reply in")
        self.reply_text = widgets.Textarea(layout=widgets.Layout(width="100%", height="220px"),
                                           disabled=True)
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
        # Actions: the recommended one first; anything that cannot be undone asks twice.
        self.amount = widgets.FloatText(value=0.0, description="Offer", step=0.5,
                                        continuous_update=True,
                                        layout=widgets.Layout(width="200px"))
        self.reason = widgets.Text(placeholder="what the buyer reads with the offer",
                                   description="Reason", layout=widgets.Layout(width="60%"))
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
        self.reclass = widgets.Dropdown(options=[c.value for c in DisputeClass],
                                        description="New class")
        self.reclass_button = widgets.Button(description="Change class", layout=_WIDE)
        self.confirm_button = widgets.Button(description="Confirm", button_style="danger",
                                             layout=widgets.Layout(display="none"))
        self.cancel_button = widgets.Button(description="Cancel",
                                            layout=widgets.Layout(display="none"))
        self.action_status = widgets.HTML()
        self.claim_panel = ClaimPanel(db, now=now)  # hidden unless the parcel can be claimed
        # "Report buyer": the report pack to file in Seller Center, and its filing.
        self.buyer_report = BuyerReportPanel(db, operator=operator, data_dir=data_dir,
                                             on_filed=lambda _filed: self._redraw_detail())
        self._pending: tuple[str, Callable[[], str]] | None = None
        for control in (self.store_filter, self.class_filter, self.urgency_filter, self.search,
                        self.carrier_filter, self.country_filter, self.language_filter):
            control.observe(lambda _change: self._refresh(), names="value")
        self.list.observe(lambda _change: self._show_selected(), names="value")
        self.previous_button.on_click(lambda _b: self.show_page(self.page - 1))
        self.next_button.on_click(lambda _b: self.show_page(self.page + 1))
        self.reply_lang.observe(lambda change: self._draft(change["new"]), names="value")
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
        reply_box = widgets.VBox([widgets.HTML("<b>Next reply</b>"), self.reply_lang,
                                  self.reply_text,
                                  widgets.HBox([self.mark_sent, self.answered_button,
                                                self.settled_button]),
                                  self.reply_status])
        action_box = widgets.VBox([
            widgets.HTML("<b>Act</b>"), widgets.HBox([self.amount, self.reason]),
            widgets.HBox([self.refuse_button, self.agree_button, self.return_button,
                          self.resend_button, self.report_button]),
            widgets.HBox([self.days, self.extend_button, self.snooze_button,
                          self.retry_button]),
            widgets.HBox([self.reclass, self.reclass_button]),
            widgets.HBox([self.confirm_button, self.cancel_button]), self.action_status])
        filters = widgets.VBox([
            widgets.HBox([self.store_filter, self.class_filter, self.urgency_filter]),
            widgets.HBox([self.carrier_filter, self.country_filter, self.language_filter,
                          self.search])])
        pager = widgets.HBox([self.previous_button, self.next_button, self.page_label])
        super().__init__([self.counts, filters, pager, self.list, self.detail, action_box,
                          self.claim_panel, self.buyer_report, reply_box])
        self._refresh()

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
                       search=self.search.value)

    @property
    def rows(self) -> pd.DataFrame:
        """The disputes currently listed, in display order (every filter applied)."""
        return self.queue.rows(self.filters)

    def _refresh(self) -> None:
        """A filter changed: count what matches, list its most urgent page."""
        rows = self.rows
        self._rows = rows
        n = self.queue.counts(rows)
        self.counts.value = (
            f"<b>{n.open} open</b> · OVERDUE {n.overdue} · due &lt;24 h {n.due_24h} · "
            f"due &lt;48 h {n.due_48h} · replies due today {n.replies_due} · "
            f"claims due {n.claims_due}")
        self.show_page(0)

    @property
    def pages(self) -> int:
        """How many pages the filtered queue has (at least 1, even when empty)."""
        return max(1, -(-len(self._rows) // PAGE_SIZE))

    def show_page(self, page: int) -> None:
        """List page ``page`` (0 = most urgent) of the filtered queue; select its first."""
        rows = self._rows
        self.page = min(max(page, 0), self.pages - 1)
        first = self.page * PAGE_SIZE
        shown = rows.iloc[first:first + PAGE_SIZE]
        self.page_label.value = (
            f"showing {first + 1:,}–{first + len(shown):,} of {len(rows):,}" if len(rows)
            else "showing 0 of 0")
        self.previous_button.disabled = self.page == 0
        self.next_button.disabled = self.page >= self.pages - 1
        # Only the columns a label shows, and only this page's rows: labelling every row
        # of a big queue was most of a redraw's time (bench/workbook.py).
        records = shown[[c for c in _LABEL_COLUMNS if c in shown]].to_dict("records")
        self.list.options = [(self._label(r), (r["store_id"], int(r["issue_id"])))
                             for r in records]
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
        """Show one dispute (re-read from the database even if it was already selected),
        turning to its page if it is listed on another."""
        if (store_id, issue_id) not in {value for _label, value in self.list.options}:
            at = ((self._rows["store_id"] == store_id)
                  & (self._rows["issue_id"] == issue_id)).to_numpy().nonzero()[0]
            if len(at):
                self.show_page(int(at[0]) // PAGE_SIZE)
        self.list.value = (store_id, issue_id)
        self._show_selected()

    def _show_selected(self) -> None:
        if self.list.value is None:
            self.detail.value = "<i>No open dispute matches.</i>"
            self.claim_panel.show(None, 0, "")
            return
        store_id, issue_id = self.list.value
        self.buyer_report.hide()  # a pack shown is the previous dispute's
        self.detail.value = self.detail_html(store_id, issue_id)
        self.claim_panel.show(store_id, issue_id, self._selected_class())
        self._remember(store_id, issue_id)
        self.amount.value = self._recommended_offer()
        self._draft(None)

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

    def _draft(self, lang: str | None) -> None:
        """Draft the selected dispute's next reply (``lang`` None: the buyer's language)."""
        if self.list.value is None:
            self.reply, self.reply_text.value = None, ""
            self.reply_status.value = ""
            return
        store_id, issue_id = self.list.value
        try:
            store = (self.stores or {}).get(store_id)
            reply = next_reply(self.db, store_id, issue_id, self._selected_class(), self.now,
                               lang=lang, overrides=self.overrides.get(store_id),
                               cost_model=store.triage.cost_model() if store else None,
                               advice=self._advice())
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
        if reply.due.step.channel is Channel.COUNTER_OFFER and reply.offer is not None:
            self.amount.value = float(reply.offer)  # the refusal sends what the draft says
        self.mark_sent.disabled = not reply.draft.ready
        due = f"{reply.due.due_at:%d %b %H:%M} UTC" if reply.due.due_at \
            else "when the parcel is back"
        status = (f"Step {reply.due.number}: {html.escape(reply.due.step.template)} · due {due}"
                  f" · buyer's language: {html.escape(LANGUAGE_NAMES[reply.suggested_lang])}")
        if reply.due.step.note:
            status += f"<br>{html.escape(reply.due.step.note)}"
        then = reply.following
        if then is not None:
            when = f"{then.due_at:%d %b %H:%M} UTC" if then.due_at else "when the parcel is back"
            status += (f"<br>Then step {then.number}: {html.escape(then.step.template)} · due "
                       f"{when}")
        if reply.buyer_answered:
            status += "<br>The buyer answered."
        if not reply.draft.ready:
            status += f"<br><b>{html.escape(reply.draft.text)}</b>"
        self.reply_status.value = status

    # -- acting ------------------------------------------------------------------------
    def _selected_row(self) -> pd.Series | None:
        if self.list.value is None:
            return None
        store_id, issue_id = self.list.value
        return self.queue.row(store_id, issue_id)

    def _ask(self, what: str, do: Callable[[], str]) -> None:
        """First click: say exactly what will be sent; the second click sends it."""
        row = self._selected_row()
        if row is None:
            self.action_status.value = "<i>Select a dispute first.</i>"
            return
        if self.actions_for is None:
            self._say_error("this workbook was opened read-only (no store connections): "
                            "open it with open_review(operator=...) to act")
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
        self.action_status.value = f"<b>{text}</b>"
        self.confirm_button.layout.display = None
        self.cancel_button.layout.display = None

    def _cancel(self) -> None:
        self._pending = None
        self.confirm_button.layout.display = "none"
        self.cancel_button.layout.display = "none"
        self.action_status.value = "<i>Nothing sent.</i>"

    def _confirm(self) -> None:
        if self._pending is None:
            return
        _what, do = self._pending
        self._cancel()
        try:
            said = do()
        except DisputeKitError as exc:  # words in the panel, never a traceback
            self._say_error(str(exc))
            return
        self.action_status.value = said
        row = self._selected_row()
        if row is not None:
            self._remember(str(row["store_id"]), int(row["issue_id"]))
            self.detail.value = self.detail_html(str(row["store_id"]), int(row["issue_id"]))

    def _outcome(self, outcome: ActionOutcome) -> str:
        when = utc_now().strftime("%H:%M")
        if outcome.status is ActionStatus.OK:
            return (f"✓ {html.escape(str(outcome.kind))} {when} by "
                    f"{html.escape(self.operator)} · AliExpress ok")
        if outcome.status is ActionStatus.UNKNOWN:
            return (f"<span style='color:#b26a00'>? {html.escape(outcome.message)} "
                    f"(action {outcome.action_id}: retry it from the journal)</span>")
        return f"<span style='color:#b00020'>✗ {html.escape(outcome.message)}</span>"

    def _actions(self) -> tuple[DisputeActions, int]:
        row = self._selected_row()
        assert row is not None and self.actions_for is not None
        return self.actions_for(str(row["store_id"])), int(row["issue_id"])

    def _do_refuse(self) -> str:
        actions, issue_id = self._actions()
        reply = self.reply
        ready = reply is not None and reply.draft is not None and reply.draft.ready
        reason = self.reason.value.strip() or (
            reply.draft.text if ready and reply and reply.draft else "")
        amount = Decimal(f"{self.amount.value:.2f}")
        # A drafted counter-offer names its amount: the refusal must send that one.
        offer = (reply.offer if ready and reply and reply.due is not None
                 and reply.due.step.channel is Channel.COUNTER_OFFER else None)
        if not self.reason.value.strip() and offer is not None and amount != offer:
            raise ActionError(f"the drafted reason offers {offer:.2f}, the offer field "
                              f"{amount:.2f}: set the offer to {offer:.2f}, or type your own "
                              "reason for this amount")
        return self._outcome(actions.refuse(issue_id, reason, amount))

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
        actions.note(issue_id, "snooze", {"until": until.isoformat()})
        self.action_status.value = f"✓ snoozed until {until:%d %b %H:%M} UTC"
        self.queue.snooze(actions.store.store_id, issue_id, until)
        self._refresh()

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

    def _guard(self, work: Callable[[], None]) -> None:
        if self._selected_row() is None:
            self.action_status.value = "<i>Select a dispute first.</i>"
            return
        if self.actions_for is None and work != self._do_reclass:
            self._say_error("this workbook was opened read-only (no store connections): "
                            "open it with open_review(operator=...) to act")
            return
        try:
            work()
        except DisputeKitError as exc:
            self._say_error(str(exc))

    def _open_report(self) -> None:
        """The report pack of the selected dispute, to file in Seller Center (no API does)."""
        row = self._selected_row()
        if row is None:
            self.action_status.value = "<i>Select a dispute first.</i>"
            return
        self.buyer_report.show(str(row["store_id"]), int(row["issue_id"]))

    def _redraw_detail(self) -> None:
        row = self._selected_row()
        if row is not None:
            self.detail.value = self.detail_html(str(row["store_id"]), int(row["issue_id"]))

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
        self.action_status.value = f"<span style='color:#b00020'>{html.escape(message)}</span>"

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

    def _mark(self, what: str) -> None:
        """Record that the buyer answered, or that the case is settled, then draft again."""
        if self.list.value is None:
            self.reply_status.value = "<i>Select a dispute first.</i>"
            return
        store_id, issue_id = self.list.value
        try:
            if what == "buyer_answered":
                mark_buyer_answered(self.db, store_id, issue_id, self.operator)
                said = "buyer's answer recorded"
            else:
                mark_settled(self.db, store_id, issue_id, self.operator, self.reason.value)
                said = "settled with the buyer"
        except DisputeKitError as exc:
            self.reply_status.value = f"<span style='color:#b00020'>{html.escape(str(exc))}</span>"
            return
        self._draft(self.reply_lang.value)
        self.reply_status.value = (f"✓ {html.escape(said)} by {html.escape(self.operator)}<br>"
                                   + self.reply_status.value)

    def detail_html(self, store_id: str, issue_id: int) -> str:
        row = self.frame[(self.frame["store_id"] == store_id)
                         & (self.frame["issue_id"] == issue_id)].iloc[0]
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
            ("Country", row.country), ("Reason", row.reason), ("Status", row.status),
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
        timeline = tracking_timeline(self.db, store_id, row.logistics_no) if row.logistics_no \
            else pd.DataFrame()
        # Each event says where it came from: the platform's, or 17TRACK's (the scans of the
        # destination's post the platform never shows).
        events = "".join(
            f"<li>{e(str(t.when))[:16]} — {e(t.event)} ({e(t.where)})"
            f" <span class='dk-source' title='tracking source'>· {e(t.source)}</span></li>"
            for t in timeline.itertuples()
        ) or "<li>no tracking events</li>"
        return (f"<table>{table}</table><p><b>Buyer wrote:</b> "
                f"<span style='white-space:pre-wrap'>{e(opening)}</span></p>"
                f"<p><b>Tracking {e(row.logistics_no)}</b></p><ul>{events}</ul>")


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
    # An operator may set their name once in their environment instead of in every notebook.
    operator = operator.strip() or os.environ.get("DISPUTEKIT_OPERATOR", "").strip()
    ws = workspace or Workspace.discover()
    stores = {s.store_id: s for s in load_all(ws.parameters_dir)}
    db = Database.open(ws.db_url)
    connections = StoreConnections(stores, db, operator)

    def release() -> None:
        connections.close()
        db.dispose()

    overrides = {sid: o for sid, s in stores.items()
                 if (o := reply_overrides(s, ws.parameters_dir)) is not None}
    return ReviewQueue(db, operator=operator, overrides=overrides, actions_for=connections,
                       stores=stores, on_close=release, data_dir=ws.data_dir)
