"""What one run of the stores produced: each store's outcome and figures, and the run's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from disputekit.domain.kpis.what_works import WhatWorks

__all__ = ["RunSummary", "StoreRun"]


@dataclass
class StoreRun:
    store_id: str
    status: str = "failed"  # ok / failed
    duration: float = 0.0
    notebook: Path | None = None
    report: Path | None = None
    error: str = ""
    open_disputes: int | None = None
    due_today: int | None = None
    log: Path | None = None
    retried: bool = False  # the kernel died once and the store ran again
    rate: float | None = None  # dispute rate, last 30 days
    rate_change: float | None = None  # against the rate a week ago
    refunded_30d: float | None = None
    recovered: float | None = None
    # Where the store's last 30 days of outcomes left its calibrated odds, one line each.
    drift: list[str] = field(default_factory=list)


@dataclass
class RunSummary:
    run_date: date
    runs: list[StoreRun] = field(default_factory=list)
    index: Path | None = None
    works: WhatWorks | None = None  # the portfolio's "What works" section
    index_error: str = ""  # the page could not be written (the previous one is kept)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.status == "ok" for r in self.runs) \
            and not self.index_error
