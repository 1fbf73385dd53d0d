"""The cost model's odds learned from the stores' own closed disputes (pure).

Each odd the cost model prices a decision with is counted in the outcomes, per class:

- ``escalation_if_refused[class]``: of the disputes the seller refused, how many reached
  arbitration;
- ``win_chance[class]``: of the arbitrated disputes, how many the seller won (a split counts
  half);
- ``partial_accepted``: of the partial offers, how many ended without arbitration (the
  buyer took the offer or cancelled). Counted per class for the reports and over all classes
  for the model, which has one such odd;
- ``carrier_claim_success``: of the carrier claims that ended, how many were paid (from the
  claims the workbook tracks, when given).

Each count becomes a Beta–binomial posterior, shrunk in two steps: the parameters' prior
(today's defaults, or the store's own ``costs``) is a Beta centred on its value with
``PSEUDO_CASES`` cases' weight; the other stores' disputes update it into the portfolio's
estimate; a store's prior is then a Beta centred on that estimate, again with
``PSEUDO_CASES`` cases' weight, and its own disputes update it. So a store with no cases
gets the portfolio's estimate (the prior when nobody has data), a store with a few leans on
the portfolio, and a store with many gets its own observed rate. Where the stores differ
more than chance explains, borrowing from them would pull a store toward odds that are not
its own: the store's prior then weighs less (``store_weight``: the spread of the stores'
true rates estimated from their observed ones, by the method of moments, as in empirical
Bayes). The portfolio's view (``store_id=None``) is the prior updated by every store's
disputes.

``calibrated`` puts the posterior means into a cost model where the store has data, with
the sentence the advice shows for each ("refuse: 18 % of your 41 refused stalled parcels
went to arbitration (priors 40 %) …"). Interval: the posterior's equal-tailed 90 % interval,
widened where needed to hold the exact (Clopper–Pearson) interval of the store's own cases,
since shrinking toward the other stores would otherwise claim more than the store's cases
show (``Posterior.interval``); both from the Beta quantile written here (the regularised
incomplete beta by its continued fraction, inverted by Newton's method within a bisection
bracket): the domain loads no numerical library.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist
from types import MappingProxyType

from disputekit.domain.decisions import Action, CostModel, Learned, learned_key
from disputekit.domain.outcomes import ARBITRATED, End, Outcome
from disputekit.domain.taxonomy import DisputeClass

__all__ = ["LEVEL", "PSEUDO_CASES", "CalibratedOdds", "ClaimResult", "Group", "Odd", "Posterior",
           "Tallies", "beta_quantile", "betainc", "calibrate", "calibrated", "exact_interval",
           "provenance", "store_weight", "tally", "tally_groups"]

# The weight of a prior, in cases: the priors (and the portfolio's estimate, for a store)
# count as this many disputes at their rate. Ten: a store's own rate takes over once it
# has a few dozen cases of a class, and two or three odd cases barely move it [I].
PSEUDO_CASES = 10.0

# The least a store's prior from the portfolio weighs, in cases, however much stores differ;
# and what it takes to measure how much they differ: 3 stores with 5 cases or more.
_LEAST_WEIGHT = 1.0
_SPREAD_STORES = 3
_SPREAD_CASES = 5

# The interval reported with each odd: equal-tailed, 90 %.
LEVEL = 0.9

# A prior of exactly 0 or 1 is no Beta; its centre is held this far inside (the prior shown
# stays the parameters' value).
_EDGE = 1e-3


class Odd(StrEnum):
    ESCALATION_IF_REFUSED = "escalation_if_refused"
    WIN_CHANCE = "win_chance"
    PARTIAL_ACCEPTED = "partial_accepted"
    CARRIER_CLAIM_SUCCESS = "carrier_claim_success"


Cell = tuple[Odd, DisputeClass | None]  # None: over every class


# ---------------------------------------------------------------------------------------------
# The Beta distribution
# ---------------------------------------------------------------------------------------------


def betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta I_x(a, b): P(X ≤ x) for X ~ Beta(a, b).

    >>> round(betainc(2.0, 3.0, 0.4), 6)
    0.5248
    """
    if a <= 0 or b <= 0:
        raise ValueError(f"a Beta's parameters must be > 0, got a={a}, b={b}")
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log1p(-x))
    # The continued fraction converges fast below the mean's neighbourhood; above it, use
    # the symmetry I_x(a, b) = 1 - I_{1-x}(b, a).
    if x < (a + 1) / (a + b + 2):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def _betacf(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta, by the modified Lentz method
    (Numerical Recipes, ``betacf``). It needs about √max(a, b) terms."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    most = 200 + 20 * int(math.sqrt(max(a, b)))
    for m in range(1, most + 1):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                   -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            delta = c * d
            h *= delta
        if abs(delta - 1.0) < 1e-15:
            return h
    raise ArithmeticError(f"the incomplete beta did not converge (a={a}, b={b}, x={x})")


def beta_quantile(q: float, a: float, b: float) -> float:
    """The x with P(X ≤ x) = q for X ~ Beta(a, b): Newton's steps on the incomplete beta
    from the normal approximation, kept inside a bisection bracket (a step that would
    leave it halves the bracket instead), to a float's precision in a few steps even for a
    million cases.

    >>> round(beta_quantile(0.5, 3.0, 3.0), 12)
    0.5
    """
    if not 0 <= q <= 1:
        raise ValueError(f"a quantile's level is between 0 and 1, got {q}")
    if q in (0, 1):
        return float(q)
    mean = a / (a + b)
    sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    x = min(max(mean + NormalDist().inv_cdf(q) * sd, 1e-12), 1 - 1e-12)
    ln_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    low, high = 0.0, 1.0
    for _ in range(200):
        error = betainc(a, b, x) - q
        if error == 0:
            return x
        if error < 0:
            low = x
        else:
            high = x
        density = math.exp((a - 1) * math.log(x) + (b - 1) * math.log1p(-x) - ln_beta)
        step = x - error / density if density > 0 else -1.0
        following = step if low < step < high else (low + high) / 2
        if abs(following - x) <= 1e-16 * max(x, 1e-300) or high - low <= 1e-300:
            return following
        x = following
    return x


def exact_interval(cases: int, hits: float, level: float = LEVEL) -> tuple[float, float]:
    """The Clopper–Pearson interval of ``hits`` in ``cases``: it holds the true rate at
    least ``level`` of the time, whatever the rate. A half hit (a split arbitration) is
    taken at its worse side for each bound.

    >>> [round(x, 4) for x in exact_interval(10, 0)]
    [0.0, 0.2589]
    """
    if cases <= 0 or not 0 <= hits <= cases:
        raise ValueError(f"an exact interval needs 0 <= hits <= cases and cases > 0, got "
                         f"{hits} of {cases}")
    tail = (1 - level) / 2
    low_hits, high_hits = math.floor(hits), math.ceil(hits)
    low = 0.0 if low_hits == 0 else beta_quantile(tail, low_hits, cases - low_hits + 1)
    high = 1.0 if high_hits == cases else beta_quantile(1 - tail, high_hits + 1,
                                                         cases - high_hits)
    return low, high


# ---------------------------------------------------------------------------------------------
# Counting the outcomes
# ---------------------------------------------------------------------------------------------


@dataclass
class _Count:
    cases: int = 0
    hits: float = 0.0  # a split arbitration counts half


@dataclass(frozen=True)
class Tallies:
    """The odds' cases and hits per store and cell, counted once for any number of stores."""

    counts: Mapping[str, Mapping[Cell, tuple[int, float]]]

    def of(self, store_id: str, cell: Cell) -> tuple[int, float]:
        return self.counts.get(store_id, {}).get(cell, (0, 0.0))

    def total(self, cell: Cell, *, without: str | None = None) -> tuple[int, float]:
        """Every store's cases and hits of one cell, but ``without``'s."""
        cases, hits = 0, 0.0
        for store_id, cells in self.counts.items():
            if store_id != without:
                n, k = cells.get(cell, (0, 0.0))
                cases, hits = cases + n, hits + k
        return cases, hits


_WON = {End.ARBITRATION_WON: 1.0, End.ARBITRATION_SPLIT: 0.5, End.ARBITRATION_LOST: 0.0}


@dataclass(frozen=True)
class ClaimResult:
    """A carrier claim that ended: paid (some money recovered) or refused for good."""

    store_id: str
    paid: bool


#: How many closed disputes of one store ended one way: (store, class, deciding action,
#: end, count). What a database can group a million outcomes into (``tally_groups``).
Group = tuple[str, DisputeClass, Action | None, End, int]


def tally(outcomes: Iterable[Outcome], claims: Iterable[ClaimResult] = ()) -> Tallies:
    """Count each store's outcomes (and ended carrier claims) into the odds' cells, in one
    pass."""
    return tally_groups(((o.store_id, o.dispute_class, o.action, o.end, 1) for o in outcomes),
                        claims)


def tally_groups(groups: Iterable[Group], claims: Iterable[ClaimResult] = ()) -> Tallies:
    """``tally`` over outcomes already grouped: the same cells from a few hundred groups as
    from the million outcomes they count (a negative count takes cases back out)."""
    counts: dict[str, dict[Cell, _Count]] = defaultdict(lambda: defaultdict(_Count))
    for claim in claims:
        _add(counts[claim.store_id][(Odd.CARRIER_CLAIM_SUCCESS, None)], claim.paid)
    for store_id, dispute_class, action, end, n in groups:
        cells = counts[store_id]
        escalated = end in ARBITRATED
        if action is Action.REFUSE:
            _add(cells[(Odd.ESCALATION_IF_REFUSED, dispute_class)], escalated, n)
        if escalated:
            _add(cells[(Odd.WIN_CHANCE, dispute_class)], _WON.get(end, 0.0), n)
        if action is Action.PARTIAL_REFUND:
            # taken, or at least not fought: ended without arbitration
            _add(cells[(Odd.PARTIAL_ACCEPTED, dispute_class)], not escalated, n)
            _add(cells[(Odd.PARTIAL_ACCEPTED, None)], not escalated, n)
    return Tallies({store: {cell: (c.cases, c.hits) for cell, c in cells.items() if c.cases}
                    for store, cells in counts.items()})


def _add(count: _Count, hit: float, n: int = 1) -> None:
    count.cases += n
    count.hits += float(hit) * n


# ---------------------------------------------------------------------------------------------
# Posteriors
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Posterior:
    """One odd of one store (or of the portfolio): its cases, the prior, the posterior."""

    odd: Odd
    dispute_class: DisputeClass | None
    cases: int  # the store's own (the portfolio's, for the portfolio)
    hits: float
    prior: float  # the parameters' value
    pool_cases: int  # the other stores' cases the store borrowed from (0 for the portfolio)
    pool_hits: float
    alpha: float
    beta: float
    weight: float = PSEUDO_CASES  # what the store's prior was worth, in cases

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    @property
    def observed(self) -> float | None:
        """The raw rate of the store's own cases; ``None`` without any."""
        return self.hits / self.cases if self.cases else None

    def credible(self, level: float = LEVEL) -> tuple[float, float]:
        """The equal-tailed posterior interval, e.g. 90 %: (5 %, 95 %) quantiles."""
        tail = (1 - level) / 2
        return (beta_quantile(tail, self.alpha, self.beta),
                beta_quantile(1 - tail, self.alpha, self.beta))

    def interval(self, level: float = LEVEL) -> tuple[float, float]:
        """The interval reported: the posterior's (``credible``), widened where needed to
        hold the exact interval of the store's own cases (``exact_interval``).

        Why not the posterior's alone: a store is shrunk toward the portfolio and the
        priors as if their centre and weight were known, and where its true odds differ
        from the other stores' that pulls the interval off its truth more often than the
        level says (issue 17's simulator, 20 seeds, 349 cells of 30 cases or more: 88.3 %
        held the truth). The exact interval never claims more than the store's own cases
        show (94.6 % on the same cells, 12 % wider on average); the mean stays the
        posterior's."""
        low, high = self.credible(level)
        if not self.cases:
            return low, high
        exact_low, exact_high = exact_interval(self.cases, self.hits, level)
        return min(low, exact_low), max(high, exact_high)


@dataclass(frozen=True)
class CalibratedOdds:
    """Every odd of one store (``store_id``; ``None``: the whole portfolio)."""

    store_id: str | None
    cells: Mapping[Cell, Posterior]
    weight: float = PSEUDO_CASES

    def get(self, odd: Odd, dispute_class: DisputeClass | None = None) -> Posterior:
        return self.cells[(odd, dispute_class)]


def _prior_of(model: CostModel, cell: Cell) -> float:
    odd, code = cell
    if odd is Odd.PARTIAL_ACCEPTED:
        return model.partial_accepted
    if odd is Odd.CARRIER_CLAIM_SUCCESS:
        return model.carrier_claim_success
    table = model.escalation_if_refused if odd is Odd.ESCALATION_IF_REFUSED else model.win_chance
    assert code is not None  # per-class odds always have a class
    return table[code]


def _cells() -> list[Cell]:
    per_class = [(odd, code) for odd in (Odd.ESCALATION_IF_REFUSED, Odd.WIN_CHANCE,
                                         Odd.PARTIAL_ACCEPTED) for code in DisputeClass]
    return [*per_class, (Odd.PARTIAL_ACCEPTED, None), (Odd.CARRIER_CLAIM_SUCCESS, None)]


def calibrate(outcomes: Tallies | Iterable[Outcome], model: CostModel,
              store_id: str | None = None, *, weight: float = PSEUDO_CASES) -> CalibratedOdds:
    """Every odd of ``store_id`` (or of the portfolio, ``None``) as a posterior: the priors
    are ``model``'s odds; a store borrows from the other stores' disputes first."""
    if not weight > 0:
        raise ValueError(f"the priors' weight is a number of cases > 0, got {weight}")
    tallies = outcomes if isinstance(outcomes, Tallies) else tally(outcomes)
    cells: dict[Cell, Posterior] = {}
    for cell in _cells():
        prior = _prior_of(model, cell)
        centre = min(max(prior, _EDGE), 1 - _EDGE)
        if store_id is None:
            n, k = tallies.total(cell)
            pool_n, pool_k = 0, 0.0
        else:
            n, k = tallies.of(store_id, cell)
            pool_n, pool_k = tallies.total(cell, without=store_id)
            # the portfolio's estimate from the other stores, the store's prior's centre
            centre = (weight * centre + pool_k) / (weight + pool_n)
        lean = weight if store_id is None else store_weight(tallies, cell, weight)
        cells[cell] = Posterior(cell[0], cell[1], n, k, prior, pool_n, pool_k,
                                alpha=lean * centre + k, beta=lean * (1 - centre) + n - k,
                                weight=lean)
    return CalibratedOdds(store_id, MappingProxyType(cells), weight)


def store_weight(tallies: Tallies, cell: Cell, weight: float = PSEUDO_CASES) -> float:
    """How many cases a store's prior from the portfolio is worth for one cell: ``weight``,
    or less where the stores' true rates spread more than that (a Beta of mean m and
    variance v is worth m(1 - m)/v - 1 cases). The spread is the variance of the observed
    rates of the stores with ``_SPREAD_CASES`` cases or more, less what chance alone
    explains (the mean of m(1 - m)/n); too few stores to tell: ``weight``."""
    rates = [(k / n, n) for cells in tallies.counts.values()
             for n, k in (cells.get(cell, (0, 0.0)),) if n >= _SPREAD_CASES]
    if len(rates) < _SPREAD_STORES:
        return weight
    mean = sum(k * n for k, n in rates) / sum(n for _k, n in rates)
    if not 0 < mean < 1:
        return weight
    observed = sum((r - mean) ** 2 for r, _n in rates) / (len(rates) - 1)
    chance = sum(mean * (1 - mean) / n for _r, n in rates) / len(rates)
    spread = observed - chance
    if spread <= 0:
        return weight
    return min(weight, max(_LEAST_WEIGHT, mean * (1 - mean) / spread - 1))


# ---------------------------------------------------------------------------------------------
# The cost model, calibrated
# ---------------------------------------------------------------------------------------------


# What the sentences call each class's disputes, plural.
_NOUNS: Mapping[DisputeClass, str] = MappingProxyType({
    DisputeClass.NO_TRACKING: "untracked parcels",
    DisputeClass.DELIVERED_DISPUTED: "disputed deliveries",
    DisputeClass.STALLED_IN_TRANSIT: "stalled parcels",
    DisputeClass.CUSTOMS_BUYER_NO_DOCS: "customs holds for the buyer's papers",
    DisputeClass.CUSTOMS_BUYER_UNREACHABLE: "customs holds with the buyer unreachable",
    DisputeClass.RETURNED_UNDELIVERED: "parcels returned undelivered",
    DisputeClass.RETURNED_IN_COUNTRY: "parcels returned in the buyer's country",
    DisputeClass.RETURNED_BEFORE_EXPORT: "parcels returned before export",
    DisputeClass.LOST: "lost parcels",
    DisputeClass.GENUINE_DEFECT: "genuine defects",
    DisputeClass.BUYER_MISUSE: "misuse disputes",
    DisputeClass.DELIBERATE_ABUSE: "abuse disputes",
    DisputeClass.EXTORTION: "extortion attempts",
    DisputeClass.NOT_AS_DESCRIBED: "items not as described",
    DisputeClass.BUYER_OWN_REASON: "disputes for the buyer's own reason",
})


def _pct(share: float) -> str:
    return f"{round(share * 100)} %"


def provenance(p: Posterior, store: bool = True) -> str:
    """The sentence the advice shows for one odd, e.g. "refuse: 18 % of your 41 refused
    stalled parcels went to arbitration (priors 40 %); counted as 22 % (90 % interval
    13–32 %)". ``store=False``: the portfolio's words ("of the stores'")."""
    noun = _NOUNS[p.dispute_class] if p.dispute_class is not None else "disputes"
    whose = "your" if store else "the stores'"
    if p.odd is Odd.ESCALATION_IF_REFUSED:
        label, which, ended = "refuse", f"refused {noun}", "went to arbitration"
    elif p.odd is Odd.WIN_CHANCE:
        label, which, ended = ("arbitration", f"arbitrated {noun}",
                               "were won (a split counts half)")
    elif p.odd is Odd.PARTIAL_ACCEPTED:
        label, ended = "partial refund", "were taken without arbitration"
        which = "partial offers" if p.dispute_class is None else f"partial offers on {noun}"
    else:
        label, which, ended = "carrier claim", "ended carrier claims", "were paid"
    observed = p.observed
    if observed is None:
        text = f"{label}: none of {whose} {which} yet"
    else:
        text = f"{label}: {_pct(observed)} of {whose} {p.cases} {which} {ended}"
    borrowed = (f"{_pct(p.pool_hits / p.pool_cases)} of {p.pool_cases} across your other "
                f"stores; " if p.pool_cases else "")
    low, high = p.interval()
    return (f"{text} ({borrowed}priors {_pct(p.prior)}); counted as {_pct(p.mean)} "
            f"(90 % interval {round(low * 100)}–{round(high * 100)} %)")


def calibrated(model: CostModel, odds: CalibratedOdds, *, min_cases: int = 1) -> CostModel:
    """``model`` with the posterior mean for every odd of which the store has ``min_cases``
    closed disputes or more, each with its sentence in ``model.learned``; the others stay
    the parameters' priors. Calibrating a model again starts from its priors: pass the
    parameters' model, not a calibrated one."""
    escalation: dict[DisputeClass, float] = {}
    win: dict[DisputeClass, float] = {}
    changes: dict[str, object] = {}
    learned: dict[str, Learned] = {}
    for (odd, code), p in odds.cells.items():
        if p.cases < min_cases or (odd is Odd.PARTIAL_ACCEPTED and code is not None):
            continue  # the model has one partial_accepted, over every class
        low, high = p.interval()
        learned[learned_key(str(odd), code)] = Learned(
            provenance(p, store=odds.store_id is not None), p.prior, p.mean, low, high,
            p.cases)
        if odd is Odd.ESCALATION_IF_REFUSED and code is not None:
            escalation[code] = p.mean
        elif odd is Odd.WIN_CHANCE and code is not None:
            win[code] = p.mean
        else:  # partial_accepted, carrier_claim_success: one each, over every class
            changes[str(odd)] = p.mean
    if escalation:
        changes["escalation_if_refused"] = escalation
    if win:
        changes["win_chance"] = win
    if not learned:
        return model
    changes["learned"] = learned
    return model.with_overrides(**changes)
