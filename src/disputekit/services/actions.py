"""Acting on a dispute: refuse with a counter-offer, agree, extend protection, upload
evidence. Every action is journalled before it is sent and settled after, so nothing is
lost and nothing is applied twice.

The journal row is written first (``pending``). If the call fails in a way that leaves its
outcome unknown (timeout, dropped connection, a platform fault after retries), the row
becomes ``unknown``; before anything is sent again, the dispute is read back from the
platform and the action counts as done if its effect is already there.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from disputekit.adapters.aliexpress import AliExpressClient
from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ActionRow, DisputeRow
from disputekit.adapters.parameters import StoreParameters
from disputekit.domain.platform_time import parse_pacific, utc_now
from disputekit.errors import (
    ActionError,
    DisputeKitError,
    PlatformError,
)
from disputekit.services.sync import refresh_dispute

log = logging.getLogger(__name__)

# Evidence the platform shows back carries the upload time; allow for clock differences.
CLOCK_SLACK = timedelta(minutes=5)


class ActionKind(StrEnum):
    REFUSE = "refuse"  # counter-offer of 0: a full refusal (reference §4.4)
    PARTIAL_REFUND = "partial_refund"  # counter-offer of part of the money
    AGREE = "agree"  # accept the buyer's (or the platform's) plan
    EXTEND_PROTECTION = "extend_protection"
    UPLOAD_EVIDENCE = "upload_evidence"
    NOTE = "note"  # a local decision: resend planned, snoozed


# Decisions and facts recorded without calling the platform: a resend planned, a snooze, a
# case settled with the buyer in the order chat (it works now, they take the compensation),
# the buyer having answered a reply (there is no chat API to tell).
LOCAL_KINDS = frozenset({"resend", "snooze", "settled", "buyer_answered"})
# What settles a case between seller and buyer, so the closing reply asks the buyer to
# cancel the dispute: a resend, or a settlement the operator recorded. Not a plan the seller
# agreed to, nor a counter-offer the buyer accepted: the platform then carries the solution
# out and closes the dispute itself, and a buyer who cancelled during an agreed return would
# lose the refund.
SETTLING_KINDS = frozenset({"resend", "settled"})


class ActionStatus(StrEnum):
    PENDING = "pending"
    UNKNOWN = "unknown"
    OK = "ok"
    FAILED = "failed"


@dataclass(frozen=True)
class ActionOutcome:
    action_id: int
    kind: ActionKind
    status: ActionStatus
    message: str


class DisputeActions:
    """The operator's hands on one store: ``DisputeActions(store, client, db, "ana")``."""

    def __init__(self, store: StoreParameters, client: AliExpressClient, db: Database,
                 operator: str, clock: Callable[[], datetime] = utc_now) -> None:
        if not operator.strip():
            raise ActionError("say who is acting: operator must not be empty")
        self.store = store
        self.client = client
        self.db = db
        self.operator = operator.strip()
        self.clock = clock

    # -- the actions ---------------------------------------------------------------------
    def refuse(self, issue_id: int, reason: str, amount: Decimal | str = Decimal("0"),
               ) -> ActionOutcome:
        """Refuse the buyer's plan with a counter-offer in the dispute's local currency
        (0 = refuse outright), capped by ``refund_money_max_local``."""
        row = self._dispute(issue_id)
        value = _decimal(amount)
        cap = row.refund_max_local if row.refund_max_local is not None else Decimal("0")
        if value < 0 or value > cap:
            raise ActionError(f"dispute {issue_id}: the counter-offer must be between 0 and "
                              f"{cap} {row.local_currency} (the most the buyer can get back)")
        if not reason.strip():
            raise ActionError("give the buyer a reason: the platform shows it with the offer")
        plan = _open_buyer_plan(row)
        if plan is None:
            raise ActionError(f"dispute {issue_id} has no buyer plan waiting for you; "
                              "sync the store to see its current state")
        own = _open_seller_plan(row)
        kind = ActionKind.REFUSE if value == 0 else ActionKind.PARTIAL_REFUND
        request = {"issue_id": issue_id, "buyer_solution_id": plan["id"],
                   "modify_seller_solution_id": own["id"] if own else None,
                   "refund_amount": f"{value:.2f}", "currency": row.local_currency,
                   "reason": reason}

        def send() -> dict[str, Any]:
            ok = self.client.solution_save(
                issue_id=issue_id, buyer_login_id=row.buyer_login_id, refund_amount=value,
                currency=row.local_currency, reason=reason,
                buyer_solution_id=None if own else int(plan["id"]),
                modify_seller_solution_id=int(own["id"]) if own else None)
            return {"result_object": ok}

        def applied(detail: dict[str, Any], since: datetime) -> bool:
            return any(s.get("status") == "wait_buyer_accept"
                       and Decimal(str(s.get("refund_money") or "0")) == value
                       and s.get("content") == reason
                       for s in detail.get("seller_solution_list", []))

        return self._perform(kind, row, request, send, applied)

    def agree(self, issue_id: int, solution_id: int | None = None,
              return_address_id: int | None = None) -> ActionOutcome:
        """Accept the buyer's open plan (or ``solution_id``: a buyer or platform plan)."""
        row = self._dispute(issue_id)
        plans = [s for s in (*row.detail_json.get("buyer_solution_list", []),
                             *row.detail_json.get("platform_solution_list", []))
                 if s.get("status") in ("wait_seller_accept", "wait_buyer_and_seller_accept")]
        plan = next((s for s in plans if solution_id is None or s["id"] == solution_id), None)
        if plan is None:
            raise ActionError(f"dispute {issue_id}: no open plan "
                              f"{solution_id if solution_id is not None else ''} to agree to; "
                              "sync the store to see its current state")
        if plan.get("solution_type") == "return_and_refund" and return_address_id is None:
            raise ActionError(f"dispute {issue_id}: agreeing to a return needs a refund "
                              "address (return_address_id): pick one of the store's return "
                              "addresses")
        request = {"issue_id": issue_id, "solution_id": plan["id"],
                   "return_address_id": return_address_id}

        def send() -> dict[str, Any]:
            ok = self.client.solution_agree(issue_id, row.buyer_login_id, int(plan["id"]),
                                            return_address_id)
            return {"result_object": ok}

        def applied(detail: dict[str, Any], since: datetime) -> bool:
            every = (*detail.get("buyer_solution_list", []),
                     *detail.get("platform_solution_list", []))
            return any(s["id"] == plan["id"] and s.get("status") == "reached" for s in every)

        return self._perform(ActionKind.AGREE, row, request, send, applied)

    def extend_protection(self, issue_id: int, days: int) -> ActionOutcome:
        """Give the buyer ``days`` more of purchase protection (the stalled-parcel move)."""
        row = self._dispute(issue_id)
        if not 1 <= days <= 30:
            raise ActionError("extend protection by 1 to 30 days")
        request = {"issue_id": issue_id, "order_id": row.parent_order_id, "days": days}

        def send() -> dict[str, Any]:
            return {"is_success": self.client.extend_protection(row.parent_order_id, days)}

        # The platform shows no trace of an extension in the dispute, so an unknown outcome
        # is left for the operator to check rather than risk extending twice.
        return self._perform(ActionKind.EXTEND_PROTECTION, row, request, send, None)

    def upload_evidence(self, issue_id: int, image: bytes, extension: str) -> ActionOutcome:
        """Send one evidence image (the platform takes images only)."""
        row = self._dispute(issue_id)
        request = {"issue_id": issue_id, "extension": extension.lower().lstrip("."),
                   "bytes": len(image), "sha256": hashlib.sha256(image).hexdigest()}

        def send() -> dict[str, Any]:
            ok = self.client.upload_image(issue_id, row.buyer_login_id, image, extension)
            return {"result_object": ok}

        def applied(detail: dict[str, Any], since: datetime) -> bool:
            for process in detail.get("process_dto_list", []):
                at = parse_pacific(process.get("gmt_create") or None)
                if process.get("action_type") == "seller_create_proof" and at is not None \
                        and at >= since - CLOCK_SLACK and process.get("attachments"):
                    return True
            return False

        return self._perform(ActionKind.UPLOAD_EVIDENCE, row, request, send, applied)

    def note(self, issue_id: int, kind: str, detail: dict[str, Any]) -> ActionOutcome:
        """A decision that has no API call (a resend planned, a snooze): journalled with who
        and when like every action, so it is never lost and the next operator sees it."""
        row = self._dispute(issue_id)
        action_id = record_local(self.db, self.store.store_id, row.issue_id, kind,
                                 self.operator, detail, self.clock())
        return ActionOutcome(action_id, ActionKind.NOTE, ActionStatus.OK, f"{kind} recorded")

    # -- settling ------------------------------------------------------------------------
    def reconcile(self) -> list[ActionOutcome]:
        """Settle every action of this store left ``pending`` or ``unknown`` (after a crash
        or a timeout): done if the platform shows it, else sent again, never twice."""
        with self.db.session() as s:
            ids = s.scalars(select(ActionRow.id).where(
                ActionRow.store_id == self.store.store_id,
                ActionRow.status.in_([ActionStatus.PENDING, ActionStatus.UNKNOWN]),
            ).order_by(ActionRow.id)).all()
        return [self.retry(action_id) for action_id in ids]

    def retry(self, action_id: int) -> ActionOutcome:
        """Settle one unfinished action, reading the platform before sending anything."""
        with self.db.session() as s:
            action = s.get(ActionRow, action_id)
            if action is None or action.store_id != self.store.store_id:
                raise ActionError(f"no action {action_id} for store {self.store.store_id!r}")
            kind, status = ActionKind(action.kind), ActionStatus(action.status)
            request, issue_id, created = dict(action.request_json), action.issue_id, \
                action.created_at
        if status in (ActionStatus.OK, ActionStatus.FAILED):
            return ActionOutcome(action_id, kind, status, "already settled")
        row = refresh_dispute(self.store, self.client, self.db, issue_id)
        if kind is ActionKind.EXTEND_PROTECTION:
            return ActionOutcome(action_id, kind, status,
                                 "cannot tell from the platform whether the extension was "
                                 "applied: check the order in Seller Center before extending "
                                 "again")
        if _effect_visible(kind, request, row.detail_json, created):
            self._settle(action_id, ActionStatus.OK, {"reconciled": True},
                         "already applied on the platform; not sent again")
            return ActionOutcome(action_id, kind, ActionStatus.OK,
                                 "already applied on the platform; not sent again")
        with self.db.session() as s:
            found = s.get(ActionRow, action_id)
            assert found is not None
            s.delete(found)  # replaced by a fresh attempt with the same request
        return self._resend(kind, issue_id, request)

    def _resend(self, kind: ActionKind, issue_id: int, request: dict[str, Any]) -> ActionOutcome:
        if kind in (ActionKind.REFUSE, ActionKind.PARTIAL_REFUND):
            return self.refuse(issue_id, request["reason"], request["refund_amount"])
        if kind is ActionKind.AGREE:
            return self.agree(issue_id, request["solution_id"], request.get("return_address_id"))
        raise ActionError(f"a {kind} action cannot be re-sent from the journal (the image is "
                          "not kept there): upload the file again")

    def _perform(
        self,
        kind: ActionKind,
        row: DisputeRow,
        request: dict[str, Any],
        send: Callable[[], dict[str, Any]],
        applied: Callable[[dict[str, Any], datetime], bool] | None,
    ) -> ActionOutcome:
        started = self.clock()
        with self.db.session() as s:
            action = ActionRow(store_id=self.store.store_id, issue_id=row.issue_id, kind=kind,
                               operator=self.operator, created_at=started,
                               request_json=request, status=ActionStatus.PENDING, attempts=1)
            s.add(action)
            s.flush()
            action_id = action.id
        try:
            response = send()
        except PlatformError as exc:
            if exc.transient:
                return self._unknown(action_id, kind, exc)
            self._settle(action_id, ActionStatus.FAILED, None, str(exc))
            return ActionOutcome(action_id, kind, ActionStatus.FAILED, str(exc))
        except DisputeKitError as exc:
            if getattr(exc, "transient", False):
                return self._unknown(action_id, kind, exc)
            self._settle(action_id, ActionStatus.FAILED, None, str(exc))
            return ActionOutcome(action_id, kind, ActionStatus.FAILED, str(exc))
        self._settle(action_id, ActionStatus.OK, response, "")
        try:
            refresh_dispute(self.store, self.client, self.db, row.issue_id)
        except DisputeKitError as exc:  # the action stands; the next sync catches up
            log.warning("dispute %s: action done, re-reading it failed: %s", row.issue_id, exc)
        return ActionOutcome(action_id, kind, ActionStatus.OK, "done")

    def _unknown(self, action_id: int, kind: ActionKind, exc: Exception) -> ActionOutcome:
        message = (f"no clear answer from AliExpress ({exc}); it may or may not have been "
                   "applied. Retry: the dispute is read first, so it is never applied twice.")
        self._settle(action_id, ActionStatus.UNKNOWN, None, message)
        return ActionOutcome(action_id, kind, ActionStatus.UNKNOWN, message)

    def _settle(self, action_id: int, status: ActionStatus, response: dict[str, Any] | None,
                error: str) -> None:
        with self.db.session() as s:
            action = s.get(ActionRow, action_id)
            assert action is not None
            action.status = status
            action.response_json = response
            action.error = error[:2000]
            if status in (ActionStatus.OK, ActionStatus.FAILED):
                action.completed_at = self.clock()

    def _dispute(self, issue_id: int) -> DisputeRow:
        with self.db.session() as s:
            row = s.get(DisputeRow, (self.store.store_id, issue_id))
            if row is None:
                raise ActionError(f"dispute {issue_id} is not in store "
                                  f"{self.store.store_id!r}; sync the store, or check the id")
            if row.issue_status != "processing":
                raise ActionError(f"dispute {issue_id} is {row.issue_status}: it can no "
                                  "longer be changed")
            return row


def _effect_visible(kind: ActionKind, request: dict[str, Any], detail: dict[str, Any],
                    since: datetime) -> bool:
    if kind in (ActionKind.REFUSE, ActionKind.PARTIAL_REFUND):
        value = Decimal(request["refund_amount"])
        return any(Decimal(str(s.get("refund_money") or "0")) == value
                   and s.get("content") == request["reason"]
                   for s in detail.get("seller_solution_list", []))
    if kind is ActionKind.AGREE:
        every = (*detail.get("buyer_solution_list", []),
                 *detail.get("platform_solution_list", []))
        return any(s["id"] == request["solution_id"] and s.get("status") == "reached"
                   for s in every)
    if kind is ActionKind.UPLOAD_EVIDENCE:
        return any(p.get("action_type") == "seller_create_proof" and p.get("attachments")
                   and (parse_pacific(p.get("gmt_create") or None) or since) >= since
                   - CLOCK_SLACK for p in detail.get("process_dto_list", []))
    return False


def _open_buyer_plan(row: DisputeRow) -> dict[str, Any] | None:
    plans = [s for s in row.detail_json.get("buyer_solution_list", [])
             if s.get("status") == "wait_seller_accept"]
    return next((s for s in plans if s.get("is_default")), plans[0] if plans else None)


def _open_seller_plan(row: DisputeRow) -> dict[str, Any] | None:
    return next((s for s in row.detail_json.get("seller_solution_list", [])
                 if s.get("status") == "wait_buyer_accept"), None)


def _decimal(value: Decimal | str) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ActionError(f"{value!r} is not an amount like 12.50") from None


def record_local(db: Database, store_id: str, issue_id: int, kind: str, operator: str,
                 detail: dict[str, Any], at: datetime) -> int:
    """Journal a local decision or fact (``LOCAL_KINDS``) on a stored dispute, settled at
    once (nothing is sent); returns its action id."""
    if kind not in LOCAL_KINDS:
        raise ActionError(f"{kind!r} is not a local decision; use one of "
                          f"{', '.join(sorted(LOCAL_KINDS))}")
    if not operator.strip():
        raise ActionError("say who is acting: operator must not be empty")
    with db.session() as s:
        action = ActionRow(store_id=store_id, issue_id=issue_id, kind=kind,
                           operator=operator.strip(), created_at=at, request_json=detail,
                           status=ActionStatus.OK, attempts=0, response_json={"local": True},
                           completed_at=at)
        s.add(action)
        s.flush()
        return action.id


def journal_marks(db: Database, store_ids: Sequence[str] | None = None,
                  issue_id: int | None = None) -> dict[tuple[str, int], frozenset[str]]:
    """The kinds of action done (``ok``) on each dispute of ``store_ids`` (all when None),
    or on one: what the follow-ups read to know a case settled or a buyer answered."""
    query = select(ActionRow.store_id, ActionRow.issue_id, ActionRow.kind).where(
        ActionRow.status == ActionStatus.OK)
    if store_ids is not None:
        query = query.where(ActionRow.store_id.in_(list(store_ids)))
    if issue_id is not None:
        query = query.where(ActionRow.issue_id == issue_id)
    marks: dict[tuple[str, int], set[str]] = {}
    with db.session() as s:
        for store_id, issue, kind in s.execute(query.order_by(ActionRow.id)):
            marks.setdefault((store_id, issue), set()).add(kind)
    return {key: frozenset(kinds) for key, kinds in marks.items()}


@dataclass(frozen=True)
class LatestAction:
    """The newest journalled action on a dispute: who did what (for conflict checks)."""

    action_id: int
    operator: str
    kind: str


def latest_action(db: Database, store_id: str, issue_id: int) -> LatestAction | None:
    """The newest action any operator journalled on one dispute, or None."""
    with db.session() as s:
        row = s.scalars(select(ActionRow).where(
            ActionRow.store_id == store_id, ActionRow.issue_id == issue_id)
            .order_by(ActionRow.id.desc()).limit(1)).first()
        return LatestAction(row.id, row.operator, row.kind) if row else None


def unsettled_action(db: Database, store_id: str, issue_id: int) -> int | None:
    """The newest action on one dispute still pending or unknown (to retry), or None."""
    with db.session() as s:
        return s.scalars(select(ActionRow.id).where(
            ActionRow.store_id == store_id, ActionRow.issue_id == issue_id,
            ActionRow.status.in_(["pending", "unknown"])).order_by(
            ActionRow.id.desc()).limit(1)).first()
