"""Money and plans: what the buyer asks, the seller offers and the platform decides.

Each party's plan (``buyer_solution_list``, ``seller_solution_list``,
``platform_solution_list``) gets the status that fits where the case stands; in a closed case,
the plan that settled it is marked reached.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from disputekit.simulator.case import Case
from disputekit.simulator.draws import IdBook
from disputekit.simulator.process_steps import RESPONSE_WINDOW, Step
from disputekit.simulator.wire_format import local_money, usd, whole, wire_time

__all__ = ["refund_amounts", "solutions"]


def refund_amounts(rng: random.Random, case: Case) -> dict[str, int]:
    """Refund amounts (USD cents) the buyer asks, the seller offers and the platform decides."""
    top = case.max_cents
    family, code = case.scenario.family, case.scenario.code

    def share(low: float, high: float) -> int:
        return max(1, round(top * rng.uniform(low, high)))

    buyer = top if family != "product" or rng.random() < 0.75 else share(0.4, 0.8)
    if case.seller_offer == "refuse":
        seller = 0
    elif case.seller_offer == "partial" or case.outcome == "counter_accepted":
        seller = share(0.15, 0.6)
    elif code == "genuine_defect":
        seller = share(0.3, 0.6)
    elif code == "not_as_described":
        seller = share(0.2, 0.4)  # a partial refund to keep it
    elif code == "buyer_personal_reason":
        seller = top  # refund in full once the item is back
    else:
        seller = 0  # refuse: extend protection, explain, ask for evidence
    if case.outcome == "arbitrated_reject" or case.ruling == "seller":
        platform = 0
    elif case.ruling == "buyer":
        platform = top
    elif case.outcome == "arbitrated_refund" or rng.random() < 0.6:
        platform = top if rng.random() < 0.7 else share(0.3, 0.7)
    else:
        platform = 0
    return {"buyer": buyer, "seller": seller, "platform": platform}


def _solution(case: Case, solution_id: int, owner: str, kind: str, cents: int, content: str,
              created: datetime, **extra: Any) -> dict[str, Any]:
    currency = case.buyer.country.currency
    returning = kind == "return_and_refund"
    solution: dict[str, Any] = {
        "id": solution_id,
        "issue_id": case.issue_id,
        "order_id": case.line.child_id,
        "solution_owner": owner,
        "solution_type": kind,
        "status": "",
        "is_default": owner == "buyer",
        "content": content,
        "refund_money": local_money(cents, currency),
        "refund_money_currency": currency,
        "refund_money_post": usd(cents),
        "refund_money_post_currency": "USD",
        "logistics_fee_amount": usd(650 if returning else 0),
        "logistics_fee_amount_currency": "USD",
        # who pays the return postage; nothing travels back on a refund-only plan
        "logistics_fee_bear_role": ("buyer" if case.scenario.family == "personal" else "seller")
        if returning else "",
        "reached_type": "",
        "reached_time": "",
        "buyer_accept_time": "",
        "seller_accept_time": "",
        "gmt_create": wire_time(created),
        "gmt_modified": wire_time(created),
        "version": 1,
    }
    solution.update(extra)
    return solution


def _reach(solution: dict[str, Any], how: str, when: datetime, *, buyer: datetime | None,
           seller: datetime | None) -> None:
    solution.update(status="reached", reached_type=how, reached_time=wire_time(when),
                    buyer_accept_time=wire_time(buyer) if buyer else "",
                    seller_accept_time=wire_time(seller) if seller else "",
                    gmt_modified=wire_time(when))


def solutions(rng: random.Random, ids: IdBook, case: Case, amounts: dict[str, int],
              now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                      list[dict[str, Any]]]:
    """The buyer's, seller's and platform's plans, with statuses that fit the case's state."""
    steps = {step.action: step for step in case.steps}
    opening = case.steps[0]
    family = case.scenario.family
    buyer_kind = "return_and_refund" if case.outcome == "return" or (
        family == "personal" and rng.random() < 0.5) else "refund"

    def new_id() -> int:
        return ids.number(rng, 30_000_000_000, 39_999_999_999)

    buyer = _solution(case, new_id(), "buyer", buyer_kind, amounts["buyer"], opening.content,
                      opening.at, status="wait_seller_accept")
    sellers: list[dict[str, Any]] = []
    platforms: list[dict[str, Any]] = []
    counter = steps.get("seller_create_solution")
    if counter:
        seller_kind = "return_and_refund" if family == "personal" else "refund"
        sellers.append(_solution(case, new_id(), "seller", seller_kind, amounts["seller"],
                                 counter.content, counter.at, status="wait_buyer_accept"))
    modify = steps.get("buyer_modify_solution")
    if modify:  # the buyer refused the counter-offer and restated their own plan
        sellers[0]["status"] = "buyer_refused"
        buyer.update(content=modify.content, gmt_modified=wire_time(modify.at), version=2)
    escalation = steps.get("buyer_initiate_arbitration")
    if escalation:
        if sellers:
            sellers[0].update(status="buyer_refused", gmt_modified=wire_time(escalation.at))
        end = steps.get("platform_force_reach")
        posted = escalation.at + ((end.at if end else now) - escalation.at) * rng.uniform(0.2, 0.8)
        cents = amounts["platform"]
        proposal = (f"Platform proposal: refund {usd(cents)} USD to the buyer." if cents
                    else "Platform proposal: no refund; the seller is not responsible.")
        # In the one real sample the platform's plan carries id -2.
        platforms.append(_solution(case, -2, "platform", "refund", cents, proposal,
                                   whole(posted), status="wait_buyer_and_seller_accept"))
    _close_solutions(case, steps, buyer, sellers, platforms)
    return [buyer], sellers, platforms


def _close_solutions(case: Case, steps: dict[str, Step], buyer: dict[str, Any],
                     sellers: list[dict[str, Any]], platforms: list[dict[str, Any]]) -> None:
    """Mark the plan that settled a closed case as reached."""
    outcome, created = case.outcome, case.created
    if outcome in ("seller_accept", "return"):
        accepted = steps["seller_accept"].at
        _reach(buyer, "negotiation_consensus", accepted, buyer=created, seller=accepted)
    elif outcome == "counter_accepted":
        agreed = steps["buyer_accept"].at
        _reach(sellers[0], "negotiation_consensus", agreed, buyer=agreed,
               seller=steps["seller_create_solution"].at)
    elif outcome == "seller_timeout":
        _reach(buyer, "seller_reponse_timeout", created + RESPONSE_WINDOW, buyer=created,
               seller=None)
    elif outcome in ("arbitrated_refund", "arbitrated_reject"):
        _reach(platforms[0], "platform_arbitrate", steps["platform_force_reach"].at, buyer=None,
               seller=None)
        buyer["status"] = "reach_cancle"  # sic: voided by the ruling [I]
