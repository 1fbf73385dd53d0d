"""Snapshots of what the sync already holds, as evidence: the parcel's tracking, the
delivery scan and signatory, the order's shipping record, the buyer's attachments, the
dispute's history. One JSON file each, refreshed in place when the data changed; no network
call."""

from __future__ import annotations

from typing import Any

from disputekit.adapters.db.tables import OrderRow
from disputekit.domain.evidence import CaseFacts, EvidenceKind, deciding_fact
from disputekit.domain.platform_time import utc_now
from disputekit.domain.tracking import Timeline
from disputekit.errors import EvidenceError
from disputekit.services.cases import load_case
from disputekit.services.evidence_case import case_facts, message_time
from disputekit.services.evidence_store import EvidenceItem, EvidenceStore, who_adds

__all__ = ["collect_from_api"]


def collect_from_api(evidence: EvidenceStore, store_id: str, issue_id: int,
                     added_by: str = "disputekit") -> list[EvidenceItem]:
    """Snapshot what the sync holds for the dispute as evidence. Returns the items now
    collected from the API."""
    facts = case_facts(evidence, store_id, issue_id)
    who = who_adds(added_by)
    with evidence.db.session() as s:
        case = load_case(s, store_id, issue_id)
        if case is None:  # removed since the facts were read
            raise EvidenceError(f"dispute {issue_id} is not in store {store_id!r}'s "
                                "database; sync the store first, or check the id")
        detail = dict(case.dispute.detail_json)
        raw_order = dict(case.order.raw_json) if case.order is not None else None
        order_fields = _order_fields(case.order) if case.order is not None else None
    snapshots = _api_snapshots(facts, detail, raw_order, order_fields)
    return [evidence.put_snapshot(store_id, issue_id, kind, content, who)
            for kind, content in snapshots.items()]


def _order_fields(order: OrderRow) -> dict[str, Any]:
    return {"order_id": order.order_id, "carrier": order.carrier,
            "service_name": order.service_name, "service_code": order.service_code,
            "service_kind": order.service_kind, "shipped_at": order.shipped_at,
            "currency": order.order_currency, "freight": order.freight_amount,
            "order_total": order.order_amount}


def _event_json(timeline: Timeline) -> list[dict[str, Any]]:
    # Each scan says where it came from once 17TRACK's tracking is merged in.
    return [{"at": e.at, "place": e.location, "event": e.description, "action_code": e.stage,
             "signed_by": e.signed_by, "source": e.source or timeline.source}
            for e in timeline.events]


def _api_snapshots(facts: CaseFacts, detail: dict[str, Any], raw_order: dict[str, Any] | None,
                   order: dict[str, Any] | None) -> dict[EvidenceKind, dict[str, Any]]:
    """What the API gave, one JSON document per checklist item it covers."""
    out: dict[EvidenceKind, dict[str, Any]] = {}
    parcel = facts.main_parcel
    source = "aliexpress.logistics.redefining.querytrackingresult"
    if parcel is not None and "17track" in parcel.source:
        source += " + 17TRACK gettrackinfo"
    if parcel is not None and parcel.events:
        out[EvidenceKind.TRACKING_TIMELINE] = {
            "kind": "tracking_timeline", "source": source, "logistics_no": parcel.logistics_no,
            "carrier": facts.carrier, "service": facts.service, "status": parcel.sub_status,
            "events": _event_json(parcel), "times": "UTC"}
        if parcel.delivered:
            fact = deciding_fact(parcel, facts.synced_at or utc_now())
            event = parcel.events[fact.event_index] if fact.event_index is not None else None
            out[EvidenceKind.SIGNATURE_PROOF] = {
                "kind": "signature_proof", "source": source,
                "logistics_no": parcel.logistics_no, "delivered_at": fact.at,
                "place": fact.place, "signed_by": parcel.signed_by,
                "action_code": event.stage if event else "",
                "event": event.description if event else "", "times": "UTC",
                "order_destination": facts.destination}
    if order is not None and raw_order is not None:
        lines = []
        by_number = {p.logistics_no: p for p in facts.parcels}
        for entry in raw_order.get("logistic_info_list") or []:
            number = str((entry or {}).get("logistics_no") or "")
            timeline = by_number.get(number)
            lines.append({
                "logistics_no": number,
                "service": entry.get("logistics_service_name", ""),
                "sent_at": message_time(entry.get("gmt_send")),
                "receive_status": entry.get("receive_status", ""),
                "carrier_scans": len(timeline.events) if timeline else 0,
                "last_scan_at": timeline.last_event.at if timeline and timeline.last_event
                else None,
                "never_scanned": number in facts.unshipped_numbers})
        out[EvidenceKind.SHIPPING_RECORD] = {
            "kind": "shipping_record", "source": "aliexpress.solution.order.info.get",
            **order, "destination": facts.destination, "tracking_numbers": lines,
            "weight_grams": None, "postage_deducted": None,
            "note": "weight and postage deducted are not provided by the API: attach the "
                    "logistics order record as postage_record", "times": "UTC"}
    buyer_files = [
        {"url": a.get("file_path", ""), "at": message_time(a.get("gmt_create")),
         "step": step.get("action_type", "")}
        for step in detail.get("process_dto_list") or [] if isinstance(step, dict)
        for a in step.get("attachments") or []
        if isinstance(a, dict) and (a.get("owner") or step.get("submit_member_type")) == "buyer"]
    if buyer_files:
        out[EvidenceKind.BUYER_MEDIA] = {
            "kind": "buyer_media", "source": "aliexpress.issue.detail.get",
            "attachments": buyer_files, "buyer_video": facts.buyer_video,
            "note": "attachment URLs as the platform lists them; videos are not readable "
                    "through the API", "times": "UTC"}
    if facts.messages:
        out[EvidenceKind.MESSAGE_HISTORY] = {
            "kind": "message_history", "source": "aliexpress.issue.detail.get",
            "steps": [{"at": m.at, "member": m.member, "action": m.action, "text": m.text,
                       "attachments": [a.get("file_path", "") for a in step.get("attachments")
                                       or [] if isinstance(a, dict)],
                       "video": m.video}
                      for m, step in zip(facts.messages,
                                         [p for p in detail.get("process_dto_list") or []
                                          if isinstance(p, dict)], strict=True)],
            "times": "UTC"}
    return out

