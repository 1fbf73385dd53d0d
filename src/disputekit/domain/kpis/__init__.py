"""The numbers the team lead reads: dispute rate, where disputes come from, money, prevention.

Pure functions over pandas DataFrames (no I/O): the pipeline loads the frames, the reports
and charts read the results. Every function accepts empty frames (and frames without any
columns) and returns an empty frame with its documented columns; no rate is ever divided by
zero (``None`` in a :class:`RateResult`, ``NaN`` in a frame).

Input contracts (all times tz-aware UTC; naive times are read as UTC; extra columns are
ignored; a non-empty frame missing a column raises ``ValueError`` naming it, except the
informational ``reverse_detail_status`` and ``reached_type``, read as blank when absent):

``orders`` (:data:`ORDER_COLUMNS`)
    ``store_id, order_id, created_at, status`` (AliExpress ``order_status``: ``FINISH`` =
    receipt confirmed by the buyer or automatically), ``finished_at`` (when receipt was
    confirmed; may be NaT), ``country`` (ISO-2), ``carrier``, ``service_kind``
    (``registered|unregistered|platform|unknown``), ``product_id``, ``product_name``,
    ``amount_usd``, ``shipped`` (bool).
``disputes`` (:data:`DISPUTE_COLUMNS`)
    ``store_id, issue_id, parent_order_id, created_at, issue_status``
    (``processing|finish|canceled_issue``), ``reverse_detail_status``, ``reached_type``,
    ``arbitrated`` (bool: the platform ruled; ``reached_type == "platform_arbitrate"`` also
    counts), ``class`` (taxonomy code), ``family``
    (``logistics|product``), ``buyer_login_id, country, carrier, service_kind, product_id,
    product_name``, ``refund_usd`` (refunded to the buyer, 0 if nothing),
    ``personal_reason`` (bool); optional ``resend_usd`` (goods and freight sent again).
``claims`` (:data:`CLAIM_COLUMNS`)
    ``store_id, logistics_no, issue_id, class, status`` (``claims.ClaimStatus``),
    ``goods_amount, freight_amount, recovered_amount`` (numbers or ``Decimal``; the caller
    converts them to USD first, like ``refund_usd``).

The dispute rate follows reference §7.2 (republished, not the platform's own code): the
figure in Seller Center always wins; this one is an estimate to watch the trend and to find
where disputes come from.

The package, one module per concept: ``frames`` (the column contracts and their
normalisers), ``counting`` (how the rate counts), ``rates`` (the rate figures and the
``Rates`` that computes many of them from one pair of frames), ``trends``, ``dimensions``
(rate by carrier, country... and lanes to change), ``money``, ``buyers`` (repeat disputers),
``prevention``, ``what_works`` (win and escalation rates by class × action from the closed
disputes' outcomes, money by action, odds that disagree with the priors) and ``drift``
(recent outcomes outside the calibrated model's predictive interval). Every public name is
re-exported here: ``kpis.dispute_rate(...)``.
"""

from __future__ import annotations

from disputekit.domain.kpis.buyers import ABUSIVE_COLUMNS, abusive_buyers
from disputekit.domain.kpis.counting import AUTO_CONFIRM_APPROXIMATION, RateResult
from disputekit.domain.kpis.dimensions import DIMENSIONS, LANE_COLUMNS
from disputekit.domain.kpis.drift import Drift, drift

# The underscored names are not public: they are the normalisers tests/test_kpis_fast.py (and
# its make_golden.py) compare, by name on this module, with those of kpis before the speed-up.
from disputekit.domain.kpis.frames import (  # noqa: F401
    CLAIM_COLUMNS,
    DISPUTE_COLUMNS,
    ORDER_COLUMNS,
    _flags,
    _ids,
    _money,
    _text,
)
from disputekit.domain.kpis.money import MONEY_COLUMNS, money_by_class
from disputekit.domain.kpis.prevention import (
    DEFAULT_STRICT_CUSTOMS,
    PREVENTION_COLUMNS,
    UNSHIPPED_STATUSES,
    StrictCustoms,
    prevention_unshipped,
)
from disputekit.domain.kpis.rates import (
    Rates,
    dispute_rate,
    lanes_to_change,
    rate_by,
    rate_trend,
)
from disputekit.domain.kpis.trends import TREND_COLUMNS, WEEK_CHANGE_COLUMNS, week_changes
from disputekit.domain.kpis.what_works import (
    ACTION_RATE_COLUMNS,
    MONEY_BY_ACTION_COLUMNS,
    WhatWorks,
    action_rates,
    disagreements,
    money_by_action,
    what_works_of,
)

__all__ = [
    "ABUSIVE_COLUMNS",
    "ACTION_RATE_COLUMNS",
    "AUTO_CONFIRM_APPROXIMATION",
    "CLAIM_COLUMNS",
    "DEFAULT_STRICT_CUSTOMS",
    "DIMENSIONS",
    "DISPUTE_COLUMNS",
    "LANE_COLUMNS",
    "MONEY_BY_ACTION_COLUMNS",
    "MONEY_COLUMNS",
    "ORDER_COLUMNS",
    "PREVENTION_COLUMNS",
    "TREND_COLUMNS",
    "UNSHIPPED_STATUSES",
    "WEEK_CHANGE_COLUMNS",
    "Drift",
    "RateResult",
    "Rates",
    "StrictCustoms",
    "WhatWorks",
    "abusive_buyers",
    "action_rates",
    "disagreements",
    "dispute_rate",
    "drift",
    "lanes_to_change",
    "money_by_action",
    "money_by_class",
    "prevention_unshipped",
    "rate_by",
    "rate_trend",
    "week_changes",
    "what_works_of",
]
