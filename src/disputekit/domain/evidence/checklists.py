"""What evidence wins each class of dispute, and which of it a case has (pure).

:func:`checklist` gives each class's items with the reason in an operator's words;
:func:`assess_checklist` marks each one collected, missing or not applicable from what
was collected (:class:`CaseFacts`) and what the tracking says.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final

from disputekit.domain.evidence.deciding_fact import is_customs_event
from disputekit.domain.taxonomy import DisputeClass
from disputekit.domain.tracking import Timeline
from disputekit.errors import EvidenceError

__all__ = [
    "AssessedItem",
    "CaseFacts",
    "ChecklistItem",
    "EvidenceKind",
    "EvidenceSource",
    "ItemState",
    "Message",
    "assess_checklist",
    "checklist",
]


class EvidenceKind(StrEnum):
    """One item of a checklist; every stored evidence file is one of these."""

    TRACKING_TIMELINE = "tracking_timeline"
    SIGNATURE_PROOF = "signature_proof"
    SHIPPING_RECORD = "shipping_record"  # carrier, service, numbers, dates, freight (the API's)
    POSTAGE_RECORD = "postage_record"  # weight and postage deducted, or the post-office receipt
    PRE_SHIPMENT_PHOTOS = "pre_shipment_photos"
    BUYER_MEDIA = "buyer_media"
    SELLER_MEDIA = "seller_media"
    LISTING_SNAPSHOT = "listing_snapshot"
    CUSTOMS_DOCUMENTS = "customs_documents"
    CARRIER_STATEMENT = "carrier_statement"  # the carrier's answer: loss, return reason, delay
    CONTACT_ATTEMPTS = "contact_attempts"  # every channel tried to reach the buyer
    MESSAGE_HISTORY = "message_history"  # the dispute's history (and chat screenshots)
    CASE_SUMMARY = "case_summary"


class EvidenceSource(StrEnum):
    API = "api"  # what the sync stored, snapshotted as JSON
    OPERATOR = "operator"  # a file an operator attached
    RENDERED = "rendered"  # an image drawn for aliexpress.issue.image.upload


class ItemState(StrEnum):
    COLLECTED = "collected"
    MISSING = "missing"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class ChecklistItem:
    kind: EvidenceKind
    why: str  # why it wins this class, in an operator's words
    required: bool = True


# ---------------------------------------------------------------------------------------------
# The checklists
# ---------------------------------------------------------------------------------------------

K = EvidenceKind

_HISTORY = ChecklistItem(K.MESSAGE_HISTORY, "The dispute's history: what the buyer claimed "
                         "and what you answered, with dates. Chat is not readable through the "
                         "API: add screenshots of the order chat here when it matters.")
_SUMMARY = ChecklistItem(K.CASE_SUMMARY, "One page the case officer reads first: order, "
                         "amounts, the facts that decide the case.")
_SHIPPING = ChecklistItem(K.SHIPPING_RECORD, "Carrier, service, ship date and every tracking "
                          "number on the order: shows you shipped on time, with tracking.")

_CHECKLISTS: Final[dict[DisputeClass, tuple[ChecklistItem, ...]]] = {
    DisputeClass.NO_TRACKING: (
        ChecklistItem(K.SHIPPING_RECORD, "Shows the order was shipped on time and with which "
                      "service: the only record of dispatch the platform keeps itself."),
        ChecklistItem(K.POSTAGE_RECORD, "Unregistered post leaves no scans: the post office "
                      "receipt, or the postage deducted with the parcel's weight, is what "
                      "proves it was posted."),
        ChecklistItem(K.TRACKING_TIMELINE, "Whatever scans exist (an acceptance scan at most): "
                      "shows the parcel was handed over.", required=False),
        ChecklistItem(K.PRE_SHIPMENT_PHOTOS, "The packed parcel with its label: shows what "
                      "left and when.", required=False),
        ChecklistItem(K.LISTING_SNAPSHOT, "The shipping options of the listing: the buyer "
                      "chose an untracked one.", required=False),
        _HISTORY, _SUMMARY,
    ),
    DisputeClass.DELIVERED_DISPUTED: (
        ChecklistItem(K.TRACKING_TIMELINE, "The carrier's history up to delivery, with dates "
                      "(UTC) and places: the parcel reached the buyer's city."),
        ChecklistItem(K.SIGNATURE_PROOF, "The delivery scan with who signed for it, when and "
                      "where: the fact that wins this class."),
        ChecklistItem(K.SHIPPING_RECORD, "Carrier, service, ship date and every tracking "
                      "number on the order: the platform checks it against the tracking."),
        ChecklistItem(K.POSTAGE_RECORD, "The weight and postage deducted for the parcel. If "
                      "the order also carries a second tracking number that was never "
                      "shipped, the weight shows one parcel left with everything in it."),
        ChecklistItem(K.PRE_SHIPMENT_PHOTOS, "The packed parcel on the scale with its label, "
                      "if you took one.", required=False),
        _HISTORY, _SUMMARY,
    ),
    DisputeClass.STALLED_IN_TRANSIT: (
        ChecklistItem(K.TRACKING_TIMELINE, "Where the parcel was last seen and when: it is in "
                      "the carrier's network, not held back by you."),
        _SHIPPING,
        ChecklistItem(K.CARRIER_STATEMENT, "The carrier's answer to your inquiry (delay, flight "
                      "transfer, customs backlog): the reason you give the buyer.",
                      required=False),
        ChecklistItem(K.MESSAGE_HISTORY, "Your replies (apology, protection extended, where "
                      "the parcel is) and the buyer's answers: the platform weighs a seller who "
                      "kept the buyer informed."),
        _SUMMARY,
    ),
    DisputeClass.CUSTOMS_BUYER_NO_DOCS: (
        ChecklistItem(K.TRACKING_TIMELINE, "The customs events: held at import, waiting for "
                      "the recipient's tax ID or duty payment."),
        ChecklistItem(K.CUSTOMS_DOCUMENTS, "The customs notice naming what the recipient must "
                      "provide or pay: the hold is on the buyer's side."),
        ChecklistItem(K.CONTACT_ATTEMPTS, "Your messages asking the buyer for the tax ID or "
                      "the duty, with dates: you told them what to do."),
        _SHIPPING,
        ChecklistItem(K.LISTING_SNAPSHOT, "The listing's note that import duties and taxes "
                      "are the buyer's to pay, if it has one.", required=False),
        _HISTORY, _SUMMARY,
    ),
    DisputeClass.CUSTOMS_BUYER_UNREACHABLE: (
        ChecklistItem(K.TRACKING_TIMELINE, "The customs events: held, the recipient could not "
                      "be reached."),
        ChecklistItem(K.CONTACT_ATTEMPTS, "Every channel you tried (order messages, e-mail, "
                      "phone) with dates: this class is won by showing you tried them all."),
        ChecklistItem(K.CUSTOMS_DOCUMENTS, "Any customs notice addressed to the recipient.",
                      required=False),
        _SHIPPING, _HISTORY, _SUMMARY,
    ),
    DisputeClass.RETURNED_UNDELIVERED: (
        ChecklistItem(K.TRACKING_TIMELINE, "Arrival at the destination, the collection notice "
                      "or failed delivery, then the return: the buyer had the chance to "
                      "collect it."),
        ChecklistItem(K.CARRIER_STATEMENT, "The carrier's reason for the return (not collected "
                      "in time, refused).", required=False),
        ChecklistItem(K.CONTACT_ATTEMPTS, "Your message telling the buyer the parcel was "
                      "waiting, or is back.", required=False),
        _SHIPPING, _HISTORY, _SUMMARY,
    ),
    DisputeClass.RETURNED_IN_COUNTRY: (
        ChecklistItem(K.TRACKING_TIMELINE, "Arrival in the buyer's country, the customs or "
                      "security event, then the return."),
        ChecklistItem(K.CARRIER_STATEMENT, "The carrier's or customs' reason for sending it "
                      "back.", required=False),
        ChecklistItem(K.CUSTOMS_DOCUMENTS, "A customs decision, if there is one.",
                      required=False),
        _SHIPPING, _HISTORY, _SUMMARY,
    ),
    DisputeClass.RETURNED_BEFORE_EXPORT: (
        ChecklistItem(K.TRACKING_TIMELINE, "The export check and the return, all in the "
                      "origin country: it never left."),
        ChecklistItem(K.CARRIER_STATEMENT, "The carrier's reason (a battery refused at export "
                      "screening...): tells you how to ship it next time.", required=False),
        _SHIPPING, _HISTORY, _SUMMARY,
    ),
    DisputeClass.LOST: (
        ChecklistItem(K.TRACKING_TIMELINE, "The last scan and how long ago it was: the carrier "
                      "lost it, not you."),
        ChecklistItem(K.CARRIER_STATEMENT, "The carrier's confirmation of the loss, or your "
                      "claim reference: needed to recover the goods and the freight."),
        ChecklistItem(K.SHIPPING_RECORD, "Service, tracking number, ship date and freight: "
                      "what the carrier claim is filed on."),
        ChecklistItem(K.POSTAGE_RECORD, "The postage you paid: the freight part of the claim.",
                      required=False),
        _HISTORY, _SUMMARY,
    ),
    DisputeClass.GENUINE_DEFECT: (
        ChecklistItem(K.BUYER_MEDIA, "The buyer's photo or video of the fault: what the refund "
                      "or the resend is based on."),
        ChecklistItem(K.PRE_SHIPMENT_PHOTOS, "Your check before shipping: tells a factory fault "
                      "from transport damage (which you can claim from the carrier).",
                      required=False),
        ChecklistItem(K.LISTING_SNAPSHOT, "The listing as sold: what was promised.",
                      required=False),
        _HISTORY,
        ChecklistItem(K.CASE_SUMMARY, _SUMMARY.why, required=False),
    ),
    DisputeClass.BUYER_MISUSE: (
        ChecklistItem(K.BUYER_MEDIA, "The buyer's photo or video: shows how they are using it."),
        ChecklistItem(K.SELLER_MEDIA, "Your video or photos of the product working, and how to "
                      "use it."),
        ChecklistItem(K.LISTING_SNAPSHOT, "The listing as sold: instructions, specifications, "
                      "compatibility."),
        ChecklistItem(K.MESSAGE_HISTORY, "Your usage advice and the buyer's answers."),
        _SUMMARY,
    ),
    DisputeClass.DELIBERATE_ABUSE: (
        ChecklistItem(K.BUYER_MEDIA, "The buyer's own photo or video: look for what contradicts "
                      "the claim (another model, signs of tampering)."),
        ChecklistItem(K.SELLER_MEDIA, "Your own video of the same product working: what "
                      "refutes a staged fault."),
        ChecklistItem(K.PRE_SHIPMENT_PHOTOS, "The item tested and packed before shipping, with "
                      "its serial number if it has one."),
        ChecklistItem(K.LISTING_SNAPSHOT, "The listing as sold: what the product is and does."),
        ChecklistItem(K.POSTAGE_RECORD, "The parcel's weight: for an 'empty parcel' or "
                      "'missing parts' claim it shows what left your warehouse.",
                      required=False),
        _HISTORY, _SUMMARY,
    ),
    DisputeClass.EXTORTION: (
        ChecklistItem(K.MESSAGE_HISTORY, "The buyer's demand in their own words ('30 % back "
                      "and I cancel'): keep it, it is what you report. Chat is not readable "
                      "through the API: add screenshots if the demand was made there."),
        ChecklistItem(K.BUYER_MEDIA, "Whatever the buyer attached: usually nothing that shows "
                      "a fault.", required=False),
        ChecklistItem(K.SELLER_MEDIA, "Your video of the product working, if the buyer claims "
                      "a fault.", required=False),
        ChecklistItem(K.LISTING_SNAPSHOT, "The listing as sold: what the buyer actually bought.",
                      required=False),
        _SUMMARY,
    ),
    DisputeClass.NOT_AS_DESCRIBED: (
        ChecklistItem(K.BUYER_MEDIA, "The buyer's photo of the item beside the listing: the "
                      "colour, size or model label that differs (or does not)."),
        ChecklistItem(K.LISTING_SNAPSHOT, "The listing as sold, with the option the buyer "
                      "chose: what was promised."),
        ChecklistItem(K.PRE_SHIPMENT_PHOTOS, "Your packing photo of the chosen option (colour, "
                      "size, model): what left your warehouse.", required=False),
        ChecklistItem(K.MESSAGE_HISTORY, "Your offer (a partial refund to keep it, or the "
                      "return at your cost) and the buyer's answer.", required=False),
        _SUMMARY,
    ),
    DisputeClass.BUYER_OWN_REASON: (
        ChecklistItem(K.MESSAGE_HISTORY, "The buyer's own words: ordered by mistake, no longer "
                      "needed; no fault claimed."),
        ChecklistItem(K.LISTING_SNAPSHOT, "The listing as sold: the item is as described.",
                      required=False),
        ChecklistItem(K.PRE_SHIPMENT_PHOTOS, "The item as it left your warehouse: what a return "
                      "must come back as.", required=False),
        _SUMMARY,
    ),
}


def checklist(dispute_class: DisputeClass | str) -> tuple[ChecklistItem, ...]:
    """The evidence that wins ``dispute_class``, most decisive first."""
    try:
        return _CHECKLISTS[DisputeClass(dispute_class)]
    except ValueError:
        raise EvidenceError(f"{dispute_class!r} is not a dispute class; use one of "
                            f"{', '.join(c.value for c in DisputeClass)}") from None


# ---------------------------------------------------------------------------------------------
# The facts of one case (what the sync stored, read by the caller)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One step of the dispute's history (``process_dto_list``)."""

    at: datetime | None
    member: str  # buyer / seller / system / platform / waiter
    action: str
    text: str
    attachments: int = 0
    video: bool = False


@dataclass(frozen=True)
class CaseFacts:
    """Everything the checklist, the deciding fact and the rendered images read.

    ``parcels`` holds a timeline for every tracking number on the order, the shipped one
    (``main_no``) first. Money is as the platform states it: ``product_price`` and
    ``refund_max_usd`` in USD, ``order_total`` and ``freight`` in ``order_currency``. Weight
    and postage deducted are not in any API answer: they stay ``None`` unless given.
    """

    store_id: str = ""
    issue_id: int = 0
    order_id: int = 0
    buyer_login: str = ""
    buyer_country: str = ""
    destination: str = ""  # "city, CC" of the order's receipt address
    product_name: str = ""
    product_price: Decimal | None = None
    refund_max_usd: Decimal | None = None
    refund_max_local: Decimal | None = None
    local_currency: str = ""
    order_total: Decimal | None = None
    order_currency: str = ""
    freight: Decimal | None = None
    reason: str = ""
    status: str = ""  # reverse_detail_status (or issue_status when closed)
    opened_at: datetime | None = None
    carrier: str = ""
    service: str = ""
    service_kind: str = ""  # carriers.ServiceKind value
    shipped_at: datetime | None = None
    main_no: str = ""
    parcels: tuple[Timeline, ...] = ()
    messages: tuple[Message, ...] = ()
    weight_grams: int | None = None
    postage_deducted: Decimal | None = None
    synced_at: datetime | None = None

    @property
    def main_parcel(self) -> Timeline | None:
        return next((p for p in self.parcels if p.logistics_no == self.main_no),
                    self.parcels[0] if self.parcels else None)

    @property
    def unshipped_numbers(self) -> tuple[str, ...]:
        """Tracking numbers declared on the order that the carrier never scanned, besides the
        one that shipped: the consolidated-order trap of ``delivered_disputed``."""
        main = self.main_parcel
        return tuple(p.logistics_no for p in self.parcels
                     if p is not main and not p.events)

    @property
    def buyer_attachments(self) -> int:
        return sum(m.attachments for m in self.messages if m.member == "buyer")

    @property
    def seller_attachments(self) -> int:
        return sum(m.attachments for m in self.messages if m.member == "seller")

    @property
    def buyer_video(self) -> bool:
        return any(m.video for m in self.messages if m.member == "buyer")

    @property
    def seller_video(self) -> bool:
        return any(m.video for m in self.messages if m.member == "seller")

    @property
    def untracked_service(self) -> bool:
        return self.service_kind == "unregistered"

    @property
    def ever_at_customs(self) -> bool:
        parcel = self.main_parcel
        return parcel is not None and any(is_customs_event(e) for e in parcel.events)


# ---------------------------------------------------------------------------------------------
# Marking the checklist
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessedItem:
    """One checklist item and where it stands; ``attention`` when an operator must act
    (a required item is missing, or a collected one carries a warning)."""

    item: ChecklistItem
    state: ItemState
    note: str = ""
    attention: bool = False

    @property
    def kind(self) -> EvidenceKind:
        return self.item.kind


_OPERATOR_HINTS: Final[dict[EvidenceKind, str]] = {
    K.TRACKING_TIMELINE: "sync the store, then collect from the API",
    K.SIGNATURE_PROOF: "sync the store, then collect from the API",
    K.SHIPPING_RECORD: "sync the store with orders, then collect from the API",
    K.POSTAGE_RECORD: "attach a screenshot or PDF of the logistics order (weight, postage "
                      "deducted) or the post office receipt: no API gives it",
    K.PRE_SHIPMENT_PHOTOS: "attach your packing or test photos",
    K.BUYER_MEDIA: "ask the buyer for a photo or a video of the problem",
    K.SELLER_MEDIA: "attach your own photos or video of the product working",
    K.LISTING_SNAPSHOT: "attach a screenshot or PDF of the listing as it was sold",
    K.CUSTOMS_DOCUMENTS: "attach the customs notice (PDF or photo)",
    K.CARRIER_STATEMENT: "attach the carrier's answer to your inquiry, or the claim reference",
    K.CONTACT_ATTEMPTS: "attach screenshots of every message, e-mail or call log to the buyer",
    K.MESSAGE_HISTORY: "collect from the API; add chat screenshots if the chat matters",
    K.CASE_SUMMARY: "render the case summary",
}


def assess_checklist(
    dispute_class: DisputeClass | str,
    collected: Collection[EvidenceKind | str],
    facts: CaseFacts,
) -> list[AssessedItem]:
    """Each item of the class's checklist marked collected, missing or not applicable.

    Not applicable is decided by the tracking, never by what is missing: a signature when the
    parcel was never delivered, tracking on an unregistered service that has none, customs
    papers for a parcel that never met customs (where they are optional). A collected shipping
    record is flagged when the order carries a tracking number that was never scanned.
    """
    have = {EvidenceKind(k) for k in collected}
    out: list[AssessedItem] = []
    for item in checklist(dispute_class):
        if item.kind in have:
            note = _collected_note(item.kind, facts)
            out.append(AssessedItem(item, ItemState.COLLECTED, note, attention=bool(note)
                                    and item.kind in _WARNING_KINDS))
            continue
        why_not = _not_applicable(item, facts)
        if why_not:
            out.append(AssessedItem(item, ItemState.NOT_APPLICABLE, why_not))
            continue
        note = _missing_note(item.kind, facts)
        out.append(AssessedItem(item, ItemState.MISSING, note, attention=item.required))
    return out


_WARNING_KINDS: Final = frozenset({K.SHIPPING_RECORD, K.POSTAGE_RECORD, K.SIGNATURE_PROOF})


def _unshipped_note(facts: CaseFacts) -> str:
    extra = facts.unshipped_numbers
    if not extra:
        return ""
    numbers = ", ".join(extra)
    shipped = facts.main_no or "the first number"
    return (f"the order also carries {numbers}, never scanned by the carrier: only {shipped} "
            "was shipped, and its weight and postage record is what shows it carried the "
            "whole order")


def _collected_note(kind: EvidenceKind, facts: CaseFacts) -> str:
    parcel = facts.main_parcel
    if kind in (K.SHIPPING_RECORD, K.POSTAGE_RECORD):
        return _unshipped_note(facts)
    if kind is K.SIGNATURE_PROOF and parcel is not None and parcel.delivered \
            and not parcel.signed_by:
        return ("the delivery scan names nobody: ask the carrier for the proof of delivery "
                "(signature or photo)")
    if kind is K.BUYER_MEDIA and facts.buyer_video:
        return "the buyer also sent a video, which the API does not give: watch it in Seller Center"
    return ""


def _missing_note(kind: EvidenceKind, facts: CaseFacts) -> str:
    hint = _OPERATOR_HINTS[kind]
    if kind is K.BUYER_MEDIA and facts.buyer_video:
        return ("the buyer sent a video (not readable through the API): save it from Seller "
                "Center and attach it")
    if kind is K.POSTAGE_RECORD and facts.unshipped_numbers:
        return f"{hint}; {_unshipped_note(facts)}"
    return hint


def _not_applicable(item: ChecklistItem, facts: CaseFacts) -> str:
    parcel = facts.main_parcel
    kind = item.kind
    if kind is K.SIGNATURE_PROOF and (parcel is None or not parcel.delivered):
        if parcel is not None and parcel.signed_at_station:
            return "left at a pickup point, not signed for by the buyer: nothing to prove"
        return "the parcel was never delivered: there is no signature to show"
    if kind is K.TRACKING_TIMELINE and facts.untracked_service and (
            parcel is None or not parcel.events):
        return "unregistered service: the carrier keeps no tracking for it"
    if kind is K.CUSTOMS_DOCUMENTS and not item.required and not facts.ever_at_customs:
        return "the tracking shows no customs event"
    return ""
