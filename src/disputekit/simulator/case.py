"""One dispute while it is being built: who buys what, why, and the steps it went through.

``build_case`` draws the facts of a dispute of one class in one store; the parcel
(``parcels.ship``), the words (``messages``) and the plans (``solutions``) are added to it,
and ``platform_shapes`` writes it out in the platform's shapes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from disputekit.domain.platform_time import PACIFIC
from disputekit.simulator.buyers import Buyer
from disputekit.simulator.corpus import PRODUCTS, REASONS, Product, Reason
from disputekit.simulator.draws import IdBook, digits, pick
from disputekit.simulator.odds import closed_outcome, ruling_for_seller
from disputekit.simulator.parcels import Shipment
from disputekit.simulator.process_steps import OpenPlan, Step, closed_steps, open_steps
from disputekit.simulator.scenarios import SCENARIOS, Scenario
from disputekit.simulator.stores import DemoStore
from disputekit.simulator.wire_format import usd

__all__ = ["Case", "Line", "build_case"]


@dataclass
class Line:
    child_id: int
    product: Product
    count: int


@dataclass
class Case:
    """Everything about one dispute while it is being built."""

    scenario: Scenario
    buyer: Buyer
    reason: Reason
    issue_id: int
    parent_id: int
    lines: list[Line]
    freight_cents: int
    steps: list[Step]
    outcome: str  # closed: a CLOSED_STATUS key; open: the OpenPlan state
    open_plan: OpenPlan | None
    shipment: Shipment | None = None
    solution_ids: list[int] = field(default_factory=list)
    after_sale_warranty: bool = False
    # The seller's counter-offer when the store's odds drew it ("refuse", "partial"); ""
    # leaves the amount to the class's default (``solutions.refund_amounts``).
    seller_offer: str = ""
    # An open escalated case's coming ruling when the store's odds drew it ("seller",
    # "buyer"): the platform's plan proposes it; "" leaves it to the default draw.
    ruling: str = ""

    @property
    def line(self) -> Line:
        return self.lines[0]  # the disputed line comes first

    @property
    def created(self) -> datetime:
        return self.steps[0].at

    @property
    def modified(self) -> datetime:
        return self.steps[-1].at

    @property
    def max_cents(self) -> int:
        line = self.line.product.price_cents * self.line.count
        return line + (self.freight_cents if len(self.lines) == 1 else 0)

    @property
    def language(self) -> str:
        return self.buyer.country.language

    def words(self, amount_cents: int = 0) -> dict[str, str]:
        """Values for the placeholders of buyer, seller and carrier texts."""
        shipment = self.shipment
        last = shipment.last if shipment else None
        return {
            "item": self.line.product.item,
            "tax_id": self.buyer.country.tax_id,
            "country_name": self.buyer.country.name,
            "location": last[1] if last else "China",
            "last_update": f"{last[0].astimezone(PACIFIC):%d %b %Y}" if last else "",
            "signed_name": shipment.signed_name if shipment else "",
            "logistics_no": shipment.logistics_no if shipment else "",
            "amount": usd(amount_cents),
        }


def _pick_product(rng: random.Random, scenario: Scenario,
                  products: tuple[Product, ...]) -> Product:
    def weight(product: Product) -> float:
        w = product.popularity
        if scenario.route.startswith("customs"):
            w *= product.price_cents / 1000  # customs stop the dearer parcels
        if scenario.route == "returned_before_export" and product.battery:
            w *= 4  # batteries fail the export security check
        return w

    return rng.choices(products, weights=[weight(p) for p in products])[0]


def _parent_id(rng: random.Random) -> int:
    return int(rng.choice(("30", "81")) + digits(rng, 14))


def build_case(rng: random.Random, ids: IdBook, store: DemoStore, code: str, buyer: Buyer,
               open_plan: OpenPlan | None, now: datetime) -> Case:
    """A dispute of class ``code`` by ``buyer``: open as ``open_plan`` says, or closed."""
    scenario = SCENARIOS[code]
    products = PRODUCTS[store.category]
    disputed = _pick_product(rng, scenario, products)
    others = rng.choices(products, k=pick(rng, ((0, 75.0), (1, 20.0), (2, 5.0))))
    parent = ids.take(rng, _parent_id)
    lines = [Line(ids.number(rng, parent + 1, parent + 90_000), product,
                  pick(rng, ((1, 85.0), (2, 11.0), (3, 4.0))))
             for product in [disputed, *others]]
    seller_offer = ruling = ""
    odds = store.odds_for(code)
    if open_plan is not None:
        outcome, steps = open_plan.state, open_steps(rng, open_plan, now)
        if odds is not None and outcome == "escalated":
            ruling = "seller" if ruling_for_seller(odds, rng.random()) else "buyer"
    elif odds is None:
        outcome = pick(rng, scenario.outcomes)
        steps = closed_steps(rng, scenario, outcome, now)
    else:
        # Every refusal shows its counter-offer: a cancel before it would hide the seller's
        # action from the odds it is drawn by.
        outcome, seller_offer = closed_outcome(rng, scenario, odds)
        steps = closed_steps(rng, scenario, outcome, now, early_cancel=False)
    return Case(
        scenario=scenario,
        buyer=buyer,
        reason=REASONS[pick(rng, scenario.reasons)],
        issue_id=ids.number(rng, 800_000_000_000_000, 2_000_000_000_000_000),
        parent_id=parent,
        lines=lines,
        freight_cents=0 if rng.random() < 0.6 else rng.randint(99, 899),
        steps=steps,
        outcome=outcome,
        open_plan=open_plan,
        after_sale_warranty=scenario.family == "product" and rng.random() < 0.08,
        seller_offer=seller_offer,
        ruling=ruling,
    )
