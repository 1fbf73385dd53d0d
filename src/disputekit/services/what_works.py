"""The "What works" section's figures and the drift lines, for a store or the portfolio.

Reads every store's recorded outcomes once (a store's calibrated odds borrow from the other
stores') and hands them to the pure figures (``domain.kpis.what_works``); the priors are
the store's parameters' odds (the defaults for the portfolio).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from disputekit.adapters.db.database import Database
from disputekit.adapters.parameters import StoreParameters
from disputekit.domain.kpis.drift import Drift, drift
from disputekit.domain.kpis.what_works import WhatWorks, what_works_of
from disputekit.domain.outcomes import Outcome
from disputekit.services.assessment import cost_model_of
from disputekit.services.outcomes import load_outcomes

__all__ = ["portfolio_what_works", "what_works"]


def what_works(db: Database, now: datetime, store_id: str | None = None,
               stores: Mapping[str, StoreParameters] | None = None, *,
               days: int = 30, outcomes: Sequence[Outcome] | None = None) -> WhatWorks:
    """What the closed disputes of ``store_id`` (``None``: every store) say: rates by class
    × action, money by action, odds against the priors, and the drift of the last ``days``
    days. ``outcomes``: every store's recorded ones when the caller read them already."""
    model = cost_model_of((stores or {}).get(store_id) if store_id is not None else None)
    return what_works_of(load_outcomes(db) if outcomes is None else outcomes, model, now,
                         store_id, days=days)


def portfolio_what_works(db: Database, now: datetime, store_ids: Sequence[str],
                         stores: Mapping[str, StoreParameters] | None = None, *,
                         days: int = 30) -> tuple[WhatWorks, dict[str, tuple[Drift, ...]]]:
    """The portfolio page's section: every store's closed disputes together (the defaults'
    priors), and each of ``store_ids``' drift lines against its own calibrated odds."""
    outcomes = load_outcomes(db)
    works = what_works_of(outcomes, cost_model_of(None), now, None, days=days)
    lines = {store_id: tuple(drift(outcomes, cost_model_of((stores or {}).get(store_id)), now,
                                   store_id, days=days))
             for store_id in store_ids}
    return works, lines
