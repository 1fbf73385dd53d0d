"""Synthetic after-sales data for the demo stores the simulator serves.

For each demo store (by default the three of ``DEMO_STORES``; any number with ``make_stores``)
this builds a few hundred disputes (or a set number) from the last 90 days, the orders they
belong to and the parcels' tracking, all in the platform's wire shapes: the field names of
``aliexpress.issue.issuelist.get`` (``IssueRecord.summary``), ``aliexpress.issue.detail.get``
(``IssueRecord.detail``, lists as plain JSON arrays, i.e. the ``simplify=true`` shape),
``aliexpress.solution.order.info.get`` (``StoreDataset.orders``) and
``aliexpress.logistics.redefining.querytrackingresult`` (``StoreDataset.tracking``). Every time
is a US Pacific wall-clock string, as on the platform.

Each dispute is generated *as* one class of the taxonomy in ``shared/domain.md`` and keeps that
class in ``IssueRecord.truth`` (never served by the API), so a classifier can be scored against
it. The evidence a seller would look at is made to fit the class (tracking events and their
ages, the shipping service's kind, the buyer's words, attachments, signatures); the reason the
buyer picked is deliberately a weak hint, since real buyers mostly pick the generic
"not received" reason.

Generation is deterministic for ``(seed, now)``: every draw comes from a ``random.Random``
seeded with a string built from the seed; neither the global generator nor the clock is used,
and nothing depends on hash order.

    >>> from datetime import UTC, datetime
    >>> data = generate(seed=7, now=datetime(2026, 11, 28, 12, tzinfo=UTC))
    >>> sorted(data)
    ['bloom', 'spark', 'volt']

Facts marked [I] in ``reference/aliexpress-api.md`` (our inferences) are inferences here too:
the platform's ``issue_model`` values, ``order_end_reason`` for a returned item, and the
solution statuses left behind when a case closes. Only disputes waiting for the seller carry a
timer; one waiting for the buyer's answer to a counter-offer has none.

The generator is spread over the modules of this package, one concept each: ``stores``
(the demo stores, their profiles, addresses and the records served), ``corpus`` (every
word, in JSON files: buyers' messages per language, seller and platform texts, carrier
events, countries, products, reasons), ``scenarios`` (the taxonomy as data), ``buyers``
(the shared pool), ``process_steps`` (how cases unfold), ``parcels`` (routes and
tracking), ``case``, ``messages`` and ``solutions`` (one dispute), ``platform_shapes``
(the wire shapes), ``generator`` (one store) and ``hostile_text`` (planted test text); the
gateway adds the seller's order list with its undisputed orders (``order_list``). This
module is the entrance: it builds all the stores together, and the rest of the code
imports from it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime

from disputekit.simulator.buyers import POOL_SIZE, buyer_pool, serial_plan
from disputekit.simulator.draws import IdBook
from disputekit.simulator.generator import (
    BUYERS_PER_DISPUTE,
    MIN_DISPUTES,
    REFERENCE_DISPUTES,
    generate_store,
)
from disputekit.simulator.hostile_text import BUYER_TEXT_FIELDS, plant_buyer_text
from disputekit.simulator.stores import (
    DEMO_APP_KEY,
    DEMO_APP_SECRET,
    DEMO_STORES,
    DemoStore,
    IssueRecord,
    StoreDataset,
    check_stores,
    make_stores,
)

__all__ = [
    "BUYER_TEXT_FIELDS",
    "DEMO_APP_KEY",
    "DEMO_APP_SECRET",
    "DEMO_STORES",
    "DemoStore",
    "IssueRecord",
    "StoreDataset",
    "generate",
    "make_stores",
    "plant_buyer_text",
]


def generate(seed: int, now: datetime, stores: Sequence[DemoStore] = DEMO_STORES,
             disputes_per_store: int | None = None) -> dict[str, StoreDataset]:
    """The stores' data, keyed by store id in the order given; ``now`` is an aware datetime.

    Deterministic for ``(seed, now, stores, disputes_per_store)``. By default: the three demo
    stores with 240-320 disputes each. ``stores`` may be any stores whose ``category`` is one
    of "electronics", "tools" or "home" (see ``make_stores``); ``disputes_per_store`` sets each
    store's number of disputes instead (at least 42), keeping the class mix, the
    share of open disputes and the 90-day window. Ids and numbers are unique across all stores.

    Stores share one pool of buyers, so some buyers dispute in several stores and a few
    serial disputers have three or more disputes in all.
    """
    if now.tzinfo is None:
        raise ValueError("generate needs an aware datetime for now, e.g. datetime(..., tzinfo=UTC)")
    check_stores(stores)
    if disputes_per_store is not None and disputes_per_store < MIN_DISPUTES:
        raise ValueError(f"disputes_per_store must be at least {MIN_DISPUTES} (3 per class), "
                         f"got {disputes_per_store}")
    now = now.astimezone(UTC).replace(microsecond=0)
    ids = IdBook()
    expected = len(stores) * (disputes_per_store or REFERENCE_DISPUTES)
    pool = buyer_pool(random.Random(f"{seed}:buyers"), ids,
                      max(POOL_SIZE, BUYERS_PER_DISPUTE * expected))
    serial = serial_plan(random.Random(f"{seed}:serial"), pool, stores)
    return {
        store.store_id: generate_store(store, seed, now, pool, serial.get(store.store_id, []),
                                       ids, disputes_per_store)
        for store in stores
    }
