"""Which class of the taxonomy a dispute is, how sure that is, and why (pure).

``classify(facts)`` reads only what the platform exposes about a dispute (the buyer's chosen
reason and words, whether they say they received the goods, their photos, the order, the
parcel's tracking, the buyer's history across the seller's stores) and answers with one code
of ``shared/domain.md``, a confidence, and the facts that decided it, in words an operator
can check against the dispute.

It decides in two steps, as a seller does:

1. **Family.** Logistics or product: did the buyer get the goods? The buyer's own
   "received / not received" on opening, the reason they picked, their words and the
   tracking all vote; the tracking and the buyer's declaration weigh most.
2. **Class.** For logistics the tracking decides (no tracking, delivered, returned and
   where, held by customs and why, silent and for how long), the buyer's words break ties.
   For product the buyer's words decide (how do I use it, it arrived broken, 30 % and I
   cancel, I am an electrician, another colour than the listing, ordered by mistake), with
   the reason they picked, their photos and their history.

The thresholds and weights are ours [I], named below so a reviewer can argue with them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from disputekit.domain.buyers import (
    BLOCKLISTED_REASON,
    AbuseLevel,
    AbuseScore,
    BuyerHistory,
    abuse_score,
)
from disputekit.domain.carriers import ServiceKind, ShippingService
from disputekit.domain.language.cues import (
    CarrierCue,
    Cue,
    CueMatch,
    carrier_cues,
    find_cues,
    language_votes,
)
from disputekit.domain.stalls import LaneThresholds, StallState
from disputekit.domain.taxonomy import DisputeClass, Family, Flag, ReasonKind, reason_kind
from disputekit.domain.tracking import MainStatus, ReturnKind, Timeline, TrackEvent

__all__ = ["Classification", "DisputeFacts", "Override", "classify", "disagreements",
           "effective_class", "silence_before"]


@dataclass(frozen=True)
class DisputeFacts:
    """Everything the classifier may look at, as the platform exposes it.

    Money is in USD, as the platform states ``refund_money_max`` and ``product_price``.
    ``stall`` and ``silent_days`` describe the parcel when the dispute was opened (or now,
    if it has moved since): the class is about the situation the buyer disputed.
    """

    issue_id: int = 0
    reason: str = ""  # issue_reason, the buyer's chosen reason (English)
    reason_id: int | None = None
    issue_status: str = "processing"
    reverse_detail_status: str = "wait_for_seller_response"
    after_sale_warranty: bool = False
    created_at: datetime | None = None
    escalated: bool = False  # arbitration asked for or under way
    buyer_login_id: str = ""
    buyer_messages: tuple[str, ...] = ()  # the buyer's words, oldest first
    buyer_says_received: bool | None = None  # receive_goods on the buyer's opening
    buyer_photos: int = 0  # attachments the buyer added
    buyer_video: bool = False
    refund_asked: float | None = None  # the buyer's current plan, USD
    refund_max: float | None = None  # USD
    return_asked: bool = False  # the buyer's plan is return_and_refund
    product_name: str = ""
    product_id: int | None = None
    product_price: float | None = None  # USD, one unit
    order_value: float | None = None  # USD, the whole order
    country: str = ""  # the buyer's, ISO-2
    service: ShippingService | None = None
    receive_status: str = ""  # the shipped parcel's receive_status on the order
    unshipped_numbers: int = 0  # extra numbers on the order with no tracking at all
    timeline: Timeline | None = None
    stall: StallState | None = None
    silent_days: float | None = None
    history: BuyerHistory = field(default_factory=BuyerHistory)
    blocklisted: bool = False

    @property
    def reason_kind(self) -> ReasonKind:
        return reason_kind(self.reason, self.reason_id)

    @property
    def abuse(self) -> AbuseScore:
        """The buyer's abuse score; ``blocklisted`` was settled by the caller against the list."""
        if self.blocklisted:
            return AbuseScore(1.0, AbuseLevel.BLOCKLISTED, (BLOCKLISTED_REASON,))
        return abuse_score(self.history)


@dataclass(frozen=True)
class Classification:
    code: DisputeClass
    confidence: float  # 0..1: how far the evidence points to this class and no other
    reasons: tuple[str, ...]  # the deciding facts, strongest first, in the operator's words
    flags: tuple[Flag, ...] = ()
    runner_up: DisputeClass | None = None
    language: str = ""  # the buyer's language, when their words tell

    @property
    def family(self) -> Family:
        return self.code.family


def silence_before(timeline: Timeline, moment: datetime) -> float | None:
    """Days between the last tracking event at or before ``moment`` and ``moment``."""
    times = [e.at for e in timeline.events if e.at is not None and e.at <= moment]
    return (moment - max(times)).total_seconds() / 86400.0 if times else None


# ---------------------------------------------------------------------------------------------
# Evidence: weighted votes with the words that explain them
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Vote:
    target: DisputeClass | Family
    weight: float
    reason: str


@dataclass
class _Ballot:
    votes: list[_Vote] = field(default_factory=list)

    def add(self, target: DisputeClass | Family, weight: float, reason: str) -> None:
        self.votes.append(_Vote(target, weight, reason))

    def totals(self, targets: Iterable[DisputeClass | Family]) -> list[tuple[float, DisputeClass
                                                                            | Family]]:
        sums = {t: 0.0 for t in targets}
        for vote in self.votes:
            if vote.target in sums:
                sums[vote.target] += vote.weight
        return sorted(((w, t) for t, w in sums.items()), key=lambda item: -item[0])

    def reasons_for(self, target: DisputeClass | Family) -> list[str]:
        ranked = sorted((v for v in self.votes if v.target == target and v.weight > 0),
                        key=lambda v: -v.weight)
        seen: list[str] = []
        for vote in ranked:
            if vote.reason not in seen:
                seen.append(vote.reason)
        return seen


@dataclass(frozen=True)
class _Words:
    """The buyer's cues over all their messages: the first match of each."""

    matches: dict[Cue, CueMatch]
    language: str

    def has(self, *cues: Cue) -> bool:
        return any(c in self.matches for c in cues)

    def quote(self, *cues: Cue) -> str:
        quotes = [self.matches[c].quote() for c in cues if c in self.matches]
        return ", ".join(dict.fromkeys(quotes))


def _read_words(messages: Iterable[str]) -> _Words:
    matches: dict[Cue, CueMatch] = {}
    languages: Counter[str] = Counter()
    for text in messages:
        found = find_cues(text)
        for match in found:
            matches.setdefault(match.cue, match)
        languages.update(language_votes(text, found))
    language = languages.most_common(1)[0][0] if languages else ""
    return _Words(matches, language)


_PRODUCT_CUES = (Cue.NOT_WORKING, Cue.HOW_TO_USE, Cue.DAMAGED, Cue.NOT_AS_DESCRIBED,
                 Cue.LISTING_MISMATCH, Cue.INCOMPLETE_OR_FAKE, Cue.EXPERTISE,
                 Cue.EVIDENCE_CLAIM, Cue.RECEIVED)
_LOGISTICS_CUES = (Cue.NOT_RECEIVED, Cue.DELIVERED_NOT_RECEIVED, Cue.NO_TRACKING,
                   Cue.TRACKING_STUCK, Cue.LOST, Cue.LONG_WAIT, Cue.RETURNED, Cue.NOT_COLLECTED,
                   Cue.WRONG_ADDRESS, Cue.CUSTOMS, Cue.TAX_ID, Cue.REFUSES_DUTY, Cue.UNREACHABLE)

# Days of silence (reference tracking-api §4.2 defaults, all [I]); a lane's own thresholds
# come in through ``facts.stall`` when the caller computed it.
_DEFAULT_LANE = LaneThresholds()
# Standard lines promise delivery in roughly 15-45 days; a parcel still out after that and
# silent is more likely lost than late [I].
_OVERDUE_TRANSIT_DAYS = 45


# ---------------------------------------------------------------------------------------------
# Step 1: family
# ---------------------------------------------------------------------------------------------


def _family_votes(facts: DisputeFacts, words: _Words, ballot: _Ballot) -> None:
    said = facts.buyer_says_received
    if said is True:
        ballot.add(Family.PRODUCT, 3.0, "the buyer declared the goods received when opening")
    elif said is False:
        ballot.add(Family.LOGISTICS, 3.0, "the buyer declared the goods not received when opening")
    kind = facts.reason_kind
    if kind.family is not None and facts.reason:
        ballot.add(kind.family, 1.5, f"reason chosen: “{facts.reason}”")
    product = [c for c in _PRODUCT_CUES if words.has(c)]
    logistics = [c for c in _LOGISTICS_CUES if words.has(c)]
    if product:
        ballot.add(Family.PRODUCT, min(1.0 * len(product), 2.0),
                   f"the buyer wrote {words.quote(*product)}")
    if logistics:
        ballot.add(Family.LOGISTICS, min(1.0 * len(logistics), 2.0),
                   f"the buyer wrote {words.quote(*logistics)}")
    timeline = facts.timeline
    if timeline is not None and timeline.delivered and facts.receive_status != "suspected_received":
        ballot.add(Family.PRODUCT, 0.5, "tracking shows the parcel delivered")
    elif _untracked(facts) or (timeline is not None and not timeline.delivered):
        ballot.add(Family.LOGISTICS, 1.5, "tracking does not show the parcel delivered")
    if facts.receive_status == "received":
        ballot.add(Family.PRODUCT, 1.0, "the order records the goods as received")
    elif facts.receive_status in ("not_received", "suspected_received"):
        ballot.add(Family.LOGISTICS, 1.0,
                   f"the order records the goods as {facts.receive_status.replace('_', ' ')}")
    if facts.buyer_photos:
        ballot.add(Family.PRODUCT, 0.5, f"the buyer sent {facts.buyer_photos} photo(s)")


# ---------------------------------------------------------------------------------------------
# Step 2a: logistics classes (the tracking decides)
# ---------------------------------------------------------------------------------------------


def _untracked(facts: DisputeFacts) -> bool:
    timeline = facts.timeline
    if timeline is None or not timeline.events:
        return True
    # Unregistered post: an acceptance scan at most, which is not tracking worth the name.
    unregistered = facts.service is not None and facts.service.kind is ServiceKind.UNREGISTERED
    return unregistered and not timeline.delivered and len(timeline.events) <= 2


def _day(moment: datetime | None) -> str:
    return moment.strftime("%d %b %Y") if moment is not None else "an unknown date"


def _event_words(event: TrackEvent | None) -> str:
    if event is None:
        return "no event"
    where = f" in {event.location}" if event.location else ""
    return f"“{event.description}”{where} on {_day(event.at)}"


def _logistics_votes(facts: DisputeFacts, words: _Words, ballot: _Ballot) -> None:
    timeline = facts.timeline
    service = facts.service
    service_words = f"{service.name} ({service.kind})" if service is not None else "unknown"
    if _untracked(facts):
        kind = service.kind if service is not None else ServiceKind.UNKNOWN
        if kind is ServiceKind.UNREGISTERED:
            weight, detail = 4.0, "no tracking worth the name"
        elif kind is ServiceKind.UNKNOWN:
            weight, detail = 1.5, "no tracking events, and the service's kind is not known"
        else:
            weight, detail = 2.0, "shipped with tracking, yet the carrier never scanned it"
        ballot.add(DisputeClass.NO_TRACKING, weight, f"shipping service {service_words}: {detail}")
        if words.has(Cue.NO_TRACKING):
            ballot.add(DisputeClass.NO_TRACKING, 1.0,
                       f"the buyer wrote {words.quote(Cue.NO_TRACKING)}")
        return
    assert timeline is not None
    last = timeline.last_event
    said = _carrier_words(timeline)
    if timeline.delivered:
        signer = f", signed by {timeline.signed_by}" if timeline.signed_by else ""
        ballot.add(DisputeClass.DELIVERED_DISPUTED, 4.0,
                   f"tracking: delivered {_event_words(last)}{signer}")
        if facts.receive_status == "suspected_received":
            ballot.add(DisputeClass.DELIVERED_DISPUTED, 0.5,
                       "the order says the carrier delivered and the buyer disputes receipt")
        disputed = (Cue.DELIVERED_NOT_RECEIVED, Cue.WRONG_ADDRESS)
        if words.has(*disputed):
            ballot.add(DisputeClass.DELIVERED_DISPUTED, 0.5,
                       f"the buyer wrote {words.quote(*disputed)}")
        if facts.unshipped_numbers:
            ballot.add(DisputeClass.DELIVERED_DISPUTED, 0.2,
                       f"the order carries {facts.unshipped_numbers} extra tracking number(s) "
                       "never shipped (consolidated order): the weight record matters")
        return
    if timeline.returned is not None:
        _returned_votes(timeline.returned, last, said, ballot)
        return
    if timeline.lost or CarrierCue.LOST in said or CarrierCue.DESTROYED in said:
        ballot.add(DisputeClass.LOST, 4.0, f"the carrier reports it lost: {_event_words(last)}")
        return
    if timeline.customs_hold:
        _customs_votes(facts, timeline, words, said, ballot)
        return
    if (timeline.signed_at_station or CarrierCue.NOT_COLLECTED in said
            or CarrierCue.DELIVERY_FAILED in said
            or timeline.main_status in (MainStatus.AVAILABLE_FOR_PICKUP,
                                        MainStatus.DELIVERY_FAILURE)):
        ballot.add(DisputeClass.RETURNED_UNDELIVERED, 2.5,
                   f"waiting for the buyer to collect it: {_event_words(last)}; it goes back if "
                   "nobody collects it")
        return
    _silence_votes(facts, timeline, words, ballot)


def _carrier_words(timeline: Timeline) -> set[CarrierCue]:
    said: set[CarrierCue] = set()
    for event in timeline.events[-4:]:  # what the carrier said lately, not at the start
        said.update(carrier_cues(event.description))
    return said


_RETURN_CLASS = {
    ReturnKind.BEFORE_EXPORT: DisputeClass.RETURNED_BEFORE_EXPORT,
    ReturnKind.IN_DESTINATION: DisputeClass.RETURNED_IN_COUNTRY,
    ReturnKind.AFTER_FAILED_DELIVERY: DisputeClass.RETURNED_UNDELIVERED,
}
_RETURN_WORDS = {
    ReturnKind.BEFORE_EXPORT: "before it left the origin country",
    ReturnKind.IN_DESTINATION: "after reaching the destination country, before any delivery",
    ReturnKind.AFTER_FAILED_DELIVERY: "after a delivery attempt or a wait at a pickup point",
}


def _returned_votes(kind: ReturnKind, last: TrackEvent | None, said: set[CarrierCue],
                    ballot: _Ballot) -> None:
    code = _RETURN_CLASS[kind]
    ballot.add(code, 4.0, f"tracking: returned {_RETURN_WORDS[kind]}; last {_event_words(last)}")
    # A destination return after customs refused it is the textbook "returned in country".
    if kind is ReturnKind.IN_DESTINATION and CarrierCue.NOT_COLLECTED in said:
        ballot.add(DisputeClass.RETURNED_UNDELIVERED, 4.5,
                   "the carrier says nobody collected it in time")


def _customs_votes(facts: DisputeFacts, timeline: Timeline, words: _Words,
                   said: set[CarrierCue], ballot: _Ballot) -> None:
    hold = next((e for e in reversed(timeline.events)
                 if e.sub_status in ("Exception_Security", "InTransit_CustomsRequiringInformation",
                                     "DeliveryFailure_Security")), timeline.last_event)
    stage = hold.stage if hold is not None else ""
    where = _event_words(hold)
    if CarrierCue.REFUSED_ENTRY in said and not timeline.buyer_must_act:
        before_export = stage.startswith("CC_EX")
        code = (DisputeClass.RETURNED_BEFORE_EXPORT if before_export
                else DisputeClass.RETURNED_IN_COUNTRY)
        ballot.add(code, 3.0, f"customs refused the parcel: {where}; it will come back")
        return
    if CarrierCue.RECIPIENT_UNREACHABLE in said or timeline.buyer_unreachable:
        ballot.add(DisputeClass.CUSTOMS_BUYER_UNREACHABLE, 3.5,
                   f"held at customs, which cannot reach the buyer: {where}")
    if timeline.buyer_must_act or CarrierCue.RECIPIENT_DOCS in said:
        ballot.add(DisputeClass.CUSTOMS_BUYER_NO_DOCS, 3.0,
                   f"held at customs, waiting for the buyer's documents or duty: {where}")
    else:
        ballot.add(DisputeClass.CUSTOMS_BUYER_NO_DOCS, 1.0, f"held at customs: {where}")
    if words.has(Cue.TAX_ID, Cue.REFUSES_DUTY):
        ballot.add(DisputeClass.CUSTOMS_BUYER_NO_DOCS, 1.0,
                   f"the buyer wrote {words.quote(Cue.TAX_ID, Cue.REFUSES_DUTY)}")
    if words.has(Cue.UNREACHABLE):
        ballot.add(DisputeClass.CUSTOMS_BUYER_UNREACHABLE, 1.5,
                   f"the buyer wrote {words.quote(Cue.UNREACHABLE)}")
    value = facts.order_value
    if value is not None and value >= 50:
        ballot.add(DisputeClass.CUSTOMS_BUYER_NO_DOCS, 0.2,
                   f"a high-value order (USD {value:.2f}) to {facts.country or 'its country'}")


def _silence_votes(facts: DisputeFacts, timeline: Timeline, words: _Words,
                   ballot: _Ballot) -> None:
    last = timeline.last_event
    silent = facts.silent_days
    if silent is None and facts.created_at is not None:
        silent = silence_before(timeline, facts.created_at)
    stall = facts.stall
    if stall is None or stall is StallState.TERMINAL:
        stall = _stall_from_silence(silent)
    days = f"{silent:.0f} days" if silent is not None else "a long time"
    if stall is StallState.PRESUMED_LOST:
        ballot.add(DisputeClass.LOST, 3.0,
                   f"no tracking update for {days} before the dispute (presumed lost after "
                   f"{_DEFAULT_LANE.presumed_lost_days:.0f}); last {_event_words(last)}")
        ballot.add(DisputeClass.STALLED_IN_TRANSIT, 1.5,
                   f"in transit, not returned, silent for {days}")
    elif stall is StallState.NO_PICKUP:
        ballot.add(DisputeClass.NO_TRACKING, 2.5,
                   f"the carrier never picked it up: only {_event_words(last)}")
    elif stall is StallState.STALLED:
        ballot.add(DisputeClass.STALLED_IN_TRANSIT, 3.5,
                   f"in transit, no update for {days}, not returned; last {_event_words(last)}")
        age = _transit_days(timeline, facts.created_at)
        if age is not None and age >= _OVERDUE_TRANSIT_DAYS:
            ballot.add(DisputeClass.LOST, 2.0,
                       f"{age:.0f} days in transit when the dispute opened, longer than the "
                       "line promises, and silent")
    else:
        ballot.add(DisputeClass.STALLED_IN_TRANSIT, 2.0,
                   f"still moving: last {_event_words(last)} ({days} before the dispute)")
    if words.has(Cue.TRACKING_STUCK):
        ballot.add(DisputeClass.STALLED_IN_TRANSIT, 0.5,
                   f"the buyer wrote {words.quote(Cue.TRACKING_STUCK)}")
    # The buyer may know what the seller cannot see (their post office gave up on it): an
    # explicit "it is lost" outweighs a guess from the length of the silence, not a scan.
    if words.has(Cue.LOST):
        ballot.add(DisputeClass.LOST, 3.75, f"the buyer says it is lost: {words.quote(Cue.LOST)}")
    if words.has(Cue.LONG_WAIT):
        ballot.add(DisputeClass.LOST, 1.0,
                   f"the buyer has waited months: {words.quote(Cue.LONG_WAIT)}")


def _transit_days(timeline: Timeline, opened: datetime | None) -> float | None:
    times = [e.at for e in timeline.events if e.at is not None]
    if not times or opened is None:
        return None
    return (opened - min(times)).total_seconds() / 86400.0


def _stall_from_silence(silent: float | None) -> StallState:
    if silent is None:
        return StallState.MOVING
    if silent >= _DEFAULT_LANE.presumed_lost_days:
        return StallState.PRESUMED_LOST
    if silent >= _DEFAULT_LANE.stalled_days:
        return StallState.STALLED
    return StallState.MOVING


# ---------------------------------------------------------------------------------------------
# Step 2b: product classes (the buyer's words decide)
# ---------------------------------------------------------------------------------------------


def _product_votes(facts: DisputeFacts, words: _Words, abuse: AbuseScore,
                   ballot: _Ballot) -> None:
    _extortion_votes(facts, words, ballot)
    if words.has(Cue.HOW_TO_USE):
        ballot.add(DisputeClass.BUYER_MISUSE, 3.0,
                   f"the buyer asks how to use it: {words.quote(Cue.HOW_TO_USE)}")
    # "It does not work" with nothing else is most often a buyer who has not found out how.
    ballot.add(DisputeClass.BUYER_MISUSE, 0.4, "the commonest product case")
    if words.has(Cue.NOT_WORKING) and not words.has(Cue.DAMAGED, Cue.EVIDENCE_CLAIM):
        ballot.add(DisputeClass.BUYER_MISUSE, 0.8,
                   f"says it does not work ({words.quote(Cue.NOT_WORKING)}) and describes no "
                   "visible fault")
    _listing_votes(facts, words, ballot)
    _own_reason_votes(facts, words, ballot)
    _defect_votes(facts, words, abuse, ballot)
    _abuse_votes(facts, words, abuse, ballot)


# A fault, a usage question or a missing part says more than the reason's label: a buyer who
# writes "it does not work" under "Not as described" has no listing mismatch to show.
_FAULT_CUES = (Cue.NOT_WORKING, Cue.HOW_TO_USE, Cue.DAMAGED, Cue.INCOMPLETE_OR_FAKE)


def _listing_votes(facts: DisputeFacts, words: _Words, ballot: _Ballot) -> None:
    """Not as described: another colour, size or model than the listing shows. A missing
    part, a fake or an empty box is not (``INCOMPLETE_OR_FAKE``: a defect or a staged claim);
    nor is the buyer's own wrong choice (``PERSONAL_REASON``)."""
    if words.has(Cue.LISTING_MISMATCH):
        ballot.add(DisputeClass.NOT_AS_DESCRIBED, 3.0,
                   f"differs from the listing: {words.quote(Cue.LISTING_MISMATCH)}")
    elif words.has(Cue.NOT_AS_DESCRIBED) and not words.has(Cue.INCOMPLETE_OR_FAKE):
        ballot.add(DisputeClass.NOT_AS_DESCRIBED, 1.5,
                   f"not as described: {words.quote(Cue.NOT_AS_DESCRIBED)}")
    if facts.reason_kind is ReasonKind.SNAD_DESCRIPTION:
        faults = words.has(*_FAULT_CUES)
        ballot.add(DisputeClass.NOT_AS_DESCRIBED, 0.5 if faults else 2.0,
                   f"reason chosen: “{facts.reason}”" + (" (yet the buyer describes a fault "
                                                          "or a usage problem)" if faults else ""))


def _own_reason_votes(facts: DisputeFacts, words: _Words, ballot: _Ballot) -> None:
    """The buyer's own reason (the platform's third category, flagged buyer_personal_reason):
    ordered by mistake, no longer needed. A fault they also describe weakens it."""
    faults = words.has(Cue.NOT_WORKING, Cue.DAMAGED, Cue.INCOMPLETE_OR_FAKE)
    weight = 1.25 if faults else 2.5
    if facts.reason_kind is ReasonKind.BUYER_PERSONAL:
        ballot.add(DisputeClass.BUYER_OWN_REASON, weight,
                   f"the buyer's own reason chosen: “{facts.reason}”")
    if words.has(Cue.PERSONAL_REASON):
        ballot.add(DisputeClass.BUYER_OWN_REASON, weight,
                   f"the buyer's own reason, no fault claimed: "
                   f"{words.quote(Cue.PERSONAL_REASON)}")


def _extortion_votes(facts: DisputeFacts, words: _Words, ballot: _Ballot) -> None:
    money = words.has(Cue.MONEY_DEMAND)
    if money and words.has(Cue.CANCEL_OFFER, Cue.THREAT):
        ballot.add(DisputeClass.EXTORTION, 4.0, "trades cancellation for money: "
                   f"{words.quote(Cue.MONEY_DEMAND, Cue.CANCEL_OFFER, Cue.THREAT)}")
    elif money:
        ballot.add(DisputeClass.EXTORTION, 1.5,
                   f"names a sum to settle: {words.quote(Cue.MONEY_DEMAND)}")
    elif words.has(Cue.CANCEL_OFFER, Cue.THREAT):
        ballot.add(DisputeClass.EXTORTION, 0.8,
                   f"bargains with the dispute itself: {words.quote(Cue.CANCEL_OFFER, Cue.THREAT)}")
    if facts.history.money_demands and (money or words.has(Cue.CANCEL_OFFER)):
        ballot.add(DisputeClass.EXTORTION, 0.5,
                   f"asked for money to cancel in {facts.history.money_demands} earlier "
                   "dispute(s)")


def _defect_votes(facts: DisputeFacts, words: _Words, abuse: AbuseScore,
                  ballot: _Ballot) -> None:
    if words.has(Cue.DAMAGED):
        ballot.add(DisputeClass.GENUINE_DEFECT, 2.0,
                   f"describes physical damage: {words.quote(Cue.DAMAGED)}")
    if words.has(Cue.INCOMPLETE_OR_FAKE):
        ballot.add(DisputeClass.GENUINE_DEFECT, 2.0,
                   f"parts missing, a fake or an empty box: "
                   f"{words.quote(Cue.INCOMPLETE_OR_FAKE)}")
    if facts.buyer_photos:
        ballot.add(DisputeClass.GENUINE_DEFECT, 0.6,
                   f"the buyer's {facts.buyer_photos} photo(s) to check")
        if words.has(Cue.DAMAGED):
            # "You can see it in the picture": a photo of visible damage is the real thing.
            ballot.add(DisputeClass.GENUINE_DEFECT, 1.0, "photos of a visible fault")
    if facts.buyer_video:
        ballot.add(DisputeClass.GENUINE_DEFECT, 0.2, "the buyer sent a video")
    kind = facts.reason_kind
    if kind in (ReasonKind.SNAD_DAMAGED, ReasonKind.SNAD_EMPTY_PACKAGE,
                ReasonKind.SNAD_QUANTITY_MISSING_PARTS, ReasonKind.SNAD_COUNTERFEIT):
        ballot.add(DisputeClass.GENUINE_DEFECT, 0.6, f"reason chosen: “{facts.reason}”")
    if abuse.level is AbuseLevel.NONE and (facts.buyer_photos or words.has(Cue.DAMAGED)):
        ballot.add(DisputeClass.GENUINE_DEFECT, 0.3, "no earlier disputes from this buyer")


def _abuse_votes(facts: DisputeFacts, words: _Words, abuse: AbuseScore,
                 ballot: _Ballot) -> None:
    if words.has(Cue.EXPERTISE):
        ballot.add(DisputeClass.DELIBERATE_ABUSE, 2.5,
                   f"claims to know the product well: {words.quote(Cue.EXPERTISE)}")
    if words.has(Cue.EVIDENCE_CLAIM):
        ballot.add(DisputeClass.DELIBERATE_ABUSE, 2.0,
                   f"argues like a case file, not a user: {words.quote(Cue.EVIDENCE_CLAIM)}")
    if words.has(Cue.REFUND_ONLY):
        ballot.add(DisputeClass.DELIBERATE_ABUSE, 1.0,
                   f"wants the money, not help or a return: {words.quote(Cue.REFUND_ONLY)}")
    if (facts.buyer_video and words.has(Cue.NOT_WORKING, Cue.NOT_AS_DESCRIBED)
            and not words.has(Cue.DAMAGED, Cue.HOW_TO_USE)):
        # The article: the abuser "provides the video"; a staged fault shows in a video, not
        # in a photo. Answer with your own video.
        ballot.add(DisputeClass.DELIBERATE_ABUSE, 0.8,
                   "a video of a fault no photo shows: check it is not staged")
    if abuse.level is not AbuseLevel.NONE:
        ballot.add(DisputeClass.DELIBERATE_ABUSE, 3.0 * abuse.score,
                   f"buyer history: {'; '.join(abuse.reasons)}")


# ---------------------------------------------------------------------------------------------
# The verdict
# ---------------------------------------------------------------------------------------------

_LOGISTICS = tuple(c for c in DisputeClass if c.family is Family.LOGISTICS)
_PRODUCT = tuple(c for c in DisputeClass if c.family is Family.PRODUCT)


def classify(facts: DisputeFacts) -> Classification:
    """The dispute's class, a confidence, the deciding facts and the platform's flags.

    >>> facts = DisputeFacts(reason="Item does not work", buyer_says_received=True,
    ...                      buyer_messages=("How do I turn it on? No instructions",))
    >>> result = classify(facts)
    >>> result.code, result.family
    (<DisputeClass.BUYER_MISUSE: 'buyer_misuse'>, <Family.PRODUCT: 'product'>)
    >>> result.reasons[0]
    'the buyer asks how to use it: “How do I turn it on?”'
    """
    words = _read_words(facts.buyer_messages)
    abuse = facts.abuse
    ballot = _Ballot()
    _family_votes(facts, words, ballot)
    (family_weight, family), (other_weight, _) = ballot.totals(list(Family))
    assert isinstance(family, Family)
    if family_weight == 0:  # nothing at all to go on: a dispute is "not received" by default
        family = Family.LOGISTICS
    classes = _LOGISTICS if family is Family.LOGISTICS else _PRODUCT
    if family is Family.LOGISTICS:
        _logistics_votes(facts, words, ballot)
    else:
        _product_votes(facts, words, abuse, ballot)
    ranked = ballot.totals(classes)
    (top_weight, top), (second_weight, second) = ranked[0], ranked[1]
    assert isinstance(top, DisputeClass) and isinstance(second, DisputeClass)
    family_share = (family_weight + 0.5) / (family_weight + other_weight + 1.0)
    class_share = (top_weight + 0.25) / (top_weight + second_weight + 0.75)
    confidence = round(max(0.05, min(0.99, family_share * class_share)), 2)
    reasons = ballot.reasons_for(top) + ballot.reasons_for(family)[:2]
    return Classification(
        code=top,
        confidence=confidence,
        reasons=tuple(dict.fromkeys(reasons)),
        flags=_flags(facts, top, words),
        runner_up=second if second_weight > 0 else None,
        language=words.language,
    )


def _flags(facts: DisputeFacts, code: DisputeClass, words: _Words) -> tuple[Flag, ...]:
    flags: list[Flag] = []
    if facts.after_sale_warranty:
        flags.append(Flag.AFTER_SALE_WARRANTY)
    own = code is DisputeClass.BUYER_OWN_REASON
    if own or facts.reason_kind is ReasonKind.BUYER_PERSONAL or (
            words.has(Cue.PERSONAL_REASON) and code.family is Family.PRODUCT
            and not words.has(Cue.NOT_WORKING, Cue.DAMAGED)):
        flags.append(Flag.BUYER_PERSONAL_REASON)
    if (code.family is Family.LOGISTICS and facts.service is not None
            and facts.service.kind is ServiceKind.PLATFORM):
        flags.append(Flag.PLATFORM_LOGISTICS)
    if facts.escalated:
        flags.append(Flag.ESCALATED)
    return tuple(flags)


# ---------------------------------------------------------------------------------------------
# Operators' overrides
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Override:
    """An operator's correction of a class: who, why and when. It wins everywhere."""

    code: DisputeClass
    by: str
    why: str
    at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.by.strip():
            raise ValueError("an override needs the operator's name (by=...), for the audit")
        if not self.why.strip():
            raise ValueError("an override needs a reason (why=...): the next operator reads it")


def effective_class(rule: Classification | DisputeClass, override: Override | None
                    ) -> DisputeClass:
    """The class every view uses: the operator's when there is one, else the rules'.

    ``rule`` is the rules' classification or only its class (what a stored triage keeps).
    :func:`disputekit.services.assessment.effective_class` applies it to stored disputes.
    """
    if override is not None:
        return override.code
    return rule.code if isinstance(rule, Classification) else DisputeClass(rule)


@dataclass(frozen=True)
class Disagreement:
    """How often the rules said one class and the operators another."""

    rule: DisputeClass
    operator: DisputeClass
    count: int
    examples: tuple[str, ...]  # the operators' reasons, a few


def disagreements(
    pairs: Iterable[tuple[Classification, Override | None]], *, examples: int = 3
) -> tuple[Disagreement, ...]:
    """Where the rules and the operators disagree, most frequent first.

    Pairs without an override, or whose override confirms the rules, are agreements.
    """
    counts: dict[tuple[DisputeClass, DisputeClass], list[str]] = {}
    for rule, override in pairs:
        if override is None or override.code is rule.code:
            continue
        counts.setdefault((rule.code, override.code), []).append(override.why)
    ranked = sorted(counts.items(), key=lambda item: (-len(item[1]), item[0][0], item[0][1]))
    return tuple(Disagreement(rule, operator, len(whys), tuple(whys[:examples]))
                 for (rule, operator), whys in ranked)
