"""The ``summary.html`` of a dispute's evidence zip, and the export that includes it.

:func:`disputekit.services.evidence_export.export_zip` takes the summary writer as an
argument (services draw nothing); :func:`export_case_zip` hands it this one.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from disputekit.adapters.parameters import StoreParameters
from disputekit.domain.evidence import (
    AssessedItem,
    CaseFacts,
    EvidenceKind,
    EvidenceSource,
    ItemState,
    deciding_fact,
)
from disputekit.domain.privacy import mask_login
from disputekit.domain.taxonomy import DisputeClass
from disputekit.render.evidence_labels import fact_text, label
from disputekit.services.evidence_export import ExportedFile, export_zip
from disputekit.services.evidence_store import EvidenceStore

__all__ = ["export_case_zip", "summary_html"]


def export_case_zip(evidence: EvidenceStore, store_id: str, issue_id: int,
                    target_dir: Path | str, *, dispute_class: DisputeClass | str | None = None,
                    now: datetime | None = None,
                    stores: Mapping[str, StoreParameters] | None = None) -> Path:
    """The dispute's zip with this module's ``summary.html`` (see
    :func:`disputekit.services.evidence_export.export_zip`)."""
    return export_zip(evidence, store_id, issue_id, target_dir, summarize=summary_html,
                      dispute_class=dispute_class, now=now, stores=stores)


_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#1a1a1a}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}
th,td{border:1px solid #ccd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eef1f6}.fact{background:#fff1c2;border:2px solid #d08c00;padding:.8em;
font-weight:bold}.alert{background:#fde2e1}img{max-width:100%;
border:1px solid #ccd;margin:.5em 0}code{font-size:.9em}"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def summary_html(facts: CaseFacts, cls: DisputeClass, assessed: Sequence[AssessedItem],
                 contents: Sequence[ExportedFile], now: datetime) -> str:
    """The zip's ``summary.html``: the case, the evidence included and why it matters, the
    files with their hashes, the rendered images, the tracking and the dispute's history.
    Outward-facing (a case officer reads it): every text is escaped, the login masked."""
    parcel = facts.main_parcel
    fact = deciding_fact(parcel, now)

    def money(amount: Decimal | None, currency: str) -> str:
        return f"{amount:.2f} {currency}" if amount is not None else "?"

    rows = [
        ("Store", facts.store_id), ("Dispute", facts.issue_id), ("Order", facts.order_id),
        ("Buyer", f"{mask_login(facts.buyer_login)} ({facts.buyer_country})"),
        ("Product", facts.product_name), ("Price", money(facts.product_price, "USD")),
        ("Order total", money(facts.order_total, facts.order_currency)),
        ("Shipping paid by the buyer", money(facts.freight, facts.order_currency)),
        ("Refund asked (maximum)", money(facts.refund_max_usd, "USD")
         + (f" / {money(facts.refund_max_local, facts.local_currency)}"
            if facts.refund_max_local is not None else "")),
        ("Reason given", facts.reason), ("Status", facts.status),
        ("Opened", facts.opened_at.strftime("%Y-%m-%d %H:%M UTC") if facts.opened_at else "?"),
        ("Situation", label("en", f"class_{cls.value}")),
        ("Carrier / service", f"{facts.carrier} / {facts.service} ({facts.service_kind})"),
        ("Tracking number", facts.main_no),
        ("Shipped", facts.shipped_at.strftime("%Y-%m-%d %H:%M UTC") if facts.shipped_at
         else "?"),
        ("Weight / postage deducted", "not provided by the API" + (
            "; see the attached postage record" if any(
                item.kind is EvidenceKind.POSTAGE_RECORD for _n, item, _d in contents)
            else "")),
    ]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>Dispute {_e(facts.issue_id)}: evidence</title><style>{_CSS}</style>",
           "</head><body>",
           f"<h1>Dispute {_e(facts.issue_id)} · order {_e(facts.order_id)}</h1>",
           f'<p class="fact">{_e(fact_text(fact, "en"))}</p>']
    for number in facts.unshipped_numbers:
        out.append(f'<p class="fact alert">Also on this order: {_e(number)}, never scanned by '
                   "the carrier (declared, not shipped).</p>")
    out.append("<h2>Case</h2><table>")
    out += [f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows]
    # Outward-facing: what is here and why it matters. What is missing stays in the
    # manifest's checklist (the seller's working notes), not in front of a case officer.
    out.append("</table><h2>Evidence included</h2><table><tr><th>Item</th>"
               "<th>Why it matters</th></tr>")
    for a in assessed:
        if a.state is ItemState.COLLECTED:
            out.append(f"<tr><td>{_e(a.kind.value.replace('_', ' '))}</td>"
                       f"<td>{_e(a.item.why)}</td></tr>")
    out.append("</table><h2>Files</h2><table><tr><th>File</th><th>Kind</th><th>Source</th>"
               "<th>Type</th><th>Size</th><th>SHA-256</th><th>Original name</th>"
               "<th>Uploaded</th></tr>")
    for name, item, _data in contents:
        uploaded = item.uploaded_at.strftime("%Y-%m-%d %H:%M UTC") if item.uploaded_at else ""
        out.append(f'<tr><td><a href="{_e(name)}">{_e(name)}</a></td><td>{_e(item.kind)}</td>'
                   f"<td>{_e(item.source)}</td><td>{_e(item.media_type)}</td>"
                   f"<td>{item.size:,} B</td><td><code>{_e(item.sha256)}</code></td>"
                   f"<td>{_e(item.original_name)}</td><td>{_e(uploaded)}</td></tr>")
    out.append("</table>")
    images = [(name, item) for name, item, _d in contents
              if item.source is EvidenceSource.RENDERED]
    if images:
        out.append("<h2>Rendered images</h2>")
        out += [f'<p><img src="{_e(name)}" alt="{_e(item.kind)}"></p>' for name, item in images]
    if parcel is not None and parcel.events:
        out.append(f"<h2>Tracking {_e(parcel.logistics_no)} (UTC, newest first)</h2><table>"
                   "<tr><th>Date</th><th>Place</th><th>Event</th><th>Code</th></tr>")
        for event in reversed(parcel.events):
            when = event.at.strftime("%Y-%m-%d %H:%M") if event.at else "?"
            out.append(f"<tr><td>{_e(when)}</td><td>{_e(event.location)}</td>"
                       f"<td>{_e(event.description)}</td><td>{_e(event.stage)}</td></tr>")
        out.append("</table>")
    if facts.messages:
        out.append("<h2>Dispute history</h2><table><tr><th>Date (UTC)</th><th>Who</th>"
                   "<th>Step</th><th>Text</th><th>Attachments</th></tr>")
        for m in facts.messages:
            when = m.at.strftime("%Y-%m-%d %H:%M") if m.at else "?"
            out.append(f"<tr><td>{_e(when)}</td><td>{_e(m.member)}</td><td>{_e(m.action)}</td>"
                       f"<td>{_e(m.text)}</td><td>{m.attachments}"
                       f"{' + video' if m.video else ''}</td></tr>")
        out.append("</table>")
    out.append(f"<p><small>Exported {_e(now.strftime('%Y-%m-%d %H:%M UTC'))} by disputekit. "
               "Times are UTC. The buyer's login is masked.</small></p></body></html>")
    return "\n".join(out)
