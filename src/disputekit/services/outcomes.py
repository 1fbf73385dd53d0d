"""The outcomes of a store's closed disputes, recorded as they close and read back.

``record_outcomes`` runs at the end of each sync (``sync.sync_store``): every stored dispute
that is closed and has no outcome yet, or changed since its outcome was recorded, is read
into a ``domain.outcomes.Outcome`` from what the sync stored (the detail's plans and process
steps) and the seller's journal (actions, local decisions, replies marked sent), classified
by the rules as of its close, and kept in ``dispute_outcomes``. ``load_outcomes`` reads them
back with the operators' overrides applied: the class every count uses is the one the
operator set, even when they set it after the dispute closed.

A closed dispute whose end cannot be told (no reached plan, an unknown ``reached_type``) or
whose data cannot be classified is left out and logged; the next sync tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from disputekit.adapters.db.database import Database, upsert
from disputekit.adapters.db.tables import (
    ActionRow,
    BlocklistRow,
    DisputeOutcomeRow,
    DisputeRow,
    ReplySentRow,
)
from disputekit.adapters.parameters import StoreParameters
from disputekit.domain.calibration import Group, Tallies, tally_groups
from disputekit.domain.decisions import Action
from disputekit.domain.outcomes import End, JournalEntry, Outcome, Step, outcome_of
from disputekit.domain.platform_time import utc_now
from disputekit.domain.taxonomy import DisputeClass
from disputekit.errors import MalformedPayloadError, TriageInputError
from disputekit.services.assessment import (
    buyer_histories,
    ended_claims,
    history_counts,
    latest_overrides,
    record_of,
)
from disputekit.services.cases import StoredCase, case_query
from disputekit.wire.records import triage_record

__all__ = ["RecordedOutcomes", "load_outcomes", "load_tallies", "record_outcomes"]

log = logging.getLogger(__name__)

# Disputes read per query: well under SQLite's and PostgreSQL's bound-parameter limits.
_CHUNK = 500
# A class the outcome is built with before the rules have read the dispute (replaced below).
_UNCLASSIFIED = DisputeClass.STALLED_IN_TRANSIT


@dataclass
class RecordedOutcomes:
    store_id: str
    recorded: int = 0  # outcomes written (new or derived again)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (issue id, why)


def record_outcomes(db: Database, store_id: str, *, store: StoreParameters | None = None,
                    now: datetime | None = None) -> RecordedOutcomes:
    """Record the outcome of every closed dispute of ``store_id`` not yet recorded (or
    changed since). ``store``: its parameters, whose lane overrides the rules apply as the
    queue does."""
    result = RecordedOutcomes(store_id)
    recorded_at = now or utc_now()
    with db.session() as s:
        have = dict(s.execute(
            select(DisputeOutcomeRow.issue_id, DisputeOutcomeRow.dispute_modified_at)
            .where(DisputeOutcomeRow.store_id == store_id)).all())
        closed = s.execute(
            select(DisputeRow.issue_id, DisputeRow.modified_at)
            .where(DisputeRow.store_id == store_id, DisputeRow.issue_status != "processing")
            .order_by(DisputeRow.issue_id)).all()
        due = [issue_id for issue_id, modified in closed if have.get(issue_id) != modified]
        if not due:
            return result
        histories = buyer_histories(s)
        blocklist = frozenset(s.scalars(select(BlocklistRow.buyer_login_id)).all())
    for chunk in _chunks(due):
        rows: list[dict[str, Any]] = []
        with db.session() as s:
            cases = [StoredCase(d, o, p) for d, o, p in s.execute(
                case_query([store_id]).where(DisputeRow.issue_id.in_(chunk))).all()]
            journals = _journals(s, store_id, chunk)
        for case in cases:
            dispute = case.dispute
            try:
                outcome = _outcome(case, journals.get(dispute.issue_id, []))
                if outcome is None:
                    continue  # reopened since it was listed
                rule_class = _rule_class(case, outcome.closed_at, histories, blocklist, store)
            except (MalformedPayloadError, TriageInputError) as exc:
                log.warning("%s issue %s: outcome not recorded: %s", store_id,
                            dispute.issue_id, exc)
                result.skipped.append((dispute.issue_id, str(exc)))
                continue
            rows.append(_row(replace(outcome, dispute_class=rule_class),
                             dispute.modified_at, recorded_at))
        if rows:
            with db.session() as s:
                upsert(s, DisputeOutcomeRow, rows, keys=("store_id", "issue_id"))
            result.recorded += len(rows)
    return result


def load_outcomes(db: Database, store_id: str | None = None) -> list[Outcome]:
    """Every recorded outcome (of one store, or all), in ``(store_id, issue_id)`` order, its
    class the operator's where one overrode the rules."""
    overrides = latest_overrides(db)
    t = DisputeOutcomeRow
    # Plain rows, not ORM objects: a portfolio's history may be a million disputes.
    query = select(t.store_id, t.issue_id, t.rule_class, t.steps, t.ending, t.agreed_plan,
                   t.refund_paid, t.goods_lost, t.freight_lost, t.currency, t.opened_at,
                   t.closed_at, t.carrier, t.country, t.counter_offer, t.refund_max,
                   ).order_by(t.store_id, t.issue_id)
    if store_id is not None:
        query = query.where(t.store_id == store_id)
    classes, ends = {str(c): c for c in DisputeClass}, {str(e): e for e in End}
    steps_of: dict[str, tuple[Step, ...]] = {}  # few distinct sequences: read each once
    out: list[Outcome] = []
    with db.session() as s:
        for (store, issue_id, rule_class, steps, ending, agreed_plan, refund_paid,
             goods_lost, freight_lost, currency, opened_at, closed_at, carrier, country,
             counter_offer, refund_max) in s.execute(query):
            override = overrides.get((store, issue_id))
            if steps not in steps_of:
                steps_of[steps] = tuple(Step(v) for v in steps.split(",") if v)
            out.append(Outcome(
                store_id=store, issue_id=issue_id,
                dispute_class=override.code if override is not None else classes[rule_class],
                steps=steps_of[steps], end=ends[ending], agreed_plan=agreed_plan or None,
                refund_paid=refund_paid, goods_lost=goods_lost, freight_lost=freight_lost,
                currency=currency, opened_at=opened_at, closed_at=closed_at, carrier=carrier,
                country=country, counter_offer=counter_offer, refund_max=refund_max))
    return out


def load_tallies(db: Database) -> Tallies:
    """Every store's recorded outcomes and ended carrier claims counted into the
    calibration's cells: what ``tally(load_outcomes(db), ended_claims(s))`` gives, grouped by
    the database instead of read row by row (the queue reprices on every refresh; a
    portfolio's million outcomes are a few hundred groups). An operator's class wins, as
    in ``load_outcomes``: the few overridden disputes move from their rules' class."""
    overrides = latest_overrides(db)
    t = DisputeOutcomeRow
    classes, ends = {str(c): c for c in DisputeClass}, {str(e): e for e in End}
    actions = {str(a): a for a in Action}
    groups: list[Group] = []
    with db.session() as s:
        claims = ended_claims(s)
        for store, rule_class, action, ending, n in s.execute(
                select(t.store_id, t.rule_class, t.action, t.ending, func.count())
                .group_by(t.store_id, t.rule_class, t.action, t.ending)):
            groups.append((store, classes[rule_class], actions.get(action), ends[ending], n))
        by_store: dict[str, list[int]] = {}
        for store, issue_id in overrides:
            by_store.setdefault(store, []).append(issue_id)
        for store, issue_ids in sorted(by_store.items()):
            for chunk in _chunks(sorted(issue_ids)):
                for issue_id, rule_class, action, ending in s.execute(
                        select(t.issue_id, t.rule_class, t.action, t.ending)
                        .where(t.store_id == store, t.issue_id.in_(chunk))):
                    code = overrides[(store, issue_id)].code
                    if code is classes[rule_class]:
                        continue
                    deciding, end = actions.get(action), ends[ending]
                    groups.append((store, classes[rule_class], deciding, end, -1))
                    groups.append((store, code, deciding, end, 1))
    return tally_groups(groups, claims)


def _chunks(items: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(items), _CHUNK):
        yield list(items[start:start + _CHUNK])


def _journals(s: Session, store_id: str, issue_ids: list[int]) -> dict[int, list[JournalEntry]]:
    """The seller's settled actions and the replies marked sent, per dispute."""
    out: dict[int, list[JournalEntry]] = {}
    actions = s.execute(
        select(ActionRow.issue_id, ActionRow.kind, ActionRow.completed_at,
               ActionRow.created_at)
        .where(ActionRow.store_id == store_id, ActionRow.issue_id.in_(issue_ids),
               ActionRow.status == "ok")
        .order_by(ActionRow.id)).all()
    for issue_id, kind, completed, created in actions:
        out.setdefault(issue_id, []).append(JournalEntry(completed or created, kind))
    replies = s.execute(
        select(ReplySentRow.issue_id, ReplySentRow.sent_at)
        .where(ReplySentRow.store_id == store_id, ReplySentRow.issue_id.in_(issue_ids))
        .order_by(ReplySentRow.id)).all()
    for issue_id, sent_at in replies:
        out.setdefault(issue_id, []).append(JournalEntry(sent_at, "reply"))
    return out


def _outcome(case: StoredCase, journal: list[JournalEntry]) -> Outcome | None:
    dispute, order = case.dispute, case.order
    freight = order.freight_amount if order is not None and (
        order.order_currency in ("", "USD")) else None
    return outcome_of(
        dispute.store_id, dispute.issue_id, dispute.detail_json, _UNCLASSIFIED,
        journal=journal, carrier=order.carrier if order is not None else "",
        country=order.buyer_country if order is not None else "", order_freight=freight,
        modified_at=dispute.modified_at)


def _rule_class(case: StoredCase, closed_at: datetime, histories: Any,
                blocklist: frozenset[str], store: StoreParameters | None) -> DisputeClass:
    """What the rules say of the dispute as it stood when it closed (a parcel's silence is
    counted to then, not to today)."""
    dispute = case.dispute
    result = triage_record(
        record_of(dispute, case.order, case.shipment,
                  history_counts(histories, dispute.buyer_login_id)),
        closed_at, store.triage.cost_model() if store else None, blocklist=blocklist,
        lane_overrides=store.tracking.lanes if store else None)
    return DisputeClass(result["class"])


def _row(outcome: Outcome, modified_at: datetime, recorded_at: datetime) -> dict[str, Any]:
    action: Action | None = outcome.action
    return {
        "store_id": outcome.store_id, "issue_id": outcome.issue_id,
        "rule_class": str(outcome.dispute_class),
        "steps": ",".join(str(step) for step in outcome.steps),
        "ending": str(outcome.end), "action": str(action) if action is not None else "",
        "agreed_plan": outcome.agreed_plan or "",
        "refund_paid": _cents(outcome.refund_paid), "goods_lost": _cents(outcome.goods_lost),
        "freight_lost": _cents(outcome.freight_lost),
        "counter_offer": _cents(outcome.counter_offer), "refund_max": _cents(outcome.refund_max),
        "currency": outcome.currency, "opened_at": outcome.opened_at,
        "closed_at": outcome.closed_at, "carrier": outcome.carrier[:120],
        "country": outcome.country[:8], "dispute_modified_at": modified_at,
        "recorded_at": recorded_at,
    }


def _cents(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.01"))
