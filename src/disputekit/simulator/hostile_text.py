"""Hostile text planted in a store's data, for tests that prove buyer text is shown as text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from disputekit.simulator.stores import StoreDataset

__all__ = ["BUYER_TEXT_FIELDS", "plant_buyer_text"]

# Where text the platform passes on from buyers (and carriers) lives in the wire shapes. Only
# string values change, so every answer keeps the shape reference/aliexpress-api.md gives.
BUYER_TEXT_FIELDS: Final[tuple[str, ...]] = (
    "buyer", "name", "message", "reason", "product", "carrier", "country", "attachment",
    "tracking",
)


def plant_buyer_text(dataset: StoreDataset, texts: Mapping[str, str], count: int = 3
                     ) -> list[int]:
    """Put ``texts`` (field -> text, fields from ``BUYER_TEXT_FIELDS``) into the ``count``
    newest open disputes of ``dataset``, in place; returns their issue ids.

    For tests that prove buyer-supplied text is shown as text: the buyer's login id, name
    and address, the opening message, the reason, the product title, the shipping service's
    name, the country, an attachment's URL and the parcel's tracking descriptions. Call it
    before the first sync (``gmt_modified`` is left alone, as a buyer's edit would not be).
    """
    unknown = set(texts) - set(BUYER_TEXT_FIELDS)
    if unknown:
        raise ValueError(f"unknown buyer text field(s) {sorted(unknown)}; known: "
                         f"{list(BUYER_TEXT_FIELDS)}")
    chosen = [r for r in dataset.issues if r.summary["issue_status"] == "processing"][:count]
    for record in chosen:
        detail, summary = record.detail, record.summary
        order = dataset.orders.get(detail["parent_order_id"])
        if "buyer" in texts:
            summary["buyer_login_id"] = detail["buyer_login_id"] = texts["buyer"]
            if order is not None:
                order["buyer_info"]["login_id"] = texts["buyer"]
        if "reason" in texts:
            summary["reason_english"] = detail["issue_reason"] = texts["reason"]
        if "product" in texts:
            detail["product_name"] = texts["product"]
        buyer_steps = [p for p in detail["process_dto_list"]
                       if p["submit_member_type"] == "buyer"]
        if "message" in texts:
            for process in buyer_steps[:1]:
                process["content"] = texts["message"]
        if "attachment" in texts:
            for process in buyer_steps[:1]:
                process["attachments"] = [*process["attachments"], {
                    "file_path": "https://ae01.alicdn.com/kf/" + texts["attachment"],
                    "owner": "buyer", "issue_id": detail["id"],
                    "issue_process_id": 100_000_000_001, "gmt_create": process["gmt_create"]}]
        if order is None:
            continue
        if "name" in texts:
            order["buyer_info"]["first_name"] = texts["name"]
            order["receipt_address"]["contact_person"] = texts["name"]
            order["receipt_address"]["address"] = texts["name"]
        if "country" in texts:
            order["buyer_info"]["country"] = texts["country"]
            order["receipt_address"]["country"] = texts["country"]
        for child in order["child_order_list"]:
            if "product" in texts and child["child_order_id"] == detail["order_id"]:
                child["product_name"] = texts["product"]
        for parcel in order["logistic_info_list"]:
            if "carrier" in texts:
                parcel["logistics_service_name"] = texts["carrier"]
            if "tracking" in texts:
                for event in dataset.tracking.get(parcel["logistics_no"], []):
                    event["event_desc"] = event["address"] = texts["tracking"]
    return [int(r.summary["issue_id"]) for r in chosen]
