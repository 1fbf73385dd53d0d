"""The queue of open disputes across stores, most urgent first, as a DataFrame.

This is the read side the workbook and the reports share: it joins each open dispute with
its order and computes its deadline with ``deadlines`` (the pure rules), at a given ``now``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import DisputeRow, OrderRow, TrackingEventRow
from disputekit.adapters.parameters import StoreParameters
from disputekit.domain.deadlines import response_deadline
from disputekit.domain.privacy import mask_login
from disputekit.services.assessment import triage_open

QUEUE_COLUMNS = [
    "store_id", "issue_id", "parent_order_id", "order_id", "buyer", "country", "product",
    "amount_usd", "reason", "status", "carrier", "service", "service_kind", "logistics_no",
    "created_at", "due_at", "deadline_source", "hours_left", "urgency",
]
TRIAGE_COLUMNS = [
    "class", "rule_class", "confidence", "why", "recommended", "recommended_cost",
    "cost_currency", "intervention_at", "if_nobody_acts", "abuse_level", "overridden_by",
    "language", "options",
]


def open_disputes(
    db: Database, now: datetime, store_ids: Sequence[str] | None = None,
    stores: Mapping[str, StoreParameters] | None = None, *, triage: bool = True,
) -> pd.DataFrame:
    """Every dispute still ``processing``, sorted by deadline (none last), then age, with
    its class, confidence and recommended action (``stores`` give each its cost model)."""
    query = (
        select(DisputeRow, OrderRow)
        .join(OrderRow, (OrderRow.store_id == DisputeRow.store_id)
              & (OrderRow.order_id == DisputeRow.parent_order_id), isouter=True)
        .where(DisputeRow.issue_status == "processing")
        # A fixed order before the stable sort by deadline: ties come out the same on
        # SQLite and PostgreSQL (whose row order changes as rows are updated).
        .order_by(DisputeRow.store_id, DisputeRow.issue_id)
    )
    if store_ids:
        query = query.where(DisputeRow.store_id.in_(list(store_ids)))
    rows: list[dict[str, Any]] = []
    with db.session() as s:
        for dispute, order in s.execute(query).all():
            deadline = response_deadline(
                timeout_trigger_at=dispute.timeout_trigger_at,
                created_at=dispute.created_at,
                reverse_detail_status=dispute.reverse_detail_status,
                last_buyer_change_at=dispute.last_buyer_change_at,
                timeout_type=dispute.timeout_type,
            )
            left = deadline.hours_left(now)
            rows.append({
                "store_id": dispute.store_id,
                "issue_id": dispute.issue_id,
                "parent_order_id": dispute.parent_order_id,
                "order_id": dispute.order_id,
                "buyer": dispute.buyer_login_id,
                "country": order.buyer_country if order else "",
                "product": dispute.product_name,
                "amount_usd": float(dispute.refund_max_usd or dispute.product_price or 0),
                "reason": dispute.reason_english,
                "status": dispute.reverse_detail_status,
                "carrier": order.carrier if order else "",
                "service": order.service_name if order else "",
                "service_kind": order.service_kind if order else "",
                "logistics_no": order.logistics_no if order else "",
                "created_at": dispute.created_at,
                "due_at": deadline.due_at,
                "deadline_source": str(deadline.source),
                "hours_left": None if left is None else round(left, 1),
                "urgency": str(deadline.urgency(now)),
            })
    if triage:
        assessed = triage_open(db, now, store_ids, stores)
        for row in rows:
            key = (str(row["store_id"]), int(row["issue_id"]))
            row.update(_triage_columns(assessed.get(key, {})))
    frame = pd.DataFrame(rows, columns=QUEUE_COLUMNS + (TRIAGE_COLUMNS if triage else []))
    if frame.empty:
        return frame
    frame["due_at"] = pd.to_datetime(frame["due_at"], utc=True)
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame.sort_values(["due_at", "created_at"], na_position="last",
                             kind="stable").reset_index(drop=True)


def _triage_columns(result: Mapping[str, Any]) -> dict[str, Any]:
    if not result or "error" in result:
        return {"class": "unclassified", "why": result.get("error", "") if result else ""}
    chosen = next((o for o in result["options"]
                   if o["action"] == result["recommended_action"]), None)
    return {
        "class": result["class"], "rule_class": result["rule_class"],
        "confidence": result["confidence"], "why": "; ".join(result["reasons"]),
        "recommended": result["recommended_action"],
        "recommended_cost": chosen["expected_cost"] if chosen else None,
        "cost_currency": chosen["currency"] if chosen else "",
        "intervention_at": result["intervention_at"],
        "if_nobody_acts": " ".join(result["if_nobody_acts"]),
        "abuse_level": result["buyer_abuse"]["level"],
        "overridden_by": result.get("override", {}).get("by", ""),
        "language": result.get("language", ""),
        "options": " · ".join(f"{str(o['action']).replace('_', ' ')} {o['expected_cost']:.2f}"
                              for o in result["options"]),
    }


def counts_by(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Open disputes per value of ``column``, largest first (for the report tables)."""
    if frame.empty:
        return pd.DataFrame({column: [], "open disputes": []})
    counts = frame[column].replace("", "(none)").value_counts()
    return counts.rename_axis(column).reset_index(name="open disputes")


def masked(frame: pd.DataFrame) -> pd.DataFrame:
    """The same rows with buyer logins masked, for shared reports."""
    out = frame.copy()
    out["buyer"] = out["buyer"].map(mask_login)
    return out


def tracking_timeline(db: Database, store_id: str, logistics_no: str) -> pd.DataFrame:
    """The stored tracking events of one parcel, oldest first."""
    with db.session() as s:
        events = s.scalars(
            select(TrackingEventRow)
            .where(TrackingEventRow.store_id == store_id,
                   TrackingEventRow.logistics_no == logistics_no)
            .order_by(TrackingEventRow.seq)
        ).all()
        return pd.DataFrame([{
            "when": e.occurred_at, "event": e.description, "where": e.location,
            "code": e.action_code, "signed by": e.signed_name,
        } for e in events], columns=["when", "event", "where", "code", "signed by"])
