"""Reporting an extortionist to the platform: the report pack and its text (pure).

No AliExpress API files a report against a buyer: the dispute methods are list, detail,
agree, save (refuse / counter-offer) and image upload, nothing else
(``reference/aliexpress-api.md`` §0 and §4.1–4.7). So the operator files it by hand in
Seller Center, and this module writes what they paste there: the buyer's demands quoted
with their dates, the order, the evidence held, in English (the platform's staff read
it), facts only. The blocklist protects the seller's other stores; only the platform can
act on the buyer's account (``domain.md``: "Reporting a buyer is filed with the platform").

Where the form is: AliExpress has no public document of today's Seller Center menus.
Copies of AliExpress's 2021 notice to sellers (the "malicious buyer" reporting tool,
"Merchant Reporting Tool Center", reached from the back office's Violations → "I want to
report"; ``reference/peers.md`` source 39 and the pages it leads to) say where it was, and
sellers' guides say a report can be started from the order. :func:`where_to_file` says so,
says how sure that is, and gives the way that stays true when menus move (seller support,
with the order number).

The buyer's words appear in the pack exactly as written: the operator must see what is
reported. Whoever shows the pack as HTML escapes them; nothing here logs them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from babel import Locale

from disputekit.domain.language.cues import Cue, find_cues, guess_language

__all__ = [
    "BuyerStatement", "EvidenceLine", "OrderItem", "OrderSummary", "ReportPack",
    "WHERE_TO_FILE_CONFIDENCE", "buyer_statements", "in_order", "report_text", "when",
    "where_to_file",
]

#: The cues that make a buyer's message a demand worth quoting to the platform.
DEMAND_CUES: tuple[Cue, ...] = (Cue.MONEY_DEMAND, Cue.CANCEL_OFFER, Cue.THREAT)
_CUE_WORDS = {Cue.MONEY_DEMAND: "asks for money", Cue.CANCEL_OFFER: "offers to cancel",
              Cue.THREAT: "threatens"}


@dataclass(frozen=True)
class BuyerStatement:
    """One thing the buyer wrote in a dispute's history, with when and where."""

    at: datetime | None  # aware UTC; None when the platform gave no readable time
    issue_id: int
    order_id: int  # the dispute's (parent) order number
    text: str  # as the buyer wrote it: shown escaped, never logged
    cues: tuple[Cue, ...] = ()

    @property
    def is_demand(self) -> bool:
        """Money for a cancellation, an offer to cancel, or a threat."""
        return any(c in DEMAND_CUES for c in self.cues)

    @property
    def what(self) -> str:
        """What the message does, in words ("asks for money, offers to cancel")."""
        return ", ".join(_CUE_WORDS[c] for c in DEMAND_CUES if c in self.cues)


@dataclass(frozen=True)
class OrderItem:
    name: str
    quantity: int
    price: Decimal | None
    currency: str


@dataclass(frozen=True)
class OrderSummary:
    order_id: int
    placed_at: datetime | None
    items: tuple[OrderItem, ...]
    amount: Decimal | None
    currency: str
    delivered_at: datetime | None = None  # the carrier's delivery scan, when there is one
    signed_by: str = ""
    logistics_no: str = ""


@dataclass(frozen=True)
class EvidenceLine:
    """One piece of evidence the seller holds (or should), in words."""

    what: str  # "tracking timeline", "message history", …
    state: str  # "stored (uploaded to the dispute 03 Dec 2026)", "missing", …


@dataclass(frozen=True)
class ReportPack:
    """Everything the operator needs to file the report, and the text they paste."""

    store_id: str
    store_name: str
    issue_id: int
    buyer_login_id: str
    reason: str
    opened_at: datetime | None
    order: OrderSummary
    statements: tuple[BuyerStatement, ...]  # this buyer in this store, oldest first
    evidence: tuple[EvidenceLine, ...]
    # Other disputes of the same buyer: (store id, order number), this store's included.
    other_disputes: tuple[tuple[str, int], ...] = ()
    filed_at: tuple[datetime, ...] = ()  # when it was marked filed, oldest first

    @property
    def demands(self) -> tuple[BuyerStatement, ...]:
        return tuple(s for s in self.statements if s.is_demand)

    @property
    def quoted(self) -> tuple[BuyerStatement, ...]:
        """What the report quotes: the demands, or every statement when none reads as one
        (the operator reports what the rules did not recognise)."""
        return self.demands or tuple(s for s in self.statements if s.text.strip())

    @property
    def text(self) -> str:
        return report_text(self)

    @property
    def steps(self) -> tuple[str, ...]:
        return where_to_file(self)


def when(moment: datetime | None, *, time: bool = True) -> str:
    """A date as the report writes it, in UTC.

    >>> from disputekit.domain.platform_time import parse_pacific
    >>> when(parse_pacific("2026-12-03 08:39:28")), when(None)
    ('03 Dec 2026 16:39 UTC', 'date unknown')
    """
    if moment is None:
        return "date unknown"
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%d %b %Y %H:%M UTC" if time else "%d %b %Y")


def buyer_statements(messages: Iterable[tuple[datetime | None, str, str]], issue_id: int,
                     order_id: int) -> tuple[BuyerStatement, ...]:
    """The buyer's non-empty messages of one dispute (``(at, member, text)`` as the
    history lists them), each with the demand cues it carries."""
    out = []
    for at, member, text in messages:
        if member != "buyer" or not text.strip():
            continue
        cues = tuple(m.cue for m in find_cues(text) if m.cue in DEMAND_CUES)
        out.append(BuyerStatement(at, issue_id, order_id, text, cues))
    return tuple(out)


def _money(amount: Decimal | None, currency: str) -> str:
    return f"{amount:.2f} {currency}".strip() if amount is not None else "amount unknown"


def _quote(text: str) -> str:
    """The buyer's words on one line, in straight quotes (a form field may drop newlines),
    with the language they are in when it is not English, named in English.

    >>> _quote('верните 30% и я закрою спор')
    '"верните 30% и я закрою спор" (in Russian)'
    """
    quoted = '"' + " ".join(text.split()).replace('"', "'") + '"'
    language = guess_language([text])
    if language and language != "en":
        quoted += f" (in {Locale('en').languages.get(language, language)})"
    return quoted


def report_text(pack: ReportPack) -> str:
    """The text to paste into the platform's report form: English, dated, facts only."""
    order = pack.order
    lines = [
        "Report of a buyer who demands money to cancel a dispute",
        "",
        f"Buyer account: {pack.buyer_login_id}",
        f"Store: {pack.store_name or pack.store_id}",
        f"Order number: {order.order_id} (placed {when(order.placed_at, time=False)}, "
        f"total {_money(order.amount, order.currency)})",
    ]
    for item in order.items:
        lines.append(f"Item: {item.name} x {item.quantity} "
                     f"({_money(item.price, item.currency)})")
    lines.append(f"Dispute: {pack.issue_id}, opened {when(pack.opened_at)}"
                 + (f", reason given: {pack.reason}" if pack.reason else ""))
    if order.delivered_at is not None or order.signed_by:
        signed = f", signed for by {order.signed_by}" if order.signed_by else ""
        lines.append(f"Delivery: the carrier scanned parcel {order.logistics_no} as delivered "
                     f"on {when(order.delivered_at, time=False)}{signed}.")
    lines += ["", "What the buyer wrote in the dispute history (quoted as written):"]
    for s in pack.quoted:
        where = ("" if s.issue_id == pack.issue_id
                 else f" (dispute {s.issue_id}, order {s.order_id})")
        lines.append(f"- {when(s.at)}{where}: {_quote(s.text)}")
    if pack.demands:
        lines += ["", "The buyer offers to cancel the dispute in exchange for money. We ask "
                  "AliExpress to review this buyer account for extortion."]
    else:
        lines += ["", "We ask AliExpress to review this buyer account for abuse of the "
                  "dispute process."]
    others = [f"{order_id}" for store, order_id in pack.other_disputes
              if store == pack.store_id and order_id != order.order_id]
    if others:
        lines.append(f"The same buyer account opened disputes on {len(others)} other "
                     f"order(s) with this store: {', '.join(others)}.")
    held = [e for e in pack.evidence if not e.state.startswith("missing")]
    if held:
        lines += ["", "Evidence we can provide:"]
        lines += [f"- {e.what}: {e.state}" for e in held]
    return "\n".join(lines)


#: How sure the menu path is: from third-party copies of a 2021 notice, not verified
#: against today's Seller Center.
WHERE_TO_FILE_CONFIDENCE = (
    "Confidence: medium. AliExpress publishes no current map of Seller Center; the path "
    "comes from copies of AliExpress's 2021 notice on its malicious-buyer reporting tool "
    "and from sellers' guides. If a menu has moved, the last step always works.")


def where_to_file(pack: ReportPack) -> tuple[str, ...]:
    """Where in Seller Center the operator files this report, step by step."""
    store = pack.store_name or pack.store_id
    order = pack.order.order_id
    return (
        f"Log in to Seller Center as the store {store} ({pack.store_id}): each store files "
        "its own reports (no API does it).",
        "Open the malicious-buyer report form: in the back office menu, Violations → "
        "\"I want to report\" (the \"Merchant Reporting Tool Center\"), report a buyer; or "
        f"from order {order} (Orders → the order, or the dispute's page) follow its "
        "\"Report buyer\" / \"Complaint\" link.",
        f"Give the buyer account {pack.buyer_login_id} and order {order}, paste the text "
        "below, and attach the evidence listed (download it from the evidence workbook).",
        "If neither form is there: open a ticket with AliExpress seller support (Seller "
        f"Center's help / customer service), subject \"Malicious buyer, order {order}\", and "
        "paste the same text.",
        "Back here, click \"Mark filed\": the filing is recorded with your name and the time.",
    )


def in_order(statements: Sequence[BuyerStatement]) -> tuple[BuyerStatement, ...]:
    """Statements oldest first (undated last), the order the report quotes them in."""
    return tuple(sorted(statements, key=lambda s: (s.at is None,
                                                   s.at.timestamp() if s.at else 0.0,
                                                   s.issue_id)))
