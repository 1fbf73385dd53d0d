"""What if the store had answered its last disputes another way (pure).

A *policy* says, per class, which action the seller takes (``decisions.Action``), with the
partial refund's share or a fixed counter-offer; a class the policy leaves out keeps what the
seller actually did. ``compare`` replays the same closed disputes (``outcomes.Outcome``)
under today's policy (each dispute's own action, as the seller took it) and under the
alternative, with the store's calibrated odds (``calibration.calibrate``), and gives for
each: the money lost, the disputes that went to arbitration and the dispute rate, with an
interval, side by side.

How the intervals are made (seeded Monte Carlo, ``DRAWS`` draws): each draw takes one value
of every odd from its Beta posterior (so the interval carries what the store's history does
not know yet), then rolls each dispute's answer with those odds (so it also carries the luck
of a few dozen buyers): a refusal goes to arbitration with ``escalation_if_refused``, a
partial offer is taken with the class's ``partial_accepted`` (else the buyer escalates), an
arbitration is won with ``win_chance``. The figure is the draws' mean; the interval their
equal-tailed ``LEVEL`` quantiles: where the replayed disputes' actual figures should fall,
not only their average. Both policies are priced in the same draws (the same odds, the same
roll for each buyer), so the change between them (``Comparison.change``, draw by draw) has
an interval of its own, much narrower than the two side by side: it holds only what the
policies make different.

The money of one dispute, in the platform's currency (USD) as the outcomes count it, shown
in the store's: the refund paid (all of it when an arbitration is lost, the share when an
offer is taken), the goods given up on a resend (their cost: ``cost_of_goods_share`` of the
refund) and the freight paid (a resend's parcel, a return label). A refusal the buyer
cancels costs nothing; a full refund, a resend and a return are taken as agreed (no odds
are learned for them).

The dispute rate is the platform's formula (``kpis.dispute_rate``: disputes not cancelled
by the buyer over orders confirmed plus disputed), one order per dispute: ``RateBase``
carries the window's confirmed orders and the disputes that are not replayed (still open),
counted as they stand.

An outcome stands as it was (``stands``) where no answer would change it, a dispute the
buyer cancelled before the seller answered, and where the answer is the seller's own
refund, resend or return: what was actually paid, not the full refund a replay assumes. A
dispute the seller never answered (the buyer's plan executed at the timeout) follows the
policy when its class is in it.

Today's estimate differs from what the disputes actually cost by the buyers' luck (which
its interval covers) and by the odds' shrinkage: a class with few cases leans on the other
stores and the priors (``calibration``), so its estimate sits between them and its own
history. The refund at stake is the dispute's full refund (``refund_max``): a buyer who
asked for less would have been paid less, so a lost arbitration errs towards the dearer.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from disputekit.domain.calibration import LEVEL, CalibratedOdds, Odd
from disputekit.domain.carriers import ServiceKind, service_for
from disputekit.domain.decisions import Action, CostModel
from disputekit.domain.outcomes import End, Outcome
from disputekit.domain.taxonomy import DisputeClass

__all__ = ["DRAWS", "REPLAYABLE", "Choice", "Comparison", "Figure", "Forecast", "Observed",
           "Policy", "RateBase", "Settled", "Stake", "compare", "forecast", "observed",
           "settle", "stake_of", "stands"]

# Draws of the Monte Carlo: the 5 % and 95 % quantiles of 2,000 draws move by about 1 % of
# the interval's width from one seed to another, well below what the figures are read to.
DRAWS = 2000

# The actions a policy can replay: each is an answer to the buyer's request whose money and
# odds the outcomes count. A carrier claim, a report or leaving it to the platform go along
# with an answer; they are not one.
REPLAYABLE: tuple[Action, ...] = (
    Action.REFUSE, Action.USAGE_HELP, Action.PARTIAL_REFUND, Action.FULL_REFUND,
    Action.RESEND, Action.RESEND_WITH_GIFT, Action.RETURN_AND_REFUND,
)
# The answers whose end the buyer's and the platform's odds decide.
_ROLLED = frozenset({Action.REFUSE, Action.USAGE_HELP, Action.PARTIAL_REFUND})
_ARBITRATED = frozenset({End.ARBITRATION_WON, End.ARBITRATION_LOST, End.ARBITRATION_SPLIT})


# ---------------------------------------------------------------------------------------------
# Policies
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """What the seller does with one class's disputes: an action, and for a partial refund
    either its ``share`` of the refund asked (default: the cost model's ``partial_share``)
    or a fixed ``counter_offer`` in USD (at most the refund asked)."""

    action: Action
    share: float | None = None
    counter_offer: float | None = None

    def __post_init__(self) -> None:
        if self.action not in REPLAYABLE:
            raise ValueError(f"action {str(self.action)!r} is not an answer the what-if can "
                             f"replay; use one of {', '.join(REPLAYABLE)}")
        if self.share is not None and self.counter_offer is not None:
            raise ValueError("give a share or a counter_offer, not both")
        if (self.share is not None or self.counter_offer is not None) \
                and self.action is not Action.PARTIAL_REFUND:
            raise ValueError(f"a share or a counter_offer goes with partial_refund, not with "
                             f"{self.action}")
        if self.share is not None and not (math.isfinite(self.share) and 0 < self.share < 1):
            raise ValueError(f"share is a part of the refund asked, between 0 and 1 "
                             f"(e.g. 0.3 for 30 %), got {self.share}")
        if self.counter_offer is not None and not (math.isfinite(self.counter_offer)
                                                   and self.counter_offer > 0):
            raise ValueError(f"counter_offer is an amount in USD above 0, got "
                             f"{self.counter_offer}")

    def describe(self, model: CostModel, code: DisputeClass) -> str:
        if self.action is not Action.PARTIAL_REFUND:
            return str(self.action)
        if self.counter_offer is not None:
            return f"partial_refund (USD {self.counter_offer:,.2f})"
        share = self.share if self.share is not None else model.partial_share.get(code, 0.3)
        return f"partial_refund ({share:.0%})"


@dataclass(frozen=True)
class Policy:
    """Per class, what the seller does; classes left out keep what the seller did."""

    choices: Mapping[DisputeClass, Choice] = field(default_factory=dict)
    name: str = "alternative"

    def __post_init__(self) -> None:
        object.__setattr__(self, "choices", MappingProxyType(dict(self.choices)))


# ---------------------------------------------------------------------------------------------
# One dispute's money
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stake:
    """What one dispute puts at stake, USD: the full refund, the goods' cost, a parcel's
    freight, a return label."""

    refund: float
    goods: float
    freight: float
    return_label: float


def stake_of(outcome: Outcome, model: CostModel) -> Stake:
    """The stake of a closed dispute: its full refund (``refund_max``; without it, the most
    the outcome shows was asked or paid), the goods' cost at ``cost_of_goods_share`` of it,
    the freight of its carrier's kind of service and the return label (the cost model's,
    converted to USD)."""
    refund = float(outcome.refund_max) if outcome.refund_max else float(max(
        outcome.refund_paid, outcome.counter_offer or Decimal(0)))
    kind = service_for(outcome.carrier or None, outcome.carrier or None).kind
    freight = model.freight.get(kind, model.freight.get(ServiceKind.UNKNOWN, 4.0))
    return Stake(refund, refund * model.cost_of_goods_share, freight / model.per_usd,
                 model.return_freight / model.per_usd)


@dataclass(frozen=True)
class Settled:
    """How one replayed dispute ends: its end and the money, USD (``Outcome``'s fields)."""

    end: End
    refund_paid: float
    goods_lost: float
    freight_lost: float

    @property
    def lost(self) -> float:
        return self.refund_paid + self.goods_lost + self.freight_lost


def offered(choice: Choice, stake: Stake, model: CostModel, code: DisputeClass) -> float:
    """A partial refund's amount, USD."""
    if choice.counter_offer is not None:
        return min(choice.counter_offer, stake.refund)
    share = choice.share if choice.share is not None else model.partial_share.get(code, 0.3)
    return share * stake.refund


def settle(action: Action, stake: Stake, *, offer: float = 0.0, escalated: bool = False,
           seller_won: bool = False, gift: float = 0.0) -> Settled:
    """The end and money of one dispute answered with ``action``, given the buyer's and the
    platform's answers: ``escalated`` (a refusal or an offer turned down went to
    arbitration) and ``seller_won`` there. The one accounting both the estimate and the
    simulator's replay use."""
    if action in (Action.REFUSE, Action.USAGE_HELP, Action.PARTIAL_REFUND):
        if escalated:
            if seller_won:
                return Settled(End.ARBITRATION_WON, 0.0, 0.0, 0.0)
            return Settled(End.ARBITRATION_LOST, stake.refund, 0.0, 0.0)
        if action is Action.PARTIAL_REFUND:
            return Settled(End.AGREED, offer, 0.0, 0.0)
        return Settled(End.BUYER_CANCELLED, 0.0, 0.0, 0.0)
    if action in (Action.RESEND, Action.RESEND_WITH_GIFT):
        extra = gift if action is Action.RESEND_WITH_GIFT else 0.0
        return Settled(End.AGREED, 0.0, stake.goods + extra, stake.freight)
    if action is Action.RETURN_AND_REFUND:
        return Settled(End.AGREED, stake.refund, 0.0, stake.return_label)
    return Settled(End.AGREED, stake.refund, 0.0, 0.0)  # a full refund


def _fixed(outcome: Outcome) -> Settled:
    return Settled(outcome.end, float(outcome.refund_paid), float(outcome.goods_lost),
                   float(outcome.freight_lost))


def _today(outcome: Outcome, stake: Stake) -> Choice | None:
    """What the seller did, as a choice (``None``: nothing a policy would replay)."""
    action = outcome.action
    if action is None or action not in REPLAYABLE:
        return None
    if action is Action.PARTIAL_REFUND and outcome.counter_offer and stake.refund > 0:
        share = float(outcome.counter_offer) / stake.refund
        if 0 < share < 1:
            return Choice(action, share=share)
    return Choice(action)


def choice_under(policy: Policy | None, outcome: Outcome, stake: Stake) -> Choice | None:
    """The choice ``policy`` (``None``: today's) makes for one closed dispute; ``None``
    keeps its outcome as it was."""
    today = _today(outcome, stake)
    if policy is None or outcome.dispute_class not in policy.choices:
        return today
    if today is None and outcome.end is End.BUYER_CANCELLED:
        return None  # cancelled before any answer: no policy changes that
    return policy.choices[outcome.dispute_class]


def stands(outcome: Outcome, choice: Choice | None, stake: Stake) -> bool:
    """The dispute's outcome stands as it was under ``choice``: no answer would change it,
    or the answer is the seller's own and no odds decide it (a refund, a resend, a return:
    what was actually paid, rather than the full refund a replay would assume)."""
    return choice is None or (choice.action not in _ROLLED
                              and choice == _today(outcome, stake))


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateBase:
    """The dispute rate's other terms in the window (``kpis.dispute_rate``): orders
    confirmed received without a dispute, and the disputes opened in it that are not
    replayed (still open), of which ``other_counted`` count (not cancelled)."""

    confirmed: int = 0
    other_opened: int = 0
    other_counted: int = 0

    def rate(self, replayed: int, counted: int) -> float | None:
        denominator = self.confirmed + self.other_opened + replayed
        return (self.other_counted + counted) / denominator if denominator else None


@dataclass(frozen=True)
class Figure:
    mean: float
    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class Forecast:
    """One policy's expected figures over the replayed disputes, in the store's currency."""

    name: str
    money: Figure
    arbitrations: Figure
    rate: Figure | None
    disputes: int
    changed: int  # disputes the policy answers differently from what the seller did


@dataclass(frozen=True)
class Observed:
    """What the disputes actually cost (under the policy they were answered with)."""

    money: float
    arbitrations: int
    rate: float | None
    disputes: int


def observed(outcomes: Iterable[Outcome], model: CostModel,
             base: RateBase = RateBase()) -> Observed:
    """The actual figures of closed disputes, in the store's currency."""
    money, arbitrations, counted, n = 0.0, 0, 0, 0
    for o in outcomes:
        n += 1
        money += _fixed(o).lost
        arbitrations += o.escalated
        counted += o.end is not End.BUYER_CANCELLED
    return Observed(model.usd(money), arbitrations, base.rate(n, counted), n)


@dataclass(frozen=True)
class _Odds:
    """The Beta posteriors one class's replay draws from."""

    escalation: tuple[float, float]
    win: tuple[float, float]
    accepted: tuple[float, float]


def _posteriors(odds: CalibratedOdds, code: DisputeClass) -> _Odds:
    def ab(odd: Odd) -> tuple[float, float]:
        p = odds.get(odd, code)
        return p.alpha, p.beta
    return _Odds(ab(Odd.ESCALATION_IF_REFUSED), ab(Odd.WIN_CHANCE), ab(Odd.PARTIAL_ACCEPTED))


@dataclass(frozen=True)
class _Plan:
    """One policy over the disputes: what every draw adds the same, and what it rolls."""

    name: str
    fixed_money: float
    fixed_arbitrations: int
    fixed_counted: int
    # (the dispute's position, its class, the action, the full refund, the offer), USD
    rolled: tuple[tuple[int, DisputeClass, Action, float, float], ...]
    changed: int


def _plan(outcomes: Sequence[Outcome], model: CostModel, policy: Policy | None) -> _Plan:
    fixed_money, fixed_arbitrations, fixed_counted, changed = 0.0, 0, 0, 0
    rolled: list[tuple[int, DisputeClass, Action, float, float]] = []
    gift = model.gift_cost / model.per_usd
    for i, o in enumerate(outcomes):
        stake = stake_of(o, model)
        choice = choice_under(policy, o, stake)
        if choice != _today(o, stake):
            changed += 1
        if choice is None or stands(o, choice, stake):
            end = _fixed(o)
        elif choice.action not in _ROLLED:
            end = settle(choice.action, stake, gift=gift)  # taken as agreed: no odds
        else:
            rolled.append((i, o.dispute_class, choice.action, stake.refund,
                           offered(choice, stake, model, o.dispute_class)))
            continue
        fixed_money += end.lost
        fixed_arbitrations += end.end in _ARBITRATED
        fixed_counted += end.end is not End.BUYER_CANCELLED
    return _Plan("today" if policy is None else policy.name, fixed_money,
                 fixed_arbitrations, fixed_counted, tuple(rolled), changed)


# One draw's figures: money lost (store currency), arbitrations, disputes counted.
_Draw = tuple[float, int, int]


def _simulate(outcomes: Sequence[Outcome], odds: CalibratedOdds, model: CostModel,
              plans: Sequence[_Plan], draws: int, seed: int) -> list[list[_Draw]]:
    """Every plan's figures in each of ``draws`` draws. The plans share each draw's odds
    and each dispute's rolls (the buyer's answer, the platform's ruling): the same buyers
    meet every policy, so the difference between two policies is theirs, not the dice's."""
    if draws < 2:
        raise ValueError(f"draws must be 2 or more, got {draws}")
    rng = random.Random(seed)
    roll = rng.random
    classes = sorted({r[1] for plan in plans for r in plan.rolled})
    posteriors = {code: _posteriors(odds, code) for code in classes}
    help_escalates = model.escalation_after_help
    out: list[list[_Draw]] = [[] for _ in plans]
    for _ in range(draws):
        drawn = {code: (rng.betavariate(*p.escalation), rng.betavariate(*p.win),
                        rng.betavariate(*p.accepted)) for code, p in posteriors.items()}
        rolls = [(roll(), roll()) for _ in outcomes]
        for plan, figures in zip(plans, out, strict=True):
            lost, arbitrated, counted = plan.fixed_money, plan.fixed_arbitrations, \
                plan.fixed_counted
            # ``settle``'s accounting for the answers the odds decide, inline: this loop
            # runs draws x disputes times.
            for i, code, action, refund, offer in plan.rolled:
                escalation, win, accepted = drawn[code]
                answer, ruling = rolls[i]
                if action is Action.PARTIAL_REFUND:
                    if answer < accepted:  # the offer is taken
                        lost += offer
                        counted += 1
                        continue
                elif answer >= (escalation if action is Action.REFUSE else help_escalates):
                    continue  # the buyer cancels: nothing lost, not counted
                arbitrated += 1
                counted += 1
                if ruling >= win:
                    lost += refund
            figures.append((model.usd(lost), arbitrated, counted))
    return out


def _forecast(plan: _Plan, figures: list[_Draw], disputes: int, base: RateBase,
              level: float) -> Forecast:
    rates = [r for _m, _a, counted in figures
             if (r := base.rate(disputes, counted)) is not None]
    return Forecast(plan.name, _figure([m for m, _a, _c in figures], level),
                    _figure([float(a) for _m, a, _c in figures], level),
                    _figure(rates, level) if rates else None, disputes, plan.changed)


def forecast(outcomes: Sequence[Outcome], odds: CalibratedOdds, model: CostModel,
             policy: Policy | None, *, base: RateBase = RateBase(), draws: int = DRAWS,
             seed: int = 0, level: float = LEVEL) -> Forecast:
    """The expected figures of ``outcomes`` replayed under ``policy`` (``None``: today's,
    each dispute as the seller answered it), with ``level`` intervals from ``draws`` seeded
    draws (the module's docstring says how)."""
    plan = _plan(outcomes, model, policy)
    figures = _simulate(outcomes, odds, model, [plan], draws, seed)[0]
    return _forecast(plan, figures, len(outcomes), base, level)


def _figure(values: list[float], level: float) -> Figure:
    ordered = sorted(values)
    tail = (1 - level) / 2

    def quantile(q: float) -> float:  # linear between order statistics
        position = q * (len(ordered) - 1)
        below = math.floor(position)
        above = min(below + 1, len(ordered) - 1)
        return ordered[below] + (ordered[above] - ordered[below]) * (position - below)

    return Figure(sum(ordered) / len(ordered), quantile(tail), quantile(1 - tail))


# ---------------------------------------------------------------------------------------------
# Side by side
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    store_id: str | None
    days: int
    currency: str
    today: Forecast
    alternative: Forecast
    actual: Observed
    policy: Policy
    level: float = LEVEL
    described: tuple[str, ...] = ()  # "class: what the alternative does", per class
    # the alternative less today's policy, draw by draw (the same odds and buyers in each)
    change: tuple[Figure, Figure, Figure | None] | None = None

    def rows(self) -> list[tuple[str, ...]]:
        """(figure, actual, today's estimate, the alternative's, the change), formatted."""
        c = self.currency

        def money(f: Figure) -> str:
            return f"{c} {f.mean:,.2f} ({c} {f.low:,.2f}–{f.high:,.2f})"

        def count(f: Figure) -> str:
            return f"{f.mean:.1f} ({f.low:.0f}–{f.high:.0f})"

        def pct(value: float | None) -> str:
            return "n/a" if value is None else f"{value * 100:.2f} %"

        def rate(f: Figure | None) -> str:
            return "n/a" if f is None else \
                f"{f.mean * 100:.2f} % ({f.low * 100:.2f}–{f.high * 100:.2f} %)"

        def signed(f: Figure | None, scale: float = 1.0, unit: str = "", digits: int = 2,
                   currency: str = "") -> str:
            if f is None:
                return "n/a"
            return (f"{currency}{f.mean * scale:+,.{digits}f}{unit} ({f.low * scale:+,.{digits}f}"
                    f" to {f.high * scale:+,.{digits}f}{unit})")

        a, t, alt = self.actual, self.today, self.alternative
        money_change, arbitrations_change, rate_change = self.change or (None, None, None)
        return [
            ("money lost", f"{c} {a.money:,.2f}", money(t.money), money(alt.money),
             signed(money_change, currency=f"{c} ")),
            ("arbitrations", str(a.arbitrations), count(t.arbitrations),
             count(alt.arbitrations), signed(arbitrations_change, digits=1)),
            ("dispute rate", pct(a.rate), rate(t.rate), rate(alt.rate),
             signed(rate_change, 100, " pt")),
        ]

    def table(self) -> str:
        """The comparison as a plain-text table (the CLI's output)."""
        header = ("", "actual", "today's policy", self.alternative.name, "change")
        rows = [header, *self.rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
                 for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        where = f"store {self.store_id}" if self.store_id else "all stores"
        return "\n".join([
            f"What if: {where}, {self.today.disputes} closed disputes of the last {self.days} "
            f"days, {self.alternative.changed} answered differently by {self.alternative.name}",
            f"{self.alternative.name}: " + ("; ".join(self.described) or "as today"),
            *lines,
            f"Estimates: mean ({self.level:.0%} interval) over the calibrated odds' "
            "posteriors and the buyers' answers; change: the alternative less today's, "
            "with the same odds and buyers; actual: what the disputes cost.",
        ])


def compare(outcomes: Sequence[Outcome], odds: CalibratedOdds, model: CostModel,
            policy: Policy, *, days: int, base: RateBase = RateBase(), draws: int = DRAWS,
            seed: int = 0, level: float = LEVEL) -> Comparison:
    """Today's policy and ``policy`` over the same closed disputes, side by side with what
    they actually cost, and the change, each from the same draws."""
    plans = [_plan(outcomes, model, None), _plan(outcomes, model, policy)]
    now, then = _simulate(outcomes, odds, model, plans, draws, seed)
    n = len(outcomes)
    today, alternative = (_forecast(plan, figures, n, base, level)
                          for plan, figures in ((plans[0], now), (plans[1], then)))
    money = _figure([b[0] - a[0] for a, b in zip(now, then, strict=True)], level)
    arbitrations = _figure([float(b[1] - a[1]) for a, b in zip(now, then, strict=True)],
                           level)
    rates = [rb - ra for a, b in zip(now, then, strict=True)
             if (ra := base.rate(n, a[2])) is not None
             and (rb := base.rate(n, b[2])) is not None]
    described = tuple(f"{code}: {choice.describe(model, code)}"
                      for code, choice in policy.choices.items())
    return Comparison(odds.store_id, days, model.currency, today, alternative,
                      observed(outcomes, model, base), policy, level, described,
                      (money, arbitrations, _figure(rates, level) if rates else None))
