"""What works: the store's own closed disputes, class by class and action by action.

Three tables from a list of :class:`~disputekit.domain.outcomes.Outcome` (issue 17, item 3):

- :func:`action_rates`: per class × the seller's deciding action, how many disputes, how many
  reached arbitration (escalation rate) and, of those, how many the seller won (win rate,
  a split counts half, as the cost model's ``win_chance``), each rate with its 90 % interval;
- :func:`money_by_action`: per class × action, the money lost (refund paid + goods lost +
  freight lost, in the outcomes' currency: the platform's USD);
- :func:`disagreements`: the calibrated odds (``calibration.calibrate``) whose 90 % interval
  excludes the parameters' prior: where the store's history says the defaults are wrong.

A rate's interval here is the store's own data alone: the equal-tailed interval of the
Jeffreys posterior Beta(k + ½, n − k + ½) (calibration's Beta quantile), which covers the true
rate about 90 % of the time even for a handful of cases (reaching 0 or 1 when none or all of
the cases count). The calibrated odds, shrunk toward
the priors, are what the advice uses; this table is what the seller's disputes say.

:class:`WhatWorks` bundles the three with the drift lines (:mod:`.drift`) for the reports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import pandas as pd

from disputekit.domain.calibration import LEVEL, Odd, beta_quantile, calibrate, provenance
from disputekit.domain.decisions import CostModel
from disputekit.domain.kpis.drift import Drift, drift
from disputekit.domain.outcomes import End, Outcome

__all__ = ["ACTION_RATE_COLUMNS", "DISAGREEMENT_COLUMNS", "MONEY_BY_ACTION_COLUMNS",
           "NO_ACTION", "WhatWorks", "action_rates", "describe_rates", "disagreements",
           "money_by_action", "rate_interval", "shown_disagreements", "shown_money",
           "shown_rates", "what_works_of"]

# The action of a dispute the seller never answered with a deciding step.
NO_ACTION = "no answer"

ACTION_RATE_COLUMNS = ["class", "action", "cases", "escalated", "escalation_rate",
                       "escalation_low", "escalation_high", "arbitrated", "won", "win_rate",
                       "win_low", "win_high"]
MONEY_BY_ACTION_COLUMNS = ["class", "action", "cases", "refund_paid", "goods_lost",
                           "freight_lost", "lost", "lost_per_case"]
DISAGREEMENT_COLUMNS = ["odd", "class", "cases", "observed", "prior", "calibrated", "low",
                        "high", "says", "text"]

_WON = {End.ARBITRATION_WON: 1.0, End.ARBITRATION_SPLIT: 0.5, End.ARBITRATION_LOST: 0.0}

# What each odd is called in the reports.
_ODD_NAMES = {
    Odd.ESCALATION_IF_REFUSED: "refusals that reached arbitration",
    Odd.WIN_CHANCE: "arbitrations won",
    Odd.PARTIAL_ACCEPTED: "partial offers taken",
    Odd.CARRIER_CLAIM_SUCCESS: "carrier claims paid",
}


def rate_interval(hits: float, cases: int, level: float = LEVEL) -> tuple[float, float]:
    """The equal-tailed ``level`` interval of the Jeffreys posterior of ``hits`` in
    ``cases``; (nan, nan) without cases."""
    if cases <= 0:
        return float("nan"), float("nan")
    tail = (1 - level) / 2
    a, b = hits + 0.5, cases - hits + 0.5
    # None (or all) of the cases: the interval reaches 0 (or 1), so it holds the observed
    # rate (the usual amendment of the Jeffreys interval, Brown, Cai & DasGupta 2001).
    low = 0.0 if hits <= 0 else beta_quantile(tail, a, b)
    high = 1.0 if hits >= cases else beta_quantile(1 - tail, a, b)
    return low, high


def _action_of(o: Outcome) -> str:
    action = o.action
    return NO_ACTION if action is None else str(action)


def action_rates(outcomes: Iterable[Outcome], level: float = LEVEL) -> pd.DataFrame:
    """Per class × deciding action: ``cases``; ``escalated`` (reached arbitration) and its
    rate with interval; ``arbitrated`` and ``won`` (split = ½) and the win rate with interval
    (NaN without an arbitration). Most cases first. Columns :data:`ACTION_RATE_COLUMNS`."""
    # per cell: disputes, those that reached arbitration (every one was ruled on), won there
    counts: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for o in outcomes:
        cell = counts[(str(o.dispute_class), _action_of(o))]
        cell[0] += 1
        if o.escalated:
            cell[1] += 1
            cell[2] += _WON.get(o.end, 0.0)
    rows = []
    for (code, action), (cases, arbitrated, won) in counts.items():
        n, m = int(cases), int(arbitrated)
        e_low, e_high = rate_interval(m, n, level)
        w_low, w_high = rate_interval(won, m, level)
        rows.append({"class": code, "action": action, "cases": n, "escalated": m,
                     "escalation_rate": m / n, "escalation_low": e_low,
                     "escalation_high": e_high, "arbitrated": m, "won": won,
                     "win_rate": won / m if m else float("nan"), "win_low": w_low,
                     "win_high": w_high})
    table = pd.DataFrame(rows, columns=ACTION_RATE_COLUMNS)
    if table.empty:
        return table
    return table.sort_values(["cases", "class", "action"],
                             ascending=[False, True, True]).reset_index(drop=True)


def money_by_action(outcomes: Iterable[Outcome]) -> pd.DataFrame:
    """Per class × deciding action, the money the disputes cost: ``refund_paid``,
    ``goods_lost``, ``freight_lost``, their sum ``lost`` and ``lost_per_case``. Biggest
    loss first. Columns :data:`MONEY_BY_ACTION_COLUMNS`."""
    sums: dict[tuple[str, str], list[Decimal]] = defaultdict(
        lambda: [Decimal(0), Decimal(0), Decimal(0), Decimal(0)])
    for o in outcomes:
        cell = sums[(str(o.dispute_class), _action_of(o))]
        cell[0] += 1
        cell[1] += o.refund_paid
        cell[2] += o.goods_lost
        cell[3] += o.freight_lost
    rows = []
    for (code, action), (cases, refund, goods, freight) in sums.items():
        lost = refund + goods + freight
        rows.append({"class": code, "action": action, "cases": int(cases),
                     "refund_paid": float(refund), "goods_lost": float(goods),
                     "freight_lost": float(freight), "lost": float(lost),
                     "lost_per_case": float(lost / cases)})
    table = pd.DataFrame(rows, columns=MONEY_BY_ACTION_COLUMNS)
    if table.empty:
        return table
    return table.sort_values(["lost", "class", "action"],
                             ascending=[False, True, True]).reset_index(drop=True)


def disagreements(outcomes: Sequence[Outcome], model: CostModel,
                  store_id: str | None = None) -> pd.DataFrame:
    """The calibrated odds of ``store_id`` (``None``: the portfolio) whose 90 % interval
    excludes the prior in ``model``: ``says`` "higher than the prior" or "lower …", ``text``
    the sentence the advice shows. ``outcomes``: every store's (a store borrows from the
    others). Columns :data:`DISAGREEMENT_COLUMNS`, the surest first."""
    odds = calibrate(outcomes, model, store_id)
    rows = []
    for (odd, code), p in odds.cells.items():
        if p.cases == 0:
            continue
        low, high = p.interval()
        if low <= p.prior <= high:
            continue
        rows.append({"odd": _ODD_NAMES[odd], "class": "all" if code is None else str(code),
                     "cases": p.cases, "observed": p.observed, "prior": p.prior,
                     "calibrated": p.mean, "low": low, "high": high,
                     "says": "higher than the prior" if low > p.prior
                     else "lower than the prior",
                     "text": provenance(p, store=store_id is not None),
                     "_gap": max(low - p.prior, p.prior - high)})
    table = pd.DataFrame(rows, columns=[*DISAGREEMENT_COLUMNS, "_gap"])
    if not table.empty:
        table = table.sort_values(["_gap", "cases"], ascending=[False, False])
    return table.drop(columns="_gap").reset_index(drop=True)


def _band(rate: float, low: float, high: float) -> str:
    if rate != rate:  # NaN: no case to count
        return "—"
    return f"{round(rate * 100)} % ({round(low * 100)}–{round(high * 100)} %)"


def _disputes(count: int) -> str:
    return "1 dispute" if count == 1 else f"{count} disputes"


def _label(code: str) -> str:
    return code.replace("_", " ")


def shown_rates(rates: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """:func:`action_rates` as a report shows it: words, each rate with its interval."""
    share = f"{round(level * 100)} %"
    return pd.DataFrame({
        "class": [_label(c) for c in rates["class"]],
        "action": [_label(a) for a in rates["action"]],
        "disputes": rates["cases"].astype(int),
        f"went to arbitration ({share} interval)": [
            _band(r, lo, hi) for r, lo, hi in zip(rates["escalation_rate"],
                                                  rates["escalation_low"],
                                                  rates["escalation_high"], strict=True)],
        "arbitrated": rates["arbitrated"].astype(int),
        f"won there ({share} interval)": [
            _band(r, lo, hi) for r, lo, hi in zip(rates["win_rate"], rates["win_low"],
                                                  rates["win_high"], strict=True)],
    })


def shown_money(money: pd.DataFrame) -> pd.DataFrame:
    """:func:`money_by_action` as a report shows it (amounts in US dollars, cents)."""
    return pd.DataFrame({
        "class": [_label(c) for c in money["class"]],
        "action": [_label(a) for a in money["action"]],
        "disputes": money["cases"].astype(int),
        "refunds (USD)": money["refund_paid"].round(2),
        "goods (USD)": money["goods_lost"].round(2),
        "freight (USD)": money["freight_lost"].round(2),
        "lost (USD)": money["lost"].round(2),
        "per dispute (USD)": money["lost_per_case"].round(2),
    })


def shown_disagreements(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`disagreements` as a report shows it: the odd, what the disputes say, the
    prior, the calibrated odd with its 90 % interval."""
    return pd.DataFrame({
        "odd": table["odd"],
        "class": [_label(c) for c in table["class"]],
        "disputes": table["cases"].astype(int),
        "observed": [f"{round(v * 100)} %" for v in table["observed"]],
        "prior": [f"{round(v * 100)} %" for v in table["prior"]],
        "calibrated (90 % interval)": [_band(m, lo, hi) for m, lo, hi in zip(
            table["calibrated"], table["low"], table["high"], strict=True)],
        "says": table["says"],
    })


def describe_rates(rates: pd.DataFrame, top: int | None = None) -> list[str]:
    """One sentence per row of :func:`action_rates`: the chart's text alternative."""
    rows = rates if top is None else rates.head(top)
    lines = []
    for r in rows.itertuples(index=False):
        escalation = _band(float(r.escalation_rate), float(r.escalation_low),
                           float(r.escalation_high))
        text = (f"{_label(str(r[0]))}, {_label(str(r[1]))}: {_disputes(int(r.cases))}, "
                f"{escalation} went to arbitration")
        if int(r.arbitrated):
            text += (f"; of {int(r.arbitrated)} arbitrated, "
                     f"{_band(float(r.win_rate), float(r.win_low), float(r.win_high))} won")
        lines.append(text)
    return lines


@dataclass(frozen=True)
class WhatWorks:
    """What a store's (or the portfolio's) closed disputes say, for a report."""

    store_id: str | None
    closed: int  # the closed disputes counted
    rates: pd.DataFrame
    money: pd.DataFrame
    disagreements: pd.DataFrame
    drift: tuple[Drift, ...] = field(default=())

    @classmethod
    def empty(cls, store_id: str | None = None) -> WhatWorks:
        return what_works_of([], CostModel(), None, store_id)


def what_works_of(outcomes: Sequence[Outcome], model: CostModel, now: datetime | None,
                  store_id: str | None = None, *, days: int = 30) -> WhatWorks:
    """Every figure of the "What works" section for ``store_id`` (``None``: every store),
    from every store's ``outcomes`` (the calibration borrows across stores); the drift of
    the last ``days`` before ``now`` (none without ``now``)."""
    mine = [o for o in outcomes if store_id is None or o.store_id == store_id]
    lines = tuple(drift(outcomes, model, now, store_id, days=days)) if now is not None else ()
    return WhatWorks(store_id, len(mine), action_rates(mine), money_by_action(mine),
                     disagreements(outcomes, model, store_id), lines)
