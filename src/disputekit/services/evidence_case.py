"""What a dispute's evidence case is: its facts as the sync stored them, its class (the
queue's, from :func:`disputekit.services.assessment.effective_class`), its checklist and
the buyer's language."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from disputekit.adapters.db.tables import OrderRow, ShipmentRow
from disputekit.adapters.parameters import StoreParameters
from disputekit.domain.evidence import AssessedItem, CaseFacts, Message, assess_checklist
from disputekit.domain.platform_time import parse_pacific
from disputekit.domain.replies import infer_language
from disputekit.domain.taxonomy import DisputeClass
from disputekit.domain.tracking import Timeline
from disputekit.errors import ActionError, EvidenceError, MalformedPayloadError
from disputekit.services.assessment import effective_class
from disputekit.services.cases import load_case
from disputekit.services.evidence_store import EvidenceStore, check_ids
from disputekit.services.shipments import timeline_of

__all__ = ["case_class", "case_facts", "checklist", "language", "message_time"]


def case_facts(evidence: EvidenceStore, store_id: str, issue_id: int) -> CaseFacts:
    """The dispute, its order and every parcel of the order, as the sync stored them."""
    # Checked before the query: PostgreSQL refuses some strings (a NUL byte) outright,
    # which would surface as a database error instead of "no such dispute".
    check_ids(store_id, issue_id)
    with evidence.db.session() as s:
        case = load_case(s, store_id, issue_id)
        if case is None:
            raise EvidenceError(f"dispute {issue_id} is not in store {store_id!r}'s "
                                "database; sync the store first, or check the id")
        dispute, order = case.dispute, case.order
        numbers = _order_numbers(order)
        # Every parcel of the order, not only the main one the case loader joins: a number
        # the seller declared but never shipped is itself evidence.
        shipments = {r.logistics_no: r for r in s.scalars(select(ShipmentRow).where(
            ShipmentRow.store_id == store_id,
            ShipmentRow.logistics_no.in_(numbers))).all()} if numbers else {}
        parcels = tuple(_timeline(n, shipments.get(n)) for n in numbers)
        receipt = (order.raw_json.get("receipt_address") or {}) if order else {}
        city = str(receipt.get("city") or "").strip()
        country = order.buyer_country if order else ""
        return CaseFacts(
            store_id=store_id, issue_id=issue_id, order_id=dispute.parent_order_id,
            buyer_login=dispute.buyer_login_id, buyer_country=country,
            destination=", ".join(p for p in (city, country) if p),
            product_name=dispute.product_name, product_price=dispute.product_price,
            refund_max_usd=dispute.refund_max_usd,
            refund_max_local=dispute.refund_max_local,
            local_currency=dispute.local_currency,
            order_total=order.order_amount if order else None,
            order_currency=order.order_currency if order else "",
            freight=order.freight_amount if order else None,
            reason=dispute.reason_english,
            status=dispute.reverse_detail_status or dispute.issue_status,
            opened_at=dispute.created_at,
            carrier=order.carrier if order else "",
            service=order.service_name if order else "",
            service_kind=order.service_kind if order else "",
            shipped_at=order.shipped_at if order else None,
            main_no=order.logistics_no if order else "",
            parcels=parcels,
            messages=_messages(dispute.detail_json),
            synced_at=dispute.synced_at,
        )


def case_class(evidence: EvidenceStore, store_id: str, issue_id: int,
                  now: datetime | None = None,
                  stores: Mapping[str, StoreParameters] | None = None) -> DisputeClass:
    """The dispute's class as the queue shows it (the one effective class: an operator's
    override wins, lane overrides of ``stores`` apply)."""
    check_ids(store_id, issue_id)
    try:
        return effective_class(evidence.db, store_id, issue_id, now, stores)
    except ActionError as exc:  # not stored: say it in the evidence's words
        raise EvidenceError(str(exc)) from None


def checklist(evidence: EvidenceStore, store_id: str, issue_id: int,
              dispute_class: DisputeClass | str | None = None, now: datetime | None = None,
              stores: Mapping[str, StoreParameters] | None = None) -> list[AssessedItem]:
    """The class's checklist, each item collected, missing or not applicable."""
    cls = DisputeClass(dispute_class) if dispute_class is not None \
        else case_class(evidence, store_id, issue_id, now, stores)
    facts = case_facts(evidence, store_id, issue_id)
    kinds = {i.kind for i in evidence.items(store_id, issue_id)}
    return assess_checklist(cls, kinds, facts)


def language(facts: CaseFacts) -> str:
    """The buyer's language (their words first, else their country's), for labels."""
    said = [m.text for m in facts.messages if m.member == "buyer" and m.text]
    return infer_language(facts.buyer_country, said)


def _order_numbers(order: OrderRow | None) -> list[str]:
    """Every tracking number on the order, the shipped one first, each once."""
    if order is None:
        return []
    numbers = [order.logistics_no] if order.logistics_no else []
    for entry in order.raw_json.get("logistic_info_list") or []:
        number = str((entry or {}).get("logistics_no") or "").strip()
        if number and number not in numbers:
            numbers.append(number)
    return numbers


def _timeline(number: str, shipment: ShipmentRow | None) -> Timeline:
    if shipment is None:
        return Timeline(logistics_no=number, source="aliexpress")
    return timeline_of(number, shipment.events_json)


def message_time(text: Any) -> datetime | None:
    """A time as the platform's payloads write it (Pacific), or None when unreadable."""
    try:
        return parse_pacific(str(text)) if text else None
    except MalformedPayloadError:
        return None


def _messages(detail: dict[str, Any]) -> tuple[Message, ...]:
    out = []
    for step in detail.get("process_dto_list") or []:
        if not isinstance(step, dict):
            continue
        member = str(step.get("submit_member_type") or "")
        video = bool(step.get("has_buyer_video")) if member == "buyer" else \
            bool(step.get("has_seller_video")) if member == "seller" else False
        out.append(Message(at=message_time(step.get("gmt_create")), member=member,
                           action=str(step.get("action_type") or ""),
                           text=str(step.get("content") or ""),
                           attachments=len(step.get("attachments") or []), video=video))
    return tuple(out)

