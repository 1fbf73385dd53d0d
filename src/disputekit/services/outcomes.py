"""STUB, replaced by the ``outcomes`` branch (issue 17, item 1): the outcomes of the stores'
closed disputes, read from ``dispute_outcomes``.

Only ``load_outcomes``'s signature is here, so the reports' "What works" section and the
drift lines can be wired and tested before that branch merges; until then no store has a
recorded outcome and the section says so.
"""

from __future__ import annotations

from disputekit.adapters.db.database import Database
from disputekit.domain.outcomes import Outcome

__all__ = ["load_outcomes"]


def load_outcomes(db: Database, store_id: str | None = None) -> list[Outcome]:
    """Every recorded outcome (of one store, or all). Stub: none recorded yet."""
    del db, store_id  # replaced by the outcomes branch
    return []
