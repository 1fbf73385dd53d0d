"""What a reply can say: its variables, and the facts of one dispute in display form (pure).

A buyer's values are only ever data: each becomes one line of plain text (no control
characters), and dates and money are written in the buyer's locale
(``language.detect.buyer_locale``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from babel.dates import format_date
from babel.numbers import format_currency

from disputekit.domain.language.detect import buyer_locale
from disputekit.domain.replies.delays import DelayReason, delay_words

if TYPE_CHECKING:
    from disputekit.domain.tracking import Timeline

__all__ = ["TAX_IDS", "VARIABLES", "ReplyContext"]

# Every variable a template may use, with what the operator must fill when it is missing.
VARIABLES: Final[dict[str, str]] = {
    "store_name": "the store's name",
    "buyer_first_name": "the buyer's first name",
    "order_no": "the order number",
    "product_name": "the product's name",
    "carrier": "the carrier",
    "tracking_no": "the tracking number",
    "last_location": "where the parcel was last scanned",
    "last_update": "the date of the last tracking update",
    "carrier_explanation": "the carrier's explanation (pick a delay reason, or type what the "
                           "carrier said, in the buyer's language)",
    "amount": "the amount and its currency",
    "country": "the buyer's country",
    "tax_id_name": "the name of the tax ID customs ask for",
    "usage_help": "your advice on using this product, in the buyer's language",
    "pickup_place": "where the parcel waits to be collected (pickup point, post office)",
    "collect_by": "the last day the buyer can collect the parcel",
    # A flag, never printed: the buyer answered an earlier reply (the operator marked it).
    "buyer_answered": "whether the buyer answered (mark it in the workbook)",
}

# What each destination's customs ask the buyer for, by name (the customs templates also
# word BR, CL and KR in full: where to get it, where to pay).
TAX_IDS: Final[dict[str, str]] = {"BR": "CPF", "CL": "RUT", "KR": "PCCC"}


@dataclass(frozen=True)
class ReplyContext:
    """The facts a reply may quote, from the dispute, the order and the tracking.

    ``None`` (or empty) means unknown. ``last_update`` must be timezone-aware; it is shown
    as a date in its own zone (pass it converted to the buyer's zone if you know it).
    ``carrier_explanation`` is the operator's own words (one clause completing "the carrier
    told us that …"); without it a ``delay_reason`` is said in the reply's language.
    ``tax_id_name`` defaults to what ``country``'s customs ask for (``TAX_IDS``).
    ``pickup_place`` and ``collect_by`` say where a parcel waits to be collected and until
    when (``tracking.collect_by``). ``buyer_answered``: the buyer wrote back to an earlier
    reply, so a reply may ask them to cancel the dispute (a silent buyer will not).
    """

    store_name: str | None = None
    buyer_first_name: str | None = None
    order_no: str | int | None = None
    product_name: str | None = None
    carrier: str | None = None
    tracking_no: str | None = None
    last_location: str | None = None
    last_update: datetime | None = None
    delay_reason: DelayReason | None = None
    carrier_explanation: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    country: str | None = None
    tax_id_name: str | None = None
    usage_help: str | None = None
    pickup_place: str | None = None
    collect_by: date | None = None
    buyer_answered: bool = False

    def __post_init__(self) -> None:
        if self.last_update is not None and self.last_update.utcoffset() is None:
            raise ValueError("last_update must be timezone-aware (UTC from the tracking)")

    @classmethod
    def from_timeline(cls, timeline: Timeline, **facts: Any) -> ReplyContext:
        """Tracking number, carrier, last location and date from a ``tracking.Timeline``;
        ``facts`` add to (or replace) them."""
        last = timeline.last_event
        found: dict[str, Any] = {
            "tracking_no": timeline.logistics_no or None,
            "carrier": timeline.carrier or None,
            "last_location": timeline.last_location or None,
            "last_update": last.at if last is not None else None,
        }
        return cls(**{**found, **facts})


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _text(value: object) -> str | None:
    """One line of plain text (no control characters, each run of blanks one space), or
    ``None`` when there is nothing: a buyer's value cannot add lines to a reply."""
    if value is None:
        return None
    return " ".join(_CONTROL.sub(" ", str(value)).split()) or None


def _block(value: str | None) -> str | None:
    """Lines of plain text (the operator's usage advice), at most one blank line between."""
    lines = [_text(line) or "" for line in (value or "").strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() or None


def _values(context: ReplyContext, lang: str) -> dict[str, str | None]:
    """The template variables in display form, in the buyer's locale (``None``: unknown)."""
    locale = buyer_locale(lang, context.country)
    country = (_text(context.country) or "").upper() or None
    explanation = (_text(context.carrier_explanation) or "").rstrip(" .") or None
    if explanation is None and context.delay_reason is not None:
        explanation = delay_words(context.delay_reason, lang)
    currency = (_text(context.currency) or "").upper()
    return {
        "store_name": _text(context.store_name),
        "buyer_first_name": _text(context.buyer_first_name),
        "order_no": _text(context.order_no),
        "product_name": _text(context.product_name),
        "carrier": _text(context.carrier),
        "tracking_no": _text(context.tracking_no),
        "last_location": _text(context.last_location),
        "last_update": (format_date(context.last_update, "long", locale=locale)
                        if context.last_update is not None else None),
        "carrier_explanation": explanation,
        "amount": (format_currency(context.amount, currency, locale=locale)
                   if context.amount is not None and currency else None),
        "country": country,
        "tax_id_name": _text(context.tax_id_name) or TAX_IDS.get(country or ""),
        "usage_help": _block(context.usage_help),
        "pickup_place": _text(context.pickup_place),
        "collect_by": (format_date(context.collect_by, "long", locale=locale)
                       if context.collect_by is not None else None),
        "buyer_answered": "yes" if context.buyer_answered else None,
    }
