"""The queue of open disputes across stores, most urgent first, as a DataFrame.

This is the read side the workbook and the reports share: it joins each open dispute with
its order and computes its deadline with ``deadlines`` (the pure rules), at a given ``now``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import (
    ActionRow,
    ClaimRow,
    DisputeRow,
    OrderRow,
    TrackingEventRow,
)
from disputekit.adapters.parameters import StoreParameters
from disputekit.domain.buyers import BuyerHistory
from disputekit.domain.calibration import Tallies
from disputekit.domain.deadlines import SELLER_TURN_STATUSES, response_deadline
from disputekit.domain.decisions import local_amount
from disputekit.domain.outcomes import Outcome
from disputekit.domain.platform_time import utc_now
from disputekit.domain.privacy import mask_login
from disputekit.services.assessment import buyer_history, triage_open
from disputekit.services.cases import load_cases
from disputekit.services.followups import end_of_day, replies_due
from disputekit.services.outcomes import load_tallies

QUEUE_COLUMNS = [
    "store_id", "issue_id", "parent_order_id", "order_id", "buyer", "country", "product",
    "amount_usd", "reason", "status", "carrier", "service", "service_kind", "logistics_no",
    "created_at", "due_at", "deadline_source", "hours_left", "urgency",
]
TRIAGE_COLUMNS = [
    "class", "rule_class", "confidence", "why", "recommended", "recommended_cost",
    "cost_currency", "recommended_offer", "offer_currency", "intervention_at",
    "if_nobody_acts", "abuse_level", "overridden_by", "language", "options", "odds",
]


def open_disputes(
    db: Database, now: datetime, store_ids: Sequence[str] | None = None,
    stores: Mapping[str, StoreParameters] | None = None, *, triage: bool = True,
    outcomes: Sequence[Outcome] | Tallies | None = None,
) -> pd.DataFrame:
    """Every dispute still ``processing``, sorted by deadline (none last), then age, with
    its class, confidence and recommended action (``stores`` give each its cost model;
    ``outcomes``, the closed disputes, calibrate its odds: ``assessment.triage_open``).

    ``outcomes`` left out: every store's recorded outcomes (``load_tallies``), so the
    advice is priced by the stores' own history by default; ``()``: the parameters' odds
    alone. Every store's are read, not only ``store_ids``': a store with few closed
    disputes borrows from the portfolio's."""
    rows: list[dict[str, Any]] = []
    # Each dispute's full refund in USD and in the buyer's currency: the rate its offers
    # are converted at (the platform takes a counter-offer in the buyer's currency).
    rates: dict[tuple[str, int], tuple[Decimal | None, Decimal | None, str]] = {}
    with db.session() as s:
        # A fixed order (store, issue) before the stable sort by deadline: ties come out the
        # same on SQLite and PostgreSQL (whose row order changes as rows are updated).
        for case in load_cases(s, store_ids, open_only=True):
            dispute, order = case.dispute, case.order
            deadline = response_deadline(
                timeout_trigger_at=dispute.timeout_trigger_at,
                created_at=dispute.created_at,
                reverse_detail_status=dispute.reverse_detail_status,
                last_buyer_change_at=dispute.last_buyer_change_at,
                timeout_type=dispute.timeout_type,
            )
            left = deadline.hours_left(now)
            rates[case.key] = (dispute.refund_max_usd, dispute.refund_max_local,
                               dispute.local_currency or "")
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
        # Grouped by the database: the advice reprices on every refresh of the workbook
        # (bench/calibration.py times both ways).
        counted = load_tallies(db) if outcomes is None else outcomes
        assessed = triage_open(db, now, store_ids, stores, outcomes=counted)
        for row in rows:
            key = (str(row["store_id"]), int(row["issue_id"]))
            row.update(_triage_columns(assessed.get(key, {}), *rates[key]))
    frame = pd.DataFrame(rows, columns=QUEUE_COLUMNS + (TRIAGE_COLUMNS if triage else []))
    if frame.empty:
        return frame
    frame["due_at"] = pd.to_datetime(frame["due_at"], utc=True)
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame.sort_values(["due_at", "created_at"], na_position="last",
                             kind="stable").reset_index(drop=True)


def _triage_columns(result: Mapping[str, Any], refund_max_usd: Decimal | None,
                    refund_max_local: Decimal | None, local_currency: str) -> dict[str, Any]:
    if not result or "error" in result:
        return {"class": "unclassified", "why": result.get("error", "") if result else ""}
    chosen = next((o for o in result["options"]
                   if o["action"] == result["recommended_action"]), None)
    offered = chosen.get("offered_usd") if chosen else None
    offer = (local_amount(float(offered), refund_max_usd, refund_max_local, local_currency)
             if offered is not None else None)
    return {
        "class": result["class"], "rule_class": result["rule_class"],
        "confidence": result["confidence"], "why": "; ".join(result["reasons"]),
        "recommended": result["recommended_action"],
        "recommended_cost": chosen["expected_cost"] if chosen else None,
        "cost_currency": chosen["currency"] if chosen else "",
        # what the recommended option offers the buyer, in the currency of the refusal
        "recommended_offer": float(offer) if offer is not None else None,
        "offer_currency": local_currency,
        "intervention_at": result["intervention_at"],
        "if_nobody_acts": " ".join(result["if_nobody_acts"]),
        "abuse_level": result["buyer_abuse"]["level"],
        "overridden_by": result.get("override", {}).get("by", ""),
        "language": result.get("language", ""),
        "options": " · ".join(f"{str(o['action']).replace('_', ' ')} {o['expected_cost']:.2f}"
                              for o in result["options"]),
        # where the recommendation's odds came from the store's own closed disputes
        "odds": "; ".join(result.get("odds_from_history", [])),
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


# What each tracking source is called where an event shows it.
SOURCE_NAMES = {"aliexpress": "AliExpress", "17track": "17TRACK"}


def source_name(source: str) -> str:
    return SOURCE_NAMES.get(source, source)


def tracking_timeline(db: Database, store_id: str, logistics_no: str) -> pd.DataFrame:
    """The stored tracking events of one parcel, oldest first, each with its source
    ("AliExpress", or "17TRACK" for a scan only 17TRACK had or told better)."""
    with db.session() as s:
        events = s.scalars(
            select(TrackingEventRow)
            .where(TrackingEventRow.store_id == store_id,
                   TrackingEventRow.logistics_no == logistics_no)
            .order_by(TrackingEventRow.seq)
        ).all()
        return pd.DataFrame([{
            "when": e.occurred_at, "event": e.description, "where": e.location,
            "code": e.action_code, "signed by": e.signed_name, "source": source_name(e.source),
        } for e in events], columns=["when", "event", "where", "code", "signed by", "source"])


def second_source_events(db: Database, store_id: str) -> pd.DataFrame:
    """The tracking events of open disputes' parcels shown from a source other than the
    platform (17TRACK), newest first: the scans the platform's tracking does not show, and
    those the other source tells better (``tracking.merge_sources``)."""
    with db.session() as s:
        rows = s.execute(
            select(TrackingEventRow, DisputeRow.issue_id)
            .join(OrderRow, (OrderRow.store_id == TrackingEventRow.store_id)
                  & (OrderRow.logistics_no == TrackingEventRow.logistics_no))
            .join(DisputeRow, (DisputeRow.store_id == OrderRow.store_id)
                  & (DisputeRow.parent_order_id == OrderRow.order_id))
            .where(TrackingEventRow.store_id == store_id,
                   TrackingEventRow.source != "aliexpress",
                   DisputeRow.issue_status == "processing")
            .order_by(TrackingEventRow.occurred_at.desc(), TrackingEventRow.logistics_no,
                      TrackingEventRow.seq)
        ).all()
    return pd.DataFrame([{
        "parcel": e.logistics_no, "dispute": str(issue_id), "when": e.occurred_at,
        "event": e.description, "where": e.location, "source": source_name(e.source),
    } for e, issue_id in rows], columns=["parcel", "dispute", "when", "event", "where", "source"])


# ---------------------------------------------------------------------------------------------
# The operator's queue: filters, counts, snoozes, over one read of the open disputes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the operator narrowed the queue to; ``None`` (or an empty search) keeps all."""

    store: str | None = None
    dispute_class: str | None = None
    urgency: str | None = None
    carrier: str | None = None
    country: str | None = None
    language: str | None = None
    search: str = ""  # part of an order number or a buyer login, any case
    # Only what waits for the seller: the platform's turn is theirs, a reply or a carrier
    # claim is due. A dispute acted on leaves it until it needs them again.
    needs_me: bool = False


@dataclass(frozen=True)
class Counts:
    """The numbers above the queue: what the filters keep, by how soon it is due."""

    open: int
    needs_me: int
    overdue: int
    due_24h: int
    due_48h: int
    replies_due: int
    claims_due: int


class OperatorQueue:
    """The open queue across stores as the operator works it, read once.

    The frame is ``open_disputes``'s; which rows a reply or a claim is due on, and which
    are snoozed, are looked up once, so filtering and counting 100,000 rows stays a
    vectorised pass (bench/workbook.py).
    """

    def __init__(self, db: Database, now: datetime,
                 stores: Mapping[str, StoreParameters] | None = None,
                 frame: pd.DataFrame | None = None, *,
                 outcomes: Sequence[Outcome] | Tallies | None = None) -> None:
        self.db = db
        self.now = now
        # ``frame``: the open queue when the caller already has it (``open_disputes``'s
        # columns and order); bench/workbook.py times the widget over big made-up queues.
        # ``outcomes``: as ``open_disputes`` takes them (left out: the recorded ones).
        self.frame = open_disputes(db, now, stores=stores, outcomes=outcomes) \
            if frame is None else frame
        self.snoozed = snoozed(db)
        due = replies_due(db, self.frame, end_of_day(now)) if len(self.frame) else None
        replies = set() if due is None else {
            (str(s), int(i)) for s, i in zip(due["store_id"], due["dispute"], strict=True)}
        with db.session() as s:
            claims = {(r.store_id, r.issue_id) for r in s.scalars(
                select(ClaimRow).where(ClaimRow.status == "due"))}
        # (store, issue) of every row once, so filters and counts are vectorised lookups.
        self._keys = pd.MultiIndex.from_arrays(
            [self.frame["store_id"].astype(str), self.frame["issue_id"].astype("int64")]
        ) if len(self.frame) else pd.MultiIndex.from_tuples([], names=[None, None])
        self._reply_due = pd.Series(self._keys.isin(list(replies)), index=self.frame.index)
        self._claim_due = pd.Series(self._keys.isin(list(claims)), index=self.frame.index)

    def values(self, column: str) -> list[str]:
        """The distinct non-empty values of ``column``, sorted (a filter's choices)."""
        if self.frame.empty or column not in self.frame:
            return []
        return sorted(str(v) for v in self.frame[column].dropna().unique() if str(v))

    def rows(self, filters: Filters, now: datetime | None = None) -> pd.DataFrame:
        """The disputes ``filters`` keep, most urgent first; snoozed ones hidden until
        their snooze ends (``now``: the wall clock, since a snooze ends in real time)."""
        frame = self.frame
        if frame.empty:
            return frame
        keep = pd.Series(True, index=frame.index)
        if self.snoozed:
            moment = now or utc_now()
            hidden = [k for k, until in self.snoozed.items() if until > moment]
            if hidden:
                keep &= ~self._keys.isin(hidden)
        for value, column in ((filters.store, "store_id"), (filters.dispute_class, "class"),
                              (filters.urgency, "urgency"), (filters.carrier, "carrier"),
                              (filters.country, "country"), (filters.language, "language")):
            if value is not None and column in frame:
                keep &= frame[column] == value
        if filters.needs_me:
            keep &= self._needs_me()
        wanted = filters.search.strip().lower()
        if wanted:
            keep &= (frame["parent_order_id"].astype(str).str.contains(wanted, regex=False)
                     | frame["buyer"].str.lower().str.contains(wanted, regex=False))
        return frame[keep]

    def counts(self, rows: pd.DataFrame) -> Counts:
        """The counts of ``rows`` (a result of :meth:`rows`)."""
        tally = rows["urgency"].value_counts() if len(rows) else pd.Series(dtype=int)
        return Counts(open=len(rows), needs_me=int(self._needs_me()[rows.index].sum()),
                      overdue=int(tally.get("overdue", 0)),
                      due_24h=int(tally.get("due in 24 h", 0)),
                      due_48h=int(tally.get("due in 48 h", 0)),
                      replies_due=int(self._reply_due[rows.index].sum()),
                      claims_due=int(self._claim_due[rows.index].sum()))

    def _needs_me(self) -> pd.Series:
        turn = self.frame["status"].isin(list(SELLER_TURN_STATUSES))
        return turn | self._reply_due | self._claim_due

    def refresh(self, store_id: str, issue_id: int) -> None:
        """Read one dispute again after an action: its platform state, deadline and whether
        a reply is due; a dispute no longer open leaves the queue."""
        mask = (self.frame["store_id"] == store_id) & (self.frame["issue_id"] == issue_id)
        if not mask.any():
            return
        with self.db.session() as s:
            dispute = s.get(DisputeRow, (store_id, issue_id))
            if dispute is None or dispute.issue_status != "processing":
                keep = ~mask
                self.frame = self.frame[keep]
                self._reply_due, self._claim_due = self._reply_due[keep], self._claim_due[keep]
                self._keys = self._keys[keep.to_numpy()]
                return
            deadline = response_deadline(
                timeout_trigger_at=dispute.timeout_trigger_at,
                created_at=dispute.created_at,
                reverse_detail_status=dispute.reverse_detail_status,
                last_buyer_change_at=dispute.last_buyer_change_at,
                timeout_type=dispute.timeout_type)
        left = deadline.hours_left(self.now)
        at = self.frame.index[mask][0]
        self.frame.loc[at, "status"] = dispute.reverse_detail_status
        self.frame.loc[at, "due_at"] = pd.Timestamp(deadline.due_at) if deadline.due_at \
            else pd.NaT
        self.frame.loc[at, "hours_left"] = None if left is None else round(left, 1)
        self.frame.loc[at, "urgency"] = str(deadline.urgency(self.now))
        self.frame.loc[at, "deadline_source"] = str(deadline.source)
        due = replies_due(self.db, self.frame.loc[[at]], end_of_day(self.now))
        self._reply_due.loc[at] = bool(len(due))

    def row(self, store_id: str, issue_id: int) -> pd.Series | None:
        """One dispute's row, or None when it is not in the queue."""
        match = self.frame[(self.frame["store_id"] == store_id)
                           & (self.frame["issue_id"] == issue_id)]
        return match.iloc[0] if len(match) else None

    def snooze(self, store_id: str, issue_id: int, until: datetime) -> None:
        """Hide a dispute until ``until`` (the caller journals the snooze as an action)."""
        self.snoozed[(store_id, issue_id)] = until

    def set_class(self, store_id: str, issue_id: int, code: str, by: str) -> None:
        """Show an operator's class at once (``record_override`` stores it for good)."""
        mask = (self.frame["store_id"] == store_id) & (self.frame["issue_id"] == issue_id)
        self.frame.loc[mask, "class"] = code
        self.frame.loc[mask, "overridden_by"] = by


def snoozed(db: Database) -> dict[tuple[str, int], datetime]:
    """Disputes an operator snoozed, and until when (the latest snooze wins)."""
    out: dict[tuple[str, int], datetime] = {}
    with db.session() as s:
        for row in s.scalars(select(ActionRow).where(ActionRow.kind == "snooze")
                             .order_by(ActionRow.id)):
            try:
                out[(row.store_id, row.issue_id)] = datetime.fromisoformat(
                    str(row.request_json.get("until")))
            except ValueError:
                continue
    return out


@dataclass(frozen=True)
class DisputeDetail:
    """What the queue's row does not carry and the detail panel shows."""

    buyer_login_id: str
    opening_text: str
    refund_max_local: str | None  # in the buyer's currency, as the platform states it
    local_currency: str
    buyer: BuyerHistory  # the buyer's disputes across every store, counted as triage does


def dispute_detail(db: Database, store_id: str, issue_id: int) -> DisputeDetail:
    """One dispute's stored detail and the buyer's record across every store."""
    with db.session() as s:
        dispute = s.get(DisputeRow, (store_id, issue_id))
        if dispute is None:
            return DisputeDetail("", "", None, "", BuyerHistory())
        local = (str(dispute.refund_max_local) if dispute.refund_max_local is not None
                 else None)
        return DisputeDetail(dispute.buyer_login_id, dispute.buyer_opening_text or "", local,
                             dispute.local_currency or "",
                             buyer_history(s, dispute.buyer_login_id))
