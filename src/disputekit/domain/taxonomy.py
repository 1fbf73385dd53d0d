"""The dispute taxonomy of ``shared/domain.md``: two families, fifteen classes, four flags (pure).

Every dispute is first **logistics** or **product**, then exactly one class. Each class has
its own evidence, reply plan and default action, so the code is what the queue, the reports
and the decision support all key on. domain.md names thirteen classes; the platform's own
reasons add two product classes it does not (reference §7.3): **not as described** (the
listing's colour, size or model against what arrived: neither a fault nor misuse) and the
**buyer's own reason** (no longer needed, ordered by mistake: the platform's third category,
flagged ``buyer_personal_reason``), each with its own plan, never a usage-video request.
The flags are the platform's own facts that change what the seller should do without
changing what happened:

- ``after_sale_warranty``: an after-sales warranty ("售后宝") dispute, owned by the platform;
- ``buyer_personal_reason``: the buyer disputes for their own reason (no longer wants it);
  settled between buyer and seller it does not count in the dispute rate (configurable in
  the KPIs: the rule is reported, not verified, reference §7.2);
- ``platform_logistics``: a logistics dispute on an order shipped with the platform's online
  logistics, which the platform handles and exempts;
- ``escalated``: the platform is already involved (arbitration asked or under way).
"""

from __future__ import annotations

from enum import StrEnum


class Family(StrEnum):
    LOGISTICS = "logistics"
    PRODUCT = "product"


class DisputeClass(StrEnum):
    # logistics
    NO_TRACKING = "no_tracking"
    DELIVERED_DISPUTED = "delivered_disputed"
    STALLED_IN_TRANSIT = "stalled_in_transit"
    CUSTOMS_BUYER_NO_DOCS = "customs_buyer_no_docs"
    CUSTOMS_BUYER_UNREACHABLE = "customs_buyer_unreachable"
    RETURNED_UNDELIVERED = "returned_undelivered"
    RETURNED_IN_COUNTRY = "returned_in_country"
    RETURNED_BEFORE_EXPORT = "returned_before_export"
    LOST = "lost"
    # product
    GENUINE_DEFECT = "genuine_defect"
    BUYER_MISUSE = "buyer_misuse"
    DELIBERATE_ABUSE = "deliberate_abuse"
    EXTORTION = "extortion"
    # the platform's reasons beyond domain.md's thirteen (last, so ties keep the older classes)
    NOT_AS_DESCRIBED = "not_as_described"
    BUYER_OWN_REASON = "buyer_own_reason"

    @property
    def family(self) -> Family:
        return Family.PRODUCT if self in _PRODUCT else Family.LOGISTICS

    @property
    def situation(self) -> str:
        """The situation in one line, as domain.md puts it."""
        return SITUATIONS[self]

    @property
    def playbook(self) -> str:
        """What the seller does, as domain.md puts it."""
        return PLAYBOOKS[self]

    @property
    def returned(self) -> bool:
        """The parcel came (or is coming) back to the seller, so the goods are recovered."""
        return self in _RETURNED


class Flag(StrEnum):
    AFTER_SALE_WARRANTY = "after_sale_warranty"
    BUYER_PERSONAL_REASON = "buyer_personal_reason"
    PLATFORM_LOGISTICS = "platform_logistics"
    ESCALATED = "escalated"


_PRODUCT = frozenset({
    DisputeClass.GENUINE_DEFECT,
    DisputeClass.BUYER_MISUSE,
    DisputeClass.DELIBERATE_ABUSE,
    DisputeClass.EXTORTION,
    DisputeClass.NOT_AS_DESCRIBED,
    DisputeClass.BUYER_OWN_REASON,
})

_RETURNED = frozenset({
    DisputeClass.RETURNED_UNDELIVERED,
    DisputeClass.RETURNED_IN_COUNTRY,
    DisputeClass.RETURNED_BEFORE_EXPORT,
})

LOGISTICS_CLASSES: tuple[DisputeClass, ...] = tuple(
    c for c in DisputeClass if c.family is Family.LOGISTICS
)
PRODUCT_CLASSES: tuple[DisputeClass, ...] = tuple(
    c for c in DisputeClass if c.family is Family.PRODUCT
)

SITUATIONS: dict[DisputeClass, str] = {
    DisputeClass.NO_TRACKING: "unregistered post, no tracking at all",
    DisputeClass.DELIVERED_DISPUTED: "tracking says signed for, buyer says not received",
    DisputeClass.STALLED_IN_TRANSIT: "in transit, no update for a long time, not returned",
    DisputeClass.CUSTOMS_BUYER_NO_DOCS:
        "held at customs, the buyer must give a tax ID or pay duty, and does not",
    DisputeClass.CUSTOMS_BUYER_UNREACHABLE: "held at customs, the buyer cannot be reached",
    DisputeClass.RETURNED_UNDELIVERED:
        "reached the destination, the buyer did not collect it in time, returned",
    DisputeClass.RETURNED_IN_COUNTRY:
        "reached the country but not the address (customs, security check), returned",
    DisputeClass.RETURNED_BEFORE_EXPORT:
        "returned before it left the origin country (customs, security check)",
    DisputeClass.LOST: "the carrier lost it",
    DisputeClass.GENUINE_DEFECT: "the product really is faulty, the buyer's photo shows it",
    DisputeClass.BUYER_MISUSE: "the buyer does not know how to use it",
    DisputeClass.DELIBERATE_ABUSE:
        "the buyer knows the product and stages a fault to get a refund",
    DisputeClass.EXTORTION: "the buyer openly trades cancellation for money",
    DisputeClass.NOT_AS_DESCRIBED:
        "the item differs from the listing: another colour, size or model than described",
    DisputeClass.BUYER_OWN_REASON:
        "the buyer's own reason: ordered by mistake, no longer needs it, no fault claimed",
}

PLAYBOOKS: dict[DisputeClass, str] = {
    DisputeClass.NO_TRACKING:
        "little evidence; settle rather than go to arbitration, and move that lane to "
        "registered shipping",
    DisputeClass.DELIVERED_DISPUTED:
        "refuse with evidence: the shipping record with the weight and postage deduction, "
        "and the proof of signature",
    DisputeClass.STALLED_IN_TRANSIT:
        "refuse the refund at once, extend buyer protection and follow the three-reply plan; "
        "if it is truly lost, claim the goods and the freight from the carrier",
    DisputeClass.CUSTOMS_BUYER_NO_DOCS:
        "ask the buyer for what customs wants (tax ID, duty); next time contact high-value "
        "buyers before shipping",
    DisputeClass.CUSTOMS_BUYER_UNREACHABLE: "try every channel to reach the buyer",
    DisputeClass.RETURNED_UNDELIVERED: "contact the buyer once the parcel is back",
    DisputeClass.RETURNED_IN_COUNTRY: "contact the buyer when the parcel is back",
    DisputeClass.RETURNED_BEFORE_EXPORT: "contact the buyer when the parcel is back",
    DisputeClass.LOST: "refund or resend; claim the goods and the freight from the carrier",
    DisputeClass.GENUINE_DEFECT: "do not be stingy: refund, or resend",
    DisputeClass.BUYER_MISUSE:
        "ask for a video or photos, give usage advice; once solved, ask the buyer to cancel",
    DisputeClass.DELIBERATE_ABUSE:
        "refute with detailed evidence, including your own video; at a deadlock offer a small "
        "compensation to cancel (never call it a refund)",
    DisputeClass.EXTORTION: "ask what they want, keep the evidence, report the buyer",
    DisputeClass.NOT_AS_DESCRIBED:
        "ask for a photo of the item beside the listing; then a partial refund to keep it, or "
        "a full refund with the return at the seller's cost",
    DisputeClass.BUYER_OWN_REASON:
        "a return at the buyer's cost for the refund, or a small goodwill amount to keep it; "
        "never ask for a usage video",
}


class ReasonKind(StrEnum):
    """The buyer's chosen reason, normalised (reference §7.3 [I]); the raw text is kept too."""

    NOT_RECEIVED = "not_received"
    NOT_RECEIVED_IN_TRANSIT = "not_received_in_transit"
    NOT_RECEIVED_RETURNED = "not_received_returned"
    NOT_RECEIVED_CUSTOMS = "not_received_customs"
    NOT_RECEIVED_NO_TRACKING = "not_received_no_tracking"
    NOT_RECEIVED_WRONG_ADDRESS = "not_received_wrong_address"
    NOT_RECEIVED_DELIVERED = "not_received_delivered"
    SNAD_DESCRIPTION = "snad_description"
    SNAD_QUALITY = "snad_quality"
    SNAD_COUNTERFEIT = "snad_counterfeit"
    SNAD_SHIPPING_METHOD = "snad_shipping_method"
    SNAD_EMPTY_PACKAGE = "snad_empty_package"
    SNAD_QUANTITY_MISSING_PARTS = "snad_quantity_missing_parts"
    SNAD_DAMAGED = "snad_damaged"
    BUYER_PERSONAL = "buyer_personal"
    UNKNOWN = "unknown"

    @property
    def family(self) -> Family | None:
        """The family the reason points to; ``None`` for personal and unknown reasons."""
        if self.value.startswith("not_received"):
            return Family.LOGISTICS
        if self.value.startswith("snad_"):
            return Family.PRODUCT
        return None


# Most specific first: "delivered but not received" before "not received". The texts are the
# platform's English reason labels as shown to buyers (reference §7.3), matched loosely.
_REASON_WORDS: tuple[tuple[ReasonKind, tuple[str, ...]], ...] = (
    (ReasonKind.NOT_RECEIVED_DELIVERED, ("delivered but", "shows delivered", "signed but")),
    (ReasonKind.NOT_RECEIVED_WRONG_ADDRESS, ("wrong address",)),
    (ReasonKind.NOT_RECEIVED_RETURNED, ("returned to sender", "package was returned",
                                        "returned")),
    (ReasonKind.NOT_RECEIVED_CUSTOMS, ("customs",)),
    (ReasonKind.NOT_RECEIVED_NO_TRACKING, ("no tracking", "tracking information",
                                           "invalid tracking", "tracking number")),
    (ReasonKind.NOT_RECEIVED_IN_TRANSIT, ("in transit",)),
    (ReasonKind.NOT_RECEIVED, ("not receive", "not received", "didn't receive", "not arrive",
                               "never arrived")),
    (ReasonKind.BUYER_PERSONAL, ("don't want", "do not want", "no longer", "by mistake",
                                 "changed my mind", "don't need", "do not need")),
    (ReasonKind.SNAD_EMPTY_PACKAGE, ("empty",)),
    (ReasonKind.SNAD_QUANTITY_MISSING_PARTS, ("quantity", "missing", "parts")),
    (ReasonKind.SNAD_COUNTERFEIT, ("counterfeit", "fake")),
    (ReasonKind.SNAD_SHIPPING_METHOD, ("shipping method",)),
    (ReasonKind.SNAD_DAMAGED, ("damaged", "broken")),
    (ReasonKind.SNAD_QUALITY, ("quality", "does not work", "doesn't work", "not work",
                               "defective", "faulty")),
    (ReasonKind.SNAD_DESCRIPTION, ("not as described", "description", "size", "color",
                                   "colour", "material", "wrong item", "different from")),
)

# The one documented id (reference §4.2, §5): 115 on a "not receive good" case.
_REASON_IDS: dict[int, ReasonKind] = {115: ReasonKind.NOT_RECEIVED}


def reason_kind(text: str, reason_id: int | None = None) -> ReasonKind:
    """Normalise the buyer's chosen reason (``issue_reason`` / ``reason_english``).

    >>> reason_kind("Tracking shows delivered but not received")
    <ReasonKind.NOT_RECEIVED_DELIVERED: 'not_received_delivered'>
    >>> reason_kind("Item does not work")
    <ReasonKind.SNAD_QUALITY: 'snad_quality'>
    >>> reason_kind("ordered_by_mistake")
    <ReasonKind.BUYER_PERSONAL: 'buyer_personal'>
    """
    # Codes as well as labels: "not_as_described", "ordered_by_mistake" and the legacy
    # "Color_not_as_described@3rdIssueReason" read like the words they stand for.
    lowered = text.strip().lower().replace("_", " ")
    for kind, words in _REASON_WORDS:
        if any(word in lowered for word in words):
            return kind
    if reason_id is not None and reason_id in _REASON_IDS:
        return _REASON_IDS[reason_id]
    return ReasonKind.UNKNOWN
