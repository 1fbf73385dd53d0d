"""Report a buyer to the platform: the pack assembled from what the sync stored, and the
filing recorded once the operator has filed it in Seller Center.

No API files the report (``reference/aliexpress-api.md`` §0, §4: the dispute methods are
list, detail, agree, save and image upload), so "Report buyer" is three things: the pack
(:func:`report_pack`: the buyer's demands quoted with their dates from every dispute of
theirs in the store, the order, the evidence held, the text to paste, where to file it),
the filing marked by the operator (:func:`mark_filed`, a ``buyer_reports`` row), and the
shared blocklist entry that protects the seller's other stores, added with the filing.

The buyer's words are read and returned, never logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select

from disputekit.adapters.db.database import Database, upsert
from disputekit.adapters.db.tables import (
    BlocklistRow,
    BuyerReportRow,
    DisputeRow,
    OrderRow,
    StoreRow,
)
from disputekit.domain.buyer_report import (
    BuyerStatement,
    EvidenceLine,
    OrderItem,
    OrderSummary,
    ReportPack,
    buyer_statements,
    in_order,
    when,
)
from disputekit.domain.buyers import normalise_login
from disputekit.domain.evidence import ItemState
from disputekit.domain.platform_time import utc_now
from disputekit.domain.tracking import Timeline
from disputekit.errors import ActionError
from disputekit.services.cases import load_case
from disputekit.services.evidence_case import case_facts, checklist, message_time
from disputekit.services.evidence_store import EvidenceItem, EvidenceStore, check_ids

__all__ = ["FiledReport", "mark_filed", "report_pack", "reported_at", "reported_on"]

Key = tuple[str, int]


@dataclass(frozen=True)
class FiledReport:
    """One filing as recorded (``buyer_reports``)."""

    store_id: str
    issue_id: int
    buyer_login_id: str
    operator: str
    filed_at: datetime
    blocklisted: bool  # the buyer was added to the shared blocklist by this filing


def report_pack(evidence: EvidenceStore, store_id: str, issue_id: int) -> ReportPack:
    """The report pack of one stored dispute. ``ActionError`` when it is not stored."""
    check_ids(store_id, issue_id)
    db = evidence.db
    with db.session() as s:
        case = load_case(s, store_id, issue_id)
        if case is None:
            raise ActionError(f"dispute {issue_id} is not in store {store_id!r}'s database; "
                              "sync the store first, or check the id")
        dispute, order = case.dispute, case.order
        login = dispute.buyer_login_id
        store = s.get(StoreRow, store_id)
        theirs = s.scalars(select(DisputeRow).where(
            func.lower(func.trim(DisputeRow.buyer_login_id)) == login.strip().lower(),
        ).order_by(DisputeRow.store_id, DisputeRow.issue_id)).all()
        # SQL lower() folds ASCII only: the login is matched exactly as the blocklist keys it.
        theirs = [d for d in theirs
                  if normalise_login(d.buyer_login_id) == normalise_login(login)]
        statements: list[BuyerStatement] = []
        for other in theirs:
            if other.store_id == store_id:
                statements += buyer_statements(_history(other.detail_json), other.issue_id,
                                               other.parent_order_id)
        others = tuple((d.store_id, d.parent_order_id) for d in theirs
                       if (d.store_id, d.issue_id) != (store_id, issue_id))
        filed = tuple(s.scalars(select(BuyerReportRow.filed_at).where(
            BuyerReportRow.store_id == store_id, BuyerReportRow.issue_id == issue_id,
        ).order_by(BuyerReportRow.filed_at, BuyerReportRow.id)).all())
        summary = _order_summary(dispute, order)
        reason, opened_at = dispute.reason_english, dispute.created_at
        store_name = store.name if store is not None else ""
    facts = case_facts(evidence, store_id, issue_id)
    parcel = facts.main_parcel
    if parcel is not None:
        summary = _with_delivery(summary, parcel)
    return ReportPack(
        store_id=store_id, store_name=store_name, issue_id=issue_id, buyer_login_id=login,
        reason=reason, opened_at=opened_at, order=summary, statements=in_order(statements),
        evidence=_evidence(evidence, store_id, issue_id, facts.messages),
        other_disputes=others, filed_at=filed)


def mark_filed(db: Database, store_id: str, issue_id: int, operator: str,
               now: datetime | None = None) -> FiledReport:
    """Record that ``operator`` filed the report in Seller Center, and put the buyer on the
    shared blocklist (kept as it is when they already are on it)."""
    check_ids(store_id, issue_id)
    if not operator.strip():
        raise ActionError("marking a report filed needs who filed it: open the workbook "
                          "with open_review(operator=...)")
    now = now or utc_now()
    with db.session() as s:
        dispute = s.get(DisputeRow, (store_id, issue_id))
        if dispute is None:
            raise ActionError(f"dispute {issue_id} is not in store {store_id!r}'s database; "
                              "sync the store first, or check the id")
        login = dispute.buyer_login_id.strip()
        s.add(BuyerReportRow(store_id=store_id, issue_id=issue_id, buyer_login_id=login,
                             operator=operator.strip(), filed_at=now))
        listed = {normalise_login(b) for b in s.scalars(select(BlocklistRow.buyer_login_id))}
        added = normalise_login(login) not in listed
        if added:
            upsert(s, BlocklistRow, [{
                "buyer_login_id": login, "added_by": operator.strip(), "added_at": now,
                "why": f"reported to AliExpress on {when(now, time=False)} "
                       f"(store {store_id}, order {dispute.parent_order_id})"}])
    return FiledReport(store_id, issue_id, login, operator.strip(), now, added)


def reported_on(db: Database) -> dict[Key, datetime]:
    """When each dispute's buyer was last reported (the latest filing per dispute)."""
    with db.session() as s:
        rows = s.execute(select(BuyerReportRow.store_id, BuyerReportRow.issue_id,
                                func.max(BuyerReportRow.filed_at))
                         .group_by(BuyerReportRow.store_id, BuyerReportRow.issue_id)).all()
    return {(store_id, int(issue_id)): at for store_id, issue_id, at in rows}


# -- the parts of the pack -------------------------------------------------------------


def _history(detail: Mapping[str, Any]) -> list[tuple[datetime | None, str, str]]:
    """``(at, member, text)`` of each step of a stored detail's history."""
    out = []
    for step in detail.get("process_dto_list") or []:
        if isinstance(step, dict):
            out.append((message_time(step.get("gmt_create")),
                        str(step.get("submit_member_type") or ""),
                        str(step.get("content") or "")))
    return out


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _order_summary(dispute: DisputeRow, order: OrderRow | None) -> OrderSummary:
    """The order as the platform stated it; the disputed line alone when the order was not
    synced."""
    if order is None:
        return OrderSummary(dispute.parent_order_id, None, (OrderItem(
            dispute.product_name, 1, dispute.product_price, "USD"),), None, "")
    items = []
    for line in order.raw_json.get("child_order_list") or []:
        if not isinstance(line, dict):
            continue
        given = line.get("product_price")
        price: dict[str, Any] = given if isinstance(given, dict) else {}
        try:
            count = int(line.get("product_count") or 1)
        except (TypeError, ValueError):
            count = 1
        items.append(OrderItem(str(line.get("product_name") or ""), count,
                               _decimal(price.get("amount")),
                               str(price.get("currency_code") or "")))
    if not items:
        items.append(OrderItem(dispute.product_name, 1, dispute.product_price, "USD"))
    return OrderSummary(order.order_id, order.created_at, tuple(items), order.order_amount,
                        order.order_currency, logistics_no=order.logistics_no)


def _with_delivery(summary: OrderSummary, parcel: Timeline) -> OrderSummary:
    if not parcel.delivered:
        return summary
    scans = [e for e in parcel.events if e.sub_status.startswith("Delivered")]
    scan = scans[-1] if scans else parcel.last_event
    at = scan.at if scan is not None else None
    return OrderSummary(summary.order_id, summary.placed_at, summary.items, summary.amount,
                        summary.currency, at, parcel.signed_by,
                        summary.logistics_no or parcel.logistics_no)


def _evidence(evidence: EvidenceStore, store_id: str, issue_id: int,
              messages: tuple[Any, ...]) -> tuple[EvidenceLine, ...]:
    """The class's checklist as it stands, each collected item with its stored files, and
    what the buyer attached in the dispute (the platform holds it too)."""
    stored: dict[str, list[EvidenceItem]] = {}
    for item in evidence.items(store_id, issue_id):
        stored.setdefault(str(item.kind), []).append(item)
    lines = [EvidenceLine("dispute history", "on the dispute's page (the platform holds it)")]
    attached = sum(m.attachments for m in messages if m.member == "buyer")
    if attached:
        lines.append(EvidenceLine("the buyer's own photos", f"{attached} attached to the "
                                  "dispute by the buyer"))
    listed: set[str] = set()
    for assessed in checklist(evidence, store_id, issue_id):
        kind = str(assessed.kind)
        if assessed.state is ItemState.NOT_APPLICABLE:
            continue
        listed.add(kind)
        if assessed.state is ItemState.MISSING or kind not in stored:
            lines.append(EvidenceLine(_label(kind), f"missing: {assessed.note}".rstrip(": ")))
        else:
            lines.append(EvidenceLine(_label(kind), _files(stored[kind])))
    lines += [EvidenceLine(_label(kind), _files(items)) for kind, items in stored.items()
              if kind not in listed]
    return tuple(lines)


def _label(kind: str) -> str:
    return kind.replace("_", " ")


def _files(items: list[EvidenceItem]) -> str:
    """``2 files, uploaded to the dispute 03 Dec 2026`` and the like."""
    uploaded = [i.uploaded_at for i in items if i.uploaded_at is not None]
    text = f"{len(items)} file{'s' if len(items) > 1 else ''} stored"
    if uploaded:
        text += f", uploaded to the dispute {when(max(uploaded), time=False)}"
    return text


def reported_at(db: Database, store_id: str, issue_id: int) -> datetime | None:
    """When this dispute's buyer was last reported to the platform, or None."""
    with db.session() as s:
        return s.scalar(select(func.max(BuyerReportRow.filed_at)).where(
            BuyerReportRow.store_id == store_id, BuyerReportRow.issue_id == issue_id))
