"""One zip per dispute, for the platform or a carrier claim: the operator's files, the API
snapshots, the latest rendered images, ``summary.html`` and ``manifest.json``.

Every file is checked against its hash on the way in; the zip is written under a temporary
name and renamed when complete. The summary page is written by the caller's ``summarize``
(:func:`disputekit.render.evidence_summary.summary_html`): this layer draws nothing.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Final

from disputekit.adapters.parameters import StoreParameters
from disputekit.domain.evidence import AssessedItem, CaseFacts, EvidenceSource, assess_checklist
from disputekit.domain.platform_time import utc_now
from disputekit.domain.taxonomy import DisputeClass
from disputekit.services.evidence_case import case_class, case_facts
from disputekit.services.evidence_store import EvidenceItem, EvidenceStore

__all__ = ["ExportedFile", "Summarize", "export_zip"]

# Already-compressed media gain nothing from deflate.
_STORED_TYPES: Final = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp",
                                  "video/mp4", "video/quicktime"})

ExportedFile = tuple[str, EvidenceItem, bytes]  # name in the zip, the item, its bytes
# (facts, class, checklist, files, now) -> the summary page's HTML
Summarize = Callable[[CaseFacts, DisputeClass, Sequence[AssessedItem],
                      Sequence[ExportedFile], datetime], str]


def export_zip(evidence: EvidenceStore, store_id: str, issue_id: int, target_dir: Path | str,
               *, summarize: Summarize, dispute_class: DisputeClass | str | None = None,
               now: datetime | None = None,
               stores: Mapping[str, StoreParameters] | None = None) -> Path:
    """Write ``<target_dir>/dispute-<store>-<issue>.zip`` and return its path."""
    now = now or utc_now()
    facts = case_facts(evidence, store_id, issue_id)
    cls = DisputeClass(dispute_class) if dispute_class is not None \
        else case_class(evidence, store_id, issue_id, now, stores)
    items = evidence.items(store_id, issue_id)
    latest = evidence.latest_rendered(store_id, issue_id)
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
    contents = [(name, item, evidence.read(item)) for name, item in chosen]
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
    summary = summarize(facts, cls, assessed, contents, now)
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
