"""The simulated ``/sync`` gateway: protocol checks, then dispatch to a method.

Faithful to reference §1-§3 in what it checks and how it answers: parameters merged from
query string and body, both signature families, timestamps as epoch milliseconds (7200 s
skew) or the TOP wall clock in GMT+8 (600 s skew), the token in ``session`` or
``access_token``, both envelopes, and ``error_response`` with the documented codes.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from disputekit import envelope
from disputekit.signing import sign_method_from, verify
from disputekit.simulator.dataset import (
    DEMO_APP_KEY,
    DEMO_APP_SECRET,
    StoreDataset,
    generate,
)

GMT8 = timezone(timedelta(hours=8))
IOP_SKEW_S = 7200
TOP_SKEW_S = 600


class GatewayError(Exception):
    """An ``error_response`` to send back."""

    def __init__(self, code: str, msg: str, sub_code: str = "", sub_msg: str = "",
                 type_: str = "ISV") -> None:
        super().__init__(msg)
        self.body: dict[str, Any] = {"type": type_, "code": code, "msg": msg}
        if sub_code:
            self.body["sub_code"] = sub_code
            self.body["sub_msg"] = sub_msg


def _missing(name: str) -> GatewayError:
    return GatewayError("40", "Missing Required Arguments", f"isv.missing-parameter:{name}",
                        f"{name} is required")


def _invalid(name: str, why: str) -> GatewayError:
    return GatewayError("41", "Invalid Arguments", f"isv.invalid-parameter:{name}", why)


Handler = Callable[[StoreDataset, Mapping[str, str]], dict[str, Any]]


class Gateway:
    """All simulated state: one app, three demo stores, their disputes, orders and parcels."""

    def __init__(
        self,
        seed: int = 7,
        now: datetime | None = None,
        *,
        apps: Mapping[str, str] | None = None,
        qps: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        anchor = now or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        self.now = anchor
        self.seed = seed
        self.datasets = generate(seed, anchor)
        self.apps = dict(apps or {DEMO_APP_KEY: DEMO_APP_SECRET})
        self.tokens = {ds.store.access_token: ds for ds in self.datasets.values()}
        self.qps = qps
        self.clock = clock
        self.calls: deque[float] = deque()
        self.call_log: list[tuple[str, str]] = []  # (method, store_id): for contract tests
        self._issues = {
            ds.store.store_id: {rec.summary["issue_id"]: rec for rec in ds.issues}
            for ds in self.datasets.values()
        }
        self.handlers: dict[str, Handler] = {
            "aliexpress.issue.issuelist.get": self._issue_list,
            "aliexpress.issue.detail.get": self._issue_detail,
            "aliexpress.solution.order.info.get": self._order_info,
            "aliexpress.trade.new.redefining.findorderbyid": self._find_order,
            "aliexpress.logistics.redefining.querytrackingresult": self._tracking,
        }

    # -- protocol ------------------------------------------------------------------------
    def handle(self, params: Mapping[str, str]) -> dict[str, Any]:
        """Answer one ``/sync`` call; always a JSON object, as the real gateway does."""
        method = params.get("method", "")
        simplify = params.get("simplify", "false").lower() == "true"
        try:
            dataset = self._authenticate(method, params)
            self._throttle()
            body = self.handlers[method](dataset, params)
            self.call_log.append((method, dataset.store.store_id))
        except GatewayError as exc:
            return {"error_response": {**exc.body, "request_id": _request_id(),
                                       "_trace_id_": _request_id()}}
        body = {**body, "request_id": _request_id()}
        return envelope.wrap(method, body, simplify)

    def _authenticate(self, method: str, params: Mapping[str, str]) -> StoreDataset:
        if not method:
            raise GatewayError("21", "Missing Method")
        if method not in self.handlers:
            raise GatewayError("22", "Invalid Method", "isv.invalid-method",
                               f"method {method} is not available")
        app_key = params.get("app_key", "")
        if not app_key:
            raise GatewayError("28", "Missing App Key")
        secret = self.apps.get(app_key)
        if secret is None:
            raise GatewayError("29", "Invalid App Key")
        if not params.get("sign"):
            raise GatewayError("IncompleteSignature",
                               "The request signature does not conform to platform standards")
        try:
            sign_method_from(params.get("sign_method", ""))
        except ValueError:
            raise GatewayError("IncompleteSignature",
                               "The request signature does not conform to platform standards",
                               "isv.invalid-sign-method", "unsupported sign_method") from None
        self._check_timestamp(params.get("timestamp", ""))
        if not verify(params, secret, api_name=method):
            raise GatewayError("IncompleteSignature",
                               "The request signature does not conform to platform standards")
        token = params.get("session") or params.get("access_token") or ""
        if not token:
            raise GatewayError("IllegalAccessToken", "The specified access token is missing")
        dataset = self.tokens.get(token)
        if dataset is None:
            raise GatewayError("IllegalAccessToken",
                               "The specified access token is invalid or expired")
        return dataset

    def _check_timestamp(self, value: str) -> None:
        if not value:
            raise GatewayError("30", "Missing Timestamp")
        now = self.clock()
        if value.isdigit():
            sent, skew = int(value) / 1000.0, IOP_SKEW_S
        else:
            try:
                if "T" in value:
                    sent = datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
                    skew = IOP_SKEW_S
                else:
                    sent = datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(
                        tzinfo=GMT8).timestamp()
                    skew = TOP_SKEW_S
            except ValueError:
                raise GatewayError("31", "Invalid Timestamp", "isv.invalid-timestamp",
                                   "timestamp format is invalid") from None
        if abs(now - sent) > skew:
            raise GatewayError("31", "Invalid Timestamp", "isv.timestamp-out-of-range",
                               f"timestamp differs from server time by more than {skew} s")

    def _throttle(self) -> None:
        if self.qps is None:
            return
        now = self.clock()
        while self.calls and now - self.calls[0] >= 1.0:
            self.calls.popleft()
        if len(self.calls) >= self.qps:
            raise GatewayError("ApiCallLimit", "App Call Limited",
                               "accesscontrol.limited-by-app-api-access-count",
                               "This ban will last for 1 more seconds")
        self.calls.append(now)

    # -- methods -------------------------------------------------------------------------
    def _issue_list(self, ds: StoreDataset, params: Mapping[str, str]) -> dict[str, Any]:
        query = _json_param(params, "query_dto")
        page = _int_field(query, "current_page", default=1, minimum=1)
        size = _int_field(query, "page_size", default=20, minimum=1)
        if size > 50:
            raise _invalid("query_dto.page_size", "page_size must not exceed 50")
        items = [rec.summary for rec in ds.issues]
        if query.get("issue_status"):
            items = [i for i in items if i["issue_status"] == query["issue_status"]]
        if query.get("order_no"):
            items = [i for i in items if str(i["order_id"]) == str(query["order_no"])]
        if query.get("buyer_login_id"):
            items = [i for i in items if i["buyer_login_id"] == query["buyer_login_id"]]
        start = (page - 1) * size
        return {"current_page": page, "page_size": size, "total_item": len(items),
                "data_list": items[start:start + size]}

    def _issue_detail(self, ds: StoreDataset, params: Mapping[str, str]) -> dict[str, Any]:
        issue_id = _required_int(params, "issue_id")
        buyer = params.get("buyer_login_id") or ""
        if not buyer:
            raise _missing("buyer_login_id")
        record = self._issues[ds.store.store_id].get(issue_id)
        if record is None or record.summary["buyer_login_id"] != buyer:
            raise GatewayError("15", "Remote service error", "isv.issue-not-found",
                               f"issue {issue_id} not found for this seller and buyer")
        return {"result_object": record.detail}

    def _order(self, ds: StoreDataset, params: Mapping[str, str], name: str) -> dict[str, Any]:
        param = _json_param(params, name)
        try:
            order_id = int(param.get("order_id", ""))
        except (TypeError, ValueError):
            raise _missing(f"{name}.order_id") from None
        order = ds.orders.get(order_id)
        if order is None:
            raise GatewayError("15", "Remote service error", "isv.order-not-found",
                               f"order {order_id} not found for this seller")
        return order

    def _order_info(self, ds: StoreDataset, params: Mapping[str, str]) -> dict[str, Any]:
        order = self._order(ds, params, "param1")
        return {"result": {"data": order, "success": True, "error_code": "",
                           "error_message": ""}}

    def _find_order(self, ds: StoreDataset, params: Mapping[str, str]) -> dict[str, Any]:
        return {"target": self._order(ds, params, "param1")}

    def _tracking(self, ds: StoreDataset, params: Mapping[str, str]) -> dict[str, Any]:
        number = params.get("logistics_no") or ""
        for name in ("logistics_no", "out_ref", "service_name", "to_area"):
            if not params.get(name):
                raise _missing(name)
        events = ds.tracking.get(number)
        if not events:
            return {"result_success": False, "error_desc": "No tracking information found",
                    "details": []}
        return {"result_success": True, "official_website": "https://global.cainiao.com",
                "details": events}


def _request_id() -> str:
    return secrets.token_hex(8)


def _json_param(params: Mapping[str, str], name: str) -> dict[str, Any]:
    raw = params.get(name)
    if not raw:
        raise _missing(name)
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError:
        raise _invalid(name, f"{name} must be a JSON object") from None
    if not isinstance(value, dict):
        raise _invalid(name, f"{name} must be a JSON object")
    return value


def _int_field(obj: Mapping[str, Any], name: str, *, default: int, minimum: int) -> int:
    value = obj.get(name, default)
    if not isinstance(value, int) and not (isinstance(value, str) and re.fullmatch(r"\d+", value)):
        raise _invalid(name, f"{name} must be an integer")
    number = int(value)
    if number < minimum:
        raise _invalid(name, f"{name} must be >= {minimum}")
    return number


def _required_int(params: Mapping[str, str], name: str) -> int:
    value = params.get(name) or ""
    if not value:
        raise _missing(name)
    if not value.isdigit():
        raise _invalid(name, f"{name} must be a number")
    return int(value)
