"""Replies to the buyer: which to send when, in which language, in which words (pure).

- ``plans``: every class's plan (the replies in order, each with its wait) and the
  follow-up schedule (``next_step_due``);
- ``context``: the variables a reply may use and the facts of one dispute, in the buyer's
  locale; ``delays``: the carrier's reasons for a late parcel, in every reply language;
- ``drafts``: the Jinja2 templates (``templates/<lang>/<template>.txt.j2``) rendered in a
  sandbox, checked, and a store's overrides;
- the language to reply in and the buyer's locale live in ``disputekit.domain.language.detect``.

The names callers use are re-exported here, so ``from disputekit.domain.replies import
render`` keeps working.
"""

from __future__ import annotations

from disputekit.domain.language.detect import (
    COUNTRY_LANGUAGE,
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
    buyer_locale,
    infer_language,
)
from disputekit.domain.replies.context import TAX_IDS, VARIABLES, ReplyContext
from disputekit.domain.replies.delays import DelayReason
from disputekit.domain.replies.drafts import (
    Draft,
    Overrides,
    check_templates,
    load_overrides,
    render,
)
from disputekit.domain.replies.plans import (
    PLANS,
    SETTLING_PLANS,
    TEMPLATES,
    Channel,
    Due,
    Gate,
    ReplyPlan,
    ReplyStep,
    next_step_due,
    offered_action,
    plan_for,
)

__all__ = [
    "COUNTRY_LANGUAGE",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "PLANS",
    "SETTLING_PLANS",
    "TAX_IDS",
    "TEMPLATES",
    "VARIABLES",
    "Channel",
    "DelayReason",
    "Draft",
    "Due",
    "Gate",
    "Overrides",
    "ReplyContext",
    "ReplyPlan",
    "ReplyStep",
    "buyer_locale",
    "check_templates",
    "infer_language",
    "load_overrides",
    "next_step_due",
    "offered_action",
    "plan_for",
    "render",
]
