"""The ``/sync`` response envelope, both ways (reference §3.1-3.2).

With ``simplify=false`` (the Python SDK's default) a result sits under
``<method_with_underscores>_response`` and every list is wrapped in an object holding one
key, the item type name: ``"data_list": {"issue_api_issue_dto": [...]}``; an empty list may
come back as ``{}``. With ``simplify=true`` fields sit at the root and lists are plain.
Errors always come as ``{"error_response": {...}}``.
"""

from __future__ import annotations

import math
from typing import Any

from disputekit.errors import (
    AccessTokenError,
    InvalidRequestError,
    MalformedPayloadError,
    PlatformError,
    PlatformUnavailableError,
    RateLimitedError,
    SignatureError,
)
from disputekit.wire.decoding import printable

# List field -> item wrapper key used with simplify=false. The issue ones are documented
# (reference §3.1); the order and tracking ones follow the SDK's DTO naming [inferred], which
# is why the client unwraps any single-key wrapper rather than trusting these names.
LIST_ITEM_KEYS: dict[str, str] = {
    "data_list": "issue_api_issue_dto",
    "buyer_solution_list": "solution_api_dto",
    "seller_solution_list": "solution_api_dto",
    "platform_solution_list": "solution_api_dto",
    "process_dto_list": "api_issue_process_dto",
    "attachments": "api_attachment_dto",
    "logistic_info_list": "aeop_order_logistics_info",
    "child_order_list": "aeop_child_order_info",
    "details": "aeop_logistics_redefining_tracking_detail",
    "target_list": "aeop_order_item_dto",
    "product_list": "aeop_order_product_dto",
    "sender_seller_address_list": "aeop_seller_address_dto",
    "pickup_seller_address_list": "aeop_seller_address_dto",
    "refund_seller_address_list": "aeop_seller_address_dto",
}


def response_key(method: str) -> str:
    """``aliexpress.issue.detail.get`` -> ``aliexpress_issue_detail_get_response``.

    Path-style (auth) APIs called through ``/sync`` keep their path:
    ``/auth/token/refresh`` -> ``/auth/token/refresh_response`` (reference §1).
    """
    if method.startswith("/"):
        return method + "_response"
    return method.replace(".", "_") + "_response"


def wrap(method: str, body: dict[str, Any], simplify: bool) -> dict[str, Any]:
    """Shape a result the way the gateway sends it (used by the simulator)."""
    if simplify:
        return body
    return {response_key(method): _wrap_lists(body)}


def _wrap_lists(value: Any) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in LIST_ITEM_KEYS and isinstance(item, list):
                # An empty wrapped list is sent as {} (reference §3.1).
                out[key] = {LIST_ITEM_KEYS[key]: [_wrap_lists(i) for i in item]} if item else {}
            else:
                out[key] = _wrap_lists(item)
        return out
    if isinstance(value, list):
        return [_wrap_lists(i) for i in value]
    return value


def unwrap(method: str, payload: Any) -> dict[str, Any]:
    """Return the result of a call in the simplified shape, or raise its typed error.

    >>> unwrap("aliexpress.issue.issuelist.get", {"aliexpress_issue_issuelist_get_response": {
    ...     "data_list": {"issue_api_issue_dto": [{"issue_id": 1}]}, "total_item": 1}})
    {'data_list': [{'issue_id': 1}], 'total_item': 1}
    >>> unwrap("aliexpress.issue.issuelist.get", {"error_response": {
    ...     "code": "ApiCallLimit", "msg": "too fast"}})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    disputekit.errors.RateLimitedError: ...
    """
    if not isinstance(payload, dict):
        raise MalformedPayloadError(
            f"{method}: expected a JSON object from the gateway, got {type(payload).__name__}; "
            "check that base_url points at the /sync endpoint"
        )
    if "error_response" in payload:
        raise platform_error(method, payload["error_response"])
    body = payload.get(response_key(method), payload)
    if not isinstance(body, dict):
        raise MalformedPayloadError(f"{method}: the response body is not an object: {body!r:.200}")
    unwrapped = _unwrap_lists(body)
    assert isinstance(unwrapped, dict)
    return unwrapped


def _unwrap_lists(value: Any) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in LIST_ITEM_KEYS:
                item = as_list(item)
            out[key] = _unwrap_lists(item)
        return out
    if isinstance(value, list):
        return [_unwrap_lists(i) for i in value]
    return value


def as_list(item: Any) -> Any:
    if item is None or item == {}:
        return []
    if isinstance(item, dict) and len(item) == 1:
        (inner,) = item.values()
        if isinstance(inner, list):
            return inner
    return item


_TOKEN_CODES = {"IllegalAccessToken", "26", "27", "MissingAccessToken"}
_SIGNATURE_CODES = {"IncompleteSignature", "25", "24"}
_RATE_CODES = {"ApiCallLimit", "7"}
_UNAVAILABLE_CODES = {"UnknownRuntimeException", "10", "ServiceUnavailable"}


def platform_error(method: str, error: Any) -> PlatformError:
    """Turn an ``error_response`` object into the matching exception, with a fix-it message."""
    if not isinstance(error, dict):
        error = {"code": "unknown", "msg": repr(error)}
    # The gateway's words go into messages the terminal shows and the database keeps:
    # printable only (an ANSI or OSC escape in ``msg`` reached both raw).
    code = printable(error.get("code", ""))
    msg = printable(error.get("msg") or error.get("message") or "")
    sub_code = printable(error.get("sub_code") or "")
    sub_msg = printable(error.get("sub_msg") or "")
    fields = {
        "method": method,
        "code": code,
        "msg": msg,
        "sub_code": sub_code,
        "sub_msg": sub_msg,
        "request_id": printable(error.get("request_id") or ""),
    }
    said = f"{method}: {code} {msg}".strip() + (f" ({sub_code}: {sub_msg})" if sub_code else "")
    if code in _SIGNATURE_CODES:
        return SignatureError(
            f"{said}. The gateway rejected the signature: check that the app secret in the "
            "environment belongs to this app key and that the clock is right.",
            **fields,
        )
    if code in _TOKEN_CODES:
        return AccessTokenError(
            f"{said}. The store's access token is missing, invalid or expired: re-authorise "
            "the store in the AliExpress console and update its token variable.",
            **fields,
        )
    if code in _RATE_CODES or sub_code.startswith("accesscontrol.limited"):
        return RateLimitedError(
            f"{said}. Rate limited by AliExpress: wait and retry.",
            retry_after=_ban_seconds(sub_msg or msg),
            **fields,
        )
    if code in _UNAVAILABLE_CODES or (code == "15" and sub_code.startswith("isp.")):
        return PlatformUnavailableError(
            f"{said}. A platform-side fault: retry later.", **fields
        )
    return InvalidRequestError(f"{said}. The request was refused as invalid.", **fields)


def _ban_seconds(text: str) -> float:
    # "This ban will last for N more seconds" (reference §3.2)
    words = text.split()
    for i, word in enumerate(words):
        if word == "for" and i + 1 < len(words):
            try:
                seconds = float(words[i + 1])
            except ValueError:
                continue
            if math.isfinite(seconds):  # "nan" parses, and sleep(nan) raises
                return min(max(seconds, 0.0), 3600.0)
    return 1.0
