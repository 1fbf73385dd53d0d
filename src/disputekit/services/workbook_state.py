"""What an operator was doing in the workbook, kept in the database.

A kernel restarts, a notebook is closed and opened again, an operator moves to another
machine: the filters, the sort, the dispute they had open, and every reply they edited
and have not sent (with the offer and the reason typed beside it) come back. A draft is
kept for one step of a dispute's plan: once that step is sent, or the plan moved on, it
is not offered again (``draft_for``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import WorkbookDraftRow, WorkbookViewRow
from disputekit.domain.platform_time import utc_now
from disputekit.errors import ActionError

#: The longest draft or reason kept (characters); the platform's own fields are shorter.
MAX_TEXT = 20_000


@dataclass(frozen=True)
class ViewState:
    """The operator's view: filter name → value (None: not filtered), the dispute open,
    the table's sort."""

    filters: Mapping[str, str | None] = field(default_factory=dict)
    selected: tuple[str, int] | None = None
    sort_by: str | None = None
    ascending: bool = True


@dataclass(frozen=True)
class Draft:
    """A reply being written for step ``step`` (``template``) of a dispute's plan."""

    store_id: str
    issue_id: int
    text: str
    lang: str
    offer: Decimal | None
    reason: str
    template: str
    step: int
    updated_at: datetime


def _who(operator: str) -> str:
    name = operator.strip()
    if not name:
        raise ActionError("say who you are first (Your name, at the top of the workbook): "
                          "what you were doing is kept per operator")
    return name[:120]


def _bounded(text: str, what: str) -> str:
    if len(text) > MAX_TEXT:
        raise ActionError(f"the {what} is {len(text):,} characters; keep it under "
                          f"{MAX_TEXT:,} (the buyer will not read more)")
    return text


def load_view(db: Database, operator: str) -> ViewState:
    """The operator's last view (the defaults when they have none)."""
    with db.session() as s:
        row = s.get(WorkbookViewRow, _who(operator))
        if row is None:
            return ViewState()
        filters = {str(k): (None if v is None else str(v))
                   for k, v in dict(row.filters_json or {}).items()}
        selected = (row.store_id, int(row.issue_id)) \
            if row.store_id is not None and row.issue_id is not None else None
        return ViewState(filters, selected, row.sort_by, bool(row.ascending))


def save_view(db: Database, operator: str, view: ViewState) -> None:
    """Keep the operator's view (replacing the last one)."""
    filters = {str(k): (None if v is None else _bounded(str(v), "filter"))
               for k, v in view.filters.items()}
    store_id, issue_id = view.selected if view.selected is not None else (None, None)
    with db.session() as s:
        db.upsert(s, WorkbookViewRow, [{
            "operator": _who(operator), "filters_json": filters, "store_id": store_id,
            "issue_id": issue_id, "sort_by": view.sort_by, "ascending": view.ascending,
            "updated_at": utc_now()}])


def save_draft(db: Database, operator: str, draft: Draft) -> None:
    """Keep a draft (one per operator and dispute: the newest wins)."""
    with db.session() as s:
        db.upsert(s, WorkbookDraftRow, [{
            "operator": _who(operator), "store_id": draft.store_id,
            "issue_id": int(draft.issue_id), "template": draft.template,
            "step": int(draft.step), "lang": draft.lang,
            "text": _bounded(draft.text, "draft"), "offer": draft.offer,
            "reason": _bounded(draft.reason, "reason"), "updated_at": draft.updated_at}])


def load_draft(db: Database, operator: str, store_id: str, issue_id: int) -> Draft | None:
    """The operator's kept draft on one dispute, whatever step it was for."""
    with db.session() as s:
        row = s.get(WorkbookDraftRow, (_who(operator), store_id, int(issue_id)))
        if row is None:
            return None
        return Draft(row.store_id, int(row.issue_id), row.text, row.lang, row.offer,
                     row.reason, row.template, int(row.step), row.updated_at)


def draft_for(db: Database, operator: str, store_id: str, issue_id: int, template: str,
              step: int) -> Draft | None:
    """The kept draft only if it was written for this step: a draft of reply 1 must never
    come back as reply 2."""
    draft = load_draft(db, operator, store_id, issue_id)
    if draft is None or draft.template != template or draft.step != step:
        return None
    return draft


def discard_draft(db: Database, operator: str, store_id: str, issue_id: int) -> None:
    """Forget the operator's draft on one dispute (it was sent, or they went back to the
    generated text)."""
    with db.session() as s:
        s.execute(delete(WorkbookDraftRow).where(
            WorkbookDraftRow.operator == _who(operator),
            WorkbookDraftRow.store_id == store_id,
            WorkbookDraftRow.issue_id == int(issue_id)))
