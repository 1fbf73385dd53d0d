"""What each party writes at each step of a dispute, drawn from the corpus.

Buyers write in their country's language; the seller, the platform and the system write
English. Placeholders are filled from ``Case.words``.
"""

from __future__ import annotations

import random

from disputekit.simulator.case import Case
from disputekit.simulator.corpus import (
    BUYER_ACCEPT,
    BUYER_CANCEL,
    BUYER_ESCALATE,
    BUYER_OPEN,
    BUYER_REFUSE,
    PLATFORM_RULING,
    SELLER_ACCEPT_REFUND,
    SELLER_ACCEPT_RETURN,
    SELLER_COUNTER,
    SELLER_PROOF,
    SYSTEM_PERFORM,
    Texts,
)

__all__ = ["write_steps"]


def _buyer_says(rng: random.Random, table: Texts, case: Case) -> str:
    return rng.choice(table[case.language]).format(**case.words())


def write_steps(rng: random.Random, case: Case, amounts: dict[str, int]) -> None:
    """Fill in each step's words, attachments and video flags."""
    scenario = case.scenario
    family = scenario.family
    for step in case.steps:
        action = step.action
        if action == "initiate":
            step.content = _buyer_says(rng, BUYER_OPEN[scenario.code], case)
            if rng.random() < scenario.photos:
                step.attachments = rng.randint(1, 4)
            step.buyer_video = rng.random() < scenario.video
        elif action == "seller_create_solution":
            text = rng.choice(SELLER_COUNTER[scenario.code])
            step.content = text.format(**case.words(amounts["seller"]))
        elif action == "buyer_modify_solution":
            table = BUYER_OPEN["extortion"] if scenario.code == "extortion" else BUYER_REFUSE
            step.content = _buyer_says(rng, table, case)
        elif action == "buyer_initiate_arbitration":
            step.content = _buyer_says(rng, BUYER_ESCALATE, case)
        elif action == "cancel":
            step.content = _buyer_says(rng, BUYER_CANCEL[family], case)
        elif action == "buyer_accept":
            step.content = _buyer_says(rng, BUYER_ACCEPT, case)
        elif action == "seller_accept":
            step.content = (SELLER_ACCEPT_RETURN if case.outcome == "return"
                            else SELLER_ACCEPT_REFUND[rng.randint(0, 1)])
        elif action == "seller_create_proof":
            key = scenario.code if scenario.code == "delivered_disputed" else family
            step.content = SELLER_PROOF[key].format(**case.words())
            step.attachments = rng.randint(1, 3)
            step.seller_video = family == "product" and rng.random() < 0.7
        elif action == "platform_force_reach":
            ruling = PLATFORM_RULING["refund" if amounts["platform"] else "no_refund"]
            step.content = ruling.format(**case.words(amounts["platform"]))
        elif action == "perform_solution":
            key = {"seller_timeout": "timeout", "return": "return"}.get(case.outcome, "refund")
            step.content = SYSTEM_PERFORM[key]
