"""The taxonomy as data: one row per class of ``shared/domain.md``.

Each row says how often the class happens, what the parcel's tracking looks like, which
reasons the buyer picks (a weak hint: most pick the generic "not received"), how closed cases
of the class ended, and what evidence comes with the opening.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["CUSTOMS_COUNTRIES", "SCENARIOS", "SERIAL_CLASSES", "Scenario"]


@dataclass(frozen=True)
class Scenario:
    code: str
    family: str  # "logistics" | "product" | "personal"
    weight: float  # relative frequency in a store
    route: str  # tracking shape, see parcels.route
    reasons: tuple[tuple[str, float], ...]  # what the buyer picks (weighted)
    anchor_days: tuple[float, float]  # last tracking event: days before the dispute opened
    outcomes: tuple[tuple[str, float], ...]  # how closed cases ended (weighted)
    anchor_age: tuple[float, float] | None = None  # ... and days before `now`
    max_age: float = 90.0  # oldest gmt_create, days before now
    country_bias: tuple[tuple[str, float], ...] = ()  # multiplies the buyers' country weights
    photos: float = 0.0  # share of openings with buyer photos
    video: float = 0.0  # share of openings with a buyer video
    consolidated: float = 0.03  # share of orders with a second, never-shipped tracking number


CUSTOMS_COUNTRIES: Final = (("BR", 6.0), ("MX", 3.0), ("CL", 3.0), ("KR", 3.0), ("RU", 2.0),
                            ("IL", 2.0))

SCENARIOS: Final[dict[str, Scenario]] = {s.code: s for s in (
    # Unregistered post: nothing to show the buyer, so the highest dispute rate of all.
    Scenario("no_tracking", "logistics", 0.07, "unregistered",
             (("no_tracking", 5), ("not_received", 4), ("in_transit", 1)), (20, 55),
             (("seller_accept", 3), ("arbitrated_refund", 2.5), ("cancel", 2),
              ("counter_accepted", 1), ("seller_timeout", 1), ("arbitrated_reject", 0.5))),
    # Rare: few fraudsters are that bold; the seller wins with the signature and weight record.
    # A consolidated order's extra, never-shipped number is the classic trap here.
    Scenario("delivered_disputed", "logistics", 0.015, "delivered",
             (("delivered_not_received", 6), ("not_received", 4)), (1, 12),
             (("arbitrated_reject", 4.5), ("cancel", 2.5), ("arbitrated_refund", 1.5),
              ("counter_accepted", 1.5)), consolidated=0.5),
    # The commonest case. Stalled means the last scan is 12-40 days old *now*, so such disputes
    # are recent; an older dispute whose parcel stopped moving is, by now, a lost parcel.
    Scenario("stalled_in_transit", "logistics", 0.19, "stalled",
             (("not_received", 5), ("in_transit", 4), ("no_tracking", 1)), (4, 25),
             (("cancel", 4), ("arbitrated_refund", 2), ("arbitrated_reject", 1),
              ("counter_accepted", 1), ("seller_accept", 1), ("seller_timeout", 0.5)),
             anchor_age=(12, 40), max_age=32),
    # Held at customs for a tax id or duty: strict-customs countries and dearer goods.
    Scenario("customs_buyer_no_docs", "logistics", 0.04, "customs_docs",
             (("customs", 6), ("not_received", 4)), (1, 20),
             (("arbitrated_refund", 3), ("cancel", 2.5), ("seller_accept", 2),
              ("arbitrated_reject", 1.5), ("counter_accepted", 1)),
             country_bias=CUSTOMS_COUNTRIES),
    Scenario("customs_buyer_unreachable", "logistics", 0.03, "customs_unreachable",
             (("customs", 4), ("not_received", 6)), (1, 20),
             (("arbitrated_refund", 3.5), ("seller_accept", 2.5), ("cancel", 2),
              ("seller_timeout", 1), ("counter_accepted", 1)),
             country_bias=CUSTOMS_COUNTRIES),
    Scenario("returned_undelivered", "logistics", 0.025, "returned_undelivered",
             (("returned", 5), ("not_received", 5)), (0.3, 15),
             (("counter_accepted", 3), ("seller_accept", 3), ("cancel", 2),
              ("arbitrated_refund", 2))),
    Scenario("returned_in_country", "logistics", 0.03, "returned_in_country",
             (("returned", 5), ("not_received", 5)), (0.3, 15),
             (("seller_accept", 3.5), ("counter_accepted", 2.5), ("cancel", 2),
              ("arbitrated_refund", 2))),
    Scenario("returned_before_export", "logistics", 0.025, "returned_before_export",
             (("returned", 4), ("not_received", 4), ("in_transit", 2)), (0.3, 12),
             (("seller_accept", 4), ("cancel", 3), ("counter_accepted", 2),
              ("arbitrated_refund", 1))),
    Scenario("lost", "logistics", 0.05, "lost",
             (("not_received", 7), ("in_transit", 3)), (10, 50),
             (("seller_accept", 4.5), ("counter_accepted", 2), ("arbitrated_refund", 2.5),
              ("seller_timeout", 1)),
             anchor_age=(35, 150)),
    Scenario("genuine_defect", "product", 0.08, "delivered",
             (("damaged", 4), ("not_working", 4), ("quality", 2)), (0.5, 20),
             (("seller_accept", 4), ("counter_accepted", 3), ("return", 1.5), ("cancel", 1),
              ("arbitrated_refund", 0.5)),
             photos=1.0, video=0.15),
    # The commonest product case: the buyer cannot make it work; usually solved, then cancelled.
    Scenario("buyer_misuse", "product", 0.17, "delivered",
             (("not_working", 6), ("quality", 2), ("not_as_described", 2)), (0.5, 20),
             (("cancel", 5), ("counter_accepted", 1.5), ("return", 1), ("seller_accept", 1),
              ("arbitrated_reject", 1), ("arbitrated_refund", 0.5)),
             photos=0.3, video=0.1),
    # Polished claims with a staged video on a product that works.
    Scenario("deliberate_abuse", "product", 0.04, "delivered",
             (("not_working", 4), ("quality", 3), ("not_as_described", 3)), (0.5, 20),
             (("arbitrated_reject", 3), ("counter_accepted", 2.5), ("arbitrated_refund", 2),
              ("cancel", 1.5), ("return", 1)),
             photos=0.7, video=1.0),
    Scenario("extortion", "product", 0.015, "delivered",
             (("quality", 4), ("not_as_described", 4), ("not_working", 2)), (0.5, 20),
             (("arbitrated_reject", 3.5), ("cancel", 3), ("counter_accepted", 2),
              ("arbitrated_refund", 1.5)),
             photos=0.3, video=0.1),
    # Another colour, size or model than the listing (reference §7.3): mostly settled with a
    # partial refund to keep it, or a return at the seller's cost.
    Scenario("not_as_described", "product", 0.04, "delivered",
             (("not_as_described", 8), ("quality", 2)), (0.5, 20),
             (("counter_accepted", 3.5), ("return", 2.5), ("seller_accept", 1.5), ("cancel", 1.5),
              ("arbitrated_refund", 1)),
             photos=0.9, video=0.05),
    # Not in the taxonomy's two families: the buyer simply no longer wants it (the platform's
    # third category; the classifier's buyer_own_reason, flagged buyer_personal_reason).
    Scenario("buyer_personal_reason", "personal", 0.06, "delivered",
             (("no_longer_needed", 5), ("ordered_by_mistake", 3)),
             (0.5, 20),
             (("cancel", 3.5), ("return", 3.5), ("counter_accepted", 1.5),
              ("seller_accept", 1.5))),
)}

# Classes a serial disputer's disputes fall in (weighted): they know what pays. Customs
# classes are left out because those buyers are chosen by country.
SERIAL_CLASSES: Final = (("extortion", 3.0), ("deliberate_abuse", 3.0),
                         ("delivered_disputed", 2.0), ("buyer_misuse", 2.0), ("no_tracking", 1.0),
                         ("lost", 1.0), ("buyer_personal_reason", 1.0))
