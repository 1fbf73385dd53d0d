"""The triage brain applied to what the sync stored: every open dispute classified, priced
and given a recommendation, with the operators' overrides winning and a shared blocklist.

``triage.triage_record`` is pure and reads wire-shaped JSON; the sync keeps exactly that
(the detail, the order, each parcel's tracking details), so this module only gathers it,
adds each buyer's history across every store, and stores the operators' corrections.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select

from disputekit.adapters.db.database import Database, upsert
from disputekit.adapters.db.tables import (
    BlocklistRow,
    ClassOverrideRow,
    DisputeRow,
    OrderRow,
    ShipmentRow,
)
from disputekit.adapters.parameters import StoreParameters
from disputekit.domain.classify import Classification, Override, classify, disagreements
from disputekit.domain.deadlines import EscalationRule
from disputekit.domain.platform_time import utc_now
from disputekit.domain.taxonomy import DisputeClass
from disputekit.errors import ActionError, TriageInputError
from disputekit.wire.records import facts_from_record, triage_record

Key = tuple[str, int]


def record_of(dispute: DisputeRow, order: OrderRow | None, shipment: ShipmentRow | None,
              history: Mapping[str, int]) -> dict[str, Any]:
    """The triage input for one stored dispute (the format of ``disputekit triage``)."""
    record: dict[str, Any] = {"dispute": dispute.detail_json, "buyer_history": dict(history)}
    if order is not None:
        record["order"] = order.raw_json
    if shipment is not None:
        record["tracking"] = {"source": "aliexpress", "logistics_no": shipment.logistics_no,
                              "details": shipment.events_json.get("details", [])}
    return record


def triage_open(db: Database, now: datetime, store_ids: Sequence[str] | None = None,
                stores: Mapping[str, StoreParameters] | None = None, *,
                open_only: bool = True) -> dict[Key, dict[str, Any]]:
    """Triage every open dispute (or every stored one when ``open_only`` is False, for the
    reports' money and rates by class); ``class`` is the effective one (an override wins) and
    ``rule_class`` what the rules said. A dispute whose stored data cannot be triaged gets
    ``{"error": ...}`` instead of stopping the others."""
    with db.session() as s:
        query = (select(DisputeRow, OrderRow, ShipmentRow)
                 .join(OrderRow, (OrderRow.store_id == DisputeRow.store_id)
                       & (OrderRow.order_id == DisputeRow.parent_order_id), isouter=True)
                 .join(ShipmentRow, (ShipmentRow.store_id == OrderRow.store_id)
                       & (ShipmentRow.logistics_no == OrderRow.logistics_no), isouter=True)
                 )
        query = query.order_by(DisputeRow.store_id, DisputeRow.issue_id)  # same on both DBs
        if open_only:
            query = query.where(DisputeRow.issue_status == "processing")
        if store_ids:
            query = query.where(DisputeRow.store_id.in_(list(store_ids)))
        rows = s.execute(query).all()
        histories = _histories(s)
        blocklist = frozenset(s.scalars(select(BlocklistRow.buyer_login_id)).all())
        overrides = latest_overrides(db)
    out: dict[Key, dict[str, Any]] = {}
    for dispute, order, shipment in rows:
        store = (stores or {}).get(dispute.store_id)
        key = (dispute.store_id, dispute.issue_id)
        try:
            result = triage_record(
                record_of(dispute, order, shipment, histories.get(dispute.buyer_login_id, {})),
                now, store.triage.cost_model() if store else None, blocklist=blocklist,
                escalation_rule=EscalationRule(store.triage.escalation_rule) if store
                else EscalationRule.CURRENT,
                lane_overrides=store.tracking.lanes if store else None)
        except TriageInputError as exc:
            out[key] = {"error": str(exc)}
            continue
        result["rule_class"] = result["class"]
        override = overrides.get(key)
        if override is not None:
            result["class"] = str(override.code)
            result["override"] = {"by": override.by, "why": override.why,
                                  "at": override.at.isoformat() if override.at else None}
        out[key] = result
    return out


def _histories(s: Any) -> dict[str, dict[str, int]]:
    """Each buyer's disputes across every store; orders known are the disputed ones."""
    rows = s.execute(select(DisputeRow.buyer_login_id, DisputeRow.store_id,
                            DisputeRow.parent_order_id)).all()
    disputes = Counter(login for login, _store, _order in rows)
    orders = Counter(login for login, _store, _order in {tuple(r) for r in rows})
    stores: dict[str, set[str]] = {}
    for login, store_id, _order in rows:
        stores.setdefault(login, set()).add(store_id)
    return {login: {"orders": max(orders[login], disputes[login]),
                    "disputes": disputes[login], "stores": len(stores[login])}
            for login in disputes}


def record_override(db: Database, store_id: str, issue_id: int, code: str, by: str, why: str,
                    now: datetime | None = None) -> Override:
    """An operator changes a dispute's class; stored with who and why, it wins everywhere."""
    now = now or utc_now()
    try:
        cls = DisputeClass(code)
    except ValueError:
        raise ActionError(f"{code!r} is not a dispute class; use one of "
                          f"{', '.join(c.value for c in DisputeClass)}") from None
    override = Override(cls, by.strip(), why.strip(), now) if by.strip() and why.strip() \
        else None
    if override is None:
        raise ActionError("a class change needs who made it and why (the next operator "
                          "reads it)")
    with db.session() as s:
        dispute = s.get(DisputeRow, (store_id, issue_id))
        if dispute is None:
            raise ActionError(f"dispute {issue_id} is not in store {store_id!r}")
        order = s.get(OrderRow, (store_id, dispute.parent_order_id))
        shipment = s.get(ShipmentRow, (store_id, order.logistics_no)) if order else None
        history = _histories(s).get(dispute.buyer_login_id, {})
        # What the rules say now, from everything the queue uses, is kept with the override.
        rule = classify(facts_from_record(record_of(dispute, order, shipment, history),
                                          now)[0]).code
        s.add(ClassOverrideRow(store_id=store_id, issue_id=issue_id, code=str(cls),
                               rule_code=str(rule), by=override.by, why=override.why, at=now))
    return override


def latest_overrides(db: Database) -> dict[Key, Override]:
    with db.session() as s:
        rows = s.scalars(select(ClassOverrideRow).order_by(ClassOverrideRow.id)).all()
    return {(r.store_id, r.issue_id): Override(DisputeClass(r.code), r.by, r.why, r.at)
            for r in rows}


def block_buyer(db: Database, login_id: str, by: str, why: str,
                now: datetime | None = None) -> None:
    """Add a buyer to the shared blocklist (every store sees it)."""
    now = now or utc_now()
    if not login_id.strip() or not by.strip() or not why.strip():
        raise ActionError("blocking a buyer needs the login, who blocks and why")
    with db.session() as s:
        # Two operators may block the same buyer at once: an upsert, not read-then-insert.
        upsert(s, BlocklistRow, [{"buyer_login_id": login_id.strip(), "added_by": by.strip(),
                                  "why": why.strip(), "added_at": now}])


def rules_vs_operators(db: Database, now: datetime,
                       store_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Where the rules and the operators disagree, most frequent first (the report table)."""
    with db.session() as s:
        query = select(ClassOverrideRow).order_by(ClassOverrideRow.id)
        if store_ids:
            query = query.where(ClassOverrideRow.store_id.in_(list(store_ids)))
        rows = s.scalars(query).all()
    latest = {(r.store_id, r.issue_id): r for r in rows}
    # What the rules said is stored with each override, so the comparison does not depend on
    # today's rules; the stored class stands in for the full classification.
    found = disagreements(
        (Classification(DisputeClass(r.rule_code), 1.0, ()),
         Override(DisputeClass(r.code), r.by, r.why, r.at))
        for r in latest.values())
    return pd.DataFrame([{"rules said": str(d.rule), "operators said": str(d.operator),
                          "disputes": d.count, "why (examples)": " · ".join(d.examples)}
                         for d in found],
                        columns=["rules said", "operators said", "disputes", "why (examples)"])

