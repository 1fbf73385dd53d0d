"""The one case loader: a stored dispute with its order and the order's shipped parcel.

Every use case that reads a dispute with its order and shipment (the assessment, the queue,
the reports, the follow-ups, the evidence) loads it here, with one query pattern: the
dispute, its order joined on ``(store_id, parent_order_id)``, the parcel joined on the
order's ``(store_id, logistics_no)``, both outer joins (a dispute is stored before its order
and parcel are known). Rows are read in ``(store_id, issue_id)`` order, the same on SQLite
and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from disputekit.adapters.db.tables import DisputeRow, OrderRow, ShipmentRow

__all__ = ["StoredCase", "case_query", "load_case", "load_cases"]


@dataclass(frozen=True)
class StoredCase:
    """One dispute as the sync stored it (rows stay usable after their session closes)."""

    dispute: DisputeRow
    order: OrderRow | None
    shipment: ShipmentRow | None  # the parcel of the order's main tracking number

    @property
    def key(self) -> tuple[str, int]:
        return self.dispute.store_id, self.dispute.issue_id


def case_query(store_ids: Sequence[str] | None = None, *, open_only: bool = False
               ) -> Select[DisputeRow, OrderRow, ShipmentRow]:
    """The dispute -> order -> shipment query; narrow it further with ``.where``. The order
    and the shipment are None where the outer joins found nothing."""
    query = (select(DisputeRow, OrderRow, ShipmentRow)
             .join(OrderRow, (OrderRow.store_id == DisputeRow.store_id)
                   & (OrderRow.order_id == DisputeRow.parent_order_id), isouter=True)
             .join(ShipmentRow, (ShipmentRow.store_id == OrderRow.store_id)
                   & (ShipmentRow.logistics_no == OrderRow.logistics_no), isouter=True)
             .order_by(DisputeRow.store_id, DisputeRow.issue_id))
    if open_only:
        query = query.where(DisputeRow.issue_status == "processing")
    if store_ids:
        query = query.where(DisputeRow.store_id.in_(list(store_ids)))
    return query


def load_cases(s: Session, store_ids: Sequence[str] | None = None, *,
               open_only: bool = False) -> list[StoredCase]:
    """Every stored dispute of ``store_ids`` (all stores when empty), or the open ones."""
    return [StoredCase(d, o, p) for d, o, p in
            s.execute(case_query(store_ids, open_only=open_only)).all()]


def load_case(s: Session, store_id: str, issue_id: int) -> StoredCase | None:
    """One stored dispute, or None when it is not in the database."""
    row = s.execute(case_query([store_id]).where(DisputeRow.issue_id == issue_id)).first()
    return StoredCase(row[0], row[1], row[2]) if row is not None else None
