"""A built case written out in the platform's wire shapes.

``issue_detail`` is ``aliexpress.issue.detail.get``'s result object (lists as plain JSON
arrays, the ``simplify=true`` shape), ``issue_summary`` one item of
``aliexpress.issue.issuelist.get``'s data list, and ``order_info``
``aliexpress.solution.order.info.get``'s data. Every time is a US Pacific wall-clock string.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from disputekit.domain.carriers import SERVICES, ServiceKind
from disputekit.simulator.case import Case
from disputekit.simulator.draws import IdBook, digits, image_url
from disputekit.simulator.messages import write_steps
from disputekit.simulator.parcels import s10
from disputekit.simulator.process_steps import CLOSED_STATUS, RESPONSE_WINDOW
from disputekit.simulator.solutions import refund_amounts, solutions
from disputekit.simulator.wire_format import local_money, money, usd, wire_time

__all__ = ["issue_detail", "issue_summary", "order_info"]


def _timer(case: Case) -> tuple[str, str]:
    """(timeout_type, timeout_trigger_time) of the case at ``now``.

    Only a case waiting for the seller has a timer. While the buyer considers a counter-offer
    ("countered") the seller is not on the clock, so no trigger time is served: one would show
    the operator a deadline that is not theirs.
    """
    plan = case.open_plan
    if plan is None or plan.blank_timer or plan.state in ("escalated", "countered"):
        return "", ""  # closed, deliberately blank, the platform's or the buyer's turn
    return "WAIT_SOLUTION_TIMEOUT", wire_time(case.modified + RESPONSE_WINDOW)


def _reverse_status(case: Case) -> tuple[str, str]:
    if case.open_plan is None:
        return CLOSED_STATUS[case.outcome]
    return "processing", {
        "new": "wait_for_seller_response", "reopened": "wait_for_seller_response",
        "countered": "wait_for_buyer_response", "escalated": "wait_for_AE_feedback",
    }[case.open_plan.state]


def _processes(rng: random.Random, ids: IdBook, case: Case) -> list[dict[str, Any]]:
    processes = []
    for step in case.steps:
        process_id = ids.number(rng, 100_000_000_000, 999_999_999_999)
        at = wire_time(step.at)
        processes.append({
            "action_type": step.action,
            "submit_member_type": step.member,
            "content": step.content,
            "receive_goods": case.scenario.family != "logistics",
            "attachments": [
                {"file_path": image_url(rng), "owner": step.member, "issue_id": case.issue_id,
                 "issue_process_id": process_id, "gmt_create": at}
                for _ in range(step.attachments)
            ],
            "has_buyer_video": step.buyer_video,
            "has_seller_video": step.seller_video,
            "gmt_create": at,
            "issue_id": case.issue_id,
        })
    return processes


def issue_detail(rng: random.Random, ids: IdBook, case: Case, now: datetime) -> dict[str, Any]:
    """The case's detail; writes its steps' words and draws its plans on the way."""
    amounts = refund_amounts(rng, case)
    write_steps(rng, case, amounts)
    buyers, sellers, platforms = solutions(rng, ids, case, amounts, now)
    issue_status, reverse = _reverse_status(case)
    timeout_type, trigger = _timer(case)
    currency = case.buyer.country.currency
    product = case.line.product
    returned = case.outcome == "return"
    return {
        "id": case.issue_id,
        "order_id": case.line.child_id,
        "parent_order_id": case.parent_id,
        "product_id": product.product_id,
        "product_name": product.name,
        "product_price": usd(product.price_cents),
        "product_price_currency": "USD",
        "buyer_login_id": case.buyer.login_id,
        "issue_status": issue_status,
        "reverse_detail_status": reverse,
        "issue_reason": case.reason.english,
        "issue_reason_id": case.reason.reason_id,
        "refund_money_max": usd(case.max_cents),
        "refund_money_max_currency": "USD",
        "refund_money_max_local": local_money(case.max_cents, currency),
        "refund_money_max_local_currency": currency,
        "after_sale_warranty": case.after_sale_warranty,
        "buyer_return_no": s10(rng, "C" + rng.choice("ABCDEFGHJ"), case.buyer.country.code)
        if returned else "",
        "buyer_return_logistics_company": case.buyer.country.post if returned else "",
        "buyer_return_logistics_lp_no": "LP" + digits(rng, 14) if returned else "",
        "timeout_type": timeout_type,
        "timeout_trigger_time": trigger,
        "gmt_create": wire_time(case.created),
        "buyer_solution_list": buyers,
        "seller_solution_list": sellers,
        "platform_solution_list": platforms,
        "process_dto_list": _processes(rng, ids, case),
    }


def issue_summary(case: Case, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "issue_id": case.issue_id,
        "order_id": case.line.child_id,
        "parent_order_id": case.parent_id,
        "buyer_login_id": case.buyer.login_id,
        "issue_status": detail["issue_status"],
        "reason_chinese": case.reason.chinese,
        "reason_english": case.reason.english,
        "gmt_create": detail["gmt_create"],
        "gmt_modified": wire_time(case.modified),
    }


def _order_state(case: Case, now: datetime) -> tuple[str, str]:
    """(order_status, order_end_reason); end reasons as the platform spells them."""
    if case.open_plan is not None:
        return "IN_ISSUE", ""
    _, reverse = CLOSED_STATUS[case.outcome]
    if case.outcome == "seller_timeout":
        return "FINISH", "seller_response_issue_timeout"
    if case.outcome == "return":
        return "FINISH", "seller_accept_issue_goods_return"  # [I] by analogy with the next one
    if reverse == "refund_success":
        return "FINISH", "seller_accept_issue_no_goods_return"
    shipment = case.shipment
    if shipment is not None and shipment.delivered is not None:
        return "FINISH", "buyer_accept_goods"
    if now - case.created < timedelta(days=45):
        return "WAIT_BUYER_ACCEPT_GOODS", ""  # still inside buyer protection
    return "FINISH", "buyer_accept_goods_timeout"


def _receipt(case: Case) -> tuple[str, str]:
    """(receive_status, recv_status_desc) of the shipped parcel."""
    code = case.scenario.code
    if code == "delivered_disputed":
        return "suspected_received", "Carrier reports delivered; buyer disputes receipt"
    if case.scenario.family != "logistics":
        return "received", "Buyer received the goods"
    if code == "no_tracking":
        return "default", ""
    return "not_received", "Buyer has not received the goods"


def _logistics(case: Case) -> list[dict[str, Any]]:
    shipment = case.shipment
    assert shipment is not None
    service = SERVICES[shipment.service]
    receive_status, receive_desc = _receipt(case)
    entries = [{
        "logistics_no": shipment.logistics_no,
        "logistics_service_name": service.name,
        "logistics_type_code": shipment.service,
        "gmt_send": wire_time(shipment.shipped),
        "gmt_received": wire_time(shipment.delivered) if shipment.delivered else "",
        "receive_status": receive_status,
        "recv_status_desc": receive_desc,
        # unregistered post: an acceptance scan at most, which is not tracking worth the name
        "have_tracking_info": bool(shipment.events)
        and service.kind is not ServiceKind.UNREGISTERED,
    }]
    if shipment.extra_no:  # declared on the consolidated order, never actually sent
        entries.append({
            "logistics_no": shipment.extra_no,
            "logistics_service_name": service.name,
            "logistics_type_code": shipment.service,
            "gmt_send": wire_time(shipment.shipped),
            "gmt_received": "",
            "receive_status": "default",
            "recv_status_desc": "",
            "have_tracking_info": False,
        })
    return entries


def order_info(case: Case, detail: dict[str, Any], now: datetime) -> dict[str, Any]:
    shipment = case.shipment
    assert shipment is not None
    status, end_reason = _order_state(case, now)
    issue_state = "IN_ISSUE" if case.open_plan is not None else "END_ISSUE"
    total = sum(line.product.price_cents * line.count for line in case.lines) + case.freight_cents
    buyer = case.buyer
    refund_info: dict[str, Any] = {}
    if detail["reverse_detail_status"] in ("refund_success", "return_success"):
        reached = [s for key in ("buyer_solution_list", "seller_solution_list",
                                 "platform_solution_list") for s in detail[key]
                   if s["status"] == "reached"]
        refund_info = {
            "refund_status": "refund_ok",
            "refund_type": "issue_refund",
            "refund_reason": case.reason.english,
            "refund_cash_amt": {"amount": reached[0]["refund_money_post"], "currency_code": "USD"},
            "refund_coupon_amt": money(0),
            "refund_time": wire_time(case.modified),
        }
    children = [{
        "child_order_id": line.child_id,
        "product_id": line.product.product_id,
        "product_name": line.product.name,
        "product_count": line.count,
        "product_price": money(line.product.price_cents),
        "sku_code": line.product.sku_code,
        "issue_status": issue_state if line is case.line else "NO_ISSUE",
        "order_status": status,
    } for line in case.lines]
    return {
        "id": case.parent_id,
        "order_status": status,
        "order_end_reason": end_reason,
        "issue_status": issue_state,
        "issue_info": {"issue_model": case.reason.model, "issue_status": issue_state,
                       "issue_time": wire_time(case.created)},
        "logistic_info_list": _logistics(case),
        "order_amount": money(total),
        "logistics_amount": money(case.freight_cents),
        "pay_amount_by_settlement_cur": usd(total),
        "refund_info": refund_info,
        "buyer_info": {"login_id": buyer.login_id, "first_name": buyer.first_name,
                       "last_name": buyer.last_name, "country": buyer.country.code},
        "receipt_address": {
            "contact_person": buyer.full_name, "country": buyer.country.code,
            "province": buyer.city.province, "city": buyer.city.name,
            "address": buyer.address, "zip": buyer.zip, "mobile_no": buyer.mobile,
        },
        "child_order_list": children,
        "gmt_create": wire_time(shipment.placed),
        "gmt_modified": wire_time(case.modified),
        "gmt_pay_success": wire_time(shipment.paid),
    }
