"""What if the last N days' disputes had been answered under another policy: the stored
closed disputes, the store's calibrated odds and the dispute rate's other terms, handed to
``domain.whatif.compare`` (the CLI's ``disputekit whatif`` and the workbook's panel).

The closed disputes are the outcomes the sync recorded as they closed
(``services.outcomes.load_outcomes``, the operators' overrides applied). A database synced
before that table existed has none recorded yet: then they are read here from what the sync
stored (``closed_outcomes``: ``domain.outcomes.outcome_of`` on each closed dispute's detail
with the seller's journal, its class the queue's). ``compare_stored`` also takes any list of
outcomes through ``outcomes=``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ActionRow, ReplySentRow
from disputekit.adapters.parameters import StoreParameters
from disputekit.domain.calibration import calibrate
from disputekit.domain.outcomes import End, JournalEntry, Outcome, outcome_of
from disputekit.domain.taxonomy import DisputeClass
from disputekit.domain.whatif import DRAWS, Comparison, Policy, RateBase, compare
from disputekit.errors import MalformedPayloadError, UnknownStoreError
from disputekit.services.assessment import cost_model_of
from disputekit.services.cases import load_cases
from disputekit.services.outcomes import load_outcomes
from disputekit.services.report_data import disputes_frame

__all__ = ["closed_outcomes", "compare_stored"]

log = logging.getLogger(__name__)


def closed_outcomes(db: Database, now: datetime,
                    stores: Mapping[str, StoreParameters] | None = None,
                    classes: Mapping[tuple[str, int], str] | None = None) -> list[Outcome]:
    """Every stored closed dispute (of every store: the calibration borrows across them) as
    an ``Outcome``; ``classes``: each dispute's class (default: the queue's, computed)."""
    if classes is None:
        frame = disputes_frame(db, now, None, stores)
        classes = dict(zip(zip(frame["store_id"], frame["issue_id"], strict=True),
                           frame["class"], strict=True))
    known = {str(c) for c in DisputeClass}
    out: list[Outcome] = []
    with db.session() as s:
        cases = [c for c in load_cases(s) if c.dispute.issue_status != "processing"]
        journals: dict[tuple[str, int], list[JournalEntry]] = {}
        for store_id, issue_id, kind, completed, created in s.execute(
                select(ActionRow.store_id, ActionRow.issue_id, ActionRow.kind,
                       ActionRow.completed_at, ActionRow.created_at)
                .where(ActionRow.status == "ok").order_by(ActionRow.id)).all():
            journals.setdefault((store_id, issue_id), []).append(
                JournalEntry(completed or created, kind))
        for store_id, issue_id, sent_at in s.execute(
                select(ReplySentRow.store_id, ReplySentRow.issue_id, ReplySentRow.sent_at)
                .order_by(ReplySentRow.id)).all():
            journals.setdefault((store_id, issue_id), []).append(JournalEntry(sent_at, "reply"))
    for case in cases:
        code = classes.get(case.key, "")
        if code not in known:
            continue  # not classified (its data could not be read): nothing to replay
        dispute, order = case.dispute, case.order
        freight = order.freight_amount if order is not None and (
            order.order_currency in ("", "USD")) else None
        try:
            outcome = outcome_of(
                dispute.store_id, dispute.issue_id, dispute.detail_json, DisputeClass(code),
                journal=journals.get(case.key, ()),
                carrier=order.carrier if order is not None else "",
                country=order.buyer_country if order is not None else "",
                order_freight=freight, modified_at=dispute.modified_at)
        except MalformedPayloadError as exc:
            log.warning("dispute %s/%s left out of the what-if: %s", *case.key, exc)
            continue
        if outcome is not None:
            out.append(outcome)
    return out


def compare_stored(db: Database, policy: Policy, *, now: datetime, days: int = 90,
                   store_id: str | None = None,
                   stores: Mapping[str, StoreParameters] | None = None,
                   outcomes: Sequence[Outcome] | None = None, draws: int = DRAWS,
                   seed: int = 0) -> Comparison:
    """Today's policy and ``policy`` over the closed disputes of ``store_id`` (every store
    when ``None``) opened in the last ``days`` days, with its calibrated odds (a store's own
    shrunk toward the other stores', then toward its parameters' priors) and the dispute
    rate's window as the reports count it."""
    # the engine loaded when asked for: the workbook's panel imports this module
    from disputekit.adapters.db.arrow import orders_arrow
    from disputekit.domain.kpis.columnar import Figures, canonical_disputes

    if days < 1:
        raise ValueError(f"days must be 1 or more, got {days}")
    frame = disputes_frame(db, now, None, stores)
    if store_id is not None and not (frame["store_id"] == store_id).any():
        known = ", ".join(sorted(set(frame["store_id"]))) or "none"
        raise UnknownStoreError(f"no stored disputes for store {store_id!r}; stores with "
                                f"disputes: {known}. Sync it first, or fix the store id.")
    if outcomes is None:
        outcomes = load_outcomes(db)
    if not outcomes:  # none recorded yet: read them from the stored closed disputes
        classes = dict(zip(zip(frame["store_id"], frame["issue_id"], strict=True),
                           frame["class"], strict=True))
        outcomes = closed_outcomes(db, now, stores, classes)
    model = cost_model_of((stores or {}).get(store_id) if store_id else None)
    odds = calibrate(outcomes, model, store_id)
    since = now - timedelta(days=days)
    window = [o for o in outcomes if (store_id is None or o.store_id == store_id)
              and since < o.opened_at <= now]
    ids = [store_id] if store_id else None
    chosen = frame if store_id is None else frame[frame["store_id"] == store_id]
    # the orders read in bulk into Arrow and counted by the columnar engine (every store's
    # orders, at portfolio scale, never as Python objects)
    figures = Figures(orders_arrow(db, ids), canonical_disputes(chosen),
                      orders_unique=True)  # order_lines' primary key
    try:
        rate = figures.dispute_rate(now, days)
    finally:
        figures.close()
    counted = sum(o.end is not End.BUYER_CANCELLED for o in window)
    # The rate's disputes not replayed (still open) count as they stand (one order each).
    base = RateBase(confirmed=rate.confirmed, other_opened=max(rate.opened - len(window), 0),
                    other_counted=max(rate.numerator - counted, 0))
    return compare(window, odds, model, policy, days=days, base=base, draws=draws, seed=seed)
