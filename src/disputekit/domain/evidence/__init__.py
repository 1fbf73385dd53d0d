"""What evidence wins each class of dispute, what is there, and which files are accepted (pure).

The seller's experience (``shared/domain.md``) and the platform's guidance (reference §7.4,
tracking-api.md §4.3) say which evidence decides each class: the tracking timeline, the proof
of signature and who signed, the shipping record with the weight and postage deduction (it
matters when a consolidated order carries a second tracking number that was never shipped),
pre-shipment photos, the buyer's and the seller's photos and videos, the listing as sold,
customs documents, the dispute's history. :func:`checklist` gives each class's items with the
reason in an operator's words; :func:`assess_checklist` marks each one collected, missing or
not applicable from what was collected and what the tracking says::

    >>> from disputekit.domain.taxonomy import DisputeClass
    >>> [i.kind.value for i in checklist(DisputeClass.DELIVERED_DISPUTED) if i.required]
    ['tracking_timeline', 'signature_proof', 'shipping_record', 'postage_record', \
'message_history', 'case_summary']

:func:`deciding_fact` names the one tracking fact a rendered image highlights (signed for by
X, held at customs, returned, no update for N days).

The rules for an operator's attachment live here too (:func:`validate_attachment`): the type
is read from the bytes, never from the name; each type has a size cap; a name that could
reach outside its folder or hide what it is (separators, ``..``, control characters, a
leading dot, too long) is refused. Nothing is written before these checks pass.

One module per concept: ``checklists`` (the items per class, a case's facts, the marking),
``deciding_fact`` and ``attachments``; every public name is re-exported here.
"""

from __future__ import annotations

from disputekit.domain.evidence.attachments import (
    ALLOWED_TYPES,
    MAX_IMAGE_BYTES,
    MAX_NAME_BYTES,
    MAX_PDF_BYTES,
    MAX_VIDEO_BYTES,
    FileType,
    check_name,
    sniff,
    validate_attachment,
)
from disputekit.domain.evidence.checklists import (
    AssessedItem,
    CaseFacts,
    ChecklistItem,
    EvidenceKind,
    EvidenceSource,
    ItemState,
    Message,
    assess_checklist,
    checklist,
)
from disputekit.domain.evidence.deciding_fact import DecidingFact, FactCode, deciding_fact

__all__ = [
    "ALLOWED_TYPES",
    "MAX_IMAGE_BYTES",
    "MAX_NAME_BYTES",
    "MAX_PDF_BYTES",
    "MAX_VIDEO_BYTES",
    "AssessedItem",
    "CaseFacts",
    "ChecklistItem",
    "DecidingFact",
    "EvidenceKind",
    "EvidenceSource",
    "FactCode",
    "FileType",
    "ItemState",
    "Message",
    "assess_checklist",
    "check_name",
    "checklist",
    "deciding_fact",
    "sniff",
    "validate_attachment",
]
