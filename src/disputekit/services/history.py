"""A dispute's history in one list, oldest first: what the platform shows (each party's
steps, every plan and offer with its answer) and what the workbook did (the operators'
actions from the journal, the replies they sent), each with who and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ActionRow, DisputeRow, ReplySentRow
from disputekit.domain.platform_time import parse_pacific
from disputekit.errors import MalformedPayloadError

_FAR = datetime.max.replace(tzinfo=UTC)
_PARTY = {"buyer": "buyer", "seller": "seller", "platform": "AliExpress",
          "system": "AliExpress"}
_PLAN_STATE = {"wait_seller_accept": "waiting for your answer",
               "wait_buyer_accept": "waiting for the buyer's answer",
               "wait_buyer_and_seller_accept": "waiting for both of you",
               "reached": "agreed", "rejected": "refused", "cancelled": "withdrawn",
               "canceled": "withdrawn"}


@dataclass(frozen=True)
class Entry:
    at: datetime | None  # aware UTC; None when the platform gave no time
    who: str  # "buyer", "seller", "AliExpress", or the operator's name
    what: str  # the event in words
    text: str = ""  # the words written with it (the buyer's: show as text only)
    source: str = "platform"  # "platform" (as synced) or "workbook" (journal, replies)


def dispute_history(db: Database, store_id: str, issue_id: int) -> list[Entry]:
    """Every step, offer and answer on one dispute, oldest first."""
    entries: list[Entry] = []
    with db.session() as s:
        dispute = s.get(DisputeRow, (store_id, issue_id))
        detail: dict[str, Any] = dict(dispute.detail_json or {}) if dispute else {}
        for action in s.scalars(select(ActionRow).where(
                ActionRow.store_id == store_id, ActionRow.issue_id == issue_id)
                .order_by(ActionRow.id)):
            entries.append(Entry(action.created_at, action.operator, _action_words(action),
                                 str((action.request_json or {}).get("reason") or ""),
                                 "workbook"))
        for reply in s.scalars(select(ReplySentRow).where(
                ReplySentRow.store_id == store_id, ReplySentRow.issue_id == issue_id)
                .order_by(ReplySentRow.id)):
            entries.append(Entry(reply.sent_at, reply.operator,
                                 f"reply {reply.template.replace('_', ' ')} sent "
                                 f"({reply.lang}, {reply.channel.replace('_', ' ')})",
                                 reply.text, "workbook"))
    for process in _items(detail.get("process_dto_list")):
        who = _PARTY.get(str(process.get("submit_member_type") or "").lower(), "AliExpress")
        what = str(process.get("action_type") or "step").replace("_", " ")
        if process.get("attachments"):
            what += f" ({len(process['attachments'])} attachment(s))"
        entries.append(Entry(_when(process.get("gmt_create")), who, what,
                             str(process.get("content") or "")))
    for owner, key in (("buyer", "buyer_solution_list"), ("seller", "seller_solution_list"),
                       ("AliExpress", "platform_solution_list")):
        for plan in _items(detail.get(key)):
            money = plan.get("refund_money")
            currency = plan.get("refund_money_currency") or ""
            amount = f" {money} {currency}".rstrip() if money not in (None, "") else ""
            kind = str(plan.get("solution_type") or "plan").replace("_", " ")
            state = str(plan.get("status") or "")
            entries.append(Entry(_when(plan.get("gmt_create")), owner,
                                 f"{owner}'s plan: {kind}{amount} · "
                                 f"{_PLAN_STATE.get(state, state.replace('_', ' '))}",
                                 str(plan.get("content") or "")))
    # Stable: what has no time keeps its place after what has one.
    return sorted(entries, key=lambda e: e.at or _FAR)


def _items(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _when(value: Any) -> datetime | None:
    try:
        return parse_pacific(str(value)) if value else None
    except (MalformedPayloadError, ValueError):  # a time we cannot read is left out
        return None


def _action_words(action: ActionRow) -> str:
    request = action.request_json or {}
    kind = action.kind
    if kind in ("refuse", "partial_refund"):
        words = (f"refused, offered {request.get('refund_amount', '0')} "
                 f"{request.get('currency', '')}").rstrip()
    elif kind == "extend_protection":
        words = f"extended protection by {request.get('days', '?')} days"
    elif kind == "agree":
        words = "agreed to the buyer's plan"
    elif kind == "upload_evidence":
        words = "uploaded evidence"
    else:
        words = kind.replace("_", " ")
    status = {"ok": "", "failed": " (failed)", "unknown": " (outcome unknown)",
              "pending": " (in flight)"}.get(action.status, f" ({action.status})")
    return words + status
