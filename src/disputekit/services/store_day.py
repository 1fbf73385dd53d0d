"""A store's day as data: connect the store, sync it, and compute its queue and figures.

This is the one place that builds adapters (client, database) from a workspace, so a
notebook is a handful of calls and no plumbing. How the day is shown (tables, charts) is
``disputekit.ui.store_report``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from disputekit.adapters.aliexpress import AliExpressClient, RequestBudget
from disputekit.adapters.db.database import Database
from disputekit.adapters.parameters import StoreParameters, load_store
from disputekit.adapters.workspace import Workspace
from disputekit.domain.kpis import RateResult, WhatWorks
from disputekit.domain.outcomes import Outcome
from disputekit.domain.platform_time import utc_now
from disputekit.domain.privacy import mask_login
from disputekit.services.assessment import rules_vs_operators
from disputekit.services.followups import end_of_day, replies_due
from disputekit.services.outcomes import load_outcomes
from disputekit.services.queue import open_disputes, second_source_events
from disputekit.services.report_data import report_figures
from disputekit.services.seventeentrack_feed import connect_17track
from disputekit.services.shipments import claims_due, stalled_parcels
from disputekit.services.sync import SyncResult, sync_store
from disputekit.services.what_works import what_works


def connect(store: StoreParameters, env: Mapping[str, str] | None = None) -> AliExpressClient:
    """A client for ``store`` with credentials read from the environment; stores that share
    an app key share its request budget."""
    credentials = store.credentials(os.environ if env is None else env)
    return AliExpressClient(
        base_url=store.api.base_url,
        credentials=credentials,
        store_id=store.store_id,
        sign_method=store.api.sign_method,
        simplify=store.api.simplify,
        timeout=store.api.timeout_seconds,
        budget=RequestBudget.for_app(credentials.app_key, store.api.requests_per_second),
    )


@dataclass
class StoreFigures:
    """What the owner reads: the dispute rate and where disputes come from (``kpis``)."""

    rate: RateResult
    weekly: pd.DataFrame
    quarterly: pd.DataFrame
    by: dict[str, pd.DataFrame]
    money: pd.DataFrame
    abusive: pd.DataFrame
    prevention: pd.DataFrame
    lanes: pd.DataFrame
    # What the closed disputes say: rates by class × action, money by action, drift.
    works: WhatWorks = field(default_factory=WhatWorks.empty)

    @classmethod
    def compute(cls, db: Database, store: StoreParameters, now: datetime, *,
                outcomes: Sequence[Outcome] | None = None) -> StoreFigures:
        """``outcomes``: every store's recorded outcomes when the caller read them already
        (``store_day`` reads them once for the queue and the figures); left out, read
        here."""
        ids = [store.store_id]
        figures = report_figures(db, now, ids, {store.store_id: store})
        try:
            abusive = figures.abusive_buyers()
            abusive["buyer"] = abusive["buyer"].map(mask_login)  # shared report: masked
            return cls(
                rate=figures.dispute_rate(now),
                weekly=figures.trend(now, "W", 10),
                quarterly=figures.trend(now, "Q", 4),
                by={dim: figures.by(now, dim)
                    for dim in ("carrier", "service_kind", "product_name", "country")},
                money=figures.money_by_class(),
                abusive=abusive,
                prevention=figures.prevention_unshipped(now),
                lanes=figures.lanes_to_change(now),
                works=what_works(db, now, store.store_id, {store.store_id: store},
                                 outcomes=outcomes),
            )
        finally:
            figures.close()

    def rate_text(self) -> str:
        r = self.rate
        if r.rate is None:
            return "no orders in the last 30 days: no dispute rate yet"
        return (f"{r.rate:.2%} over the last 30 days ({r.numerator} disputed orders counted "
                f"of {r.denominator}; {r.cancelled} cancelled by the buyer)")


@dataclass
class StoreDay:
    """One store's daily run: what the sync did and the open queue it left."""

    store: StoreParameters
    run_date: date
    now: datetime
    sync: SyncResult
    queue: pd.DataFrame
    stalled: pd.DataFrame = field(default_factory=pd.DataFrame)
    claims: pd.DataFrame = field(default_factory=pd.DataFrame)
    disagreements: pd.DataFrame = field(default_factory=pd.DataFrame)
    replies: pd.DataFrame = field(default_factory=pd.DataFrame)
    figures: StoreFigures | None = None
    # Open disputes' tracking events shown from 17TRACK (queue.second_source_events).
    beyond_platform: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def due_today(self) -> int:
        return int((self.queue["hours_left"].fillna(1e9) < 24).sum()) if len(self.queue) else 0


def store_day(
    store_id: str,
    run_date: str | date | None = None,
    workspace: Workspace | None = None,
    *,
    progress: bool = False,
) -> StoreDay:
    """Sync one store and compute its day: the open queue, most urgent first, and the
    figures of its report."""
    ws = workspace or Workspace.discover()
    store = load_store(store_id, ws.parameters_dir)
    day = date.fromisoformat(run_date) if isinstance(run_date, str) and run_date else (
        run_date if isinstance(run_date, date) else utc_now().date())
    db = Database.open(ws.db_url)
    try:
        second = connect_17track(store, db)
        with connect(store) as client, second if second is not None else nullcontext():
            result = sync_store(store, client, db, progress=progress, seventeentrack=second)
        now = utc_now()
        # Every store's recorded outcomes, read once (~6 s per 100,000): they price the
        # queue's advice (the store's own odds, borrowing from the portfolio's) and make
        # the report's "What works".
        outcomes = load_outcomes(db)
        queue = open_disputes(db, now, [store.store_id], {store.store_id: store},
                              outcomes=outcomes)
        stalled = stalled_parcels(db, store.store_id, now)
        claims = claims_due(db, store.store_id)
        disagreements = rules_vs_operators(db, now, [store.store_id])
        replies = replies_due(db, queue, end_of_day(now))
        figures = StoreFigures.compute(db, store, now, outcomes=outcomes)
        beyond = second_source_events(db, store.store_id)
    finally:
        db.dispose()
    return StoreDay(store=store, run_date=day, now=now, sync=result, queue=queue,
                    stalled=stalled, claims=claims, disagreements=disagreements,
                    replies=replies, figures=figures, beyond_platform=beyond)
