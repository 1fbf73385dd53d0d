"""One store's disputes: the class mix, which are open at ``now``, who bought, then each case.

Every draw for a store comes from one ``random.Random`` seeded with the seed and the store's
id, in a fixed order; buyers come from the pool shared by all stores (``buyers``).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Final

from disputekit.simulator.buyers import Buyer
from disputekit.simulator.case import build_case
from disputekit.simulator.corpus import COUNTRIES, COUNTRY
from disputekit.simulator.draws import IdBook, pick
from disputekit.simulator.parcels import ship
from disputekit.simulator.platform_shapes import issue_detail, issue_summary, order_info
from disputekit.simulator.process_steps import OpenPlan
from disputekit.simulator.scenarios import SCENARIOS, SERIAL_CLASSES
from disputekit.simulator.stores import PROFILES, DemoStore, IssueRecord, StoreDataset, StoreProfile

__all__ = ["BUYERS_PER_DISPUTE", "MIN_DISPUTES", "REFERENCE_DISPUTES", "generate_store"]

# Scale of the default stores: 240-320 disputes each (the reference is the middle), about
# seven buyers in the shared pool per dispute so most buyers dispute once. A set number of
# disputes per store scales the open disputes by disputes / reference; the pool grows with
# the total but never below its default size, so the default output does not change.
REFERENCE_DISPUTES: Final = 280
BUYERS_PER_DISPUTE: Final = 7
MIN_DISPUTES: Final = 3 * len(SCENARIOS)  # every class at least 3 times


def _class_plan(rng: random.Random, profile: StoreProfile, total: int | None) -> list[str]:
    """Truth codes of ``total`` disputes (default 240-320): every class at least 3 times, the
    rest by weight.

    Counts are the expected share jittered by +-15 % rather than drawn one by one, so the
    store keeps the shape sellers know (stalled parcels the commonest logistics case, misuse
    the commonest product case) whatever the seed.
    """
    mix = dict(profile.class_mix)
    codes = list(SCENARIOS)
    weights = [SCENARIOS[code].weight * mix.get(code, 1.0) for code in codes]
    size = rng.randint(240, 320)  # drawn even when the size is given: same draws after it
    rest = (size if total is None else total) - 3 * len(codes)
    if rest < 0:  # the loop below could never settle on a negative count
        raise ValueError(f"a store needs at least {3 * len(codes)} disputes (3 per class), "
                         f"got {total}")
    counts = [round(rest * w / sum(weights) * rng.uniform(0.85, 1.15)) for w in weights]
    while sum(counts) != rest:  # settle rounding and jitter on randomly chosen classes
        i = rng.choices(range(len(codes)), weights=weights)[0]
        if sum(counts) < rest:
            counts[i] += 1
        elif counts[i] > 0:
            counts[i] -= 1
    plan = [code for code, n in zip(codes, counts, strict=True) for _ in range(3 + n)]
    rng.shuffle(plan)
    return plan


def _open_plans(rng: random.Random, count: int, scale: float) -> dict[int, OpenPlan]:
    """Which disputes are open at ``now`` and how they stand.

    Most wait for the seller; a handful of those are due within 24 h and within 48 h, and a few
    come with a blank timer so clients must fall back to "last buyer change + 5 days". The
    counts are for a store of the reference size, multiplied by ``scale`` (1.0 by default, so
    nothing changes then), each at least one.
    """

    def scaled(n: int) -> int:
        return max(1, round(n * scale))

    n_open = scaled(rng.randint(38, 55))
    n_escalated = scaled(rng.randint(3, 5))
    n_countered = round(n_open * rng.uniform(0.18, 0.26))
    n_seller = n_open - n_escalated - n_countered
    due_24, due_48 = scaled(rng.randint(3, 5)), scaled(rng.randint(3, 5))
    due_24 = min(due_24, n_seller)  # only ever binds for the smallest stores
    due_48 = min(due_48, n_seller - due_24)
    n_blank = max(min(3, scaled(3)), round(n_seller / 10))
    remaining = ([rng.uniform(0.5, 23.5) for _ in range(due_24)]
                 + [rng.uniform(24.5, 47.5) for _ in range(due_48)]
                 + [rng.uniform(48.5, 119.0) for _ in range(n_seller - due_24 - due_48)])
    plans = [
        OpenPlan("reopened" if rng.random() < 0.3 else "new", timedelta(hours=hours),
                  blank_timer=i >= len(remaining) - n_blank)
        for i, hours in enumerate(remaining)
    ]
    plans += [OpenPlan("countered", timedelta(0), False) for _ in range(n_countered)]
    plans += [OpenPlan("escalated", timedelta(0), False) for _ in range(n_escalated)]
    rng.shuffle(plans)
    return dict(zip(rng.sample(range(count), n_open), plans, strict=True))


def _assign_buyers(rng: random.Random, plan: list[str], pool: dict[str, list[Buyer]],
                   serial: list[Buyer]) -> list[Buyer]:
    """A buyer per dispute: serial disputers on the suspicious classes, others by country."""
    chosen: dict[int, Buyer] = {}
    for buyer in serial:
        code = pick(rng, SERIAL_CLASSES)
        free = [i for i, c in enumerate(plan) if c == code and i not in chosen]
        free = free or [i for i, c in enumerate(plan)
                        if i not in chosen and not SCENARIOS[c].country_bias]
        chosen[rng.choice(free)] = buyer
    codes = [c.code for c in COUNTRIES]
    buyers = []
    for index, code in enumerate(plan):
        if index in chosen:
            buyers.append(chosen[index])
            continue
        bias = dict(SCENARIOS[code].country_bias)
        weights = [COUNTRY[cc].weight * bias.get(cc, 1.0 if not bias else 0.3) for cc in codes]
        country = rng.choices(codes, weights=weights)[0]
        buyers.append(rng.choice(pool[country]))
    return buyers


def generate_store(store: DemoStore, seed: int, now: datetime, pool: dict[str, list[Buyer]],
                   serial: list[Buyer], ids: IdBook, total: int | None) -> StoreDataset:
    """``store``'s disputes (``total``, or 240-320), their orders and their parcels' tracking.

    ``serial`` are the serial disputers planned for this store; ``ids`` is shared by all the
    stores generated together, so ids and numbers are unique across them.
    """
    rng = random.Random(f"{seed}:store:{store.store_id}")
    profile = PROFILES[store.category]
    plan = _class_plan(rng, profile, total)
    scale = 1.0 if total is None else total / REFERENCE_DISPUTES
    open_plans = _open_plans(rng, len(plan), scale)
    buyers = _assign_buyers(rng, plan, pool, serial)
    issues: list[IssueRecord] = []
    orders: dict[int, dict[str, Any]] = {}
    tracking: dict[str, list[dict[str, Any]]] = {}
    for index, (code, buyer) in enumerate(zip(plan, buyers, strict=True)):
        case = build_case(rng, ids, store, code, buyer, open_plans.get(index), now)
        case.shipment = ship(rng, ids, case.scenario, case.buyer, case.line.product,
                             case.created, profile, now)
        detail = issue_detail(rng, ids, case, now)
        issues.append(IssueRecord(issue_summary(case, detail), detail, code))
        orders[case.parent_id] = order_info(case, detail, now)
        tracking[case.shipment.logistics_no] = case.shipment.events
        if case.shipment.extra_no:
            tracking[case.shipment.extra_no] = []
    issues.sort(key=lambda record: (record.summary["gmt_create"], record.summary["issue_id"]),
                reverse=True)
    return StoreDataset(store, issues, orders, tracking)
