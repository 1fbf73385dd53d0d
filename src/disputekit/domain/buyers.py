"""Buyers who dispute again and again, across every store of the seller (pure).

One company may run up to six stores, and a buyer who abuses one usually tries the others.
The score reads the buyer's history *across all the seller's stores*: how many of their
orders end in a dispute, how often a parcel the carrier delivered was disputed anyway, and
how often they asked for money to cancel. A shared blocklist, kept by the operators, wins
over any score. Storage of the history and of the blocklist is the caller's business; this
module only counts and weighs.

Counting convention: ``orders`` and ``disputes`` include the order and the dispute being
looked at, so a first-time buyer disputing their only order is ``orders=1, disputes=1``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class BuyerHistory:
    """A buyer's record across every store of the seller (this order and dispute included)."""

    orders: int = 0
    disputes: int = 0
    delivered_disputed: int = 0  # disputes of parcels the carrier reported delivered
    money_demands: int = 0  # disputes in which they named a sum to cancel
    stores: int = 0  # distinct stores they disputed in

    def __post_init__(self) -> None:
        for name in ("orders", "disputes", "delivered_disputed", "money_demands", "stores"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"buyer history {name} must be a whole number >= 0, "
                                 f"got {value!r}")

    @property
    def earlier_disputes(self) -> int:
        """Disputes before this one."""
        return max(self.disputes - 1, 0)


class AbuseLevel(StrEnum):
    NONE = "none"
    WATCH = "watch"
    ABUSIVE = "abusive"
    BLOCKLISTED = "blocklisted"


@dataclass(frozen=True)
class AbuseScore:
    score: float  # 0 (nothing known against them) .. 1 (blocklisted or certain)
    level: AbuseLevel
    reasons: tuple[str, ...] = ()


# Levels: "watch" from the second dispute on a handful of orders, "abusive" when several
# signs add up. The weights are ours [I]; the article names the signs, not their weights.
WATCH_FROM = 0.3
ABUSIVE_FROM = 0.6
BLOCKLISTED_REASON = "the buyer is on the operators' shared blocklist"


def normalise_login(login_id: str) -> str:
    """Login ids as the blocklist keys them: trimmed, case-insensitive."""
    return login_id.strip().casefold()


def blocklisted(login_id: str, blocklist: Collection[str]) -> bool:
    """Whether the operators put this buyer on the shared blocklist."""
    key = normalise_login(login_id)
    return bool(key) and key in {normalise_login(b) for b in blocklist}


def abuse_score(history: BuyerHistory, *, login_id: str = "",
                blocklist: Collection[str] = frozenset()) -> AbuseScore:
    """How likely this buyer disputes in bad faith, with the facts that say so.

    >>> abuse_score(BuyerHistory(orders=4, disputes=4, money_demands=1)).level
    <AbuseLevel.ABUSIVE: 'abusive'>
    >>> abuse_score(BuyerHistory(orders=1, disputes=1)).level
    <AbuseLevel.NONE: 'none'>
    """
    if login_id and blocklisted(login_id, blocklist):
        return AbuseScore(1.0, AbuseLevel.BLOCKLISTED, (BLOCKLISTED_REASON,))
    score = 0.0
    reasons: list[str] = []
    earlier = history.earlier_disputes
    if earlier:
        score += min(0.15 * earlier, 0.45)
        where = f" in {history.stores} stores" if history.stores > 1 else ""
        reasons.append(f"{earlier} earlier dispute{'s' if earlier > 1 else ''}{where}")
    if history.orders and history.disputes >= 2:
        rate = history.disputes / max(history.orders, history.disputes)
        if rate >= 0.5:
            score += 0.2
            reasons.append(f"disputes {history.disputes} of {max(history.orders, history.disputes)}"
                           f" orders ({rate:.0%})")
    if history.delivered_disputed:
        score += min(0.2 * history.delivered_disputed, 0.4)
        reasons.append(f"disputed {history.delivered_disputed} parcel"
                       f"{'s' if history.delivered_disputed > 1 else ''} the carrier delivered")
    if history.money_demands:
        score += min(0.25 * history.money_demands, 0.5)
        reasons.append(f"asked for money to cancel {history.money_demands} time"
                       f"{'s' if history.money_demands > 1 else ''}")
    score = round(min(score, 1.0), 2)
    if score >= ABUSIVE_FROM:
        level = AbuseLevel.ABUSIVE
    elif score >= WATCH_FROM:
        level = AbuseLevel.WATCH
    else:
        level = AbuseLevel.NONE
    return AbuseScore(score, level, tuple(reasons))


@dataclass(frozen=True)
class DisputeSighting:
    """One dispute as the history counts it: who, where, and what it showed."""

    buyer_login_id: str
    store_id: str
    order_id: int
    delivered_disputed: bool = False
    money_demand: bool = False


@dataclass
class _Tally:
    orders: set[tuple[str, int]] = field(default_factory=set)
    disputes: int = 0
    delivered_disputed: int = 0
    money_demands: int = 0
    stores: set[str] = field(default_factory=set)


def histories(sightings: Iterable[DisputeSighting],
              orders_by_buyer: Mapping[str, int] | None = None) -> dict[str, BuyerHistory]:
    """Each buyer's history across stores, keyed by normalised login id.

    ``orders_by_buyer`` is the number of orders each buyer placed across the stores, when the
    caller knows it (normalised login ids); otherwise the disputed orders are all that is
    counted, which makes a dispute rate meaningless but keeps the dispute counts right.
    """
    tallies: dict[str, _Tally] = {}
    for seen in sightings:
        tally = tallies.setdefault(normalise_login(seen.buyer_login_id), _Tally())
        tally.orders.add((seen.store_id, seen.order_id))
        tally.disputes += 1
        tally.delivered_disputed += seen.delivered_disputed
        tally.money_demands += seen.money_demand
        tally.stores.add(seen.store_id)
    known = orders_by_buyer or {}
    return {
        buyer: BuyerHistory(
            orders=max(known.get(buyer, 0), len(t.orders)),
            disputes=t.disputes,
            delivered_disputed=t.delivered_disputed,
            money_demands=t.money_demands,
            stores=len(t.stores),
        )
        for buyer, t in tallies.items()
    }


def read_blocklist(lines: Sequence[str]) -> frozenset[str]:
    """A blocklist file: one login id per line, ``#`` starts a comment.

    >>> sorted(read_blocklist(["# extortion, May", "br1234  # photos of another parcel", ""]))
    ['br1234']
    """
    return frozenset(line.split("#", 1)[0].strip() for line in lines
                     if line.split("#", 1)[0].strip())
