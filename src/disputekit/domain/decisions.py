"""What the seller can do about a dispute, what each choice is expected to cost, and which
one to take (pure).

Each option's expected cost is in the store's currency, from a per-store ``CostModel``:
the cost of goods, freight per kind of shipping service, the small gift, the chance of
winning at arbitration per class, the chance a refusal ends there, and what one arbitrated
dispute costs the store in dispute rate (and so in traffic). Negative costs are money
recovered (a carrier claim).

The recommendation follows ``shared/domain.md``, not the cheapest number alone: refuse at
once and send the first reply for a stalled parcel; refund or resend without haggling for a
genuine defect; usage help for misuse; evidence, then a small compensation at a deadlock,
for abuse; evidence and a report for extortion; for an item not as described, a photo beside
the listing, then a partial refund to keep it (or a return at the seller's cost); for the
buyer's own reason, a return at the buyer's cost (or a small goodwill amount to keep it).
Where the domain leaves the choice open ("refund or resend") the cheaper option wins. Every
default below is ours [I] and meant to be overridden per store; the explanation of each
option says what went into it.

Where a store's own closed disputes set an odd (``calibration.calibrated``: the posterior
mean, in ``CostModel.learned`` with its sentence), the options and the advice say so; and a
refusal the playbook prescribes for a disputed delivery or a customs hold becomes a partial
offer when that history surely says refusals cost more than the defaults assume (the
interval clear of the prior) and the offer is then the cheaper.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from disputekit.domain.buyers import AbuseLevel
from disputekit.domain.carriers import ServiceKind
from disputekit.domain.claims import PLATFORM_RULES, case_claimable
from disputekit.domain.classify import Classification, DisputeFacts
from disputekit.domain.stalls import LaneThresholds
from disputekit.domain.taxonomy import DisputeClass, Flag
from disputekit.domain.tracking import PICKUP_HOLD_DAYS, collect_by

__all__ = ["NO_TRACKING_WAIT_DAYS", "Action", "CostModel", "Learned", "Option", "Recommendation",
           "SETTLE_IF_HISTORY_SAYS", "learned_key", "learned_odds", "local_amount", "option_for",
           "options", "recommend"]


class Action(StrEnum):
    REFUSE = "refuse"  # refuse the buyer's plan with a zero counter-offer
    USAGE_HELP = "usage_help"  # refuse with zero, the text being usage advice and a video ask
    PARTIAL_REFUND = "partial_refund"
    RESEND = "resend"
    RESEND_WITH_GIFT = "resend_with_gift"
    FULL_REFUND = "full_refund"
    RETURN_AND_REFUND = "return_and_refund"
    CARRIER_CLAIM = "carrier_claim"
    REPORT_BUYER = "report_buyer"
    LEAVE_TO_PLATFORM = "leave_to_platform"


C = DisputeClass

# Days a no-tracking dispute waits after the first reply before the partial offer: the
# reply plan's schedule (``replies.plans``) and the recommendation say the same.
NO_TRACKING_WAIT_DAYS = 2

# Chance the seller wins if the platform arbitrates, per class [I]: evidence-rich classes
# (signed delivery, a buyer who will not give customs their tax id) win; classes where the
# seller's side failed (lost, never exported, a real defect) do not.
DEFAULT_WIN_CHANCE: Mapping[DisputeClass, float] = MappingProxyType({
    C.NO_TRACKING: 0.1, C.DELIVERED_DISPUTED: 0.75, C.STALLED_IN_TRANSIT: 0.35,
    C.CUSTOMS_BUYER_NO_DOCS: 0.6, C.CUSTOMS_BUYER_UNREACHABLE: 0.45,
    C.RETURNED_UNDELIVERED: 0.5, C.RETURNED_IN_COUNTRY: 0.3, C.RETURNED_BEFORE_EXPORT: 0.1,
    C.LOST: 0.05, C.GENUINE_DEFECT: 0.1, C.BUYER_MISUSE: 0.6, C.DELIBERATE_ABUSE: 0.5,
    C.EXTORTION: 0.6, C.NOT_AS_DESCRIBED: 0.2, C.BUYER_OWN_REASON: 0.7,
})

# Chance a refusal ends in arbitration rather than a cancelled dispute [I]. The article: most
# serious buyers accept the explanation of a stalled parcel; an abuser or extortionist pushes.
DEFAULT_ESCALATION_IF_REFUSED: Mapping[DisputeClass, float] = MappingProxyType({
    C.NO_TRACKING: 0.7, C.DELIVERED_DISPUTED: 0.6, C.STALLED_IN_TRANSIT: 0.4,
    C.CUSTOMS_BUYER_NO_DOCS: 0.5, C.CUSTOMS_BUYER_UNREACHABLE: 0.5,
    C.RETURNED_UNDELIVERED: 0.6, C.RETURNED_IN_COUNTRY: 0.6, C.RETURNED_BEFORE_EXPORT: 0.6,
    C.LOST: 0.8, C.GENUINE_DEFECT: 0.8, C.BUYER_MISUSE: 0.3, C.DELIBERATE_ABUSE: 0.7,
    C.EXTORTION: 0.8, C.NOT_AS_DESCRIBED: 0.7, C.BUYER_OWN_REASON: 0.4,
})

# The partial refund worth proposing, as a share of the refund asked [I]. Abuse gets the
# "small compensation" of the article; extortion is shown at what the buyer demands; an item
# not as described a real discount to keep it; the buyer's own reason a small goodwill amount.
DEFAULT_PARTIAL_SHARE: Mapping[DisputeClass, float] = MappingProxyType({
    C.NO_TRACKING: 0.5, C.DELIVERED_DISPUTED: 0.2, C.CUSTOMS_BUYER_NO_DOCS: 0.2,
    C.GENUINE_DEFECT: 0.3, C.BUYER_MISUSE: 0.1, C.DELIBERATE_ABUSE: 0.1, C.EXTORTION: 0.3,
    C.NOT_AS_DESCRIBED: 0.3, C.BUYER_OWN_REASON: 0.1,
})

DEFAULT_FREIGHT: Mapping[ServiceKind, float] = MappingProxyType({
    ServiceKind.REGISTERED: 4.0, ServiceKind.UNREGISTERED: 1.5,
    ServiceKind.PLATFORM: 3.0, ServiceKind.UNKNOWN: 4.0,
})


# The keys each per-class or per-kind map of the cost model accepts.
_MAP_KEYS: Mapping[str, frozenset[str]] = MappingProxyType({
    **{name: frozenset(str(c) for c in DisputeClass)
       for name in ("win_chance", "escalation_if_refused", "partial_share")},
    "freight": frozenset(str(k) for k in ServiceKind),
})


@dataclass(frozen=True)
class Learned:
    """Where one odd of a cost model came from when the store's own closed disputes set it
    (``calibration.calibrated``): the sentence the advice shows, the parameters' prior, and
    the posterior's mean and 90 % interval, which say whether the history disagrees."""

    text: str  # "refuse: 18 % of your 41 refused stalled parcels went to arbitration (…)"
    prior: float
    mean: float
    low: float
    high: float
    cases: int

    @property
    def above_prior(self) -> bool:
        """The history says the chance is surely higher than the prior (interval above it)."""
        return self.low > self.prior

    @property
    def below_prior(self) -> bool:
        return self.high < self.prior


def learned_key(odd: str, code: DisputeClass | None = None) -> str:
    """The key of one odd in ``CostModel.learned``: ``"win_chance.lost"``, ``"partial_accepted"``.
    """
    return odd if code is None else f"{odd}.{code}"


def _check_amount(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r:.60}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number of 0 or more, got {value!r}")


@dataclass(frozen=True)
class CostModel:
    """A store's costs and odds. Amounts in ``currency``; platform amounts (USD) are converted
    with ``per_usd`` (units of ``currency`` per US dollar).

    >>> CostModel().with_overrides(currency="EUR", per_usd=0.92).currency
    'EUR'
    """

    currency: str = "USD"
    per_usd: float = 1.0
    # Cost of goods per unit: per product id (as a string) when known, else a share of the price.
    cost_of_goods: Mapping[str, float] = field(default_factory=dict)
    cost_of_goods_share: float = 0.4
    # one parcel out, per service kind
    freight: Mapping[ServiceKind, float] = field(default_factory=lambda: DEFAULT_FREIGHT)
    gift_cost: float = 1.0
    return_freight: float = 8.0  # an international return label, when the seller pays it
    returned_goods_value: float = 0.5  # resale value of goods sent back, share of their cost
    arbitration_cost: float = 5.0  # what one arbitrated dispute costs in dispute rate/traffic
    win_chance: Mapping[DisputeClass, float] = field(
        default_factory=lambda: DEFAULT_WIN_CHANCE)
    escalation_if_refused: Mapping[DisputeClass, float] = field(
        default_factory=lambda: DEFAULT_ESCALATION_IF_REFUSED)
    escalation_after_help: float = 0.15  # a misuse buyer who got working advice
    partial_share: Mapping[DisputeClass, float] = field(
        default_factory=lambda: DEFAULT_PARTIAL_SHARE)
    partial_accepted: float = 0.6  # chance a buyer takes a partial refund and cancels
    carrier_claim_success: float = 0.5
    # The odds above that the store's own history set, by ``learned_key`` (empty: all are
    # the parameters' priors). Filled by ``calibration.calibrated``, never by the parameters.
    learned: Mapping[str, Learned] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A store's costs come from a YAML file a person edits: check every value's kind
        # first, so "gift_cost: a lot" or a NaN is refused here with its name, not later as a
        # TypeError (or a NaN recommendation) in the middle of a triage.
        if not isinstance(self.currency, str) or not self.currency.strip():
            raise ValueError(f"currency must be a currency code like EUR, got {self.currency!r}")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "currency":
                continue
            if f.name == "learned":
                if not isinstance(value, Mapping) or not all(
                        isinstance(v, Learned) for v in value.values()):
                    raise ValueError("learned is set from the store's closed disputes "
                                     "(calibration), not in the parameters; remove it")
                continue
            is_map = f.default_factory is not MISSING  # the per-key maps have factories
            if is_map != isinstance(value, Mapping):
                kind = "a mapping of key: number" if is_map else "a number"
                raise ValueError(f"{f.name} must be {kind}, got {value!r:.60}")
            if isinstance(value, Mapping):
                known = _MAP_KEYS.get(f.name)
                for key, item in value.items():
                    if known is not None and str(key) not in known:
                        raise ValueError(f"{f.name}: unknown key {str(key)!r:.60}; known: "
                                         f"{', '.join(sorted(known))}")
                    _check_amount(f"{f.name}[{str(key):.60}]", item)
            else:
                _check_amount(f.name, value)
        if self.per_usd <= 0:
            raise ValueError(f"per_usd must be > 0 ({self.currency} per US dollar), "
                             f"got {self.per_usd}")
        for name in ("cost_of_goods_share", "returned_goods_value", "escalation_after_help",
                     "partial_accepted", "carrier_claim_success"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} is a chance or a share between 0 and 1, got {value}")
        for name in ("win_chance", "escalation_if_refused", "partial_share"):
            for code, value in getattr(self, name).items():
                if not 0 <= value <= 1:
                    raise ValueError(f"{name}[{code}] must be between 0 and 1, got {value}")

    def with_overrides(self, **changes: object) -> CostModel:
        """A copy with some fields changed; per-class maps are merged over the defaults."""
        merged: dict[str, object] = {}
        for name, value in changes.items():
            current = getattr(self, name)
            if isinstance(current, Mapping) and isinstance(value, Mapping):
                merged[name] = MappingProxyType({**current, **value})
            else:
                merged[name] = value
        return replace(self, **merged)  # type: ignore[arg-type]

    def usd(self, amount: float) -> float:
        return amount * self.per_usd


@dataclass(frozen=True)
class Option:
    action: Action
    expected_cost: float  # store currency, cents; negative = money recovered
    explanation: str
    percent: float | None = None  # the partial refund's share of the refund asked
    # What the buyer is offered, in the platform's currency (USD, like the dispute's refund):
    # 0 for a refusal, ``None`` where no money goes to the buyer (a resend, a claim).
    offered_usd: float | None = None

    def as_dict(self, currency: str) -> dict[str, object]:
        out: dict[str, object] = {"action": str(self.action),
                                  "expected_cost": self.expected_cost, "currency": currency,
                                  "explanation": self.explanation}
        if self.percent is not None:
            out["percent"] = self.percent
        if self.offered_usd is not None:
            out["offered_usd"] = self.offered_usd
        return out


@dataclass(frozen=True)
class Recommendation:
    action: Action
    then: tuple[Action, ...]  # what follows or goes alongside (a claim, a report)
    steps: tuple[str, ...]  # what to do, in order, in the operator's words
    expected_cost: float

    @property
    def summary(self) -> str:
        return "; ".join(self.steps)


# ---------------------------------------------------------------------------------------------
# Money at stake
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stake:
    refund: float  # what a full refund pays, store currency
    refund_usd: float  # the same in the platform's currency: what the buyer is paid in
    goods: float  # cost of the goods, store currency
    freight: float  # a parcel out on the same service, store currency
    recovered_goods: bool  # the parcel is (coming) back
    platform_pays: bool  # platform online logistics: the platform bears a logistics loss


def _stake(c: Classification, facts: DisputeFacts, model: CostModel) -> _Stake:
    refund_usd = facts.refund_asked or facts.refund_max or facts.product_price or 0.0
    known = model.cost_of_goods.get(str(facts.product_id)) if facts.product_id else None
    price_usd = facts.product_price or refund_usd
    goods = known if known is not None else model.usd(price_usd) * model.cost_of_goods_share
    kind = facts.service.kind if facts.service is not None else ServiceKind.UNKNOWN
    freight = model.freight.get(kind, model.freight.get(ServiceKind.UNKNOWN, 4.0))
    platform_pays = (Flag.PLATFORM_LOGISTICS in c.flags
                     and c.code in (C.STALLED_IN_TRANSIT, C.LOST, C.NO_TRACKING,
                                    C.DELIVERED_DISPUTED))
    return _Stake(model.usd(refund_usd), refund_usd, goods, freight, c.code.returned,
                  platform_pays)


def local_amount(usd: float, refund_max_usd: Decimal | None,
                 refund_max_local: Decimal | None, local_currency: str) -> Decimal | None:
    """An amount in the platform's currency (USD) in the buyer's, at the dispute's own rate
    (its full refund in both), to the cent and never above that full refund; ``None`` when
    the dispute gives no rate.

    >>> local_amount(10.0, Decimal("100.00"), Decimal("92.00"), "EUR")
    Decimal('9.20')
    >>> local_amount(100.0, Decimal("100.00"), Decimal("92.00"), "EUR")
    Decimal('92.00')
    """
    cent = Decimal("0.01")
    if local_currency.strip().upper() == "USD":
        local = Decimal(str(usd))
    elif refund_max_usd and refund_max_local is not None:
        local = Decimal(str(usd)) * refund_max_local / refund_max_usd
    else:
        return None
    if refund_max_local is not None:
        local = min(local, refund_max_local)
    return max(local, Decimal(0)).quantize(cent, ROUND_HALF_UP)


def _cents(value: float) -> float:
    return round(value, 2) + 0.0  # + 0.0 turns a -0.0 into 0.0


def _money(value: float, model: CostModel) -> str:
    return f"{model.currency} {value:,.2f}"


# ---------------------------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------------------------

_APPLICABLE: Mapping[DisputeClass, tuple[Action, ...]] = MappingProxyType({
    C.NO_TRACKING: (Action.REFUSE, Action.PARTIAL_REFUND, Action.RESEND, Action.FULL_REFUND),
    C.DELIVERED_DISPUTED: (Action.REFUSE, Action.PARTIAL_REFUND, Action.FULL_REFUND),
    C.STALLED_IN_TRANSIT: (Action.REFUSE, Action.RESEND_WITH_GIFT, Action.FULL_REFUND,
                           Action.CARRIER_CLAIM),
    C.CUSTOMS_BUYER_NO_DOCS: (Action.REFUSE, Action.PARTIAL_REFUND, Action.FULL_REFUND),
    C.CUSTOMS_BUYER_UNREACHABLE: (Action.REFUSE, Action.FULL_REFUND),
    C.RETURNED_UNDELIVERED: (Action.REFUSE, Action.RESEND, Action.FULL_REFUND),
    C.RETURNED_IN_COUNTRY: (Action.REFUSE, Action.RESEND, Action.FULL_REFUND),
    C.RETURNED_BEFORE_EXPORT: (Action.REFUSE, Action.RESEND, Action.FULL_REFUND),
    C.LOST: (Action.REFUSE, Action.RESEND, Action.RESEND_WITH_GIFT, Action.FULL_REFUND,
             Action.CARRIER_CLAIM),
    C.GENUINE_DEFECT: (Action.PARTIAL_REFUND, Action.RESEND, Action.FULL_REFUND,
                       Action.RETURN_AND_REFUND),
    C.BUYER_MISUSE: (Action.USAGE_HELP, Action.REFUSE, Action.PARTIAL_REFUND,
                     Action.FULL_REFUND, Action.RETURN_AND_REFUND),
    C.DELIBERATE_ABUSE: (Action.REFUSE, Action.PARTIAL_REFUND, Action.RETURN_AND_REFUND,
                         Action.FULL_REFUND, Action.REPORT_BUYER),
    C.EXTORTION: (Action.REFUSE, Action.REPORT_BUYER, Action.PARTIAL_REFUND,
                  Action.FULL_REFUND),
    # A partial refund to keep it, or the return at the seller's cost; never a usage video.
    C.NOT_AS_DESCRIBED: (Action.PARTIAL_REFUND, Action.RETURN_AND_REFUND, Action.FULL_REFUND,
                         Action.REFUSE),
    # The return at the buyer's cost, or a small goodwill amount to keep it.
    C.BUYER_OWN_REASON: (Action.RETURN_AND_REFUND, Action.PARTIAL_REFUND, Action.REFUSE,
                         Action.FULL_REFUND),
})


def options(c: Classification, facts: DisputeFacts, model: CostModel) -> list[Option]:
    """Every option that applies to this dispute, with its expected cost, cheapest first."""
    stake = _stake(c, facts, model)
    actions = list(_APPLICABLE[c.code])
    if Flag.AFTER_SALE_WARRANTY in c.flags or stake.platform_pays:
        actions.insert(0, Action.LEAVE_TO_PLATFORM)
    if Action.CARRIER_CLAIM in actions and not _claimable(c, facts):
        actions.remove(Action.CARRIER_CLAIM)
    if Action.REPORT_BUYER not in actions and facts.abuse.level in (AbuseLevel.ABUSIVE,
                                                                    AbuseLevel.BLOCKLISTED):
        actions.append(Action.REPORT_BUYER)
    built = [_option(action, c, facts, model, stake) for action in actions]
    return sorted(built, key=lambda o: (o.expected_cost, list(Action).index(o.action)))


# A silent parcel is worth a claim once it counts as presumed lost (tracking §4.2 [I]).
_CLAIM_AFTER_DAYS = LaneThresholds().claim_after_days


def option_for(action: Action, c: Classification, facts: DisputeFacts,
               model: CostModel) -> Option:
    """One option priced for this dispute, whether or not ``options`` lists it for its class
    (a reply plan's step may take it: the plan's class can be an operator's correction)."""
    return _option(action, c, facts, model, _stake(c, facts, model))


def _claimable(c: Classification, facts: DisputeFacts) -> bool:
    """A carrier claim needs logistics with a claim channel (``claims.case_claimable``, the
    one rule the sync and the workbook also follow) and a parcel truly gone: lost, or silent
    long enough to count as presumed lost."""
    if facts.service is None or not case_claimable(c.code, facts.service.kind):
        return False
    if c.code is C.LOST:
        return True
    silent = facts.silent_days or 0.0
    return c.code is C.STALLED_IN_TRANSIT and silent >= _CLAIM_AFTER_DAYS


def _refuse_cost(code: DisputeClass, stake: _Stake, model: CostModel,
                 escalation: float | None = None) -> tuple[float, str]:
    chance = model.escalation_if_refused[code] if escalation is None else escalation
    lose = 1 - model.win_chance[code]
    loss = 0.0 if stake.platform_pays else stake.refund
    if stake.recovered_goods:
        loss = max(loss - stake.goods, 0.0)
    rate_hit = 0.0 if stake.platform_pays else model.arbitration_cost
    cost = chance * (lose * loss + rate_hit)
    learned = _refusal_odds(code) if escalation is None else (learned_key("win_chance", code),)
    why = (f"{chance:.0%} chance it goes to arbitration, lost there {lose:.0%} of the time "
           f"({_money(loss, model)}), plus {_money(rate_hit, model)} of dispute-rate cost"
           f"{_from_history(model, *learned)}")
    return cost, why


def _refusal_odds(code: DisputeClass) -> tuple[str, str]:
    """The odds a refusal's cost rests on, by ``learned_key``."""
    return learned_key("escalation_if_refused", code), learned_key("win_chance", code)


def _from_history(model: CostModel, *keys: str) -> str:
    """What the store's own history said of these odds, where it set them (else nothing)."""
    texts = [model.learned[k].text for k in keys if k in model.learned]
    return f" [{'; '.join(texts)}]" if texts else ""


def _option(action: Action, c: Classification, facts: DisputeFacts, model: CostModel,
            stake: _Stake) -> Option:
    code = c.code
    if action is Action.REFUSE:
        cost, why = _refuse_cost(code, stake, model)
        return Option(action, _cents(cost), f"counter-offer 0: {why}", offered_usd=0.0)
    if action is Action.USAGE_HELP:
        cost, why = _refuse_cost(code, stake, model, model.escalation_after_help)
        return Option(action, _cents(cost),
                      f"counter-offer 0 with usage advice and a request for a video: {why}",
                      offered_usd=0.0)
    if action is Action.PARTIAL_REFUND:
        share = _partial_share(code, facts, model)
        refuse, _ = _refuse_cost(code, stake, model)
        cost = model.partial_accepted * share * stake.refund + (1 - model.partial_accepted) * refuse
        return Option(action, _cents(cost),
                      f"offer {share:.0%} ({_money(share * stake.refund, model)}); taken "
                      f"{model.partial_accepted:.0%} of the time, else as a refusal"
                      f"{_from_history(model, learned_key('partial_accepted'))}",
                      percent=round(share * 100, 1),
                      offered_usd=_cents(share * stake.refund_usd))
    if action in (Action.RESEND, Action.RESEND_WITH_GIFT):
        goods = 0.0 if stake.recovered_goods else stake.goods
        gift = model.gift_cost if action is Action.RESEND_WITH_GIFT else 0.0
        cost = goods + stake.freight + gift
        parts = [f"goods {_money(goods, model)}" + (" (the parcel comes back)"
                                                    if stake.recovered_goods else ""),
                 f"freight {_money(stake.freight, model)}"]
        if gift:
            parts.append(f"gift {_money(gift, model)}")
        return Option(action, _cents(cost), " + ".join(parts))
    if action is Action.FULL_REFUND:
        back = stake.goods if stake.recovered_goods else 0.0
        cost = stake.refund - back
        why = f"refund {_money(stake.refund, model)}"
        if back:
            why += f", less the goods coming back ({_money(back, model)})"
        return Option(action, _cents(cost), why, offered_usd=_cents(stake.refund_usd))
    if action is Action.RETURN_AND_REFUND:
        # The buyer's own reason: the buyer pays the return postage (the seller's rules); an
        # item not as described or faulty comes back at the seller's cost.
        personal = code is C.BUYER_OWN_REASON or (Flag.BUYER_PERSONAL_REASON in c.flags
                                                   and code is not C.NOT_AS_DESCRIBED)
        label = 0.0 if personal else model.return_freight
        back = stake.goods * model.returned_goods_value
        cost = stake.refund + label - back
        payer = "the buyer pays the return" if personal else \
            f"return label {_money(label, model)}"
        return Option(action, _cents(cost),
                      f"refund {_money(stake.refund, model)}, {payer}, goods back worth "
                      f"{_money(back, model)}", offered_usd=_cents(stake.refund_usd))
    if action is Action.CARRIER_CLAIM:
        recovered = model.carrier_claim_success * (stake.goods + stake.freight)
        return Option(action, _cents(-recovered),
                      f"claim goods and freight ({_money(stake.goods + stake.freight, model)}) "
                      f"from {facts.service.carrier if facts.service else 'the carrier'}; "
                      f"paid {model.carrier_claim_success:.0%} of the time"
                      f"{_from_history(model, learned_key('carrier_claim_success'))}")
    if action is Action.REPORT_BUYER:
        return Option(action, 0.0, "costs nothing; keep the evidence and report the buyer")
    return Option(action, 0.0,
                  "the platform owns this dispute (after-sales warranty or its own logistics): "
                  "answer with evidence and let it decide")


def _partial_share(code: DisputeClass, facts: DisputeFacts, model: CostModel) -> float:
    share = model.partial_share.get(code, 0.3)
    if code is C.EXTORTION and facts.refund_asked and facts.refund_max:
        asked = facts.refund_asked / facts.refund_max
        if 0 < asked < 1:
            share = asked  # show what paying the demand would cost
    return round(share, 3)


# ---------------------------------------------------------------------------------------------
# Recommendation
# ---------------------------------------------------------------------------------------------


def recommend(c: Classification, facts: DisputeFacts, model: CostModel,
              available: list[Option] | None = None) -> Recommendation:
    """The one action domain.md prescribes for this class, with what follows it."""
    opts = {o.action: o for o in (available if available is not None
                                  else options(c, facts, model))}

    def cheaper(*actions: Action) -> Action:
        return min((a for a in actions if a in opts), key=lambda a: opts[a].expected_cost)

    code = c.code
    then: list[Action] = []
    if Flag.AFTER_SALE_WARRANTY in c.flags:
        action = Action.LEAVE_TO_PLATFORM
        steps = ["after-sales warranty dispute: the platform owns it; answer its requests "
                 "with evidence"]
    elif code is C.STALLED_IN_TRANSIT:
        action = Action.REFUSE
        steps = ["refuse the refund now (counter-offer 0)", "extend buyer protection",
                 "send reply 1 of the three-reply plan: apologise, say where the parcel is and "
                 "when it last moved, say you are asking the carrier"]
        if Action.CARRIER_CLAIM in opts:
            then.append(Action.CARRIER_CLAIM)
            steps.append(f"silent {_CLAIM_AFTER_DAYS:.0f}+ days: open a claim with the carrier "
                         "for goods and freight")
    elif code is C.DELIVERED_DISPUTED:
        action = Action.REFUSE
        steps = ["refuse (counter-offer 0) with evidence: the shipping record with the weight "
                 "and postage deduction, and the proof of signature"]
    elif code in (C.LOST, C.NO_TRACKING) and Flag.PLATFORM_LOGISTICS in c.flags:
        action = Action.LEAVE_TO_PLATFORM
        steps = ["shipped with the platform's online logistics: refuse with 0 citing it; the "
                 "platform handles and exempts logistics disputes on its own lines"]
        if Action.CARRIER_CLAIM in opts:
            then.append(Action.CARRIER_CLAIM)
            steps.append("file an online-logistics complaint for the goods and the freight "
                         f"(within {PLATFORM_RULES.filing_window_days} days of the logistics "
                         "order)")
    elif code is C.NO_TRACKING:
        # The plan first (replies.plans): an untracked parcel often arrives late, so wait and
        # ask the buyer to look; only then settle, with the partial offer, before arbitration.
        action = Action.PARTIAL_REFUND
        share = opts[action].percent if action in opts else None
        offered = f" ({share:g} %)" if share is not None else ""
        steps = ["wait: send reply 1 (check the mailbox, ask at the post office); an untracked "
                 "parcel often arrives late",
                 f"{NO_TRACKING_WAIT_DAYS} days after reply 1, if it has not arrived: "
                 f"{_verb(action)}{offered} as the counter-offer: with no tracking there is "
                 "little evidence, and arbitration would count in the dispute rate",
                 "move this lane to registered shipping"]
    elif code is C.LOST:
        action = cheaper(Action.RESEND, Action.FULL_REFUND)
        steps = [f"{_verb(action)} (the cheaper of refund and resend)"]
        if Action.CARRIER_CLAIM in opts:
            then.append(Action.CARRIER_CLAIM)
            steps.append("claim the goods and the freight from the carrier")
    elif code is C.CUSTOMS_BUYER_NO_DOCS:
        action = Action.REFUSE
        steps = ["refuse (counter-offer 0) and tell the buyer exactly what customs needs "
                 "(tax ID, duty) and where to give it",
                 "next time, contact high-value buyers to this country before shipping"]
    elif code is C.CUSTOMS_BUYER_UNREACHABLE:
        action = Action.REFUSE
        steps = ["refuse (counter-offer 0) and reach the buyer on every channel: customs is "
                 "holding the parcel for them"]
    elif code is C.RETURNED_UNDELIVERED and _awaiting_collection(facts):
        action = Action.REFUSE
        waiting = facts.timeline.awaiting_collection if facts.timeline is not None else None
        where = waiting.location if waiting is not None else ""
        last_day = collect_by(waiting)
        steps = ["refuse (counter-offer 0) and tell the buyer where to collect the parcel"
                 + (f" ({where})" if where else "") + " before it goes back"
                 + (f" (by {last_day:%d %b %Y}: {PICKUP_HOLD_DAYS} days' hold [I])"
                    if last_day is not None else "")]
    elif code.returned:
        action = cheaper(Action.RESEND, Action.FULL_REFUND)
        steps = ["contact the buyer: the parcel is coming back",
                 f"{_verb(action)} once it is back (the freight is not recoverable)"]
    elif code is C.GENUINE_DEFECT:
        action = cheaper(Action.RESEND, Action.FULL_REFUND)
        steps = [f"{_verb(action)} without haggling: the fault is real"]
    elif code is C.BUYER_MISUSE:
        if Flag.BUYER_PERSONAL_REASON in c.flags:
            action = cheaper(Action.PARTIAL_REFUND, Action.RETURN_AND_REFUND)
            steps = [f"{_verb(action)}: settle it between you, so it stays out of the dispute "
                     "rate"]
        else:
            action = Action.USAGE_HELP
            steps = ["ask for a video or photos and send usage advice (counter-offer 0)",
                     "once it works, ask the buyer to cancel the dispute"]
    elif code is C.NOT_AS_DESCRIBED:
        action = Action.PARTIAL_REFUND
        then.append(Action.RETURN_AND_REFUND)
        share = opts[action].percent if action in opts else None
        offered = f" ({share:g} %)" if share is not None else ""
        steps = ["ask for a photo of the item beside the listing (colour, size, model), and "
                 "check it against your packing photos",
                 f"then offer a partial refund{offered} to keep it, as the counter-offer, or a "
                 "full refund with the return at your cost"]
    elif code is C.BUYER_OWN_REASON:
        action = Action.RETURN_AND_REFUND
        then.append(Action.PARTIAL_REFUND)
        share = opts[Action.PARTIAL_REFUND].percent if Action.PARTIAL_REFUND in opts else None
        offered = f" ({share:g} %)" if share is not None else ""
        steps = ["agree to a return at the buyer's cost: the refund once the item is back",
                 f"or, if the buyer would rather keep it, a small goodwill amount{offered} as "
                 "the counter-offer; settled between you, it may stay out of the dispute rate"]
    elif code is C.DELIBERATE_ABUSE:
        action = Action.REFUSE
        then.append(Action.PARTIAL_REFUND)
        steps = ["refuse (counter-offer 0) with detailed evidence, including your own video",
                 "at a deadlock, offer a small compensation to cancel (never call it a refund)"]
        if facts.abuse.level in (AbuseLevel.ABUSIVE, AbuseLevel.BLOCKLISTED):
            then.append(Action.REPORT_BUYER)
            steps.append("report the buyer: " + "; ".join(facts.abuse.reasons))
    else:  # extortion
        action = Action.REPORT_BUYER
        then.append(Action.REFUSE)
        steps = ["ask what they want and keep the evidence", "report the buyer",
                 "refuse (counter-offer 0): do not pay for a cancellation"]
    action, then, steps = _as_history_says(code, action, then, steps, opts, model)
    cost = opts[action].expected_cost if action in opts else 0.0
    return Recommendation(action, tuple(then), tuple(steps), cost)


# Classes where the playbook refuses but a partial offer is an honest way out: when the
# store's own refusals of the class surely go to arbitration more (or are lost there more)
# than the priors say, and the partial offer is then the cheaper, the store's history wins
# over the playbook. Never abuse or extortion: not paying those is the playbook's line.
SETTLE_IF_HISTORY_SAYS: Final = frozenset({C.DELIVERED_DISPUTED, C.CUSTOMS_BUYER_NO_DOCS})


def _as_history_says(code: DisputeClass, action: Action, then: list[Action], steps: list[str],
                     opts: Mapping[Action, Option], model: CostModel,
                     ) -> tuple[Action, list[Action], list[str]]:
    """The playbook's advice, turned where the store's own history says its odds are wrong,
    and with the sentences of the odds it rests on when that history set them."""
    escalation = model.learned.get(learned_key("escalation_if_refused", code))
    win = model.learned.get(learned_key("win_chance", code))
    worse = [what for what, surely in (
        ("went to arbitration", escalation is not None and escalation.above_prior),
        ("were lost there", win is not None and win.below_prior)) if surely]
    if (action is Action.REFUSE and code in SETTLE_IF_HISTORY_SAYS and worse
            and Action.PARTIAL_REFUND in opts and Action.REFUSE in opts
            and opts[Action.PARTIAL_REFUND].expected_cost < opts[Action.REFUSE].expected_cost):
        share = opts[Action.PARTIAL_REFUND].percent
        offered = f" ({share:g} %)" if share is not None else ""
        steps = [f"offer a partial refund{offered} as the counter-offer instead of refusing: "
                 f"your own refusals of this class {' and '.join(worse)} more often than the "
                 "defaults assume, so settling costs less",
                 f"if the buyer turns it down: {steps[0]}", *steps[1:]]
        action, then = Action.PARTIAL_REFUND, [Action.REFUSE, *then]
    texts = learned_odds(action, code, model)
    if texts:
        steps = [*steps, "odds from your own closed disputes: " + "; ".join(texts)]
    return action, then, steps


def learned_odds(action: Action, code: DisputeClass, model: CostModel) -> tuple[str, ...]:
    """The sentences of the odds an action's cost rests on that the store's own history set
    (``CostModel.learned``); none when they are all the parameters' priors."""
    keys: tuple[str, ...] = ()
    if action is Action.REFUSE:
        keys = _refusal_odds(code)
    elif action is Action.PARTIAL_REFUND:
        keys = (learned_key("partial_accepted"), *_refusal_odds(code))
    elif action is Action.USAGE_HELP:
        keys = (learned_key("win_chance", code),)
    elif action is Action.CARRIER_CLAIM:
        keys = (learned_key("carrier_claim_success"),)
    return tuple(model.learned[k].text for k in keys if k in model.learned)


def _awaiting_collection(facts: DisputeFacts) -> bool:
    """The parcel waits at a pickup point or after a failed attempt: not on its way back yet
    (the same reading the reply plans use, ``Timeline.awaiting_collection``)."""
    timeline = facts.timeline
    return timeline is not None and timeline.awaiting_collection is not None


def _verb(action: Action) -> str:
    return {
        Action.RESEND: "resend", Action.RESEND_WITH_GIFT: "resend with a small gift",
        Action.FULL_REFUND: "refund in full", Action.PARTIAL_REFUND: "offer a partial refund",
        Action.RETURN_AND_REFUND: "agree to return and refund",
    }.get(action, str(action).replace("_", " "))

