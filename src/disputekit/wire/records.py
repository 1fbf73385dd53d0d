"""Wire records into the core's facts: one dispute as the platform sends it, read for triage.

A record is the platform's own JSON for one dispute, its order and its parcel; this module
reads it into ``DisputeFacts`` and ``Timers`` and asks ``domain.triage.verdict`` for the
verdict. The stored-dispute assessment builds the same records from what the sync kept, and
the ``triage`` command reads them from JSON lines. Each input line is one object::

    {"dispute": {...},        # aliexpress.issue.detail.get result_object (wire names)
     "order": {...},          # aliexpress.solution.order.info.get result.data (wire names)
     "tracking": {"source": "aliexpress", "details": [...]}      # querytrackingresult
              or {"source": "17track", "track_info": {...}},     # gettrackinfo accepted[]
              (aliexpress with a track_info too: both sources, merged event by event)
     "buyer_history": {"orders": 3, "disputes": 2}}              # optional, all stores

The platform's parts are read as either envelope sends them: plain lists (``simplify=true``)
or lists wrapped in one-key objects, ``{}`` for an empty one (``simplify=false``), and a
whole answer (``{"aliexpress_issue_detail_get_response": {"result_object": {...}}}``) as
well as its result. The order may be keyed ``id`` or ``order_id``. Fields the verdict does
not read are ignored, and missing ones are not needed: a line is refused only when it
cannot be classified (no dispute, no ``gmt_create``, no status, no id to report it under)
or when a field is there with a value that cannot be read.

and each output line repeats the dispute's ``issue_id`` and adds the class, its family and
confidence, the reasons, the response deadline (UTC, ISO 8601), hours left, urgency, when
the platform intervenes and what happens if nobody acts, the options with their expected
cost, and the recommended action. A line that cannot be read becomes
``{"line": n, "error": "..."}`` naming the field, and the other lines are still triaged.
``examples/README.md`` documents the format with an example file.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from disputekit.domain.buyers import BuyerHistory, blocklisted
from disputekit.domain.carriers import ShippingService, service_for
from disputekit.domain.classify import Classification, DisputeFacts, classify, silence_before
from disputekit.domain.deadlines import BUYER_CHANGES, EscalationRule
from disputekit.domain.decisions import CostModel
from disputekit.domain.language.cues import bounded
from disputekit.domain.stalls import StallState, stall_state, thresholds_for
from disputekit.domain.taxonomy import DisputeClass
from disputekit.domain.tracking import (
    Timeline,
    from_17track,
    from_aliexpress,
    merge_sources,
)
from disputekit.domain.triage import Timers, verdict
from disputekit.errors import MalformedPayloadError, TriageInputError
from disputekit.wire import decoding
from disputekit.wire.envelope import as_list
from disputekit.wire.payloads import (
    DisputeRecord,
    LogisticInfo,
    OrderRecord,
    ProcessRecord,
    SolutionRecord,
)

__all__ = ["classification_of", "facts_from_record", "timers_of", "triage_lines",
           "triage_record"]

_ESCALATIONS = frozenset({"buyer_initiate_arbitration", "seller_initiate_arbitration",
                          "platform_force_reach", "judgment_for_cc"})
_PLATFORM_STATUSES = frozenset({"wait_for_AE_feedback", "wait_for_final_solution",
                                "wait_ae_final_feedback"})

M = TypeVar("M", bound=BaseModel)


# ---------------------------------------------------------------------------------------------
# Reading one line
# ---------------------------------------------------------------------------------------------


# Where a result sits inside a whole answer: ``<method>_response`` (simplify=false), then
# ``result_object`` (issue detail), ``result`` and ``data`` or ``target`` (order detail).
_RESULT_KEYS = ("result_object", "result", "data", "target")
# Keys that only the result itself has: seeing one, the reader stops descending.
_OWN_KEYS = frozenset({"id", "order_id", "issue_id", "gmt_create", "issue_status",
                       "logistic_info_list", "details", "track_info"})


def _result(data: Any) -> Any:
    """The result inside a whole platform answer, or ``data`` itself when it is one."""
    for _ in range(4):  # response -> result -> data at most; never loops on odd input
        if not isinstance(data, Mapping) or _OWN_KEYS & set(data):
            return data
        response = [k for k in data if isinstance(k, str) and k.endswith("_response")]
        inner = [k for k in _RESULT_KEYS if isinstance(data.get(k), Mapping)]
        if len(response) == 1 and isinstance(data[response[0]], Mapping):
            data = data[response[0]]
        elif inner:
            data = data[inner[0]]
        else:
            return data
    return data


def _validate(model: type[M], data: Any, name: str) -> M:
    data = _result(data)
    if not isinstance(data, Mapping):
        raise TriageInputError(
            f"field '{name}' must be a JSON object, got {type(data).__name__}", field=name)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join([name, *(str(p) for p in first["loc"])])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        message = str(first["msg"]).removeprefix("Value error, ")
        raise TriageInputError(f"field '{where}': {message}{more}", field=where) from None


def _history(data: Any) -> BuyerHistory:
    if data is None:
        return BuyerHistory()
    if not isinstance(data, Mapping):
        raise TriageInputError("field 'buyer_history' must be an object like "
                               '{"orders": 3, "disputes": 2}', field="buyer_history")
    known = {"orders", "disputes", "delivered_disputed", "money_demands", "stores"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise TriageInputError(f"field 'buyer_history.{unknown[0]}' is not known; use "
                               f"{', '.join(sorted(known))}", field=f"buyer_history.{unknown[0]}")
    try:
        return BuyerHistory(**{k: data[k] for k in data})
    except ValueError as exc:
        raise TriageInputError(f"field 'buyer_history': {exc}", field="buyer_history") from None


def _source(data: Mapping[str, Any]) -> Any:
    """The tracking's ``source``; when absent, the one its keys show."""
    if "source" in data:
        return data["source"]
    if "details" in data:
        return "aliexpress"
    if "track_info" in data or "tracking" in data or "latest_status" in data:
        return "17track"
    raise TriageInputError("field 'tracking.source' is missing: say \"aliexpress\" (with "
                           "'details') or \"17track\" (with 'track_info')",
                           field="tracking.source")


def _timeline(data: Any, order: OrderRecord | None) -> Timeline | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise TriageInputError("field 'tracking' must be an object with a 'source'",
                               field="tracking")
    # A whole querytrackingresult answer beside "source": its result, with the outer keys
    # (source, logistics_no) kept.
    outer = {k: v for k, v in data.items() if not (isinstance(k, str) and k.endswith("_response"))}
    data = {**outer, **_result(data)}
    source = _source(data)
    fallback_no = order.logistic_info_list[0].logistics_no if order and \
        order.logistic_info_list else ""
    if source == "aliexpress":
        details = as_list(data.get("details"))
        if not isinstance(details, list):
            raise TriageInputError("field 'tracking.details' must be the list querytrackingresult "
                                   "returns (may be empty)", field="tracking.details")
        number = str(data.get("logistics_no") or fallback_no)
        platform = from_aliexpress(number, [d for d in details if isinstance(d, Mapping)])
        second = data.get("track_info")  # 17TRACK's beside it: one timeline, event by event
        if second is None:
            return platform
        if not isinstance(second, Mapping):
            raise TriageInputError("field 'tracking.track_info' must be the object 17TRACK's "
                                   "gettrackinfo returns for the number",
                                   field="tracking.track_info")
        return merge_sources(platform, from_17track(second, number))
    if source == "17track":
        info = data.get("track_info")
        if "track_info" not in data and ("tracking" in data or "latest_status" in data):
            info = data  # the track_info object itself, without its wrapper
        if not isinstance(info, Mapping):
            raise TriageInputError("field 'tracking.track_info' must be the track_info object "
                                   "gettrackinfo returns", field="tracking.track_info")
        return from_17track(info, str(data.get("number") or fallback_no))
    raise TriageInputError(f"field 'tracking.source' must be \"aliexpress\" or \"17track\", got "
                           f"{source!r}", field="tracking.source")


# ---------------------------------------------------------------------------------------------
# Wire -> facts
# ---------------------------------------------------------------------------------------------


def _buyer_processes(detail: DisputeRecord) -> list[ProcessRecord]:
    steps = [p for p in detail.process_dto_list if p.submit_member_type == "buyer"]
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(steps, key=lambda p: p.gmt_create or floor)


def _buyer_messages(detail: DisputeRecord) -> tuple[str, ...]:
    """The buyer's words, each cut once to what the cues read (``cues.bounded``): the facts
    carry no megabyte text for every later reading (classification, language) to walk."""
    texts = [p.content for p in _buyer_processes(detail)]
    texts += [s.content for s in detail.buyer_solution_list]
    return tuple(dict.fromkeys(bounded(t).strip() for t in texts if t and t.strip()))


def _current_plan(detail: DisputeRecord) -> SolutionRecord | None:
    live = [s for s in detail.buyer_solution_list if s.status not in ("reach_cancle",)]
    plans = live or list(detail.buyer_solution_list)
    defaults = [s for s in plans if s.is_default]
    floor = datetime.min.replace(tzinfo=UTC)
    return max(defaults or plans, key=lambda s: s.gmt_create or floor, default=None)


def _shipped(order: OrderRecord | None,
             timeline: Timeline | None) -> tuple[LogisticInfo | None, int]:
    """The parcel the dispute is about, and how many other numbers on the order never moved."""
    if order is None or not order.logistic_info_list:
        return None, 0
    entries = order.logistic_info_list
    number = timeline.logistics_no if timeline is not None else ""
    chosen = next((e for e in entries if number and e.logistics_no == number), entries[0])
    unshipped = sum(1 for e in entries if e is not chosen and not e.have_tracking_info)
    return chosen, unshipped


def _service(entry: LogisticInfo | None) -> ShippingService | None:
    if entry is None:
        return None
    return service_for(entry.logistics_type_code or None, entry.logistics_service_name or None)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def facts_from_record(
    obj: Mapping[str, Any],
    now: datetime,
    *,
    blocklist: Collection[str] = frozenset(),
    lane_overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[DisputeFacts, DisputeRecord]:
    """Read one input object into the classifier's facts (and the parsed dispute)."""
    if not isinstance(obj, Mapping):
        raise TriageInputError("the line must be a JSON object with 'dispute', 'order' and "
                               "'tracking'", field="(line)")
    if "dispute" not in obj:
        raise TriageInputError("field 'dispute' is missing: put the result_object of "
                               "aliexpress.issue.detail.get there", field="dispute")
    detail = _validate(DisputeRecord, obj["dispute"], "dispute")
    if detail.gmt_create is None:
        raise TriageInputError("field 'dispute.gmt_create' is missing: the opening time is "
                               "needed for the deadline", field="dispute.gmt_create")
    issue_id = _issue_id(detail)
    if issue_id is None:
        raise TriageInputError("field 'dispute.id' is missing: put the dispute's issue id in "
                               "'id' or 'issue_id', so the verdict can be told apart",
                               field="dispute.id")
    order = _validate(OrderRecord, obj["order"], "order") if obj.get("order") is not None \
        else None
    timeline = _timeline(obj.get("tracking"), order)
    history = _history(obj.get("buyer_history"))
    entry, unshipped = _shipped(order, timeline)
    service = _service(entry)
    country = order.buyer_info.country if order is not None else ""
    stall, silent = _parcel_state(timeline, detail.gmt_create, now, entry, service, country,
                                  lane_overrides)
    processes = _buyer_processes(detail)
    opening = next((p for p in processes if p.action_type == "initiate"), None)
    said = opening.receive_goods if opening is not None else next(
        (p.receive_goods for p in processes if p.receive_goods is not None), None)
    plan = _current_plan(detail)
    escalated = (detail.reverse_detail_status in _PLATFORM_STATUSES
                 or any(p.action_type in _ESCALATIONS for p in detail.process_dto_list))
    photos = sum(1 for p in detail.process_dto_list for a in p.attachments
                 if a.owner == "buyer" or (not a.owner and p.submit_member_type == "buyer"))
    order_value = order.order_amount.amount if order is not None and order.order_amount else None
    facts = DisputeFacts(
        issue_id=issue_id,
        reason=detail.issue_reason,
        reason_id=detail.issue_reason_id,
        issue_status=detail.issue_status,
        reverse_detail_status=detail.reverse_detail_status,
        after_sale_warranty=detail.after_sale_warranty,
        created_at=detail.gmt_create,
        escalated=escalated,
        buyer_login_id=detail.buyer_login_id,
        buyer_messages=_buyer_messages(detail),
        buyer_says_received=said,
        buyer_photos=photos,
        buyer_video=any(p.has_buyer_video for p in detail.process_dto_list),
        refund_asked=_float(plan.refund_money_post) if plan is not None else None,
        refund_max=_float(detail.refund_money_max),
        return_asked=plan is not None and plan.solution_type == "return_and_refund",
        product_name=detail.product_name,
        product_id=detail.product_id,
        product_price=_float(detail.product_price),
        order_value=_float(order_value),
        country=country,
        service=service,
        receive_status=entry.receive_status if entry is not None else "",
        unshipped_numbers=unshipped,
        timeline=timeline,
        stall=stall,
        silent_days=silent,
        history=history,
        blocklisted=blocklisted(detail.buyer_login_id, blocklist),
    )
    return facts, detail


def _parcel_state(
    timeline: Timeline | None,
    opened: datetime,
    now: datetime,
    entry: LogisticInfo | None,
    service: ShippingService | None,
    country: str,
    lane_overrides: Mapping[str, Mapping[str, Any]] | None,
) -> tuple[StallState | None, float | None]:
    """Where the parcel stood, and for how many silent days, when the dispute was opened.

    The class is about the situation the buyer disputed, so a closed case read months later
    keeps its class; a parcel that moved after the opening is read as it is now.
    """
    if timeline is None or not timeline.events:
        return None, None
    moved_since = any(e.at is not None and e.at > opened for e in timeline.events)
    as_of = now if moved_since else opened
    lane = thresholds_for(service.carrier if service else timeline.carrier,
                          country or timeline.destination_country, lane_overrides)
    shipped_at = entry.gmt_send if entry is not None else None
    return (stall_state(timeline, lane, as_of, shipped_at=shipped_at),
            silence_before(timeline, as_of))


def _issue_id(detail: DisputeRecord) -> int | None:
    """The list-level issue id: an explicit ``issue_id``, else the nested lists', else ``id``.

    In one captured sample ``result_object.id`` differed from the ``issue_id`` inside the
    nested lists (reference §4.2), so the nested one is trusted over ``id``.
    """
    if detail.issue_id is not None:
        return detail.issue_id
    nested = [s.issue_id for s in detail.buyer_solution_list if s.issue_id]
    return nested[0] if nested else detail.id


# ---------------------------------------------------------------------------------------------
# Triage
# ---------------------------------------------------------------------------------------------


def triage_record(
    obj: Mapping[str, Any],
    now: datetime,
    cost_model: CostModel | None = None,
    *,
    blocklist: Collection[str] = frozenset(),
    escalation_rule: EscalationRule = EscalationRule.CURRENT,
    lane_overrides: Mapping[str, Mapping[str, Any]] | None = None,
    dispute_class: DisputeClass | None = None,
) -> dict[str, Any]:
    """Triage one input object; raises ``TriageInputError`` naming the field on bad input.
    ``dispute_class``: an operator's correction, which the advice is then priced for."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC), e.g. 2026-11-28T00:00:00Z")
    facts, detail = facts_from_record(obj, now, blocklist=blocklist,
                                      lane_overrides=lane_overrides)
    return verdict(facts, timers_of(detail), now, cost_model, escalation_rule=escalation_rule,
                   dispute_class=dispute_class)


def timers_of(detail: DisputeRecord) -> Timers:
    """The platform's clock of one dispute, as the deadline rules read it."""
    assert detail.gmt_create is not None  # checked in facts_from_record
    last_change = max((p.gmt_create for p in _buyer_processes(detail)
                       if p.action_type in BUYER_CHANGES and p.gmt_create is not None),
                      default=None)
    return Timers(issue_status=detail.issue_status, created_at=detail.gmt_create,
                  timeout_trigger_at=detail.timeout_trigger_time,
                  reverse_detail_status=detail.reverse_detail_status,
                  timeout_type=detail.timeout_type, last_buyer_change_at=last_change)


def triage_lines(
    lines: Iterable[str | bytes],
    now: datetime,
    cost_model: CostModel | None = None,
    *,
    blocklist: Collection[str] = frozenset(),
    escalation_rule: EscalationRule = EscalationRule.CURRENT,
    lane_overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Iterator[dict[str, Any]]:
    """Triage JSON lines; a bad line yields ``{"line": n, "error": ...}`` and the rest go on.

    Blank lines are skipped; line numbers count from 1 as an editor shows them. Lines may
    be bytes (a file opened in binary): each is decoded as UTF-8 on its own, so one line
    saved in another encoding is refused alone.
    """
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield {"line": number, "error": f"not UTF-8 text (byte {exc.start + 1} of the "
                       "line); save the file as UTF-8", "field": "(line)"}
                continue
        else:
            line = raw
        if not line.strip():
            continue
        try:
            obj = decoding.loads(line, f"line {number}")
        except json.JSONDecodeError as exc:
            yield {"line": number, "error": f"not valid JSON at column {exc.colno}: {exc.msg}",
                   "field": "(line)"}
            continue
        except MalformedPayloadError as exc:  # nested too deep, a number too long
            yield {"line": number, "error": str(exc), "field": "(line)"}
            continue
        try:
            yield triage_record(obj, now, cost_model, blocklist=blocklist,
                                escalation_rule=escalation_rule, lane_overrides=lane_overrides)
        except TriageInputError as exc:
            out: dict[str, Any] = {"line": number, "error": str(exc), "field": exc.field}
            issue = _raw_issue_id(obj)
            if issue is not None:
                out["issue_id"] = issue
            yield out


def _raw_issue_id(obj: Any) -> int | None:
    dispute = _result(obj.get("dispute")) if isinstance(obj, Mapping) else None
    if not isinstance(dispute, Mapping):
        return None
    for key in ("issue_id", "id"):
        value = dispute.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def classification_of(obj: Mapping[str, Any], now: datetime) -> Classification:
    """Only the class of one input object (the bench and tests use it)."""
    facts, _ = facts_from_record(obj, now)
    return classify(facts)
