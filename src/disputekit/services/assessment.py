"""The triage brain applied to what the sync stored: every open dispute classified, priced
and given a recommendation, with the operators' overrides winning and a shared blocklist.

``triage.triage_record`` is pure and reads wire-shaped JSON; the sync keeps exactly that
(the detail, the order, each parcel's tracking details), so this module only gathers it,
adds each buyer's history across every store, and stores the operators' corrections.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from disputekit.adapters.db.database import Database, upsert
from disputekit.adapters.db.tables import (
    BlocklistRow,
    ClaimRow,
    ClassOverrideRow,
    DisputeRow,
    OrderRow,
    ShipmentRow,
)
from disputekit.adapters.parameters import StoreParameters
from disputekit.domain.buyers import BuyerHistory, DisputeSighting, histories, normalise_login
from disputekit.domain.calibration import ClaimResult, Tallies, calibrate, calibrated, tally
from disputekit.domain.claims import ClaimStatus
from disputekit.domain.classify import Classification, Override, classify, disagreements
from disputekit.domain.deadlines import EscalationRule
from disputekit.domain.decisions import (
    SETTLE_IF_HISTORY_SAYS,
    Action,
    CostModel,
    local_amount,
    option_for,
    recommend,
)
from disputekit.domain.outcomes import Outcome
from disputekit.domain.platform_time import utc_now
from disputekit.domain.taxonomy import DisputeClass
from disputekit.errors import ActionError, TriageInputError
from disputekit.services.cases import StoredCase, load_case, load_cases
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
        if "track_info" in shipment.events_json:  # 17TRACK's too: merged by the triage
            record["tracking"]["track_info"] = shipment.events_json["track_info"]
    return record


def triage_open(db: Database, now: datetime, store_ids: Sequence[str] | None = None,
                stores: Mapping[str, StoreParameters] | None = None, *,
                open_only: bool = True,
                outcomes: Sequence[Outcome] | Tallies = ()) -> dict[Key, dict[str, Any]]:
    """Triage every open dispute (or every stored one when ``open_only`` is False, for the
    reports' money and rates by class); ``class`` is the effective one (an override wins) and
    ``rule_class`` what the rules said. A dispute whose stored data cannot be triaged gets
    ``{"error": ...}`` instead of stopping the others.

    ``outcomes``: the closed disputes of every store (the portfolio's), from which each
    store's odds are calibrated (``calibrated_models``), with the carrier claims that ended;
    or their ``Tallies`` (``outcomes.load_tallies``: claims counted in); none, the
    parameters' odds alone."""
    counted = isinstance(outcomes, Tallies)  # already counted, the ended claims with them
    with db.session() as s:
        cases = load_cases(s, store_ids, open_only=open_only)
        known = _Known.read(s, db)
        claims = ended_claims(s) if outcomes and not counted else []
    tallies = outcomes if isinstance(outcomes, Tallies) else tally(outcomes, claims) \
        if outcomes else None
    models = calibrated_models(tallies, {c.dispute.store_id for c in cases}, stores) \
        if tallies is not None else {}
    out: dict[Key, dict[str, Any]] = {}
    for case in cases:
        store_id = case.dispute.store_id
        try:
            out[case.key] = _assess(case, known, now, (stores or {}).get(store_id),
                                    models.get(store_id))
        except TriageInputError as exc:
            out[case.key] = {"error": str(exc)}
    return out


def ended_claims(s: Session) -> list[ClaimResult]:
    """Every store's carrier claims that ended: paid, or refused (for now: a second filing
    would reopen one)."""
    rows = s.execute(select(ClaimRow.store_id, ClaimRow.status).where(
        ClaimRow.status.in_([str(ClaimStatus.RECOVERED), str(ClaimStatus.REFUSED)]))).all()
    return [ClaimResult(store_id, status == str(ClaimStatus.RECOVERED))
            for store_id, status in rows]


def cost_model_of(store: StoreParameters | None) -> CostModel:
    """A store's cost model as its parameters set it (the defaults without parameters)."""
    model = store.triage.cost_model() if store is not None else None
    return model if isinstance(model, CostModel) else CostModel()


def calibrated_models(outcomes: Sequence[Outcome] | Tallies, store_ids: Iterable[str],
                      stores: Mapping[str, StoreParameters] | None = None,
                      ) -> dict[str, CostModel]:
    """Each store's cost model with the odds its closed disputes set (the other stores'
    lending to a store with few: ``domain.calibration``); the parameters' odds are the
    priors. Every outcome counts toward the portfolio, whichever stores are asked for."""
    tallies = outcomes if isinstance(outcomes, Tallies) else tally(outcomes)
    models: dict[str, CostModel] = {}
    for store_id in store_ids:
        base = cost_model_of((stores or {}).get(store_id))
        models[store_id] = calibrated(base, calibrate(tallies, base, store_id))
    return models


def effective_class(db: Database, store_id: str, issue_id: int, now: datetime | None = None,
                    stores: Mapping[str, StoreParameters] | None = None) -> DisputeClass:
    """The class every view shows for one dispute, the queue's: an operator's override wins,
    else what the rules say from the stored data, the buyer's history across every store,
    the blocklist and the store's lane overrides (``stores``). ``ActionError`` when the
    dispute is not stored; ``TriageInputError`` when its stored data cannot be read."""
    with db.session() as s:
        case = load_case(s, store_id, issue_id)
        if case is None:
            raise ActionError(f"dispute {issue_id} is not in store {store_id!r}'s database; "
                              "sync the store first, or check the id")
        known = _Known.read(s, db)
    result = _assess(case, known, now or utc_now(), (stores or {}).get(store_id))
    return DisputeClass(result["class"])


def offer_of(case: StoredCase, dispute_class: DisputeClass, action: Action, now: datetime,
             cost_model: CostModel | None = None) -> Decimal | None:
    """What taking ``action`` on this stored dispute offers the buyer, in the dispute's local
    currency (the one the platform takes a counter-offer in), priced for ``dispute_class``
    (an operator's correction included) with the store's ``cost_model``. ``None`` when the
    action pays the buyer nothing of its own (a resend) or the dispute gives no rate to the
    local currency; ``TriageInputError`` when its stored data cannot be read."""
    dispute = case.dispute
    facts, _detail = facts_from_record(record_of(dispute, case.order, case.shipment, {}), now)
    option = option_for(action, replace(classify(facts), code=dispute_class), facts,
                        cost_model or CostModel())
    if option.offered_usd is None:
        return None
    return local_amount(option.offered_usd, dispute.refund_max_usd, dispute.refund_max_local,
                        dispute.local_currency)


def settles_as_history_says(case: StoredCase, dispute_class: DisputeClass, now: datetime,
                            cost_model: CostModel | None) -> bool:
    """The advice on this dispute settles with a partial offer where the playbook refuses,
    because the store's own history (``cost_model.learned``) says refusals cost more: its
    replies then follow the settling plan. ``False`` without a learned model, for the other
    classes, and when the stored data cannot be read (the playbook's plan stands)."""
    if cost_model is None or not cost_model.learned \
            or dispute_class not in SETTLE_IF_HISTORY_SAYS:
        return False
    dispute = case.dispute
    try:
        facts, _detail = facts_from_record(record_of(dispute, case.order, case.shipment, {}),
                                           now)
    except TriageInputError:
        return False
    advice = recommend(replace(classify(facts), code=dispute_class), facts, cost_model)
    return advice.action is Action.PARTIAL_REFUND


@dataclass(frozen=True)
class _Known:
    """What the assessment of any dispute reads besides the dispute itself."""

    histories: Mapping[str, BuyerHistory]
    blocklist: frozenset[str]
    overrides: Mapping[Key, Override]

    @classmethod
    def read(cls, s: Session, db: Database) -> _Known:
        return cls(buyer_histories(s),
                   frozenset(s.scalars(select(BlocklistRow.buyer_login_id)).all()),
                   latest_overrides(db))


def _assess(case: StoredCase, known: _Known, now: datetime,
            store: StoreParameters | None, model: CostModel | None = None) -> dict[str, Any]:
    """One dispute triaged, its class the effective one (``rule_class``: the rules'), priced
    with ``model`` (a calibrated one) or else the store's parameters'."""
    dispute = case.dispute
    override = known.overrides.get(case.key)
    result = triage_record(
        record_of(dispute, case.order, case.shipment,
                  history_counts(known.histories, dispute.buyer_login_id)),
        now, model if model is not None else cost_model_of(store), blocklist=known.blocklist,
        escalation_rule=EscalationRule(store.triage.escalation_rule) if store
        else EscalationRule.CURRENT,
        lane_overrides=store.tracking.lanes if store else None,
        # the advice and its offer are priced for the class the operator set
        dispute_class=override.code if override is not None else None)
    result.setdefault("rule_class", result["class"])
    if override is not None:
        result["override"] = {"by": override.by, "why": override.why,
                              "at": override.at.isoformat() if override.at else None}
    return result


def buyer_histories(s: Session, login_id: str | None = None) -> dict[str, BuyerHistory]:
    """Each buyer's disputes across every store, keyed by normalised login (the counting of
    :func:`disputekit.domain.buyers.histories`); the orders known are the disputed ones.
    With ``login_id``, that buyer's alone (matched trimmed and in any case, as keyed)."""
    query = select(DisputeRow.buyer_login_id, DisputeRow.store_id, DisputeRow.parent_order_id)
    if login_id is not None:
        # A narrowing only (SQL lower() folds ASCII alone); the count below keys exactly.
        query = query.where(func.lower(func.trim(DisputeRow.buyer_login_id))
                            == login_id.strip().lower())
    rows = s.execute(query).all()
    return histories(DisputeSighting(login, store_id, order_id)
                     for login, store_id, order_id in rows)


def buyer_history(s: Session, login_id: str) -> BuyerHistory:
    """One buyer's record across every store (an empty one for an unknown buyer)."""
    return buyer_histories(s, login_id).get(normalise_login(login_id), BuyerHistory())


def history_counts(known: Mapping[str, BuyerHistory], login_id: str) -> dict[str, int]:
    """A buyer's history as the triage input carries it (``buyer_history``)."""
    history = known.get(normalise_login(login_id))
    if history is None:
        return {}
    return {"orders": history.orders, "disputes": history.disputes, "stores": history.stores}


def record_override(db: Database, store_id: str, issue_id: int, code: str, by: str, why: str,
                    now: datetime | None = None,
                    stores: Mapping[str, StoreParameters] | None = None) -> Override:
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
        case = load_case(s, store_id, issue_id)
        if case is None:
            raise ActionError(f"dispute {issue_id} is not in store {store_id!r}")
        # What the rules say now, from everything the queue uses, is kept with the override.
        rule = _assess(case, _Known.read(s, db), now, (stores or {}).get(store_id))
        s.add(ClassOverrideRow(store_id=store_id, issue_id=issue_id, code=str(cls),
                               rule_code=str(rule["rule_class"]), by=override.by,
                               why=override.why, at=now))
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

