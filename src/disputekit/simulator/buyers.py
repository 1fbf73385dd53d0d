"""Buyers: one pool shared by all the stores generated together, and its serial disputers."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Final

from disputekit.simulator.corpus import COUNTRIES, City, Country
from disputekit.simulator.draws import IdBook, digits, fill, letters
from disputekit.simulator.stores import DemoStore

__all__ = ["POOL_SIZE", "Buyer", "buyer_pool", "serial_plan"]

POOL_SIZE: Final = 6000  # default pool: large enough that most buyers dispute once


@dataclass(frozen=True)
class Buyer:
    login_id: str
    country: Country
    first_name: str
    last_name: str
    city: City
    address: str
    zip: str
    mobile: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def _login_id(rng: random.Random, country: str) -> str:
    # Platform logins look like "br1429846753xkqae" or "ru12345678abcd".
    prefix = country.lower()
    style = rng.random()
    if style < 0.5:
        return prefix + digits(rng, 10) + letters(rng, 5)
    if style < 0.85:
        return prefix + digits(rng, 8) + letters(rng, 4)
    return prefix + digits(rng, rng.randint(7, 11)) + letters(rng, rng.randint(3, 5))


def buyer_pool(rng: random.Random, ids: IdBook, size: int) -> dict[str, list[Buyer]]:
    """``size`` buyers by country code, in a fixed order."""
    pool: dict[str, list[Buyer]] = {c.code: [] for c in COUNTRIES}
    weights = [c.weight for c in COUNTRIES]
    for country in rng.choices(COUNTRIES, weights=weights, k=size):
        first, last = rng.choice(country.names)
        city = rng.choice(country.cities)
        pool[country.code].append(Buyer(
            login_id=ids.take(rng, partial(_login_id, country=country.code)),
            country=country,
            first_name=first,
            last_name=last,
            city=city,
            address=f"{rng.randint(1, 480)} {rng.choice(country.streets)}",
            zip=fill(rng, city.zip_pattern),
            mobile=f"{country.phone} {digits(rng, 9)}",
        ))
    return pool


def serial_plan(rng: random.Random, pool: dict[str, list[Buyer]],
                stores: Sequence[DemoStore]) -> dict[str, list[Buyer]]:
    """A few serial disputers, each with 3-6 disputes spread over two or three stores.

    With fewer stores than that, over all of them (with one store, serial in that store).
    """
    store_ids = [store.store_id for store in stores]
    plan: dict[str, list[Buyer]] = {store_id: [] for store_id in store_ids}
    if not store_ids:
        return plan
    everyone = [buyer for buyers in pool.values() for buyer in buyers]
    for buyer in rng.sample(everyone, rng.randint(5, 8)):
        total = rng.randint(3, 6)
        spread = rng.randint(2, 3)
        stores_hit = rng.sample(store_ids, min(spread, len(store_ids)))
        slots = stores_hit + [rng.choice(stores_hit) for _ in range(total - len(stores_hit))]
        for store_id in slots:
            plan[store_id].append(buyer)
    return plan
