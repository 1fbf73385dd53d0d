"""Evidence on disk and in the database: collected from what the sync stored, attached by an
operator, rendered, uploaded to the platform, exported as one zip per dispute.

Every file lives under ``<data dir>/evidence/<store>/<issue>/`` named by its SHA-256 (the
original name is only kept in the ``evidence`` table, so no name ever reaches the file
system). A file is written to a temporary name in that folder and renamed into place, so a
crash never leaves half a file under a real name; if the database then refuses the row, the
file (and any folder made for it) is removed again. An operator's attachment is checked
before anything is written (:func:`evidence.validate_attachment`): type by content, size
cap per type, harmless name.

Three sources, one table (``EvidenceRow``):

- ``api``: JSON snapshots of what the sync already holds (tracking, signature, the order's
  shipping record, the buyer's attachments, the dispute's history). No network call.
- ``operator``: photos, videos and PDFs an operator attached.
- ``rendered``: the PNGs of :mod:`disputekit.render.evidence_images`, ready for
  ``aliexpress.issue.image.upload``; :meth:`EvidenceStore.upload_rendered` sends them through
  :class:`actions.DisputeActions` (journalled, never applied twice) and records the result.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from disputekit.adapters.aliexpress import AliExpressClient
from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import (
    ActionRow,
    BlocklistRow,
    DisputeRow,
    EvidenceRow,
    OrderRow,
    ShipmentRow,
)
from disputekit.adapters.parameters import StoreParameters
from disputekit.domain.classify import classify
from disputekit.domain.evidence import (
    AssessedItem,
    CaseFacts,
    EvidenceKind,
    EvidenceSource,
    ItemState,
    Message,
    assess_checklist,
    deciding_fact,
    validate_attachment,
)
from disputekit.domain.platform_time import parse_pacific, utc_now
from disputekit.domain.privacy import mask_login
from disputekit.domain.replies import infer_language
from disputekit.domain.taxonomy import DisputeClass
from disputekit.domain.tracking import Timeline, from_aliexpress
from disputekit.errors import ActionError, EvidenceError, MalformedPayloadError
from disputekit.render.evidence_images import fact_text, label, render_all
from disputekit.services.actions import ActionKind, ActionStatus, DisputeActions
from disputekit.services.assessment import latest_overrides, record_of
from disputekit.wire.records import facts_from_record

__all__ = ["DEFAULT_UPLOAD", "EVIDENCE_DIR", "EvidenceItem", "EvidenceStore", "UploadOutcome",
           "upload_rendered"]

EVIDENCE_DIR: Final = "evidence"
# What goes to the platform by default: the summary first, then the two deciding records.
DEFAULT_UPLOAD: Final = (EvidenceKind.CASE_SUMMARY, EvidenceKind.TRACKING_TIMELINE,
                         EvidenceKind.SHIPPING_RECORD)
_STORE_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
# Already-compressed media gain nothing from deflate.
_STORED_TYPES: Final = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp",
                                  "video/mp4", "video/quicktime"})


@dataclass(frozen=True)
class EvidenceItem:
    """One stored piece of evidence (a detached copy of its ``EvidenceRow``)."""

    id: int
    store_id: str
    issue_id: int
    kind: EvidenceKind
    source: EvidenceSource
    file_path: str  # relative to the data dir, with forward slashes
    original_name: str
    media_type: str
    size: int
    sha256: str
    added_by: str
    added_at: datetime
    uploaded_at: datetime | None
    upload_result: str

    @classmethod
    def of(cls, row: EvidenceRow) -> EvidenceItem:
        return cls(id=row.id, store_id=row.store_id, issue_id=row.issue_id,
                   kind=EvidenceKind(row.kind), source=EvidenceSource(row.source),
                   file_path=row.file_path, original_name=row.original_name,
                   media_type=row.media_type, size=row.size, sha256=row.sha256,
                   added_by=row.added_by, added_at=row.added_at, uploaded_at=row.uploaded_at,
                   upload_result=row.upload_result)

    @property
    def extension(self) -> str:
        return self.file_path.rpartition(".")[2]


@dataclass(frozen=True)
class UploadOutcome:
    evidence_id: int | None
    kind: EvidenceKind
    status: str  # ok / unknown / failed / skipped
    message: str


class EvidenceStore:
    """A workspace's evidence: ``EvidenceStore(db, workspace.data_dir)``."""

    def __init__(self, db: Database, data_dir: Path | str) -> None:
        self.db = db
        self.data_dir = Path(data_dir)

    # -- where things are ----------------------------------------------------------------
    def folder(self, store_id: str, issue_id: int) -> Path:
        """``<data dir>/evidence/<store>/<issue>/`` (not created here)."""
        _check_ids(store_id, issue_id)
        return self.data_dir / EVIDENCE_DIR / store_id / str(int(issue_id))

    def path_of(self, item: EvidenceItem) -> Path:
        """Where a stored item's file is; ``EvidenceError`` if its recorded path (from the
        database) or a symlink on the way leads outside the evidence folder."""
        return self._inside(self.data_dir / item.file_path)

    def _inside(self, path: Path) -> Path:
        """``path`` if it resolves, symlinks followed, inside ``<data dir>/evidence``.

        Names never come from outside (files are stored as ``<sha256>.<ext>`` under checked
        ids), so this guards against what was planted: a symlink in the evidence folder
        pointing elsewhere, or an edited ``file_path`` in the database.
        """
        root = (self.data_dir / EVIDENCE_DIR).resolve()
        if not path.resolve().is_relative_to(root):
            raise EvidenceError(
                f"{path} leads outside the evidence folder {root} (a symlink or an edited "
                "database row); remove the link or the row, then add the evidence again")
        return path

    def items(self, store_id: str, issue_id: int) -> list[EvidenceItem]:
        """Everything stored for one dispute, oldest first."""
        _check_ids(store_id, issue_id)
        with self.db.session() as s:
            rows = s.scalars(select(EvidenceRow).where(
                EvidenceRow.store_id == store_id, EvidenceRow.issue_id == issue_id,
            ).order_by(EvidenceRow.id)).all()
            return [EvidenceItem.of(r) for r in rows]

    def read(self, item: EvidenceItem) -> bytes:
        """A stored file's bytes, checked against its recorded hash."""
        path = self.path_of(item)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise EvidenceError(f"evidence {item.id} ({item.kind}) is missing from "
                                f"{path}: {exc.strerror}; add it again") from None
        if hashlib.sha256(data).hexdigest() != item.sha256:
            raise EvidenceError(f"evidence {item.id} ({item.kind}) at {path} was changed after "
                                "it was stored (hash mismatch); add the original again")
        return data

    # -- operator attachments ------------------------------------------------------------
    def add_file(self, store_id: str, issue_id: int, name: str, data: bytes, added_by: str,
                 kind: EvidenceKind | str) -> EvidenceItem:
        """Store an operator's photo, video or PDF for a checklist item.

        Refused with ``EvidenceError`` before anything is written: an unknown kind or
        dispute, a type that is not allowed (judged by the bytes), a file over its type's cap,
        a hostile name. The same bytes added twice to a dispute are stored once (the first
        row, with its kind, is returned).
        """
        evidence_kind = _kind(kind)
        who = _who(added_by)
        file_type = validate_attachment(name, data)
        self._require_dispute(store_id, issue_id)
        digest = hashlib.sha256(data).hexdigest()
        existing = self._by_hash(store_id, issue_id, digest)
        if existing is not None:
            return existing
        return self._store(store_id, issue_id, evidence_kind, EvidenceSource.OPERATOR, data,
                           digest, file_type.extension, file_type.media_type,
                           unicodedata.normalize("NFC", name), who)

    def remove(self, evidence_id: int) -> None:
        """Forget one piece of evidence and delete its file (unless another row shares it)."""
        with self.db.session() as s:
            row = s.get(EvidenceRow, evidence_id)
            if row is None:
                raise EvidenceError(f"no evidence {evidence_id}")
            path = row.file_path
            s.delete(row)
        self._drop_file_if_unused(path)

    # -- from the API (what the sync stored) ---------------------------------------------
    def collect_from_api(self, store_id: str, issue_id: int, added_by: str = "disputekit"
                         ) -> list[EvidenceItem]:
        """Snapshot what the sync holds for the dispute as evidence: the parcel's tracking,
        the delivery scan and signatory, the order's shipping record, the buyer's
        attachments, the dispute's history. Each is one JSON file, refreshed in place when
        the data changed. Returns the items now collected from the API."""
        facts = self.case_facts(store_id, issue_id)
        with self.db.session() as s:
            dispute = s.get(DisputeRow, (store_id, issue_id))
            assert dispute is not None
            order = s.get(OrderRow, (store_id, dispute.parent_order_id))
            detail = dict(dispute.detail_json)
            raw_order = dict(order.raw_json) if order is not None else None
            order_fields = _order_fields(order) if order is not None else None
        snapshots = _api_snapshots(facts, detail, raw_order, order_fields)
        out = []
        for kind, content in snapshots.items():
            out.append(self._put_api(store_id, issue_id, kind, content, _who(added_by)))
        return out

    # -- what a case is ------------------------------------------------------------------
    def case_facts(self, store_id: str, issue_id: int) -> CaseFacts:
        """The dispute, its order and every parcel of the order, as the sync stored them."""
        # Checked before the query: PostgreSQL refuses some strings (a NUL byte) outright,
        # which would surface as a database error instead of "no such dispute".
        _check_ids(store_id, issue_id)
        with self.db.session() as s:
            dispute = s.get(DisputeRow, (store_id, issue_id))
            if dispute is None:
                raise EvidenceError(f"dispute {issue_id} is not in store {store_id!r}'s "
                                    "database; sync the store first, or check the id")
            order = s.get(OrderRow, (store_id, dispute.parent_order_id))
            numbers = _order_numbers(order)
            shipments = {r.logistics_no: r for r in s.scalars(select(ShipmentRow).where(
                ShipmentRow.store_id == store_id,
                ShipmentRow.logistics_no.in_(numbers))).all()} if numbers else {}
            parcels = tuple(_timeline(n, shipments.get(n)) for n in numbers)
            receipt = (order.raw_json.get("receipt_address") or {}) if order else {}
            city = str(receipt.get("city") or "").strip()
            country = order.buyer_country if order else ""
            return CaseFacts(
                store_id=store_id, issue_id=issue_id, order_id=dispute.parent_order_id,
                buyer_login=dispute.buyer_login_id, buyer_country=country,
                destination=", ".join(p for p in (city, country) if p),
                product_name=dispute.product_name, product_price=dispute.product_price,
                refund_max_usd=dispute.refund_max_usd,
                refund_max_local=dispute.refund_max_local,
                local_currency=dispute.local_currency,
                order_total=order.order_amount if order else None,
                order_currency=order.order_currency if order else "",
                freight=order.freight_amount if order else None,
                reason=dispute.reason_english,
                status=dispute.reverse_detail_status or dispute.issue_status,
                opened_at=dispute.created_at,
                carrier=order.carrier if order else "",
                service=order.service_name if order else "",
                service_kind=order.service_kind if order else "",
                shipped_at=order.shipped_at if order else None,
                main_no=order.logistics_no if order else "",
                parcels=parcels,
                messages=_messages(dispute.detail_json),
                synced_at=dispute.synced_at,
            )

    def dispute_class(self, store_id: str, issue_id: int, now: datetime | None = None
                      ) -> DisputeClass:
        """The dispute's class as the queue shows it: an operator's override wins, else
        what the rules say from the stored data."""
        _check_ids(store_id, issue_id)
        now = now or utc_now()
        override = latest_overrides(self.db).get((store_id, issue_id))
        if override is not None:
            return override.code
        with self.db.session() as s:
            dispute = s.get(DisputeRow, (store_id, issue_id))
            if dispute is None:
                raise EvidenceError(f"dispute {issue_id} is not in store {store_id!r}")
            order = s.get(OrderRow, (store_id, dispute.parent_order_id))
            shipment = s.get(ShipmentRow, (store_id, order.logistics_no)) if order else None
            mine = s.execute(select(DisputeRow.store_id, DisputeRow.parent_order_id).where(
                DisputeRow.buyer_login_id == dispute.buyer_login_id)).all()
            history = {"orders": len({tuple(r) for r in mine}), "disputes": len(mine),
                       "stores": len({r[0] for r in mine})}
            blocklist = frozenset(s.scalars(select(BlocklistRow.buyer_login_id)).all())
            record = record_of(dispute, order, shipment, history)
        facts, _detail = facts_from_record(record, now, blocklist=blocklist)
        return classify(facts).code

    def checklist(self, store_id: str, issue_id: int,
                  dispute_class: DisputeClass | str | None = None,
                  now: datetime | None = None) -> list[AssessedItem]:
        """The class's checklist, each item collected, missing or not applicable."""
        cls = DisputeClass(dispute_class) if dispute_class is not None \
            else self.dispute_class(store_id, issue_id, now)
        facts = self.case_facts(store_id, issue_id)
        kinds = {i.kind for i in self.items(store_id, issue_id)}
        return assess_checklist(cls, kinds, facts)

    def language(self, store_id: str, issue_id: int) -> str:
        """The buyer's language (their words first, else their country's), for labels."""
        facts = self.case_facts(store_id, issue_id)
        said = [m.text for m in facts.messages if m.member == "buyer" and m.text]
        return infer_language(facts.buyer_country, said)

    # -- rendered images -----------------------------------------------------------------
    def render(self, store_id: str, issue_id: int, *, lang: str | None = None,
               dispute_class: DisputeClass | str | None = None, now: datetime | None = None,
               added_by: str = "disputekit") -> list[EvidenceItem]:
        """Draw the case summary, the tracking timeline and the shipping record in ``lang``
        (default: the buyer's language) and store them; an image identical to one already
        stored is not stored twice."""
        now = now or utc_now()
        facts = self.case_facts(store_id, issue_id)
        cls = DisputeClass(dispute_class) if dispute_class is not None \
            else self.dispute_class(store_id, issue_id, now)
        language = lang or self.language(store_id, issue_id)
        out = []
        for image in render_all(facts, now, language, cls):
            digest = hashlib.sha256(image.png).hexdigest()
            existing = self._by_hash(store_id, issue_id, digest)
            out.append(existing or self._store(
                store_id, issue_id, image.kind, EvidenceSource.RENDERED, image.png, digest,
                "png", "image/png", f"{image.kind}-{image.lang}.png", _who(added_by)))
        return out

    def latest_rendered(self, store_id: str, issue_id: int) -> dict[EvidenceKind, EvidenceItem]:
        latest: dict[EvidenceKind, EvidenceItem] = {}
        for item in self.items(store_id, issue_id):
            if item.source is EvidenceSource.RENDERED:
                latest[item.kind] = item  # items come oldest first
        return latest

    # -- upload --------------------------------------------------------------------------
    def upload_rendered(self, actions: DisputeActions, issue_id: int,
                        kinds: Sequence[EvidenceKind | str] = DEFAULT_UPLOAD
                        ) -> list[UploadOutcome]:
        """Send the latest rendered image of each kind through
        ``DisputeActions.upload_evidence`` and record the result on its row.

        Never twice: an image already uploaded is skipped, and one whose earlier upload got
        no clear answer is settled first by reading the dispute back from the platform."""
        store_id = actions.store.store_id
        wanted = [_kind(k) for k in kinds]  # refuse a bad kind before sending anything
        latest = self.latest_rendered(store_id, issue_id)
        out = []
        for kind in wanted:
            item = latest.get(kind)
            if item is None:
                out.append(UploadOutcome(None, kind, "skipped",
                                         f"no rendered {kind} for dispute {issue_id}: render "
                                         "it first"))
                continue
            out.append(self._upload_one(actions, item))
        return out

    def _upload_one(self, actions: DisputeActions, item: EvidenceItem) -> UploadOutcome:
        if item.uploaded_at is not None:
            return UploadOutcome(item.id, item.kind, "skipped",
                                 f"already uploaded on {item.uploaded_at:%Y-%m-%d %H:%M} UTC")
        for action in self._journal(item):
            if action.status == ActionStatus.OK:
                self._record_upload(item.id, action.completed_at or utc_now(),
                                    f"ok: already uploaded (action {action.id})")
                return UploadOutcome(item.id, item.kind, "skipped",
                                     f"already uploaded (action {action.id})")
            if action.status in (ActionStatus.PENDING, ActionStatus.UNKNOWN):
                try:
                    settled = actions.retry(action.id)
                except ActionError:
                    continue  # not on the platform: the journal row is gone, send it anew
                if settled.status is ActionStatus.OK:
                    self._record_upload(item.id, utc_now(),
                                        f"ok: {settled.message} (action {action.id})")
                    return UploadOutcome(item.id, item.kind, "ok", settled.message)
        data = self.read(item)
        try:
            outcome = actions.upload_evidence(item.issue_id, data, item.extension)
        except ActionError as exc:
            self._record_upload(item.id, None, f"refused: {exc}")
            return UploadOutcome(item.id, item.kind, "failed", str(exc))
        result = f"{outcome.status}: {outcome.message} (action {outcome.action_id})"
        done = outcome.status is ActionStatus.OK
        self._record_upload(item.id, utc_now() if done else None, result)
        return UploadOutcome(item.id, item.kind, str(outcome.status), outcome.message)

    def _journal(self, item: EvidenceItem) -> list[ActionRow]:
        with self.db.session() as s:
            rows = s.scalars(select(ActionRow).where(
                ActionRow.store_id == item.store_id, ActionRow.issue_id == item.issue_id,
                ActionRow.kind == str(ActionKind.UPLOAD_EVIDENCE),
            ).order_by(ActionRow.id)).all()
            return [r for r in rows if (r.request_json or {}).get("sha256") == item.sha256]

    def _record_upload(self, evidence_id: int, at: datetime | None, result: str) -> None:
        with self.db.session() as s:
            row = s.get(EvidenceRow, evidence_id)
            assert row is not None
            row.uploaded_at = at
            row.upload_result = result[:2000]

    # -- export --------------------------------------------------------------------------
    def export_zip(self, store_id: str, issue_id: int, target_dir: Path | str, *,
                   dispute_class: DisputeClass | str | None = None,
                   now: datetime | None = None) -> Path:
        """One zip for the platform or a carrier claim: the operator's files, the API
        snapshots, the latest rendered images, ``summary.html`` and ``manifest.json``.
        Every file is checked against its hash on the way in; the zip is written under a
        temporary name and renamed when complete."""
        now = now or utc_now()
        facts = self.case_facts(store_id, issue_id)
        cls = DisputeClass(dispute_class) if dispute_class is not None \
            else self.dispute_class(store_id, issue_id, now)
        items = self.items(store_id, issue_id)
        latest = self.latest_rendered(store_id, issue_id)
        chosen: list[tuple[str, EvidenceItem]] = []
        counts: dict[str, int] = {}
        for item in items:
            if item.source is EvidenceSource.RENDERED:
                if latest[item.kind].id == item.id:
                    chosen.append((f"images/{item.kind}.png", item))
            elif item.source is EvidenceSource.API:
                chosen.append((f"api/{item.kind}.{item.extension}", item))
            else:
                counts[item.kind] = counts.get(item.kind, 0) + 1
                chosen.append((f"files/{item.kind}-{counts[item.kind]}.{item.extension}", item))
        contents = [(name, item, self.read(item)) for name, item in chosen]
        assessed = assess_checklist(cls, {i.kind for i in items}, facts)
        manifest = {
            "store_id": store_id, "issue_id": issue_id, "order_id": facts.order_id,
            "class": str(cls), "exported_at": now.isoformat(),
            "files": [{"name": name, "kind": str(item.kind), "source": str(item.source),
                       "media_type": item.media_type, "sha256": item.sha256,
                       "size": item.size, "original_name": item.original_name,
                       "uploaded_at": item.uploaded_at.isoformat() if item.uploaded_at
                       else None}
                      for name, item, _data in contents],
            "checklist": [{"kind": str(a.kind), "required": a.item.required,
                           "state": str(a.state), "note": a.note} for a in assessed],
        }
        summary = _summary_html(facts, cls, assessed, contents, now)
        target = Path(target_dir)
        target.mkdir(parents=True, exist_ok=True)
        final = target / f"dispute-{store_id}-{int(issue_id)}.zip"
        fd, tmp_name = tempfile.mkstemp(dir=target, prefix=".incoming-", suffix=".zip")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("summary.html", summary)
                zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
                for name, item, data in contents:
                    zf.writestr(name, data, compress_type=zipfile.ZIP_STORED
                                if item.media_type in _STORED_TYPES else zipfile.ZIP_DEFLATED)
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return final

    # -- storing -------------------------------------------------------------------------
    def _require_dispute(self, store_id: str, issue_id: int) -> None:
        _check_ids(store_id, issue_id)
        with self.db.session() as s:
            if s.get(DisputeRow, (store_id, issue_id)) is None:
                raise EvidenceError(f"dispute {issue_id} is not in store {store_id!r}'s "
                                    "database; sync the store first, or check the id")

    def _by_hash(self, store_id: str, issue_id: int, digest: str) -> EvidenceItem | None:
        with self.db.session() as s:
            row = s.scalars(select(EvidenceRow).where(
                EvidenceRow.store_id == store_id, EvidenceRow.issue_id == issue_id,
                EvidenceRow.sha256 == digest)).first()
            return EvidenceItem.of(row) if row is not None else None

    def _store(self, store_id: str, issue_id: int, kind: EvidenceKind, source: EvidenceSource,
               data: bytes, digest: str, extension: str, media_type: str, original_name: str,
               added_by: str) -> EvidenceItem:
        folder = self.folder(store_id, issue_id)
        self._inside(folder / f"{digest}.{extension}")  # before anything is created
        made = _make_dirs(folder, stop=self.data_dir)
        try:
            path, created = _write_atomic(folder, f"{digest}.{extension}", data)
        except BaseException:
            _remove_dirs(made)
            raise
        relative = path.relative_to(self.data_dir).as_posix()
        try:
            return self._record(EvidenceRow(
                store_id=store_id, issue_id=issue_id, kind=str(kind), source=str(source),
                file_path=relative, original_name=original_name, media_type=media_type,
                size=len(data), sha256=digest, added_by=added_by, added_at=utc_now(),
                uploaded_at=None, upload_result=""))
        except BaseException as exc:
            if isinstance(exc, SQLAlchemyError):
                twin = self._by_hash(store_id, issue_id, digest)
                if twin is not None:  # the same file was recorded meanwhile (another process)
                    return twin
            if created:
                path.unlink(missing_ok=True)
            _remove_dirs(made)
            if isinstance(exc, SQLAlchemyError):
                raise EvidenceError(f"could not record {original_name!r} in the database "
                                    f"({type(exc).__name__}); nothing was kept, try "
                                    "again") from exc
            raise

    def _record(self, row: EvidenceRow) -> EvidenceItem:
        with self.db.session() as s:
            s.add(row)
            s.flush()
            return EvidenceItem.of(row)

    def _put_api(self, store_id: str, issue_id: int, kind: EvidenceKind,
                 content: dict[str, Any], added_by: str) -> EvidenceItem:
        data = (json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False,
                           default=_json_default) + "\n").encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        with self.db.session() as s:
            current = s.scalars(select(EvidenceRow).where(
                EvidenceRow.store_id == store_id, EvidenceRow.issue_id == issue_id,
                EvidenceRow.kind == str(kind), EvidenceRow.source == str(EvidenceSource.API),
            ).order_by(EvidenceRow.id.desc())).first()
            snapshot = EvidenceItem.of(current) if current is not None else None
        if snapshot is not None and snapshot.sha256 == digest:
            return snapshot
        fresh = self._store(store_id, issue_id, kind, EvidenceSource.API, data, digest, "json",
                            "application/json", f"{kind}.json", added_by)
        if snapshot is not None:  # the data changed: the new snapshot replaces the old one
            self.remove(snapshot.id)
        return fresh

    def _drop_file_if_unused(self, relative: str) -> None:
        with self.db.session() as s:
            used = s.scalars(select(EvidenceRow.id).where(
                EvidenceRow.file_path == relative)).first()
        if used is None:
            try:
                path = self._inside(self.data_dir / relative)
            except EvidenceError:
                return  # never delete outside the evidence folder, whatever the row said
            path.unlink(missing_ok=True)


def upload_rendered(store: StoreParameters, client: AliExpressClient, db: Database,
                    data_dir: Path | str, issue_id: int, *, operator: str,
                    kinds: Sequence[EvidenceKind | str] = DEFAULT_UPLOAD
                    ) -> list[UploadOutcome]:
    """Upload a dispute's rendered images through the journalled actions (see
    :meth:`EvidenceStore.upload_rendered`)."""
    return EvidenceStore(db, data_dir).upload_rendered(
        DisputeActions(store, client, db, operator), issue_id, kinds)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _kind(kind: EvidenceKind | str) -> EvidenceKind:
    try:
        return EvidenceKind(kind)
    except ValueError:
        raise EvidenceError(f"{kind!r} is not an evidence kind; use one of "
                            f"{', '.join(k.value for k in EvidenceKind)}") from None


def _who(added_by: str) -> str:
    who = (added_by or "").strip()
    if not who:
        raise EvidenceError("say who adds the evidence: added_by must not be empty")
    return who[:120]


def _check_ids(store_id: str, issue_id: int) -> None:
    if not isinstance(store_id, str) or not _STORE_ID.fullmatch(store_id):
        raise EvidenceError(f"{store_id!r} is not a store id (letters, digits, '-' and '_')")
    if isinstance(issue_id, bool) or not isinstance(issue_id, int) or issue_id <= 0:
        raise EvidenceError(f"{issue_id!r} is not a dispute id")


def _make_dirs(folder: Path, stop: Path) -> list[Path]:
    """Create ``folder`` and its missing parents below ``stop``; return those created,
    deepest last, so a failure can remove exactly them."""
    # The data folder itself may not exist yet: on PostgreSQL no database file lives there.
    stop.mkdir(parents=True, exist_ok=True)
    missing = []
    current = folder
    while not current.exists() and current != stop and current != current.parent:
        missing.append(current)
        current = current.parent
    made = []
    for path in reversed(missing):
        try:
            path.mkdir()
            made.append(path)
        except FileExistsError:
            continue
    return made


def _remove_dirs(made: Iterable[Path]) -> None:
    for path in reversed(list(made)):
        try:
            path.rmdir()
        except OSError:
            return  # not empty (another file arrived): leave it and its parents


def _write_atomic(folder: Path, filename: str, data: bytes) -> tuple[Path, bool]:
    """Write ``data`` to ``folder/filename`` through a temporary file and a rename; returns
    the path and whether it was created (False: the same content was already there)."""
    final = folder / filename
    if final.exists():
        return final, False
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".incoming-", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return final, True


def _order_numbers(order: OrderRow | None) -> list[str]:
    """Every tracking number on the order, the shipped one first, each once."""
    if order is None:
        return []
    numbers = [order.logistics_no] if order.logistics_no else []
    for entry in order.raw_json.get("logistic_info_list") or []:
        number = str((entry or {}).get("logistics_no") or "").strip()
        if number and number not in numbers:
            numbers.append(number)
    return numbers


def _timeline(number: str, shipment: ShipmentRow | None) -> Timeline:
    if shipment is None:
        return Timeline(logistics_no=number, source="aliexpress")
    return from_aliexpress(number, shipment.events_json.get("details", []))


def _at(text: Any) -> datetime | None:
    try:
        return parse_pacific(str(text)) if text else None
    except MalformedPayloadError:
        return None


def _messages(detail: dict[str, Any]) -> tuple[Message, ...]:
    out = []
    for step in detail.get("process_dto_list") or []:
        if not isinstance(step, dict):
            continue
        member = str(step.get("submit_member_type") or "")
        video = bool(step.get("has_buyer_video")) if member == "buyer" else \
            bool(step.get("has_seller_video")) if member == "seller" else False
        out.append(Message(at=_at(step.get("gmt_create")), member=member,
                           action=str(step.get("action_type") or ""),
                           text=str(step.get("content") or ""),
                           attachments=len(step.get("attachments") or []), video=video))
    return tuple(out)


def _order_fields(order: OrderRow) -> dict[str, Any]:
    return {"order_id": order.order_id, "carrier": order.carrier,
            "service_name": order.service_name, "service_code": order.service_code,
            "service_kind": order.service_kind, "shipped_at": order.shipped_at,
            "currency": order.order_currency, "freight": order.freight_amount,
            "order_total": order.order_amount}


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _event_json(timeline: Timeline) -> list[dict[str, Any]]:
    return [{"at": e.at, "place": e.location, "event": e.description, "action_code": e.stage,
             "signed_by": e.signed_by} for e in timeline.events]


def _api_snapshots(facts: CaseFacts, detail: dict[str, Any], raw_order: dict[str, Any] | None,
                   order: dict[str, Any] | None) -> dict[EvidenceKind, dict[str, Any]]:
    """What the API gave, one JSON document per checklist item it covers."""
    out: dict[EvidenceKind, dict[str, Any]] = {}
    parcel = facts.main_parcel
    source = "aliexpress.logistics.redefining.querytrackingresult"
    if parcel is not None and parcel.events:
        out[EvidenceKind.TRACKING_TIMELINE] = {
            "kind": "tracking_timeline", "source": source, "logistics_no": parcel.logistics_no,
            "carrier": facts.carrier, "service": facts.service, "status": parcel.sub_status,
            "events": _event_json(parcel), "times": "UTC"}
        if parcel.delivered:
            fact = deciding_fact(parcel, facts.synced_at or utc_now())
            event = parcel.events[fact.event_index] if fact.event_index is not None else None
            out[EvidenceKind.SIGNATURE_PROOF] = {
                "kind": "signature_proof", "source": source,
                "logistics_no": parcel.logistics_no, "delivered_at": fact.at,
                "place": fact.place, "signed_by": parcel.signed_by,
                "action_code": event.stage if event else "",
                "event": event.description if event else "", "times": "UTC",
                "order_destination": facts.destination}
    if order is not None and raw_order is not None:
        lines = []
        by_number = {p.logistics_no: p for p in facts.parcels}
        for entry in raw_order.get("logistic_info_list") or []:
            number = str((entry or {}).get("logistics_no") or "")
            timeline = by_number.get(number)
            lines.append({
                "logistics_no": number,
                "service": entry.get("logistics_service_name", ""),
                "sent_at": _at(entry.get("gmt_send")),
                "receive_status": entry.get("receive_status", ""),
                "carrier_scans": len(timeline.events) if timeline else 0,
                "last_scan_at": timeline.last_event.at if timeline and timeline.last_event
                else None,
                "never_scanned": number in facts.unshipped_numbers})
        out[EvidenceKind.SHIPPING_RECORD] = {
            "kind": "shipping_record", "source": "aliexpress.solution.order.info.get",
            **order, "destination": facts.destination, "tracking_numbers": lines,
            "weight_grams": None, "postage_deducted": None,
            "note": "weight and postage deducted are not provided by the API: attach the "
                    "logistics order record as postage_record", "times": "UTC"}
    buyer_files = [
        {"url": a.get("file_path", ""), "at": _at(a.get("gmt_create")),
         "step": step.get("action_type", "")}
        for step in detail.get("process_dto_list") or [] if isinstance(step, dict)
        for a in step.get("attachments") or []
        if isinstance(a, dict) and (a.get("owner") or step.get("submit_member_type")) == "buyer"]
    if buyer_files:
        out[EvidenceKind.BUYER_MEDIA] = {
            "kind": "buyer_media", "source": "aliexpress.issue.detail.get",
            "attachments": buyer_files, "buyer_video": facts.buyer_video,
            "note": "attachment URLs as the platform lists them; videos are not readable "
                    "through the API", "times": "UTC"}
    if facts.messages:
        out[EvidenceKind.MESSAGE_HISTORY] = {
            "kind": "message_history", "source": "aliexpress.issue.detail.get",
            "steps": [{"at": m.at, "member": m.member, "action": m.action, "text": m.text,
                       "attachments": [a.get("file_path", "") for a in step.get("attachments")
                                       or [] if isinstance(a, dict)],
                       "video": m.video}
                      for m, step in zip(facts.messages,
                                         [p for p in detail.get("process_dto_list") or []
                                          if isinstance(p, dict)], strict=True)],
            "times": "UTC"}
    return out


# ---------------------------------------------------------------------------------------------
# summary.html
# ---------------------------------------------------------------------------------------------

_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#1a1a1a}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}
th,td{border:1px solid #ccd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eef1f6}.fact{background:#fff1c2;border:2px solid #d08c00;padding:.8em;
font-weight:bold}.alert{background:#fde2e1}img{max-width:100%;
border:1px solid #ccd;margin:.5em 0}code{font-size:.9em}"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _summary_html(facts: CaseFacts, cls: DisputeClass, assessed: Sequence[AssessedItem],
                  contents: Sequence[tuple[str, EvidenceItem, bytes]], now: datetime) -> str:
    parcel = facts.main_parcel
    fact = deciding_fact(parcel, now)

    def money(amount: Decimal | None, currency: str) -> str:
        return f"{amount:.2f} {currency}" if amount is not None else "?"

    rows = [
        ("Store", facts.store_id), ("Dispute", facts.issue_id), ("Order", facts.order_id),
        ("Buyer", f"{mask_login(facts.buyer_login)} ({facts.buyer_country})"),
        ("Product", facts.product_name), ("Price", money(facts.product_price, "USD")),
        ("Order total", money(facts.order_total, facts.order_currency)),
        ("Shipping paid by the buyer", money(facts.freight, facts.order_currency)),
        ("Refund asked (maximum)", money(facts.refund_max_usd, "USD")
         + (f" / {money(facts.refund_max_local, facts.local_currency)}"
            if facts.refund_max_local is not None else "")),
        ("Reason given", facts.reason), ("Status", facts.status),
        ("Opened", facts.opened_at.strftime("%Y-%m-%d %H:%M UTC") if facts.opened_at else "?"),
        ("Situation", label("en", f"class_{cls.value}")),
        ("Carrier / service", f"{facts.carrier} / {facts.service} ({facts.service_kind})"),
        ("Tracking number", facts.main_no),
        ("Shipped", facts.shipped_at.strftime("%Y-%m-%d %H:%M UTC") if facts.shipped_at
         else "?"),
        ("Weight / postage deducted", "not provided by the API" + (
            "; see the attached postage record" if any(
                item.kind is EvidenceKind.POSTAGE_RECORD for _n, item, _d in contents)
            else "")),
    ]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>Dispute {_e(facts.issue_id)}: evidence</title><style>{_CSS}</style>",
           "</head><body>",
           f"<h1>Dispute {_e(facts.issue_id)} · order {_e(facts.order_id)}</h1>",
           f'<p class="fact">{_e(fact_text(fact, "en"))}</p>']
    for number in facts.unshipped_numbers:
        out.append(f'<p class="fact alert">Also on this order: {_e(number)}, never scanned by '
                   "the carrier (declared, not shipped).</p>")
    out.append("<h2>Case</h2><table>")
    out += [f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows]
    # Outward-facing: what is here and why it matters. What is missing stays in the
    # manifest's checklist (the seller's working notes), not in front of a case officer.
    out.append("</table><h2>Evidence included</h2><table><tr><th>Item</th>"
               "<th>Why it matters</th></tr>")
    for a in assessed:
        if a.state is ItemState.COLLECTED:
            out.append(f"<tr><td>{_e(a.kind.value.replace('_', ' '))}</td>"
                       f"<td>{_e(a.item.why)}</td></tr>")
    out.append("</table><h2>Files</h2><table><tr><th>File</th><th>Kind</th><th>Source</th>"
               "<th>Type</th><th>Size</th><th>SHA-256</th><th>Original name</th>"
               "<th>Uploaded</th></tr>")
    for name, item, _data in contents:
        uploaded = item.uploaded_at.strftime("%Y-%m-%d %H:%M UTC") if item.uploaded_at else ""
        out.append(f'<tr><td><a href="{_e(name)}">{_e(name)}</a></td><td>{_e(item.kind)}</td>'
                   f"<td>{_e(item.source)}</td><td>{_e(item.media_type)}</td>"
                   f"<td>{item.size:,} B</td><td><code>{_e(item.sha256)}</code></td>"
                   f"<td>{_e(item.original_name)}</td><td>{_e(uploaded)}</td></tr>")
    out.append("</table>")
    images = [(name, item) for name, item, _d in contents
              if item.source is EvidenceSource.RENDERED]
    if images:
        out.append("<h2>Rendered images</h2>")
        out += [f'<p><img src="{_e(name)}" alt="{_e(item.kind)}"></p>' for name, item in images]
    if parcel is not None and parcel.events:
        out.append(f"<h2>Tracking {_e(parcel.logistics_no)} (UTC, newest first)</h2><table>"
                   "<tr><th>Date</th><th>Place</th><th>Event</th><th>Code</th></tr>")
        for event in reversed(parcel.events):
            when = event.at.strftime("%Y-%m-%d %H:%M") if event.at else "?"
            out.append(f"<tr><td>{_e(when)}</td><td>{_e(event.location)}</td>"
                       f"<td>{_e(event.description)}</td><td>{_e(event.stage)}</td></tr>")
        out.append("</table>")
    if facts.messages:
        out.append("<h2>Dispute history</h2><table><tr><th>Date (UTC)</th><th>Who</th>"
                   "<th>Step</th><th>Text</th><th>Attachments</th></tr>")
        for m in facts.messages:
            when = m.at.strftime("%Y-%m-%d %H:%M") if m.at else "?"
            out.append(f"<tr><td>{_e(when)}</td><td>{_e(m.member)}</td><td>{_e(m.action)}</td>"
                       f"<td>{_e(m.text)}</td><td>{m.attachments}"
                       f"{' + video' if m.video else ''}</td></tr>")
        out.append("</table>")
    out.append(f"<p><small>Exported {_e(now.strftime('%Y-%m-%d %H:%M UTC'))} by disputekit. "
               "Times are UTC. The buyer's login is masked.</small></p></body></html>")
    return "\n".join(out)
