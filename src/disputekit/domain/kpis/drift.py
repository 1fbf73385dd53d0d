"""Drift: where a class's recent outcomes moved away from what the model expects (issue 17,
item 5).

The model is the calibrated odds (``calibration.calibrate``: the priors updated by the
closed disputes *before* the window, a store borrowing from the other stores). The window
(the last ``days`` days, by the day each dispute closed) is counted per class, and per class
and carrier where a class's disputes went with more than one carrier, for three odds:

- refusals that reached arbitration (``escalation_if_refused``);
- arbitration losses (1 − ``win_chance``; a split counts half);
- partial offers that went to arbitration anyway (1 − ``partial_accepted``).

A cell is flagged when it has ``min_cases`` disputes or more and its count falls outside the
model's predictive interval for that many disputes: the Beta–binomial of the posterior,
equal-tailed at ``level``. The predictive interval is wider than the posterior's own: it
allows for the window's chance as well as the model's doubt, so a small window drifts only
when it is far off. The level is 95 %, not the reports' 90 %: a daily report checks dozens
of cells, and at 90 % one in ten stable cells would be flagged every day.

A carrier's line is left out when its class's line says it: the class moved the same way
and the carrier's window is within what the class's other carriers predict. A line whose
model counted fewer than ``MIN_CASES`` disputes before the window says so (the model is
then mostly the priors).

The line a report shows: "arbitration losses on stalled parcels via Cainiao rose: 10 of 14 in
the last 30 days; the model expects 36 % (14–64 % in 95 % of such windows)".
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from disputekit.domain.calibration import (
    _NOUNS,  # the advice's words for each class: the report names classes alike
    CalibratedOdds,
    Odd,
    calibrate,
)
from disputekit.domain.decisions import Action, CostModel
from disputekit.domain.outcomes import End, Outcome
from disputekit.domain.taxonomy import DisputeClass

__all__ = ["DRIFT_LEVEL", "MIN_CASES", "WINDOW_DAYS", "Drift", "DriftOdd", "drift",
           "predictive_interval"]

WINDOW_DAYS = 30
MIN_CASES = 10
DRIFT_LEVEL = 0.95

_LOST = {End.ARBITRATION_LOST: 1.0, End.ARBITRATION_SPLIT: 0.5, End.ARBITRATION_WON: 0.0}


class DriftOdd(StrEnum):
    """The odds drift watches, as the lines name them."""

    ESCALATION = "refusals that reached arbitration"
    LOSSES = "arbitration losses"
    PARTIAL_REFUSED = "partial offers that went to arbitration"


# Each watched odd: the calibrated odd it reads, and whether its hits are that odd's misses.
_MODEL: dict[DriftOdd, tuple[Odd, bool]] = {
    DriftOdd.ESCALATION: (Odd.ESCALATION_IF_REFUSED, False),
    DriftOdd.LOSSES: (Odd.WIN_CHANCE, True),
    DriftOdd.PARTIAL_REFUSED: (Odd.PARTIAL_ACCEPTED, True),
}


@dataclass(frozen=True)
class Drift:
    """One cell whose recent outcomes left the model's predictive interval."""

    store_id: str | None
    odd: DriftOdd
    dispute_class: DisputeClass
    carrier: str | None  # None: every carrier of the class
    cases: int
    hits: float
    expected: float  # the model's rate
    low: float  # the predictive interval, as rates of ``cases``
    high: float
    level: float
    days: int
    earlier: int = MIN_CASES  # the cases the model counted before the window (any store's)

    @property
    def observed(self) -> float:
        return self.hits / self.cases

    @property
    def rose(self) -> bool:
        return self.observed > self.expected

    @property
    def message(self) -> str:
        where = _NOUNS[self.dispute_class]
        via = f" via {self.carrier}" if self.carrier else ""
        hits = f"{self.hits:g}"
        return (f"{self.odd} on {where}{via} {'rose' if self.rose else 'fell'}: {hits} of "
                f"{self.cases} in the last {self.days} days; the model expects "
                f"{round(self.expected * 100)} % ({round(self.low * 100)}–"
                f"{round(self.high * 100)} % in {round(self.level * 100)} % of such windows)"
                + (f"; before the window only {self.earlier} such "
                   f"dispute{'' if self.earlier == 1 else 's'}: the model is mostly the priors"
                   if self.earlier < MIN_CASES else ""))


def predictive_interval(alpha: float, beta: float, cases: int,
                        level: float = DRIFT_LEVEL) -> tuple[int, int]:
    """The equal-tailed ``level`` interval of the hits among ``cases`` new disputes when the
    rate is Beta(alpha, beta): the Beta–binomial's quantiles (lowest count whose cumulative
    chance reaches each tail)."""
    tail = (1 - level) / 2
    ln_b = math.lgamma(alpha) + math.lgamma(beta) - math.lgamma(alpha + beta)
    cumulative = 0.0
    low: int | None = None
    for j in range(cases + 1):
        ln_choose = math.lgamma(cases + 1) - math.lgamma(j + 1) - math.lgamma(cases - j + 1)
        ln_bj = (math.lgamma(j + alpha) + math.lgamma(cases - j + beta)
                 - math.lgamma(cases + alpha + beta))
        cumulative += math.exp(ln_choose + ln_bj - ln_b)
        if low is None and cumulative >= tail:
            low = j
        if cumulative >= 1 - tail:
            return (j if low is None else low), j
    return (cases if low is None else low), cases


_Counts = dict[tuple[DriftOdd, DisputeClass, str | None], list[float]]


def _window_counts(recent: Sequence[Outcome]) -> _Counts:
    """(odd, class, carrier or None) → [cases, hits] over the window."""
    counts: _Counts = defaultdict(lambda: [0, 0.0])
    for o in recent:
        action = o.action
        cells: list[tuple[DriftOdd, float]] = []
        if action is Action.REFUSE:
            cells.append((DriftOdd.ESCALATION, float(o.escalated)))
        if action is Action.PARTIAL_REFUND:
            cells.append((DriftOdd.PARTIAL_REFUSED, float(o.escalated)))
        if o.escalated:
            cells.append((DriftOdd.LOSSES, _LOST.get(o.end, 0.0)))
        carrier = o.carrier.strip() or None
        for odd, hit in cells:
            for where in {None, carrier}:
                cell = counts[(odd, o.dispute_class, where)]
                cell[0] += 1
                cell[1] += hit
    return counts


def _with_the_class(counts: _Counts, odd: DriftOdd, code: DisputeClass, carrier: str,
                    rose: bool, fired: dict[tuple[DriftOdd, DisputeClass], bool],
                    level: float) -> bool:
    """Whether a carrier's departure (``rose`` or fell) is its whole class's: the class-wide
    line fired the same way and the carrier's window sits within what the class's other
    carriers' window predicts (the Jeffreys Beta of their rate). The class's line says it."""
    if fired.get((odd, code)) is not rose:
        return False
    n, hits = counts[(odd, code, carrier)]
    total_n, total_hits = counts[(odd, code, None)]
    rest_n, rest_hits = total_n - n, total_hits - hits
    low, high = predictive_interval(rest_hits + 0.5, rest_n - rest_hits + 0.5, int(n), level)
    return low <= hits <= high


def drift(outcomes: Sequence[Outcome], model: CostModel, now: datetime,
          store_id: str | None = None, *, days: int = WINDOW_DAYS, min_cases: int = MIN_CASES,
          level: float = DRIFT_LEVEL) -> list[Drift]:
    """The cells of ``store_id`` (``None``: every store) whose last ``days`` days left the
    model the earlier disputes calibrate (``model``'s odds the priors); ``outcomes``: every
    store's. Class-wide lines first, then per carrier, the biggest windows first."""
    start = now - timedelta(days=days)
    before = [o for o in outcomes if o.closed_at < start]
    recent = [o for o in outcomes if start <= o.closed_at <= now
              and (store_id is None or o.store_id == store_id)]
    if not recent:
        return []
    odds: CalibratedOdds = calibrate(before, model, store_id)
    counts = _window_counts(recent)
    found: list[Drift] = []
    # the class-wide lines first: a carrier's line needs to know whether its class's fired
    odds_fired: dict[tuple[DriftOdd, DisputeClass], bool] = {}  # → rose
    for (odd, code, carrier), (n, hits) in sorted(counts.items(),
                                                  key=lambda item: item[0][2] is not None):
        cases = int(n)
        if cases < min_cases:
            continue
        if carrier is not None and counts[(odd, code, None)][0] == cases:
            continue  # the class's only carrier: the class-wide line says it
        calibrated_odd, flipped = _MODEL[odd]
        p = odds.get(calibrated_odd, code)
        alpha, beta = (p.beta, p.alpha) if flipped else (p.alpha, p.beta)
        low, high = predictive_interval(alpha, beta, cases, level)
        if low <= hits <= high:
            continue
        rose = hits / cases > alpha / (alpha + beta)
        if carrier is None:
            odds_fired[(odd, code)] = rose
        elif _with_the_class(counts, odd, code, carrier, rose, odds_fired, level):
            continue
        found.append(Drift(store_id, odd, code, carrier, cases, hits,
                           alpha / (alpha + beta), low / cases, high / cases, level, days,
                           p.cases + p.pool_cases))
    found.sort(key=lambda d: (d.carrier is not None, -d.cases, d.odd, str(d.dispute_class),
                              d.carrier or ""))
    return found
