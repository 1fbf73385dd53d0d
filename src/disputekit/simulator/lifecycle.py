"""The dispute lifecycle on the simulated platform, driven by a controllable clock.

State lives in the generated records (wire-shaped dicts) and is changed the way the
platform changes it (reference §8): seller actions (agree, counter-offer, evidence), buyer
reactions that depend on the kind of case, escalation, platform plans and forced execution,
the seller-response timeout, the return leg, buyer cancellation. ``advance(to)`` replays
every timer and scheduled reaction due up to ``to``, in time order.
"""

from __future__ import annotations

import hashlib
import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from disputekit.domain.platform_time import parse_pacific, to_pacific_string
from disputekit.simulator.dataset import IssueRecord, StoreDataset
from disputekit.simulator.odds import Odds, buyer_answer, ruling_for_seller

RESPONSE_WINDOW = timedelta(days=5)  # seller must answer (reference §7.1)
INTERVENTION_AFTER = timedelta(days=7)  # platform steps in (current rules)
PLATFORM_PLAN_AFTER = timedelta(days=1)
PLATFORM_FORCE_AFTER = timedelta(days=3)
BUYER_RETURN_SHIPS_AFTER = timedelta(days=2)
RETURN_CONFIRM_WINDOW = timedelta(days=15)  # [I] the seller's window is not documented
MAX_IMAGE_BYTES = 5 * 1024 * 1024  # [I] no published limit; a typical gateway cap
IMAGE_TYPES = {"jpg": b"\xff\xd8\xff", "jpeg": b"\xff\xd8\xff", "png": b"\x89PNG",
               "gif": b"GIF8"}

SELLER_TURN = frozenset({"wait_for_seller_response", "wait_for_your_response"})


class PlatformRefusal(Exception):
    """A business rule refused the call; becomes code 15 with an ``isv.*`` sub-code."""

    def __init__(self, sub_code: str, message: str) -> None:
        super().__init__(message)
        self.sub_code = sub_code


@dataclass(order=True)
class _Event:
    due: datetime
    seq: int
    store_id: str = field(compare=False)
    issue_id: int = field(compare=False)
    kind: str = field(compare=False)
    version: int = field(compare=False, default=0)


class Lifecycle:
    """Applies actions and the passage of time to the simulated disputes."""

    def __init__(self, datasets: dict[str, StoreDataset], seed: int, now: datetime) -> None:
        self.datasets = datasets
        self.seed = seed
        self.now = now
        self._events: list[_Event] = []
        self._seq = 0
        self._next_id = 70_000_000_000
        self._versions: dict[int, int] = {}
        self.extensions: dict[int, int] = {}  # parent order id -> days of protection added
        self.index = {ds.store.store_id: {r.summary["issue_id"]: r for r in ds.issues}
                      for ds in datasets.values()}
        for store_id, issues in self.index.items():
            for record in issues.values():
                if record.detail["issue_status"] == "processing":
                    self._schedule_timers(store_id, record)

    # -- helpers -------------------------------------------------------------------------
    def record(self, store_id: str, issue_id: int, buyer_login_id: str) -> IssueRecord:
        record = self.index[store_id].get(issue_id)
        if record is None or record.summary["buyer_login_id"] != buyer_login_id:
            raise PlatformRefusal("isv.issue-not-found",
                                  f"issue {issue_id} not found for this seller and buyer")
        return record

    def _rng(self, issue_id: int, salt: str) -> random.Random:
        return random.Random(f"{self.seed}:{issue_id}:{salt}")

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _schedule(self, store_id: str, issue_id: int, kind: str, due: datetime) -> None:
        self._seq += 1
        version = self._versions.get(issue_id, 0)
        heapq.heappush(self._events, _Event(due, self._seq, store_id, issue_id, kind, version))

    def _bump(self, issue_id: int) -> None:
        # Any state change cancels the timers scheduled for the previous state.
        self._versions[issue_id] = self._versions.get(issue_id, 0) + 1

    def _touch(self, record: IssueRecord, when: datetime) -> None:
        stamp = to_pacific_string(when)
        record.summary["gmt_modified"] = stamp
        record.summary["issue_status"] = record.detail["issue_status"]
        for solution in _solutions(record):
            if solution.get("status") in ("reached", "buyer_refused", "perform"):
                solution.setdefault("gmt_modified", stamp)

    def _process(self, record: IssueRecord, action: str, member: str, content: str,
                 when: datetime, attachments: list[dict[str, Any]] | None = None) -> None:
        record.detail["process_dto_list"].append({
            "action_type": action, "submit_member_type": member, "content": content,
            "receive_goods": False, "attachments": attachments or [],
            "has_buyer_video": False, "has_seller_video": False,
            "gmt_create": to_pacific_string(when), "issue_id": record.summary["issue_id"],
        })

    def _set_timer(self, record: IssueRecord, timeout_type: str, due: datetime | None) -> None:
        record.detail["timeout_type"] = timeout_type if due else ""
        record.detail["timeout_trigger_time"] = to_pacific_string(due) if due else ""

    def _schedule_timers(self, store_id: str, record: IssueRecord) -> None:
        d = record.detail
        issue_id = record.summary["issue_id"]
        status = d["reverse_detail_status"]
        created = parse_pacific(d["gmt_create"]) or self.now
        if status in SELLER_TURN:
            due = parse_pacific(d["timeout_trigger_time"]) or (
                _last_buyer_change(record) or created) + RESPONSE_WINDOW
            self._schedule(store_id, issue_id, "seller_timeout", due)
        elif status == "wait_for_buyer_response":
            offered = _last_at(record, "seller_create_solution", "seller_modify_solution")
            delay = timedelta(hours=self._rng(issue_id, "react").uniform(6, 60))
            self._schedule(store_id, issue_id, "buyer_reacts", (offered or self.now) + delay)
        elif status in ("wait_for_AE_feedback", "wait_for_final_solution"):
            escalated = _last_at(record, "buyer_initiate_arbitration") or self.now
            if not d["platform_solution_list"]:
                self._schedule(store_id, issue_id, "platform_plan", escalated + PLATFORM_PLAN_AFTER)
            self._schedule(store_id, issue_id, "platform_force", escalated + PLATFORM_FORCE_AFTER)
        elif status == "wait_for_buyer_return":
            self._schedule(store_id, issue_id, "buyer_ships_return",
                           self.now + BUYER_RETURN_SHIPS_AFTER)
        elif status == "wait_for_seller_confirmation":
            due = parse_pacific(d["timeout_trigger_time"]) or self.now + RETURN_CONFIRM_WINDOW
            self._schedule(store_id, issue_id, "return_received", due)
        if status not in ("wait_for_AE_feedback", "wait_for_final_solution",
                          "wait_for_buyer_return", "wait_for_seller_confirmation"):
            self._schedule(store_id, issue_id, "intervention", created + INTERVENTION_AFTER)

    # -- seller actions ------------------------------------------------------------------
    def agree(self, store_id: str, issue_id: int, buyer: str, solution_id: int,
              return_address_id: int | None, valid_addresses: set[int]) -> None:
        record = self.record(store_id, issue_id, buyer)
        _require_open(record)
        solution = next((s for s in record.detail["buyer_solution_list"]
                         + record.detail["platform_solution_list"] if s["id"] == solution_id),
                        None)
        if solution is None:
            raise PlatformRefusal("isv.solution-not-found",
                                  f"solution {solution_id} is not a buyer or platform plan "
                                  f"of issue {issue_id}")
        if solution["status"] not in ("wait_seller_accept", "wait_buyer_and_seller_accept"):
            raise PlatformRefusal("isv.solution-status-error",
                                  f"solution {solution_id} is {solution['status']}, not open")
        when = self.now
        if solution["solution_type"] == "return_and_refund":
            if return_address_id is None:
                raise PlatformRefusal("isv.return-address-required",
                                      "return_address_id is required to agree to a return")
            if return_address_id not in valid_addresses:
                raise PlatformRefusal("isv.return-address-invalid",
                                      f"return address {return_address_id} is not a refund "
                                      "address of this seller")
        self._bump(issue_id)
        solution["status"] = "reached"
        solution["seller_accept_time"] = to_pacific_string(when)
        solution["reached_time"] = to_pacific_string(when)
        solution["reached_type"] = ("platform_arbitrate" if solution["solution_owner"] == "platform"
                                    else "negotiation_consensus")
        self._process(record, "seller_accept", "seller", "", when)
        if solution["solution_type"] == "return_and_refund":
            record.detail["reverse_detail_status"] = "wait_for_buyer_return"
            self._set_timer(record, "", None)
            self._schedule(store_id, issue_id, "buyer_ships_return",
                           when + BUYER_RETURN_SHIPS_AFTER)
        else:
            self._finish(record, "refund_success", when)
        self._touch(record, when)

    def save_solution(self, store_id: str, param: dict[str, Any]) -> None:
        try:
            issue_id = int(param["issue_id"])
            buyer = str(param["buyer_login_id"])
        except (KeyError, TypeError, ValueError):
            raise PlatformRefusal("isv.missing-parameter",
                                  "param_dto needs issue_id and buyer_login_id") from None
        record = self.record(store_id, issue_id, buyer)
        _require_open(record)
        d = record.detail
        adding = str(param.get("add_seller_solution", "")).lower() == "true"
        kind = str(param.get("add_solution_type") or "refund")
        if kind not in ("refund", "return_and_refund"):
            raise PlatformRefusal("isv.invalid-solution-type", f"unknown solution type {kind}")
        try:
            amount = Decimal(str(param.get("refund_amount", "")))
        except ArithmeticError:
            raise PlatformRefusal("isv.invalid-refund-amount",
                                  "refund_amount must be a decimal like 12.50") from None
        currency = str(param.get("refund_amount_currency") or "")
        if currency != d["refund_money_max_local_currency"]:
            raise PlatformRefusal("isv.currency-mismatch",
                                  f"refund_amount_currency must be "
                                  f"{d['refund_money_max_local_currency']}")
        if amount < 0 or amount > Decimal(d["refund_money_max_local"]):
            raise PlatformRefusal("isv.refund-amount-exceed",
                                  f"refund_amount must be between 0 and "
                                  f"{d['refund_money_max_local']} {currency}")
        buyer_plan = _default_buyer_plan(record)
        order = self.datasets[store_id].orders.get(record.summary["parent_order_id"], {})
        not_received = order.get("issue_info", {}).get("issue_model") == "NOT_RECEIVED"
        if kind != (buyer_plan["solution_type"] if buyer_plan else "refund") and not_received:
            raise PlatformRefusal("isv.solution-type-not-allowed",
                                  "the solution type may only change for not-as-described "
                                  "disputes")
        if kind == "return_and_refund" and not param.get("return_good_address_id"):
            raise PlatformRefusal("isv.return-address-required",
                                  "return_good_address_id is required for return_and_refund")
        when = self.now
        text = str(param.get("solution_context") or "")
        if adding:
            wanted = param.get("buyer_solution_id")
            if buyer_plan is None or str(buyer_plan["id"]) != str(wanted):
                raise PlatformRefusal("isv.buyer-solution-not-found",
                                      f"buyer_solution_id {wanted} is not this dispute's "
                                      "open buyer plan")
            if any(s["status"] == "wait_buyer_accept" for s in d["seller_solution_list"]):
                raise PlatformRefusal("isv.seller-solution-exists",
                                      "a seller plan is already waiting for the buyer; "
                                      "modify it instead")
            solution = self._new_solution(record, kind, amount, text, when)
            d["seller_solution_list"].append(solution)
            action = "seller_create_solution"
        else:
            target = str(param.get("modify_seller_solution_id") or "")
            found = [s for s in d["seller_solution_list"] if str(s["id"]) == target
                     and s["status"] == "wait_buyer_accept"]
            if not found:
                raise PlatformRefusal("isv.seller-solution-not-found",
                                      f"modify_seller_solution_id {target} is not an open "
                                      "seller plan")
            solution = found[0]
            solution.update(_money_fields(record, amount), content=text, solution_type=kind,
                            gmt_modified=to_pacific_string(when),
                            version=int(solution.get("version", 1)) + 1)
            action = "seller_modify_solution"
        self._bump(issue_id)
        self._process(record, action, "seller", text, when)
        d["reverse_detail_status"] = "wait_for_buyer_response"
        self._set_timer(record, "", None)
        delay = timedelta(hours=self._rng(issue_id, f"react{solution['version']}").uniform(6, 60))
        self._schedule(store_id, issue_id, "buyer_reacts", when + delay)
        created = parse_pacific(d["gmt_create"]) or when
        self._schedule(store_id, issue_id, "intervention", created + INTERVENTION_AFTER)
        self._touch(record, when)

    def _new_solution(self, record: IssueRecord, kind: str, amount: Decimal, text: str,
                      when: datetime) -> dict[str, Any]:
        stamp = to_pacific_string(when)
        return {
            "id": self._new_id(), "issue_id": record.summary["issue_id"],
            "order_id": record.summary["order_id"], "solution_owner": "seller",
            "solution_type": kind, "status": "wait_buyer_accept", "is_default": False,
            "content": text, **_money_fields(record, amount),
            "logistics_fee_amount": "0.00", "logistics_fee_amount_currency": "USD",
            "logistics_fee_bear_role": "seller" if kind == "return_and_refund" else "",
            "reached_type": "", "reached_time": "", "buyer_accept_time": "",
            "seller_accept_time": stamp, "gmt_create": stamp, "gmt_modified": stamp,
            "version": 1,
        }

    def upload_image(self, store_id: str, issue_id: int, buyer: str, extension: str,
                     data: bytes) -> str:
        record = self.record(store_id, issue_id, buyer)
        _require_open(record)
        ext = extension.lower().lstrip(".")
        if ext not in IMAGE_TYPES:
            raise PlatformRefusal("isv.invalid-file-type",
                                  f"extension {extension!r} is not an image type "
                                  f"({', '.join(sorted(IMAGE_TYPES))})")
        if not data:
            raise PlatformRefusal("isv.empty-file", "image_bytes is empty")
        if len(data) > MAX_IMAGE_BYTES:
            raise PlatformRefusal("isv.file-too-large",
                                  f"image is {len(data)} bytes; the limit is {MAX_IMAGE_BYTES}")
        if not data.startswith(IMAGE_TYPES[ext]):
            raise PlatformRefusal("isv.invalid-file-content",
                                  f"the bytes are not a {ext} image")
        digest = hashlib.sha1(data).hexdigest()
        url = f"https://ae01.alicdn.com/kf/S{digest}.{ext}"
        when = self.now
        self._process(record, "seller_create_proof", "seller", "", when, [{
            "file_path": url, "owner": "seller", "issue_id": issue_id,
            "issue_process_id": self._new_id(), "gmt_create": to_pacific_string(when),
        }])
        self._touch(record, when)
        return url

    def extend_protection(self, store_id: str, order_id: int, days: int) -> None:
        if order_id not in self.datasets[store_id].orders:
            raise PlatformRefusal("isv.order-not-found", f"order {order_id} not found")
        if not 1 <= days <= 30:  # [I] no published limit; the seller centre offers up to 30
            raise PlatformRefusal("isv.invalid-days", "days must be between 1 and 30")
        self.extensions[order_id] = self.extensions.get(order_id, 0) + days

    # -- time ----------------------------------------------------------------------------
    def advance(self, to: datetime) -> int:
        """Apply everything due up to ``to``; returns how many events fired."""
        fired = 0
        while self._events and self._events[0].due <= to:
            event = heapq.heappop(self._events)
            if event.version != self._versions.get(event.issue_id, 0):
                continue  # superseded by a later state change
            record = self.index[event.store_id][event.issue_id]
            if record.detail["issue_status"] != "processing":
                continue
            self.now = max(self.now, event.due)
            handler: Callable[[str, IssueRecord, datetime], None] = getattr(
                self, f"_on_{event.kind}")
            handler(event.store_id, record, event.due)
            fired += 1
        self.now = max(self.now, to)
        return fired

    def _on_seller_timeout(self, store_id: str, record: IssueRecord, when: datetime) -> None:
        if record.detail["reverse_detail_status"] not in SELLER_TURN:
            return
        plan = _default_buyer_plan(record)
        self._bump(record.summary["issue_id"])
        if plan is not None:
            plan.update(status="reached", reached_type="seller_reponse_timeout",
                        reached_time=to_pacific_string(when))
        self._process(record, "perform_solution", "system", "seller response timeout", when)
        self._finish(record, "refund_success", when)
        self._touch(record, when)

    def _on_intervention(self, store_id: str, record: IssueRecord, when: datetime) -> None:
        if record.detail["reverse_detail_status"] in ("wait_for_AE_feedback",
                                                      "wait_for_final_solution"):
            return
        self._escalate(store_id, record, when, "system", "platform intervention")

    def _escalate(self, store_id: str, record: IssueRecord, when: datetime, member: str,
                  text: str) -> None:
        issue_id = record.summary["issue_id"]
        self._bump(issue_id)
        action = "buyer_initiate_arbitration" if member == "buyer" else "platform_intervene"
        self._process(record, action, member, text, when)
        record.detail["reverse_detail_status"] = "wait_for_AE_feedback"
        self._set_timer(record, "", None)
        self._schedule(store_id, issue_id, "platform_plan", when + PLATFORM_PLAN_AFTER)
        self._schedule(store_id, issue_id, "platform_force", when + PLATFORM_FORCE_AFTER)
        self._touch(record, when)

    def _platform_amount(self, store_id: str, record: IssueRecord) -> Decimal:
        odds = self.datasets[store_id].store.odds_for(record.truth)
        if odds is not None:  # the store's true odds rule, evidence or not
            roll = self._rng(record.summary["issue_id"], "ruling").random()
            return Decimal("0.00") if ruling_for_seller(odds, roll) \
                else Decimal(record.detail["refund_money_max_local"])
        evidence = any(p["action_type"] == "seller_create_proof"
                       for p in record.detail["process_dto_list"])
        seller_wins = record.truth in ("delivered_disputed", "deliberate_abuse", "extortion",
                                       "buyer_misuse") and evidence
        return Decimal("0.00") if seller_wins else Decimal(record.detail["refund_money_max_local"])

    def _on_platform_plan(self, store_id: str, record: IssueRecord, when: datetime) -> None:
        d = record.detail
        if d["platform_solution_list"]:
            return
        amount = self._platform_amount(store_id, record)
        stamp = to_pacific_string(when)
        d["platform_solution_list"].append({
            "id": -2, "issue_id": record.summary["issue_id"],
            "order_id": record.summary["order_id"], "solution_owner": "platform",
            "solution_type": "refund", "status": "wait_buyer_and_seller_accept",
            "is_default": False,
            "content": f"Platform proposal: refund {amount} {d['refund_money_max_local_currency']}"
                       " to the buyer.",
            **_money_fields(record, amount), "logistics_fee_amount": "0.00",
            "logistics_fee_amount_currency": "USD", "logistics_fee_bear_role": "",
            "reached_type": "", "reached_time": "", "buyer_accept_time": "",
            "seller_accept_time": "", "gmt_create": stamp, "gmt_modified": stamp, "version": 1,
        })
        d["reverse_detail_status"] = "wait_for_your_response"
        self._touch(record, when)

    def _on_platform_force(self, store_id: str, record: IssueRecord, when: datetime) -> None:
        d = record.detail
        if not d["platform_solution_list"]:
            self._on_platform_plan(store_id, record, when)
        plan = d["platform_solution_list"][-1]
        self._bump(record.summary["issue_id"])
        for s in d["buyer_solution_list"] + d["seller_solution_list"]:
            if s["status"] in ("wait_seller_accept", "wait_buyer_accept", "reached"):
                s["status"] = "reach_cancle"
        plan.update(status="reached", reached_type="platform_arbitrate",
                    reached_time=to_pacific_string(when))
        self._process(record, "platform_force_reach", "platform", plan["content"], when)
        self._process(record, "perform_solution", "system", "", when)
        zero = Decimal(plan["refund_money"]) == 0
        self._finish(record, "refund_reject" if zero else "refund_success", when)
        self._touch(record, when)

    def _on_buyer_reacts(self, store_id: str, record: IssueRecord, when: datetime) -> None:
        d = record.detail
        offer = next((s for s in reversed(d["seller_solution_list"])
                      if s["status"] == "wait_buyer_accept"), None)
        if offer is None or d["reverse_detail_status"] != "wait_for_buyer_response":
            return
        choice = buyer_choice(record, offer, self._rng(record.summary["issue_id"],
                                                      f"choice{offer.get('version', 1)}"),
                              self.datasets[store_id].store.odds_for(record.truth))
        issue_id = record.summary["issue_id"]
        if choice == "accept":
            self._bump(issue_id)
            offer.update(status="reached", reached_type="negotiation_consensus",
                         reached_time=to_pacific_string(when),
                         buyer_accept_time=to_pacific_string(when))
            self._process(record, "buyer_accept", "buyer", "ok", when)
            zero = Decimal(offer["refund_money"]) == 0
            self._finish(record, "refund_reject" if zero else "refund_success", when)
            self._touch(record, when)
        elif choice == "cancel":
            self._bump(issue_id)
            self._process(record, "cancel", "buyer", "", when)
            d["issue_status"] = "canceled_issue"
            d["reverse_detail_status"] = "refund_reject"
            self._set_timer(record, "", None)
            self._touch(record, when)
        else:
            offer["status"] = "buyer_refused"
            self._process(record, "buyer_refuse", "buyer", "", when)
            self._escalate(store_id, record, when, "buyer", "I want AliExpress to check this")

    def _on_buyer_ships_return(self, store_id: str, record: IssueRecord, when: datetime) -> None:
        d = record.detail
        if d["reverse_detail_status"] != "wait_for_buyer_return":
            return
        self._bump(record.summary["issue_id"])
        rng = self._rng(record.summary["issue_id"], "return")
        d["buyer_return_no"] = f"RT{rng.randrange(10**9, 10**10)}CN"
        d["buyer_return_logistics_company"] = "China Post"
        d["buyer_return_logistics_lp_no"] = f"LP{rng.randrange(10**13, 10**14)}"
        d["reverse_detail_status"] = "wait_for_seller_confirmation"
        due = when + RETURN_CONFIRM_WINDOW
        self._set_timer(record, "WAIT_RECEIVE_ITEM_TIMEOUT", due)
        self._schedule(store_id, record.summary["issue_id"], "return_received", due)
        self._touch(record, when)

    def _on_return_received(self, store_id: str, record: IssueRecord, when: datetime) -> None:
        self._bump(record.summary["issue_id"])
        self._process(record, "perform_solution", "system", "return received, refunded", when)
        self._finish(record, "return_success", when)
        self._touch(record, when)

    def _finish(self, record: IssueRecord, reverse_status: str, when: datetime) -> None:
        record.detail["issue_status"] = "finish"
        record.detail["reverse_detail_status"] = reverse_status
        self._set_timer(record, "", None)


def buyer_choice(record: IssueRecord, offer: dict[str, Any], rng: random.Random,
                 odds: Odds | None = None) -> str:
    """How a buyer answers a counter-offer: 'accept', 'refuse' or 'cancel'.

    Plausible by kind of case (domain.md): a genuine-defect buyer takes a fair refund, an
    extortionist refuses a zero offer, a stalled-parcel buyer answered promptly often cancels.
    A store with its own ``odds`` for the class answers by them instead.
    """
    maximum = Decimal(record.detail["refund_money_max_local"]) or Decimal(1)
    share = Decimal(offer["refund_money"]) / maximum
    truth = record.truth
    roll = rng.random()
    if odds is not None:
        return buyer_answer(odds, float(share), roll)
    if truth == "genuine_defect":
        return "accept" if share >= Decimal("0.7") else "refuse"
    if truth == "extortion":
        return "accept" if share >= Decimal("0.3") else "refuse"
    if truth == "deliberate_abuse":
        return "accept" if share >= Decimal("0.2") else "refuse"
    if truth == "buyer_misuse":
        if share == 0:
            return "cancel" if roll < 0.6 else "refuse"
        return "accept"
    if truth == "stalled_in_transit":
        created = parse_pacific(record.detail["gmt_create"])
        answered = parse_pacific(offer["gmt_create"])
        prompt = created is not None and answered is not None and \
            answered - created <= timedelta(days=2)
        if share > 0:
            return "accept"
        return "cancel" if roll < (0.65 if prompt else 0.15) else "refuse"
    if truth == "not_as_described":  # a fair partial refund to keep it is usually taken
        return "accept" if share >= Decimal("0.25") else "refuse"
    if truth == "buyer_personal_reason":
        return "cancel" if roll < 0.5 else "accept"
    return "accept" if share >= Decimal("0.5") else "refuse"


def _solutions(record: IssueRecord) -> list[dict[str, Any]]:
    d = record.detail
    return [*d["buyer_solution_list"], *d["seller_solution_list"], *d["platform_solution_list"]]


def _default_buyer_plan(record: IssueRecord) -> dict[str, Any] | None:
    plans = [s for s in record.detail["buyer_solution_list"]
             if s["status"] == "wait_seller_accept"]
    return next((s for s in plans if s.get("is_default")), plans[0] if plans else None)


def _require_open(record: IssueRecord) -> None:
    if record.detail["issue_status"] != "processing":
        raise PlatformRefusal("isv.issue-status-error",
                              f"issue {record.summary['issue_id']} is "
                              f"{record.detail['issue_status']}; it can no longer be changed")


def _money_fields(record: IssueRecord, local: Decimal) -> dict[str, str]:
    d = record.detail
    rate = Decimal(d["refund_money_max_local"]) / (Decimal(d["refund_money_max"]) or Decimal(1))
    usd = (local / rate).quantize(Decimal("0.01")) if rate else local
    return {"refund_money": f"{local.quantize(Decimal('0.01'))}",
            "refund_money_currency": d["refund_money_max_local_currency"],
            "refund_money_post": f"{usd}", "refund_money_post_currency": "USD"}


def _last_at(record: IssueRecord, *actions: str) -> datetime | None:
    times = [parse_pacific(p["gmt_create"]) for p in record.detail["process_dto_list"]
             if p["action_type"] in actions]
    return max((t for t in times if t), default=None)


def _last_buyer_change(record: IssueRecord) -> datetime | None:
    return _last_at(record, "initiate", "buyer_create_solution", "buyer_modify_solution",
                    "buyer_modify_issue_reason")
