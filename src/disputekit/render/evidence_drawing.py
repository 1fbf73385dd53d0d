"""A stored dispute's evidence images, drawn and kept: the facts and the class come from the
services, the pictures from :mod:`disputekit.render.evidence_images`, and the bytes go back
to :class:`~disputekit.services.evidence_store.EvidenceStore` (services draw nothing)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from disputekit.adapters.parameters import StoreParameters
from disputekit.domain.platform_time import utc_now
from disputekit.domain.taxonomy import DisputeClass
from disputekit.render.evidence_images import render_all
from disputekit.services.evidence_case import case_class, case_facts, language
from disputekit.services.evidence_store import EvidenceItem, EvidenceStore

__all__ = ["render_case"]


def render_case(evidence: EvidenceStore, store_id: str, issue_id: int, *,
                lang: str | None = None, dispute_class: DisputeClass | str | None = None,
                now: datetime | None = None, added_by: str = "disputekit",
                stores: Mapping[str, StoreParameters] | None = None) -> list[EvidenceItem]:
    """Draw the case summary, the tracking timeline and the shipping record in ``lang``
    (default: the buyer's language) and store them; an image identical to one already
    stored is not stored twice. The class is the queue's unless ``dispute_class`` is given."""
    now = now or utc_now()
    facts = case_facts(evidence, store_id, issue_id)
    cls = DisputeClass(dispute_class) if dispute_class is not None \
        else case_class(evidence, store_id, issue_id, now, stores)
    chosen = lang or language(facts)
    return [evidence.add_rendered(store_id, issue_id, image.kind, image.lang, image.png,
                                  added_by)
            for image in render_all(facts, now, chosen, cls)]
