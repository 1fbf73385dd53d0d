"""The tables: one SQLAlchemy model per stored concept, and the column types every backend
shares (instants as UTC, free text clipped to its column).

Tables: ``stores``, ``disputes``, ``orders``, ``order_lines``, ``tracking_events``,
``shipments``, ``claims``, ``class_overrides``, ``blocklist``, ``buyer_reports``,
``replies_sent``, ``actions``, ``sync_runs``, ``evidence``, ``tracking_registrations``,
``dispute_outcomes``. The
raw JSON of each detail and order is kept beside the parsed columns, so a later version can
derive new facts without another sync. These models are the code's truth;
``migrations/versions/`` is the database's (a test keeps them equal).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import DateTime


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out (SQLite has no time zones; this keeps both backends equal)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"refusing to store a naive datetime {value!r}; use UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Clipped(TypeDecorator[str]):
    """Free text (names, places, product titles) cut to its column's length on the way in.

    PostgreSQL refuses a value longer than ``VARCHAR(n)`` where SQLite stores it whole; a
    buyer's 2,000-character "name" must not fail a sync on one backend and not the other,
    so both keep the first ``n`` characters. Identifiers and codes stay plain ``String``."""

    impl = String
    cache_ok = True

    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.length = length

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or len(value) <= self.length:
            return value
        return value[:self.length - 1] + "…"


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(),
                           dict[str, Any] | None: JSON()}


class StoreRow(Base):
    __tablename__ = "stores"
    store_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(Clipped(200))
    last_synced_at: Mapped[datetime | None]


class DisputeRow(Base):
    __tablename__ = "disputes"
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.store_id"), primary_key=True)
    issue_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[int] = mapped_column(BigInteger)  # child order
    parent_order_id: Mapped[int] = mapped_column(BigInteger)
    buyer_login_id: Mapped[str] = mapped_column(String(120))
    issue_status: Mapped[str] = mapped_column(String(40))
    reverse_detail_status: Mapped[str] = mapped_column(String(60), default="")
    reason_english: Mapped[str] = mapped_column(Clipped(300), default="")
    reason_chinese: Mapped[str] = mapped_column(Clipped(300), default="")
    issue_reason_id: Mapped[int | None] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(BigInteger)
    product_name: Mapped[str] = mapped_column(Clipped(500), default="")
    product_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    refund_max_usd: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    refund_max_local: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    local_currency: Mapped[str] = mapped_column(String(8), default="")
    after_sale_warranty: Mapped[bool] = mapped_column(default=False)
    timeout_type: Mapped[str] = mapped_column(String(60), default="")
    timeout_trigger_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    modified_at: Mapped[datetime]
    last_buyer_change_at: Mapped[datetime | None]
    buyer_opening_text: Mapped[str] = mapped_column(Text, default="")
    detail_json: Mapped[dict[str, Any]]
    synced_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_disputes_status", "issue_status"),
        Index("ix_disputes_order", "store_id", "parent_order_id"),
        Index("ix_disputes_buyer", "buyer_login_id"),
    )


class OrderRow(Base):
    __tablename__ = "orders"
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.store_id"), primary_key=True)
    order_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # parent order
    order_status: Mapped[str] = mapped_column(String(40), default="")
    buyer_country: Mapped[str] = mapped_column(String(8), default="")
    buyer_first_name: Mapped[str] = mapped_column(Clipped(120), default="")
    order_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    order_currency: Mapped[str] = mapped_column(String(8), default="")
    freight_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    logistics_no: Mapped[str] = mapped_column(String(80), default="")
    service_code: Mapped[str] = mapped_column(String(80), default="")
    service_name: Mapped[str] = mapped_column(Clipped(200), default="")
    carrier: Mapped[str] = mapped_column(String(120), default="")
    service_kind: Mapped[str] = mapped_column(String(20), default="")
    shipped_at: Mapped[datetime | None]
    created_at: Mapped[datetime | None]
    raw_json: Mapped[dict[str, Any]]
    synced_at: Mapped[datetime]


class TrackingEventRow(Base):
    __tablename__ = "tracking_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.store_id"))
    logistics_no: Mapped[str] = mapped_column(String(80))
    seq: Mapped[int] = mapped_column(Integer)  # 0 = oldest
    occurred_at: Mapped[datetime | None]
    action_code: Mapped[str] = mapped_column(String(60), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(Clipped(300), default="")
    signed_name: Mapped[str] = mapped_column(Clipped(200), default="")
    source: Mapped[str] = mapped_column(String(20), default="aliexpress")

    __table_args__ = (UniqueConstraint("store_id", "logistics_no", "seq"),)


class TrackingRegistrationRow(Base):
    """A number registered with 17TRACK under one carrier key (0: the carrier 17TRACK
    detected, not told): the registration ledger, so no (number, carrier) costs quota twice,
    whatever process or day registers it (reference/tracking-api.md §1.1)."""

    __tablename__ = "tracking_registrations"
    logistics_no: Mapped[str] = mapped_column(String(80), primary_key=True)
    carrier: Mapped[int] = mapped_column(Integer, primary_key=True)
    registered_at: Mapped[datetime]


class OrderLineRow(Base):
    """Every order of the last months as ``orderlist.get`` lists it: the denominator of
    dispute rates (by carrier, service, product, country) and the unshipped orders that
    prevention looks at."""

    __tablename__ = "order_lines"
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.store_id"), primary_key=True)
    order_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    created_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(40), default="")
    issue_status: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(8), default="")
    carrier: Mapped[str] = mapped_column(String(120), default="")
    service_kind: Mapped[str] = mapped_column(String(20), default="")
    product_id: Mapped[int | None] = mapped_column(BigInteger)
    product_name: Mapped[str] = mapped_column(Clipped(500), default="")
    amount_usd: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    shipped_at: Mapped[datetime | None]
    synced_at: Mapped[datetime]

    __table_args__ = (Index("ix_order_lines_created", "store_id", "created_at"),)


class ShipmentRow(Base):
    """One parcel's normalised state (tracking.Timeline) as of the last sync."""

    __tablename__ = "shipments"
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.store_id"), primary_key=True)
    logistics_no: Mapped[str] = mapped_column(String(80), primary_key=True)
    parent_order_id: Mapped[int] = mapped_column(BigInteger)
    carrier: Mapped[str] = mapped_column(String(120), default="")
    service_kind: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(8), default="")
    shipped_at: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(String(20), default="aliexpress")
    main_status: Mapped[str] = mapped_column(String(40), default="")
    sub_status: Mapped[str] = mapped_column(String(60), default="")
    delivered: Mapped[bool] = mapped_column(default=False)
    signed_by: Mapped[str] = mapped_column(Clipped(200), default="")
    customs_hold: Mapped[bool] = mapped_column(default=False)
    buyer_must_act: Mapped[bool] = mapped_column(default=False)
    returned: Mapped[str] = mapped_column(String(40), default="")
    lost: Mapped[bool] = mapped_column(default=False)
    last_event_at: Mapped[datetime | None]
    last_location: Mapped[str] = mapped_column(Clipped(300), default="")
    stall_state: Mapped[str] = mapped_column(String(20), default="")
    events_json: Mapped[dict[str, Any]]  # {"details": [...]} as the source sent them
    assessed_at: Mapped[datetime]


class ClaimRow(Base):
    """A carrier claim for one shipment (claims.CarrierClaim), tracked to its end."""

    __tablename__ = "claims"
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.store_id"), primary_key=True)
    logistics_no: Mapped[str] = mapped_column(String(80), primary_key=True)
    issue_id: Mapped[int] = mapped_column(BigInteger)
    carrier: Mapped[str] = mapped_column(String(120))
    service_kind: Mapped[str] = mapped_column(String(20))
    goods_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    freight_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime]
    logistics_created_at: Mapped[datetime | None]
    filed_at: Mapped[datetime | None]
    carrier_answer_due: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    offered_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    appeal_until: Mapped[datetime | None]
    recovered_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    closed_at: Mapped[datetime | None]


class ClassOverrideRow(Base):
    """An operator's correction of a dispute's class: who, why, when. The latest wins
    everywhere (queue, reports, KPIs); earlier ones stay as history."""

    __tablename__ = "class_overrides"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.store_id"))
    issue_id: Mapped[int] = mapped_column(BigInteger)
    code: Mapped[str] = mapped_column(String(40))
    rule_code: Mapped[str] = mapped_column(String(40))  # what the rules said at the time
    by: Mapped[str] = mapped_column(Clipped(120))
    why: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]

    __table_args__ = (Index("ix_overrides_issue", "store_id", "issue_id"),)


class BlocklistRow(Base):
    """A buyer the seller will not deal with again, shared by every store."""

    __tablename__ = "buyer_blocklist"
    buyer_login_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    added_by: Mapped[str] = mapped_column(Clipped(120))
    why: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime]


class BuyerReportRow(Base):
    """A buyer reported to the platform: no API files it, so the operator files it in
    Seller Center and marks it filed here (who, when, on which dispute). A buyer may be
    reported again after new demands: every filing is a row."""

    __tablename__ = "buyer_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.store_id"))
    issue_id: Mapped[int] = mapped_column(BigInteger)
    buyer_login_id: Mapped[str] = mapped_column(String(120))
    operator: Mapped[str] = mapped_column(Clipped(120))
    filed_at: Mapped[datetime]

    __table_args__ = (Index("ix_buyer_reports_issue", "store_id", "issue_id"),
                      Index("ix_buyer_reports_buyer", "buyer_login_id"))


class ReplySentRow(Base):
    """A reply the operator sent (there is no chat API: they copy it out and mark it sent).
    Its rows drive the follow-up schedule."""

    __tablename__ = "replies_sent"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.store_id"))
    issue_id: Mapped[int] = mapped_column(BigInteger)
    template: Mapped[str] = mapped_column(String(60))
    lang: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    operator: Mapped[str] = mapped_column(Clipped(120))
    sent_at: Mapped[datetime]

    __table_args__ = (Index("ix_replies_issue", "store_id", "issue_id"),)


class ActionRow(Base):
    """The journal of what an operator did to a dispute: who, when, what was sent, what came
    back. Written *before* the call (status ``pending``), so a crash in between is found."""

    __tablename__ = "actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.store_id"))
    issue_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(40))
    operator: Mapped[str] = mapped_column(Clipped(120))
    created_at: Mapped[datetime]
    request_json: Mapped[dict[str, Any]]
    # pending (not yet sent) / unknown (sent, no answer) / ok / failed
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response_json: Mapped[dict[str, Any] | None]
    error: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_actions_issue", "store_id", "issue_id"),
                      Index("ix_actions_status", "status"))


class SyncRunRow(Base):
    __tablename__ = "sync_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.store_id"))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")  # running/ok/partial/failed
    listed: Mapped[int] = mapped_column(Integer, default=0)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")


class EvidenceRow(Base):
    """One piece of evidence for a dispute: a file under ``data/evidence/<store>/<issue>/``
    (an operator's attachment, a snapshot of what the API gave, or a rendered image), its
    hash, type and size, and what happened when it was sent to the platform."""

    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.store_id"))
    issue_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(40))  # evidence.EvidenceKind: the checklist item
    source: Mapped[str] = mapped_column(String(20))  # api / operator / rendered
    file_path: Mapped[str] = mapped_column(String(500))  # relative to the workspace data dir
    original_name: Mapped[str] = mapped_column(Clipped(300), default="")
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    added_by: Mapped[str] = mapped_column(Clipped(120))
    added_at: Mapped[datetime]
    uploaded_at: Mapped[datetime | None]
    upload_result: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_evidence_issue", "store_id", "issue_id"),
                      UniqueConstraint("store_id", "issue_id", "sha256"))


class DisputeOutcomeRow(Base):
    """How a closed dispute ended (``domain.outcomes.Outcome``), recorded by the sync when it
    closes: the seller's steps, the end, the money (USD). Derived from the stored detail and
    the journal, kept so the odds are counted over many disputes without re-reading each
    one's JSON. The class is the rules' at the close; an operator's override is applied
    when read (``services.outcomes.load_outcomes``), so a later correction still counts."""

    __tablename__ = "dispute_outcomes"
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.store_id"), primary_key=True)
    issue_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    rule_class: Mapped[str] = mapped_column(String(40))
    steps: Mapped[str] = mapped_column(Text, default="")  # outcomes.Step values, comma-joined
    ending: Mapped[str] = mapped_column(String(30))  # outcomes.End ("end" is SQL's own word)
    action: Mapped[str] = mapped_column(String(30), default="")  # the deciding one; "" none
    agreed_plan: Mapped[str] = mapped_column(String(40), default="")
    refund_paid: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    goods_lost: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    freight_lost: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    counter_offer: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    refund_max: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(8))
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime]
    carrier: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str] = mapped_column(String(8), default="")
    # the dispute's modified_at this was derived from: a later change derives it again
    dispute_modified_at: Mapped[datetime]
    recorded_at: Mapped[datetime]

    __table_args__ = (Index("ix_outcomes_closed", "store_id", "closed_at"),)


def missing_columns(bind: Engine | Connection, only_tables: set[str] | None = None) -> list[str]:
    """``table.column`` of the models that the database lacks (missing tables count whole)."""
    from sqlalchemy import inspect

    inspector = inspect(bind)
    present = set(inspector.get_table_names())
    missing: list[str] = []
    for table in Base.metadata.sorted_tables:
        if only_tables is not None and table.name not in only_tables:
            continue
        if table.name not in present:
            missing.append(table.name)
            continue
        have = {c["name"] for c in inspector.get_columns(table.name)}
        missing += [f"{table.name}.{c.name}" for c in table.columns if c.name not in have]
    return missing


class WorkbookViewRow(Base):
    """What an operator was looking at in the workbook (filters, sort, the dispute open),
    so a restarted kernel or a reopened notebook carries on (``services.workbook_state``)."""

    __tablename__ = "workbook_views"
    operator: Mapped[str] = mapped_column(String(120), primary_key=True)
    filters_json: Mapped[dict[str, Any]]
    store_id: Mapped[str | None] = mapped_column(String(40))
    issue_id: Mapped[int | None] = mapped_column(BigInteger)
    sort_by: Mapped[str | None] = mapped_column(String(40))
    ascending: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime]


class WorkbookDraftRow(Base):
    """A reply an operator edited and has not sent yet, with the offer and reason typed
    beside it, for one step of one dispute's plan (``services.workbook_state``)."""

    __tablename__ = "workbook_drafts"
    operator: Mapped[str] = mapped_column(String(120), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    issue_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    template: Mapped[str] = mapped_column(String(60))
    step: Mapped[int] = mapped_column(Integer)
    lang: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    offer: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    reason: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
