"""Evidence on disk and in the database: the files and their rows, nothing more.

Every file lives under ``<data dir>/evidence/<store>/<issue>/`` named by its SHA-256 (the
original name is only kept in the ``evidence`` table, so no name ever reaches the file
system). A file is written to a temporary name in that folder and renamed into place, so a
crash never leaves half a file under a real name; if the database then refuses the row, the
file (and any folder made for it) is removed again. An operator's attachment is checked
before anything is written (:func:`evidence.validate_attachment`): type by content, size
cap per type, harmless name.

Three sources, one table (``EvidenceRow``):

- ``api``: JSON snapshots of what the sync already holds (:mod:`.evidence_snapshots`).
- ``operator``: photos, videos and PDFs an operator attached (:meth:`EvidenceStore.add_file`).
- ``rendered``: the PNGs drawn by :mod:`disputekit.render.evidence_images`, handed over as
  bytes (:meth:`EvidenceStore.add_rendered`); :mod:`.evidence_upload` sends them to the
  platform and :mod:`.evidence_export` puts them in the zip.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import DisputeRow, EvidenceRow
from disputekit.domain.evidence import EvidenceKind, EvidenceSource, validate_attachment
from disputekit.domain.platform_time import utc_now
from disputekit.errors import EvidenceError

__all__ = ["EVIDENCE_DIR", "EvidenceItem", "EvidenceStore", "check_ids", "evidence_kind",
           "who_adds"]

EVIDENCE_DIR: Final = "evidence"
_STORE_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")


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


class EvidenceStore:
    """A workspace's evidence: ``EvidenceStore(db, workspace.data_dir)``."""

    def __init__(self, db: Database, data_dir: Path | str) -> None:
        self.db = db
        self.data_dir = Path(data_dir)

    # -- where things are ----------------------------------------------------------------
    def folder(self, store_id: str, issue_id: int) -> Path:
        """``<data dir>/evidence/<store>/<issue>/`` (not created here)."""
        check_ids(store_id, issue_id)
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
        check_ids(store_id, issue_id)
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
        checked_kind = evidence_kind(kind)
        who = who_adds(added_by)
        file_type = validate_attachment(name, data)
        self._require_dispute(store_id, issue_id)
        digest = hashlib.sha256(data).hexdigest()
        existing = self._by_hash(store_id, issue_id, digest)
        if existing is not None:
            return existing
        return self._store(store_id, issue_id, checked_kind, EvidenceSource.OPERATOR, data,
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

    def latest_rendered(self, store_id: str, issue_id: int) -> dict[EvidenceKind, EvidenceItem]:
        latest: dict[EvidenceKind, EvidenceItem] = {}
        for item in self.items(store_id, issue_id):
            if item.source is EvidenceSource.RENDERED:
                latest[item.kind] = item  # items come oldest first
        return latest


    def add_rendered(self, store_id: str, issue_id: int, kind: EvidenceKind, lang: str,
                     png: bytes, added_by: str = "disputekit") -> EvidenceItem:
        """Store one drawn image (the caller draws: this layer draws nothing); an image
        identical to one already stored for the dispute is not stored twice."""
        self._require_dispute(store_id, issue_id)
        digest = hashlib.sha256(png).hexdigest()
        existing = self._by_hash(store_id, issue_id, digest)
        return existing or self._store(
            store_id, issue_id, evidence_kind(kind), EvidenceSource.RENDERED, png, digest,
            "png", "image/png", f"{kind}-{lang}.png", who_adds(added_by))

    def put_snapshot(self, store_id: str, issue_id: int, kind: EvidenceKind,
                     content: dict[str, Any], added_by: str) -> EvidenceItem:
        """Store what the API gave for one checklist item as a JSON file, replacing the
        previous snapshot of that kind when the content changed."""
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
                            "application/json", f"{kind}.json", who_adds(added_by))
        if snapshot is not None:  # the data changed: the new snapshot replaces the old one
            self.remove(snapshot.id)
        return fresh

    def record_upload(self, evidence_id: int, at: datetime | None, result: str) -> None:
        """Note on an item's row when (None: not yet) and how its upload went."""
        with self.db.session() as s:
            row = s.get(EvidenceRow, evidence_id)
            if row is None:
                raise EvidenceError(f"no evidence {evidence_id}")
            row.uploaded_at = at
            row.upload_result = result[:2000]

    # -- storing -------------------------------------------------------------------------
    def _require_dispute(self, store_id: str, issue_id: int) -> None:
        check_ids(store_id, issue_id)
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


def evidence_kind(kind: EvidenceKind | str) -> EvidenceKind:
    try:
        return EvidenceKind(kind)
    except ValueError:
        raise EvidenceError(f"{kind!r} is not an evidence kind; use one of "
                            f"{', '.join(k.value for k in EvidenceKind)}") from None


def who_adds(added_by: str) -> str:
    who = (added_by or "").strip()
    if not who:
        raise EvidenceError("say who adds the evidence: added_by must not be empty")
    return who[:120]


def check_ids(store_id: str, issue_id: int) -> None:
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


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")

