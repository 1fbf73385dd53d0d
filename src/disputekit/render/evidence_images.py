"""Evidence images for ``aliexpress.issue.image.upload``: the tracking timeline, the shipping
record and a one-page case summary, drawn from :class:`evidence.CaseFacts`.

The platform takes images only (reference §7.4), so the facts that decide a case must be
readable in a picture: each image is 1100 px wide, every text at least 14 px high, wrapped to
fit, with the deciding fact highlighted (signed for by X, held at customs, returned, no update
for N days). Labels are in English or the buyer's language
(:mod:`disputekit.render.evidence_labels`); carriers' event texts stay as the carrier wrote
them. Dates are UTC. The page itself is laid out by :mod:`disputekit.render.evidence_layout`,
which also writes every text drawn into the PNG's metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from disputekit.domain.evidence import CaseFacts, EvidenceKind, Message, deciding_fact
from disputekit.domain.privacy import mask_login
from disputekit.domain.taxonomy import DisputeClass
from disputekit.domain.tracking import TrackEvent
from disputekit.render.evidence_labels import (
    LABELS,
    day,
    fact_text,
    label,
    language,
    money,
    service_text,
    when,
)
from disputekit.render.evidence_layout import (
    ALERT_FILL,
    BODY,
    DOT,
    DOT_KEY,
    FACT_FILL,
    FULL,
    MARGIN,
    MUTED,
    SMALL,
    WIDTH_PX,
    ZEBRA,
    Cell,
    RenderedImage,
    Row,
    draw,
    fact_row,
    kv_rows,
    section,
    title_row,
)

__all__ = ["MAX_EVENTS", "MAX_MESSAGES", "MESSAGE_CHARS", "render_all", "render_case_summary",
           "render_shipping_record", "render_tracking_timeline"]

MAX_EVENTS: Final = 28  # more events than this: the oldest middle ones are summarised
MAX_MESSAGES: Final = 8  # the latest steps of the dispute's history on the case summary
MESSAGE_CHARS: Final = 280


def _footer(facts: CaseFacts, now: datetime, lang: str) -> Row:
    text = (f"{label(lang, 'order')} {facts.order_id} · {label(lang, 'dispute')} "
            f"{facts.issue_id} · " + label(lang, "footer", date=when(now)))
    return Row([Cell(text, MARGIN, FULL, SMALL, "normal", MUTED)], gap=18)


# ---------------------------------------------------------------------------------------------
# The three images
# ---------------------------------------------------------------------------------------------


def _shown_events(events: Sequence[TrackEvent], keep: int | None
                  ) -> list[tuple[int, TrackEvent] | int]:
    """Indexed events newest first; when there are too many, the oldest middle ones become
    a count (an int), always keeping the first event and the deciding one."""
    indexed = list(enumerate(events))
    if len(indexed) <= MAX_EVENTS:
        return list(reversed(indexed))
    head, tail = indexed[:3], indexed[-(MAX_EVENTS - 4):]
    kept = {i for i, _ in head + tail}
    extra = [(keep, events[keep])] if keep is not None and keep not in kept else []
    chosen = sorted(head + extra + tail)
    out: list[tuple[int, TrackEvent] | int] = []
    previous = -1
    for i, event in chosen:
        if i - previous > 1:
            out.append(i - previous - 1)
        out.append((i, event))
        previous = i
    return list(reversed(out))


def render_tracking_timeline(facts: CaseFacts, now: datetime, lang: str = "en"
                             ) -> RenderedImage:
    """The parcel's carrier events with dates (UTC) and places, the deciding one highlighted,
    and any tracking number of the order that never shipped."""
    lang = language(lang)
    parcel = facts.main_parcel
    fact = deciding_fact(parcel, now)
    number = parcel.logistics_no if parcel else facts.main_no or "?"
    title = f"{label(lang, 'title_timeline')} · {number}"
    rows = [title_row(title)]
    rows += kv_rows([
        (label(lang, "carrier"), facts.carrier or "?"),
        (label(lang, "service"), service_text(facts, lang)),
        (label(lang, "shipped"), when(facts.shipped_at)),
        (label(lang, "destination"), facts.destination or facts.buyer_country or "?"),
    ], key_width=230)
    rows.append(fact_row(fact_text(fact, lang)))
    if parcel is not None and parcel.events:
        rows.append(section(label(lang, "events_header")))
        date_x, place_x, event_x = MARGIN + 30, MARGIN + 240, MARGIN + 470
        rows.append(Row([
            Cell(label(lang, "col_date"), date_x, 200, SMALL, "bold", MUTED),
            Cell(label(lang, "col_place"), place_x, 220, SMALL, "bold", MUTED),
            Cell(label(lang, "col_event"), event_x, WIDTH_PX - MARGIN - event_x, SMALL,
                  "bold", MUTED)], pad=3))
        for item in _shown_events(parcel.events, fact.event_index):
            if isinstance(item, int):
                rows.append(Row([Cell(label(lang, "earlier_hidden", n=item), date_x,
                                        FULL - 30, SMALL, "normal", MUTED)], pad=3))
                continue
            index, event = item
            key = index == fact.event_index
            weight = "bold" if key else "normal"
            rows.append(Row([
                Cell(when(event.at), date_x, 200, BODY, weight),
                Cell(event.location or "—", place_x, 220, BODY, weight),
                Cell(event.description or event.stage or "—", event_x,
                      WIDTH_PX - MARGIN - event_x, BODY, weight),
            ], fill=FACT_FILL if key else None, dot=DOT_KEY if key else DOT, pad=5))
    for extra in facts.unshipped_numbers:
        rows.append(Row([Cell(label(lang, "also_on_order", number=extra), MARGIN + 4,
                                FULL - 16, BODY, "bold")], fill=ALERT_FILL, pad=8, gap=12))
    rows.append(_footer(facts, now, lang))
    return draw(EvidenceKind.TRACKING_TIMELINE, title, rows, lang)


def render_shipping_record(facts: CaseFacts, now: datetime, lang: str = "en") -> RenderedImage:
    """Carrier, service, tracking number, dates, weight and postage (said to be missing when
    the API does not give them, never invented), and every tracking number of the order."""
    lang = language(lang)
    parcel = facts.main_parcel
    fact = deciding_fact(parcel, now)
    title = f"{label(lang, 'title_shipping')} · {label(lang, 'order')} {facts.order_id}"
    missing = label(lang, "not_provided")
    rows = [title_row(title)]
    rows += kv_rows([
        (label(lang, "order"), str(facts.order_id)),
        (label(lang, "product"), facts.product_name or "?"),
        (label(lang, "carrier"), facts.carrier or "?"),
        (label(lang, "service"), service_text(facts, lang)),
        (label(lang, "tracking_no"), facts.main_no or (parcel.logistics_no if parcel else "?")),
        (label(lang, "shipped"), when(facts.shipped_at)),
        (label(lang, "destination"), facts.destination or facts.buyer_country or "?"),
        (label(lang, "status"), fact_text(fact, lang)),
        (label(lang, "weight"), f"{facts.weight_grams} g" if facts.weight_grams is not None
         else missing),
        (label(lang, "postage"), money(facts.postage_deducted, facts.order_currency)
         if facts.postage_deducted is not None else missing),
        (label(lang, "freight_paid"), money(facts.freight, facts.order_currency)),
        (label(lang, "order_total"), money(facts.order_total, facts.order_currency)),
    ])
    rows.append(section(label(lang, "numbers_on_order")))
    for p in facts.parcels:
        last = p.last_event
        state = (label(lang, "scanned", n=len(p.events), date=when(last.at if last else None))
                 if p.events else label(lang, "never_scanned"))
        never = not p.events and p is not parcel
        rows.append(Row([Cell(p.logistics_no, MARGIN + 10, 290, BODY, "bold"),
                          Cell(state, MARGIN + 310, FULL - 310, BODY,
                                "bold" if never else "normal")],
                         fill=ALERT_FILL if never else None, pad=6))
    extra = facts.unshipped_numbers
    if extra and parcel is not None:
        rows.append(fact_row(label(lang, "only_shipped", shipped=parcel.logistics_no,
                                    others=", ".join(extra))))
    rows.append(_footer(facts, now, lang))
    return draw(EvidenceKind.SHIPPING_RECORD, title, rows, lang)


def _message_line(message: Message, lang: str) -> tuple[str, str]:
    who = label(lang, f"member_{message.member}") if f"member_{message.member}" in LABELS["en"] \
        else message.member
    head = f"{day(message.at)} · {who}"
    text = " ".join(message.text.split())
    if len(text) > MESSAGE_CHARS:
        text = text[: MESSAGE_CHARS - 1] + "…"
    extras = []
    if message.attachments:
        extras.append(label(lang, "attachments", n=message.attachments))
    if message.video:
        extras.append(label(lang, "video"))
    body = (text or message.action.replace("_", " ")) + (f" [{', '.join(extras)}]"
                                                         if extras else "")
    return head, body


def render_case_summary(facts: CaseFacts, now: datetime, lang: str = "en",
                        dispute_class: DisputeClass | str | None = None) -> RenderedImage:
    """One page: order, product, amounts, the situation, the tracking's deciding fact, and the
    latest steps of the dispute's history. The buyer's login is masked."""
    lang = language(lang)
    parcel = facts.main_parcel
    fact = deciding_fact(parcel, now)
    title = f"{label(lang, 'title_summary')} · {label(lang, 'dispute')} {facts.issue_id}"
    refund = money(facts.refund_max_usd, "USD")
    if facts.refund_max_local is not None and facts.local_currency \
            and facts.local_currency != "USD":
        refund += f" ({money(facts.refund_max_local, facts.local_currency)})"
    pairs = [
        (label(lang, "order"), f"{facts.order_id}"),
        (label(lang, "buyer"), f"{mask_login(facts.buyer_login)} · {facts.buyer_country}"),
        (label(lang, "product"), facts.product_name or "?"),
        (label(lang, "price"), money(facts.product_price, "USD")),
        (label(lang, "order_total"), money(facts.order_total, facts.order_currency)
         + (f" · {label(lang, 'freight_paid')}: {money(facts.freight, facts.order_currency)}"
            if facts.freight is not None else "")),
        (label(lang, "refund_max"), refund),
        (label(lang, "opened"), when(facts.opened_at)),
        (label(lang, "reason"), facts.reason or "?"),
    ]
    if dispute_class is not None:
        pairs.append((label(lang, "case"), label(lang, f"class_{DisputeClass(dispute_class)}")))
    pairs += [
        (label(lang, "carrier"), f"{facts.carrier or '?'} · {service_text(facts, lang)}"),
        (label(lang, "tracking_no"), facts.main_no or "?"),
        (label(lang, "shipped"), when(facts.shipped_at)),
    ]
    rows = [title_row(title), *kv_rows(pairs, key_width=280),
            fact_row(fact_text(fact, lang))]
    for extra in facts.unshipped_numbers:
        rows.append(Row([Cell(label(lang, "also_on_order", number=extra), MARGIN + 4,
                                FULL - 16, BODY, "bold")], fill=ALERT_FILL, pad=8, gap=8))
    if facts.messages:
        rows.append(section(label(lang, "history")))
        latest = sorted(facts.messages, key=lambda m: (m.at is None, m.at), reverse=True)
        for i, message in enumerate(latest[:MAX_MESSAGES]):
            head, body = _message_line(message, lang)
            rows.append(Row([Cell(head, MARGIN + 4, 250, SMALL, "bold", MUTED),
                              Cell(body, MARGIN + 260, FULL - 260, BODY)],
                             fill=ZEBRA if i % 2 else None, pad=5))
    rows.append(_footer(facts, now, lang))
    return draw(EvidenceKind.CASE_SUMMARY, title, rows, lang)


def render_all(facts: CaseFacts, now: datetime, lang: str = "en",
               dispute_class: DisputeClass | str | None = None) -> list[RenderedImage]:
    """The three images, in the order a case officer should see them."""
    return [render_case_summary(facts, now, lang, dispute_class),
            render_tracking_timeline(facts, now, lang),
            render_shipping_record(facts, now, lang)]
