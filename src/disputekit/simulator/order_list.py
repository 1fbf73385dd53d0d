"""The seller's order list: the disputed orders as ``orderlist.get`` lists them, plus many
quiet orders (no dispute) so that dispute rates have a denominator."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Final

from disputekit.domain.platform_time import to_pacific_string
from disputekit.simulator.stores import StoreDataset

__all__ = ["QUIET_ORDERS_PER_DISPUTE", "list_item", "order_list"]

QUIET_ORDERS_PER_DISPUTE: Final = 40  # a ~2.5 % dispute rate, typical of a small store


def order_list(ds: StoreDataset, seed: int, anchor: datetime) -> list[dict[str, Any]]:
    """Disputed orders plus the many that went fine, newest first, list-item shape."""
    disputed = [list_item(o) for o in ds.orders.values()]
    return sorted(disputed + _quiet_orders(ds, seed, anchor),
                  key=lambda o: o["gmt_create"], reverse=True)


def list_item(order: dict[str, Any]) -> dict[str, Any]:
    """An order as ``orderlist.get`` lists it (reference §6.1)."""
    first = (order.get("logistic_info_list") or [{}])[0]
    return {
        "order_id": order["id"], "buyer_login_id": order["buyer_info"]["login_id"],
        "buyer_signer_fullname": "", "order_status": order["order_status"],
        "logistics_status": "SELLER_SEND_GOODS" if first.get("gmt_send") else
        "WAIT_SELLER_SEND_GOODS", "issue_status": order.get("issue_status", "NO_ISSUE"),
        "pay_amount": order["order_amount"], "gmt_create": order["gmt_create"],
        "gmt_pay_time": order.get("gmt_pay_success", ""),
        "gmt_send_goods_time": first.get("gmt_send", ""),
        "product_list": [{
            "child_id": c["child_order_id"], "product_id": c["product_id"],
            "product_name": c["product_name"], "sku_code": c.get("sku_code", ""),
            "product_count": c.get("product_count", 1), "product_unit_price": c["product_price"],
            "logistics_service_name": first.get("logistics_service_name", ""),
            "logistics_type": first.get("logistics_type_code", ""),
            "issue_status": c.get("issue_status", "NO_ISSUE"),
        } for c in order.get("child_order_list", [])],
        "buyer_country": order["buyer_info"].get("country", ""),  # [I] handy for rates
    }


def _quiet_orders(ds: StoreDataset, seed: int, anchor: datetime) -> list[dict[str, Any]]:
    """Orders without a dispute, so dispute rates have a denominator; same products,
    services and countries as the disputed ones."""
    rng = random.Random(f"{seed}:{ds.store.store_id}:quiet")
    templates = list(ds.orders.values())
    out = []
    for i in range(len(ds.issues) * QUIET_ORDERS_PER_DISPUTE):
        template = templates[rng.randrange(len(templates))]
        created = anchor - timedelta(days=rng.uniform(0, 90), seconds=rng.randrange(86400))
        shipped = created + timedelta(days=rng.uniform(0.5, 4))
        age = (anchor - created).days
        # Buyers confirm (or the platform auto-confirms) about three weeks after paying.
        status = ("FINISH" if age > 21 else "WAIT_BUYER_ACCEPT_GOODS" if age > 2
                  else "WAIT_SELLER_SEND_GOODS")
        order_id = 9_000_000_000_000_000 + rng.randrange(10**15) * 10 + i % 10
        item = list_item(template)
        item.update(order_id=order_id, order_status=status, issue_status="NO_ISSUE",
                    gmt_create=to_pacific_string(created),
                    gmt_pay_time=to_pacific_string(created + timedelta(minutes=20)),
                    gmt_send_goods_time="" if status == "WAIT_SELLER_SEND_GOODS"
                    else to_pacific_string(shipped),
                    logistics_status="WAIT_SELLER_SEND_GOODS"
                    if status == "WAIT_SELLER_SEND_GOODS" else "SELLER_SEND_GOODS",
                    buyer_login_id=f"{item['buyer_country'].lower()}{rng.randrange(10**9)}q")
        for product in item["product_list"]:
            product["child_id"] = order_id + 1
            product["issue_status"] = "NO_ISSUE"
        out.append(item)
    return out
