"""The "Report buyer" panel of the review queue: the report pack to file in Seller Center,
a Copy button for its text, and "Mark filed" once it is filed.

Wiring only: :mod:`disputekit.services.buyer_report` assembles the pack and records the
filing. Every piece of buyer text is escaped before it reaches the HTML; the Copy button's
script is fixed text that reads the (escaped) text area, so no buyer word is ever code.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets

from disputekit.adapters.db.database import Database
from disputekit.domain.buyer_report import WHERE_TO_FILE_CONFIDENCE, ReportPack, when
from disputekit.errors import DisputeKitError
from disputekit.services.buyer_report import FiledReport, mark_filed, report_pack
from disputekit.services.evidence_store import EvidenceStore

__all__ = ["BuyerReportPanel", "pack_html"]

# Copies the text area next to it: the Clipboard API where the page allows it (loopback
# is a secure context), else the older select-and-copy.
_COPY_SCRIPT = (
    "const t=this.parentElement.querySelector('textarea');t.select();"
    "const done=()=>{this.textContent='Copied';};"
    "if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(t.value)"
    ".then(done,()=>{document.execCommand('copy');done();});}"
    "else{document.execCommand('copy');done();}")


class BuyerReportPanel(widgets.VBox):  # type: ignore[misc]
    """Hidden until :meth:`show` is called with a dispute; ``on_filed`` runs after a filing
    is recorded (the queue redraws the dispute's detail with it)."""

    def __init__(self, db: Database, *, operator: str = "", data_dir: Path | None = None,
                 on_filed: Callable[[FiledReport], None] | None = None) -> None:
        self.db = db
        self.operator = operator
        # The pack lists what the evidence table holds and never opens a file, so the
        # folder only matters to an EvidenceStore that would.
        self.evidence = EvidenceStore(db, data_dir if data_dir is not None else Path("data"))
        self.on_filed = on_filed
        self.pack: ReportPack | None = None
        self.view = widgets.HTML()
        self.mark_filed_button = widgets.Button(
            description="Mark filed", icon="check", button_style="warning",
            layout=widgets.Layout(width="auto"),
            tooltip="After filing the report in Seller Center: records it and blocklists "
                    "the buyer in every store")
        self.hide_button = widgets.Button(description="Hide report",
                                          layout=widgets.Layout(width="auto"))
        self.status = widgets.HTML()
        self.mark_filed_button.on_click(lambda _b: self._mark_filed())
        self.hide_button.on_click(lambda _b: self.hide())
        super().__init__([self.view, widgets.HBox([self.mark_filed_button, self.hide_button]),
                          self.status],
                         layout=widgets.Layout(display="none", border="1px solid #c77",
                                               padding="6px"))

    def show(self, store_id: str, issue_id: int) -> None:
        """Assemble and show the report pack of one dispute (nothing is sent or written)."""
        self.status.value = ""
        try:
            self.pack = report_pack(self.evidence, store_id, issue_id)
        except DisputeKitError as exc:
            self.pack = None
            self.view.value = ""
            self.status.value = _error(str(exc))
        else:
            self.view.value = pack_html(self.pack)
        self.mark_filed_button.disabled = self.pack is None
        self.layout.display = None

    def hide(self) -> None:
        self.pack = None
        self.layout.display = "none"

    def _mark_filed(self) -> None:
        pack = self.pack
        if pack is None:
            return
        try:
            filed = mark_filed(self.db, pack.store_id, pack.issue_id, self.operator)
        except DisputeKitError as exc:
            self.status.value = _error(str(exc))
            return
        self.show(pack.store_id, pack.issue_id)  # the pack now says when it was filed
        listed = ("added to the blocklist of every store" if filed.blocklisted
                  else "already on the blocklist")
        self.status.value = (f"✓ report marked filed {when(filed.filed_at)} by "
                             f"{html.escape(filed.operator)}; buyer {listed}")
        if self.on_filed is not None:
            self.on_filed(filed)


def _error(message: str) -> str:
    return f"<span style='color:#b00020'>{html.escape(message)}</span>"


def pack_html(pack: ReportPack) -> str:
    """The pack as the operator reads it: where to file, the demands, the order, the
    evidence, the text to paste with a Copy button. All of it escaped."""
    e = html.escape
    order = pack.order
    filed = (f"<p style='color:#1b5e20'><b>Reported to AliExpress on "
             f"{e(when(pack.filed_at[-1]))}</b>"
             + (f" ({len(pack.filed_at)} filings)" if len(pack.filed_at) > 1 else "")
             + "</p>") if pack.filed_at else ""
    steps = "".join(f"<li>{e(step)}</li>" for step in pack.steps)
    said = "".join(
        f"<tr><td style='white-space:nowrap'>{e(when(s.at))}</td>"
        f"<td>{s.order_id}{'' if s.issue_id == pack.issue_id else ' (other dispute)'}</td>"
        f"<td style='white-space:pre-wrap'>{'<b>' if s.is_demand else ''}{e(s.text)}"
        f"{'</b>' if s.is_demand else ''}</td><td>{e(s.what)}</td></tr>"
        for s in pack.statements) or "<tr><td colspan='4'>the buyer wrote nothing</td></tr>"
    items = "".join(
        f"<li>{e(i.name)} × {i.quantity}"
        + (f" — {i.price:.2f} {e(i.currency)}" if i.price is not None else "") + "</li>"
        for i in order.items)
    amount = f"{order.amount:.2f} {e(order.currency)}" if order.amount is not None \
        else "unknown"
    delivered = (f"<p>Delivered {e(when(order.delivered_at, time=False))}"
                 + (f", signed for by {e(order.signed_by)}" if order.signed_by else "")
                 + "</p>") if order.delivered_at is not None or order.signed_by else ""
    evidence = "".join(f"<li><b>{e(line.what)}</b>: {e(line.state)}</li>"
                       for line in pack.evidence)
    others = ", ".join(f"{e(store)} {order_id}" for store, order_id in pack.other_disputes)
    return (
        f"<h4>Report buyer {e(pack.buyer_login_id)} to AliExpress</h4>{filed}"
        "<p>No API files this report: file it by hand in Seller Center, then mark it filed."
        f"</p><b>Where to file it</b><ol>{steps}</ol><p><i>{e(WHERE_TO_FILE_CONFIDENCE)}"
        "</i></p>"
        f"<b>What the buyer wrote</b> (demands in bold)<table><tr><th>when</th><th>order</th>"
        f"<th>words</th><th>what it does</th></tr>{said}</table>"
        + (f"<p>Other disputes of this buyer: {others}</p>" if others else "")
        + f"<b>Order {order.order_id}</b> · placed {e(when(order.placed_at, time=False))} · "
        f"total {amount}<ul>{items}</ul>{delivered}"
        f"<p><b>Evidence</b></p><ul>{evidence}</ul>"
        "<div class='dk-report-text'><b>Text to paste into the report form</b> "
        f"<button type='button' class='dk-copy' onclick=\"{e(_COPY_SCRIPT)}\">Copy</button><br>"
        "<textarea readonly rows='16' style='width:100%;font-family:monospace'>"
        f"{e(pack.text)}</textarea></div>")
