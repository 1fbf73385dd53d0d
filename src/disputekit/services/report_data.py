"""The frames the report figures are computed from (``kpis`` input contracts), read from
the database: every order of the last months, every dispute with its effective class and
outcome, every carrier claim."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ActionRow, ClaimRow, DisputeRow, OrderLineRow
from disputekit.adapters.parameters import StoreParameters
from disputekit.domain.kpis import CLAIM_COLUMNS, DISPUTE_COLUMNS, ORDER_COLUMNS
from disputekit.domain.taxonomy import DisputeClass
from disputekit.services.assessment import triage_open
from disputekit.services.cases import load_cases

if TYPE_CHECKING:
    from disputekit.domain.kpis.columnar import Figures

# Statuses at which the buyer got money back (reference §5).
REFUNDED = frozenset({"refund_success", "return_success"})


def orders_frame(db: Database, store_ids: Sequence[str] | None = None) -> pd.DataFrame:
    with db.session() as s:
        # Ordered: a frame's rows come out the same on SQLite and PostgreSQL.
        query = select(OrderLineRow).order_by(OrderLineRow.store_id, OrderLineRow.order_id)
        if store_ids:
            query = query.where(OrderLineRow.store_id.in_(list(store_ids)))
        rows = s.scalars(query).all()
    frame = pd.DataFrame([{
        "store_id": r.store_id, "order_id": r.order_id, "created_at": r.created_at,
        "status": r.status, "finished_at": pd.NaT, "country": r.country, "carrier": r.carrier,
        "service_kind": r.service_kind, "product_id": r.product_id,
        "product_name": r.product_name,
        "amount_usd": float(r.amount_usd) if r.amount_usd is not None else None,
        "shipped": r.shipped_at is not None,
    } for r in rows], columns=list(ORDER_COLUMNS))
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["finished_at"] = pd.to_datetime(frame["finished_at"], utc=True)
    return frame


def disputes_frame(db: Database, now: datetime, store_ids: Sequence[str] | None = None,
                   stores: Mapping[str, StoreParameters] | None = None) -> pd.DataFrame:
    """Every stored dispute with its effective class (operators' overrides win)."""
    assessed = triage_open(db, now, store_ids, stores, open_only=False)
    with db.session() as s:
        cases = load_cases(s, store_ids)
        resends = {(a.store_id, a.issue_id) for a in s.scalars(
            select(ActionRow).where(ActionRow.kind == "resend"))}
    records = []
    for case in cases:
        dispute, order = case.dispute, case.order
        result = assessed.get((dispute.store_id, dispute.issue_id), {})
        code = result.get("class", "")
        reached = _reached(dispute.detail_json)
        records.append({
            "store_id": dispute.store_id, "issue_id": dispute.issue_id,
            "parent_order_id": dispute.parent_order_id, "created_at": dispute.created_at,
            "issue_status": dispute.issue_status,
            "reverse_detail_status": dispute.reverse_detail_status,
            "reached_type": reached.get("reached_type", ""),
            "arbitrated": _escalated(dispute.detail_json)
            or reached.get("reached_type") == "platform_arbitrate",
            "class": code,
            "family": str(DisputeClass(code).family) if code in _CODES else "",
            "buyer_login_id": dispute.buyer_login_id,
            "country": order.buyer_country if order else "",
            "carrier": order.carrier if order else "",
            "service_kind": order.service_kind if order else "",
            "product_id": dispute.product_id, "product_name": dispute.product_name,
            "refund_usd": _refund_usd(dispute, reached),
            "personal_reason": "buyer_personal_reason" in result.get("flags", []),
            # A resend costs the goods and the freight again (kpis.money_by_class).
            "resend_usd": float((dispute.product_price or 0)
                                + ((order.freight_amount or 0) if order else 0))
            if (dispute.store_id, dispute.issue_id) in resends else 0.0,
        })
    frame = pd.DataFrame(records, columns=[*DISPUTE_COLUMNS, "resend_usd"])
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


def report_figures(db: Database, now: datetime, store_ids: Sequence[str] | None = None,
                   stores: Mapping[str, StoreParameters] | None = None) -> Figures:
    """Every report figure of these stores in the columnar engine (``kpis.columnar``):
    the orders and claims read from the database in bulk into Arrow, the disputes with
    their effective class (triage: ``disputes_frame``) made canonical. Close it after use."""
    from disputekit.adapters.db.arrow import claims_arrow, orders_arrow
    from disputekit.domain.kpis.columnar import Figures, canonical_disputes

    disputes = canonical_disputes(disputes_frame(db, now, store_ids, stores))
    return Figures(orders_arrow(db, store_ids), disputes, claims_arrow(db, store_ids),
                   orders_unique=True)  # order_lines' primary key


def claims_frame(db: Database, store_ids: Sequence[str] | None = None) -> pd.DataFrame:
    with db.session() as s:
        query = select(ClaimRow).order_by(ClaimRow.store_id, ClaimRow.logistics_no)
        if store_ids:
            query = query.where(ClaimRow.store_id.in_(list(store_ids)))
        rows = s.scalars(query).all()
    return pd.DataFrame([{
        "store_id": r.store_id, "logistics_no": r.logistics_no, "issue_id": r.issue_id,
        "class": "", "status": r.status, "goods_amount": float(r.goods_amount),
        "freight_amount": float(r.freight_amount),
        "recovered_amount": float(r.recovered_amount),
    } for r in rows], columns=list(CLAIM_COLUMNS))


_CODES = frozenset(c.value for c in DisputeClass)


def _reached(detail: Mapping[str, Any]) -> Mapping[str, Any]:
    every = [*detail.get("buyer_solution_list", []), *detail.get("seller_solution_list", []),
             *detail.get("platform_solution_list", [])]
    return next((s for s in every if s.get("status") == "reached"), {})


def _escalated(detail: Mapping[str, Any]) -> bool:
    return any(p.get("action_type") in ("buyer_initiate_arbitration", "platform_force_reach")
               for p in detail.get("process_dto_list", []))


def _refund_usd(dispute: DisputeRow, reached: Mapping[str, Any]) -> float:
    if dispute.issue_status != "finish" or dispute.reverse_detail_status not in REFUNDED:
        return 0.0
    try:
        return float(reached.get("refund_money_post") or 0)
    except (TypeError, ValueError):
        return 0.0
