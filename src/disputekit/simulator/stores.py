"""The stores the simulator serves, how each kind of store differs, and what it holds for each.

``DEMO_STORES`` are the three demo stores (volt, spark, bloom); ``make_stores`` makes any
number more. A store's category picks its ``StoreProfile``; ``StoreDataset`` is what
``dataset.generate`` builds for one store; ``seller_addresses`` are its warehouses.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Final

from disputekit.simulator.odds import Odds, StoreOdds, store_odds

__all__ = [
    "DEMO_APP_KEY",
    "DEMO_APP_SECRET",
    "DEMO_STORES",
    "PROFILES",
    "DemoStore",
    "OddsStore",
    "IssueRecord",
    "StoreDataset",
    "StoreProfile",
    "check_stores",
    "make_stores",
    "seller_addresses",
    "with_odds",
]


@dataclass(frozen=True)
class DemoStore:
    """One store the simulator serves: who sells, what, and the demo token that reaches it."""

    store_id: str  # "volt", "spark", "bloom"
    name: str
    seller_id: int
    category: str  # "electronics" | "tools" | "home"
    access_token: str  # the simulator's demo token for this store

    def odds_for(self, code: str) -> Odds | None:
        """The store's true odds for a class, or None: the scenarios' behaviour."""
        return None


@dataclass(frozen=True)
class OddsStore(DemoStore):
    """A store with its own true odds for some classes (``odds.store_odds``); a class
    without any behaves as the scenarios say. A subclass rather than a field of
    ``DemoStore``, so the demo stores (and their pinned data) stay exactly as they were."""

    odds: StoreOdds = ()

    def odds_for(self, code: str) -> Odds | None:
        return next((odds for known, odds in self.odds if known == code), None)


def with_odds(store: DemoStore, spec: Mapping[str, Mapping[str, float]]) -> OddsStore:
    """``store`` with the true odds ``{class: {accepts_partial, escalates_if_refused,
    seller_wins_arbitration}}`` (checked by ``odds.store_odds``)."""
    return OddsStore(**{f.name: getattr(store, f.name) for f in fields(DemoStore)},
                     odds=store_odds(spec))


DEMO_STORES: Final[tuple[DemoStore, ...]] = (
    DemoStore("volt", "Volt Electronics", 2671504388, "electronics", "demo-token-volt"),
    DemoStore("spark", "Spark Tools", 2671877012, "tools", "demo-token-spark"),
    DemoStore("bloom", "Bloom Home & Garden", 2672230596, "home", "demo-token-bloom"),
)

# The simulator's demo app credentials. Not real secrets: they only open the local simulator.
DEMO_APP_KEY: Final[str] = "34127856"
DEMO_APP_SECRET: Final[str] = "disputekit-demo-secret"


@dataclass
class IssueRecord:
    """One dispute as the platform serves it, plus the class it was generated as."""

    summary: dict[str, Any]  # one item of issuelist.get data_list (wire names)
    detail: dict[str, Any]  # detail.get result_object (wire names, plain JSON lists)
    truth: str  # taxonomy code this case was generated as; NOT served by the API


@dataclass
class StoreDataset:
    """Everything the simulator knows about one store."""

    store: DemoStore
    issues: list[IssueRecord]  # newest first by gmt_create, as the platform lists them
    orders: dict[int, dict[str, Any]]  # parent order id -> order.info.get result.data
    tracking: dict[str, list[dict[str, Any]]]  # logistics_no -> details[], oldest first


@dataclass(frozen=True)
class StoreProfile:
    origin: str  # the city the store ships from
    ports: tuple[str, ...]  # where its parcels leave China
    platform_share: float  # share of tracked parcels sent with the platform's own logistics
    class_mix: tuple[tuple[str, float], ...]  # multipliers on the class weights


# Stores differ the way real ones do: the tools store ships more unregistered post (so has
# more no-tracking disputes), electronics sees more "does not work", home goods travel slowly.
# Keyed by category: the demo stores are volt (electronics), spark (tools) and bloom (home),
# and any other store of a category gets that category's profile.
PROFILES: Final[dict[str, StoreProfile]] = {
    "electronics": StoreProfile("Shenzhen", ("Shenzhen Bao'an Airport, CN", "Hong Kong, HK"),
                                0.5, (("buyer_misuse", 1.3), ("genuine_defect", 1.2))),
    "tools": StoreProfile("Yiwu", ("Hangzhou Xiaoshan Airport, CN", "Shanghai Pudong Airport, CN"),
                          0.35, (("no_tracking", 1.5), ("buyer_misuse", 1.15))),
    "home": StoreProfile("Guangzhou", ("Guangzhou Baiyun Airport, CN", "Hong Kong, HK"), 0.45,
                         (("stalled_in_transit", 1.15), ("lost", 1.2), ("buyer_misuse", 0.75))),
}

_MADE_SELLER_BASE: Final = 2_680_000_000  # make_stores' seller ids: above the demo stores'


def make_stores(count: int) -> tuple[DemoStore, ...]:
    """``count`` stores for ``generate``: ids store1..storeN, categories cycling.

    Tokens are ``demo-token-storeN``; seller ids are distinct from each other and from the
    demo stores'.

        >>> [f"{s.store_id}:{s.category}" for s in make_stores(4)]
        ['store1:electronics', 'store2:tools', 'store3:home', 'store4:electronics']
    """
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    categories = tuple(PROFILES)
    return tuple(
        DemoStore(f"store{n}", f"Store {n}", _MADE_SELLER_BASE + 7919 * n,
                  categories[(n - 1) % len(categories)], f"demo-token-store{n}")
        for n in range(1, count + 1)
    )


def check_stores(stores: Sequence[DemoStore]) -> None:
    """Refuse stores of an unknown category or with a repeated id."""
    seen: set[str] = set()
    for store in stores:
        if store.category not in PROFILES:
            raise ValueError(f"store {store.store_id!r} has category {store.category!r}; "
                             f"known categories: {', '.join(PROFILES)}")
        if store.store_id in seen:
            raise ValueError(f"store id {store.store_id!r} appears more than once")
        seen.add(store.store_id)


def seller_addresses(store: DemoStore, seed: int) -> dict[str, list[dict[str, Any]]]:
    """The store's sender, pickup and refund addresses, as
    ``getlogisticsselleraddresses`` lists them."""
    rng = random.Random(f"{seed}:{store.store_id}:addresses")
    base = {"country": "CN", "province": "Guangdong", "city": "Shenzhen",
            "street": "Bantian Street", "postcode": "518129", "phone": "0755-8888 1234",
            "mobile": "138 0013 8000", "email": f"aftersales@{store.store_id}.example"}

    def one(kind: str, default: bool, building: str) -> dict[str, Any]:
        return {"address_id": rng.randrange(10**8, 10**9), "name": f"{store.name} {kind}",
                "street_address": f"{building}, Longgang District", "is_default": default,
                **base}

    return {
        "sender_seller_address_list": [one("warehouse", True, "Building 7")],
        "pickup_seller_address_list": [one("pickup", True, "Building 7")],
        "refund_seller_address_list": [one("returns", True, "Building 9"),
                                       one("returns (second warehouse)", False, "Building 12")],
    }
