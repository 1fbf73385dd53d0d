"""Sending a dispute's rendered images to the platform (``aliexpress.issue.image.upload``)
through :class:`actions.DisputeActions` (journalled, never applied twice), and recording the
result on each image's row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy import select

from disputekit.adapters.aliexpress import AliExpressClient
from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ActionRow
from disputekit.adapters.parameters import StoreParameters
from disputekit.domain.evidence import EvidenceKind
from disputekit.domain.platform_time import utc_now
from disputekit.errors import ActionError
from disputekit.services.actions import ActionKind, ActionStatus, DisputeActions
from disputekit.services.evidence_store import EvidenceItem, EvidenceStore, evidence_kind

__all__ = ["DEFAULT_UPLOAD", "UploadOutcome", "upload_latest", "upload_rendered"]

# What goes to the platform by default: the summary first, then the two deciding records.
DEFAULT_UPLOAD: Final = (EvidenceKind.CASE_SUMMARY, EvidenceKind.TRACKING_TIMELINE,
                         EvidenceKind.SHIPPING_RECORD)


@dataclass(frozen=True)
class UploadOutcome:
    evidence_id: int | None
    kind: EvidenceKind
    status: str  # ok / unknown / failed / skipped
    message: str


def upload_latest(evidence: EvidenceStore, actions: DisputeActions, issue_id: int,
                  kinds: Sequence[EvidenceKind | str] = DEFAULT_UPLOAD) -> list[UploadOutcome]:
    """Send the latest rendered image of each kind through
    ``DisputeActions.upload_evidence`` and record the result on its row.

    Never twice: an image already uploaded is skipped, and one whose earlier upload got
    no clear answer is settled first by reading the dispute back from the platform."""
    store_id = actions.store.store_id
    wanted = [evidence_kind(k) for k in kinds]  # refuse a bad kind before sending anything
    latest = evidence.latest_rendered(store_id, issue_id)
    out = []
    for kind in wanted:
        item = latest.get(kind)
        if item is None:
            out.append(UploadOutcome(None, kind, "skipped",
                                     f"no rendered {kind} for dispute {issue_id}: render "
                                     "it first"))
            continue
        out.append(_upload_one(evidence, actions, item))
    return out


def _upload_one(evidence: EvidenceStore, actions: DisputeActions,
                item: EvidenceItem) -> UploadOutcome:
    if item.uploaded_at is not None:
        return UploadOutcome(item.id, item.kind, "skipped",
                             f"already uploaded on {item.uploaded_at:%Y-%m-%d %H:%M} UTC")
    for action in _journal(evidence, item):
        if action.status == ActionStatus.OK:
            evidence.record_upload(item.id, action.completed_at or utc_now(),
                                   f"ok: already uploaded (action {action.id})")
            return UploadOutcome(item.id, item.kind, "skipped",
                                 f"already uploaded (action {action.id})")
        if action.status in (ActionStatus.PENDING, ActionStatus.UNKNOWN):
            try:
                settled = actions.retry(action.id)
            except ActionError:
                continue  # not on the platform: the journal row is gone, send it anew
            if settled.status is ActionStatus.OK:
                evidence.record_upload(item.id, utc_now(),
                                       f"ok: {settled.message} (action {action.id})")
                return UploadOutcome(item.id, item.kind, "ok", settled.message)
    data = evidence.read(item)
    try:
        outcome = actions.upload_evidence(item.issue_id, data, item.extension)
    except ActionError as exc:
        evidence.record_upload(item.id, None, f"refused: {exc}")
        return UploadOutcome(item.id, item.kind, "failed", str(exc))
    result = f"{outcome.status}: {outcome.message} (action {outcome.action_id})"
    done = outcome.status is ActionStatus.OK
    evidence.record_upload(item.id, utc_now() if done else None, result)
    return UploadOutcome(item.id, item.kind, str(outcome.status), outcome.message)


def _journal(evidence: EvidenceStore, item: EvidenceItem) -> list[ActionRow]:
    with evidence.db.session() as s:
        rows = s.scalars(select(ActionRow).where(
            ActionRow.store_id == item.store_id, ActionRow.issue_id == item.issue_id,
            ActionRow.kind == str(ActionKind.UPLOAD_EVIDENCE),
        ).order_by(ActionRow.id)).all()
        return [r for r in rows if (r.request_json or {}).get("sha256") == item.sha256]


def upload_rendered(store: StoreParameters, client: AliExpressClient, db: Database,
                    data_dir: Path | str, issue_id: int, *, operator: str,
                    kinds: Sequence[EvidenceKind | str] = DEFAULT_UPLOAD
                    ) -> list[UploadOutcome]:
    """Upload a dispute's rendered images through the journalled actions (see
    :func:`upload_latest`)."""
    return upload_latest(EvidenceStore(db, data_dir),
                         DisputeActions(store, client, db, operator), issue_id, kinds)
