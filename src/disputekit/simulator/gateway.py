"""The simulated gateway: protocol checks, then dispatch to a method.

Faithful to reference §1-§3 in what it checks and how it answers: parameters merged from
query string and body, both signature families, timestamps as epoch milliseconds (7200 s
skew) or the TOP wall clock in GMT+8 (600 s skew), the token in ``session`` or
``access_token`` (tokens expire: ``IllegalAccessToken``), both envelopes, ``error_response``
with the documented codes, a per-app-key rate limit, and switchable faults. Business time
runs on a clock that an admin call can move forward; the lifecycle follows it.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from disputekit.simulator.dataset import (
    DEMO_APP_KEY,
    DEMO_APP_SECRET,
    DEMO_STORES,
    DemoStore,
    StoreDataset,
    generate,
    plant_buyer_text,
)
from disputekit.simulator.lifecycle import Lifecycle, PlatformRefusal
from disputekit.simulator.order_list import order_list
from disputekit.simulator.stores import seller_addresses
from disputekit.wire import envelope
from disputekit.wire.signing import sign_method_from, verify

GMT8 = timezone(timedelta(hours=8))
IOP_SKEW_S = 7200
TOP_SKEW_S = 600
REFRESH_PATH = "/auth/token/refresh"
ACCESS_TOKEN_SECONDS = 30 * 86400  # a launched app's token, reference §1


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


@dataclass
class Faults:
    """Switchable misbehaviour, each a probability per business call (0 = off)."""

    isp_error: float = 0.0  # code 15 with an isp.* sub-code
    http_5xx: float = 0.0  # HTTP 502 with an HTML body
    slow: float = 0.0  # do the work, then answer after ``slow_seconds`` (past a timeout)
    slow_seconds: float = 2.0
    truncated: float = 0.0  # JSON cut off half-way
    expire_token_after: int | None = None  # the store's token expires after N calls
    refresh_failures: int = 0  # the first N token refreshes (REST) answer HTTP 502
    only_methods: tuple[str, ...] = ()  # limit the faults above to these methods

    def __post_init__(self) -> None:
        self.only_methods = tuple(self.only_methods)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Faults:
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault(s) {sorted(unknown)}; known: {sorted(known)}")
        return cls(**data)


@dataclass
class Reply:
    """What the HTTP layer sends: a JSON payload, or raw bytes, after an optional delay."""

    payload: dict[str, Any] | None = None
    status: int = 200
    raw: bytes | None = None
    delay: float = 0.0


@dataclass
class TokenState:
    store_id: str
    access_token: str
    refresh_token: str
    expires_at: float  # wall clock
    calls: int = 0


@dataclass
class SimClock:
    """Business time: the data's anchor plus real time elapsed plus what admins added."""

    anchor: datetime
    wall: Callable[[], float] = time.time
    offset: timedelta = timedelta(0)
    started: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.started = self.wall()

    def now(self) -> datetime:
        return self.anchor + timedelta(seconds=self.wall() - self.started) + self.offset


class Gateway:
    """All simulated state: one app, the stores, their disputes, orders and parcels."""

    def __init__(
        self,
        seed: int = 7,
        now: datetime | None = None,
        *,
        stores: tuple[DemoStore, ...] = DEMO_STORES,
        disputes_per_store: int | None = None,
        apps: Mapping[str, str] | None = None,
        qps: float | None = None,
        clock: Callable[[], float] = time.time,
        faults: Faults | None = None,
    ) -> None:
        anchor = now or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        self.seed = seed
        self.anchor = anchor
        self.clock = clock
        self.business = SimClock(anchor, clock)
        kwargs: dict[str, Any] = {}
        if stores != DEMO_STORES:
            kwargs["stores"] = stores
        if disputes_per_store is not None:
            kwargs["disputes_per_store"] = disputes_per_store
        self.datasets: dict[str, StoreDataset] = generate(seed, anchor, **kwargs)
        self.apps = dict(apps or {DEMO_APP_KEY: DEMO_APP_SECRET})
        self.tokens: dict[str, TokenState] = {}
        for ds in self.datasets.values():
            self._issue_token(ds.store.store_id, ds.store.access_token,
                              f"demo-refresh-{ds.store.store_id}")
        self.qps = qps
        self.faults = faults or Faults()
        self._fault_rng = random.Random(f"{seed}:faults")
        self._refreshes_failed = 0
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.RLock()
        self.call_log: list[tuple[str, str]] = []  # (method, store_id): for contract tests
        self.lifecycle = Lifecycle(self.datasets, seed, anchor)
        self.addresses = {store_id: seller_addresses(ds.store, seed)
                          for store_id, ds in self.datasets.items()}
        self._quiet: dict[str, list[dict[str, Any]]] = {}
        self.handlers: dict[str, Callable[[StoreDataset, Mapping[str, Any]], dict[str, Any]]] = {
            "aliexpress.issue.issuelist.get": self._issue_list,
            "aliexpress.issue.detail.get": self._issue_detail,
            "aliexpress.issue.solution.agree": self._solution_agree,
            "aliexpress.issue.solution.save": self._solution_save,
            "aliexpress.issue.image.upload": self._image_upload,
            "aliexpress.solution.order.info.get": self._order_info,
            "aliexpress.trade.new.redefining.findorderbyid": self._find_order,
            "aliexpress.trade.seller.orderlist.get": self._order_list,
            "aliexpress.logistics.redefining.querytrackingresult": self._tracking,
            "aliexpress.logistics.redefining.getlogisticsselleraddresses": self._addresses,
            "aliexpress.trade.redefining.extendsbuyeracceptgoodstime": self._extend,
        }

    @property
    def now(self) -> datetime:
        return self.business.now()

    # -- admin ---------------------------------------------------------------------------
    def advance(self, delta: timedelta) -> int:
        """Move business time forward and let every timer and buyer reaction due fire."""
        with self._lock:
            self.business.offset += delta
            return self.lifecycle.advance(self.now)

    def expire_token(self, store_id: str) -> None:
        with self._lock:
            for state in self.tokens.values():
                if state.store_id == store_id:
                    state.expires_at = 0

    def plant_buyer_text(self, store_id: str, texts: Mapping[str, str], count: int = 3
                         ) -> list[int]:
        """Hostile or odd buyer text in a store's newest open disputes (tests; see
        ``dataset.plant_buyer_text``); returns the issue ids changed."""
        if store_id not in self.datasets:
            raise ValueError(f"unknown store {store_id!r}; known: {sorted(self.datasets)}")
        with self._lock:
            return plant_buyer_text(self.datasets[store_id], texts, count)

    def state(self) -> dict[str, Any]:
        counts: dict[str, dict[str, int]] = {}
        for store_id, ds in self.datasets.items():
            tally: dict[str, int] = {}
            for rec in ds.issues:
                key = rec.detail["reverse_detail_status"]
                tally[key] = tally.get(key, 0) + 1
            counts[store_id] = tally
        return {"now": self.now.isoformat(), "seed": self.seed, "stores": counts,
                "faults": self.faults.__dict__}

    def _issue_token(self, store_id: str, access: str, refresh: str) -> TokenState:
        state = TokenState(store_id, access, refresh, self.clock() + ACCESS_TOKEN_SECONDS)
        self.tokens[access] = state
        return state

    # -- protocol ------------------------------------------------------------------------
    def handle(self, params: Mapping[str, Any]) -> Reply:
        """Answer one ``/sync`` call."""
        method = str(params.get("method", ""))
        simplify = str(params.get("simplify", "false")).lower() == "true"
        with self._lock:
            try:
                if method == REFRESH_PATH:
                    body = self._refresh(params, api_name=method)
                    return Reply({envelope.response_key(method): {**body, "code": "0",
                                                                  "request_id": _rid()}})
                dataset = self._authenticate(method, params)
                self._throttle(str(params["app_key"]))
                fault = self._fault(method)
                if fault is not None and fault.delay == 0:
                    return fault  # failed before doing anything
                self.lifecycle.advance(self.now)
                self.lifecycle.now = self.now
                try:
                    body = self.handlers[method](dataset, params)
                except PlatformRefusal as exc:
                    raise GatewayError("15", "Remote service error", exc.sub_code,
                                       str(exc)) from None
                self.call_log.append((method, dataset.store.store_id))
            except GatewayError as exc:
                return Reply({"error_response": {**exc.body, "request_id": _rid(),
                                                 "_trace_id_": _rid()}})
        # A slow answer: the work is done, the caller may give up before hearing so.
        delay = fault.delay if fault is not None else 0.0
        return Reply(envelope.wrap(method, {**body, "request_id": _rid()}, simplify),
                     delay=delay)

    def handle_rest(self, path: str, params: Mapping[str, Any]) -> Reply:
        """``/rest/<path>`` (GOP): auth calls; errors at the root, success ``code: "0"``."""
        with self._lock:
            if path == REFRESH_PATH and self._refreshes_failed < self.faults.refresh_failures:
                self._refreshes_failed += 1
                return Reply(status=502, raw=b"<html><body>502 Bad Gateway</body></html>")
            try:
                if path != REFRESH_PATH:
                    raise GatewayError("InvalidApiPath", f"api path {path} not found")
                body = self._refresh(params, api_name=path)
            except GatewayError as exc:
                error = {"type": exc.body["type"], "code": exc.body["code"],
                         "message": exc.body["msg"], "request_id": _rid()}
                return Reply(error)
        return Reply({**body, "code": "0", "request_id": _rid()})

    def _check_app(self, params: Mapping[str, Any], api_name: str) -> str:
        app_key = str(params.get("app_key", ""))
        if not app_key:
            raise GatewayError("28", "Missing App Key")
        secret = self.apps.get(app_key)
        if secret is None:
            raise GatewayError("29", "Invalid App Key")
        incomplete = ("IncompleteSignature",
                      "The request signature does not conform to platform standards")
        if not params.get("sign"):
            raise GatewayError(*incomplete)
        try:
            sign_method_from(str(params.get("sign_method", "")))
        except ValueError:
            raise GatewayError(*incomplete, "isv.invalid-sign-method",
                               "unsupported sign_method") from None
        self._check_timestamp(str(params.get("timestamp", "")))
        signed = {k: v for k, v in params.items() if isinstance(v, str)}
        if not verify(signed, secret, api_name=api_name):
            raise GatewayError(*incomplete)
        return app_key

    def _authenticate(self, method: str, params: Mapping[str, Any]) -> StoreDataset:
        if not method:
            raise GatewayError("21", "Missing Method")
        if method not in self.handlers:
            raise GatewayError("22", "Invalid Method", "isv.invalid-method",
                               f"method {method} is not available")
        self._check_app(params, method)
        token = str(params.get("session") or params.get("access_token") or "")
        if not token:
            raise GatewayError("IllegalAccessToken", "The specified access token is missing")
        state = self.tokens.get(token)
        if state is None or state.expires_at <= self.clock():
            raise GatewayError("IllegalAccessToken",
                               "The specified access token is invalid or expired")
        state.calls += 1
        limit = self.faults.expire_token_after
        if limit is not None and state.calls > limit:
            state.expires_at = 0
            raise GatewayError("IllegalAccessToken",
                               "The specified access token is invalid or expired")
        return self.datasets[state.store_id]

    def _refresh(self, params: Mapping[str, Any], api_name: str) -> dict[str, Any]:
        self._check_app(params, api_name)
        refresh = str(params.get("refresh_token") or "")
        if not refresh:
            raise _missing("refresh_token")
        old = next((s for s in self.tokens.values() if s.refresh_token == refresh), None)
        if old is None:
            raise GatewayError("InvalidCode", "The specified refresh token is invalid or expired")
        # The old access token dies; the refresh token stays valid (IOP keeps it until expiry).
        old.expires_at = 0
        suffix = secrets.token_hex(4)
        new = self._issue_token(old.store_id, f"{old.store_id}-token-{suffix}", refresh)
        now_ms = int(self.clock() * 1000)
        ds = self.datasets[old.store_id]
        return {"access_token": new.access_token, "refresh_token": refresh,
                "expires_in": ACCESS_TOKEN_SECONDS, "refresh_expires_in": 2 * ACCESS_TOKEN_SECONDS,
                "expire_time": now_ms + ACCESS_TOKEN_SECONDS * 1000,
                "refresh_token_valid_time": now_ms + 2 * ACCESS_TOKEN_SECONDS * 1000,
                "user_id": str(ds.store.seller_id), "seller_id": str(ds.store.seller_id),
                "user_nick": ds.store.store_id, "account": ds.store.store_id,
                "account_platform": "seller_center", "locale": "en_US", "sp": "ae"}

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

    def _throttle(self, app_key: str) -> None:
        if self.qps is None:
            return
        now = self.clock()
        calls = self._calls.setdefault(app_key, deque())
        while calls and now - calls[0] >= 1.0:
            calls.popleft()
        if len(calls) >= self.qps:
            wait = max(1, round(1.0 - (now - calls[0])))
            raise GatewayError("ApiCallLimit", "App Call Limited",
                               "accesscontrol.limited-by-app-api-access-count",
                               f"This ban will last for {wait} more seconds")
        calls.append(now)

    def _fault(self, method: str) -> Reply | None:
        f, roll = self.faults, self._fault_rng.random()
        if f.only_methods and method not in f.only_methods:
            return None
        edge = f.isp_error
        if roll < edge:
            return Reply({"error_response": {"code": 15, "msg": "Remote service error",
                                             "sub_code": "isp.remote-service-timeout",
                                             "sub_msg": "backend timed out, retry later",
                                             "request_id": _rid()}})
        edge += f.http_5xx
        if roll < edge:
            return Reply(status=502, raw=b"<html><body>502 Bad Gateway</body></html>")
        edge += f.slow
        if roll < edge:
            return Reply(delay=f.slow_seconds)
        edge += f.truncated
        if roll < edge:
            return Reply(raw=b'{"aliexpress_issue_issuelist_get_response": {"current_pa')
        return None

    # -- dispute methods -----------------------------------------------------------------
    def _issue_list(self, ds: StoreDataset, params: Mapping[str, Any]) -> dict[str, Any]:
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
                "data_list": _copy(items[start:start + size])}

    def _issue_detail(self, ds: StoreDataset, params: Mapping[str, Any]) -> dict[str, Any]:
        issue_id = _required_int(params, "issue_id")
        buyer = str(params.get("buyer_login_id") or "")
        if not buyer:
            raise _missing("buyer_login_id")
        record = self.lifecycle.record(ds.store.store_id, issue_id, buyer)
        return {"result_object": _copy(record.detail)}

    def _solution_agree(self, ds: StoreDataset, params: Mapping[str, Any]) -> dict[str, Any]:
        issue_id = _required_int(params, "issue_id")
        solution_id = _required_int(params, "solution_id", allow_negative=True)
        buyer = str(params.get("buyer_login_id") or "")
        if not buyer:
            raise _missing("buyer_login_id")
        address = params.get("return_address_id")
        self.lifecycle.agree(ds.store.store_id, issue_id, buyer, solution_id,
                             int(address) if address else None,
                             self._refund_address_ids(ds))
        return {"result_object": True}

    def _solution_save(self, ds: StoreDataset, params: Mapping[str, Any]) -> dict[str, Any]:
        param = _json_param(params, "param_dto")
        address = param.get("return_good_address_id")
        if address and int(address) not in self._refund_address_ids(ds):
            raise GatewayError("15", "Remote service error", "isv.return-address-invalid",
                               f"return address {address} is not a refund address")
        self.lifecycle.save_solution(ds.store.store_id, param)
        return {"result_object": True}

    def _refund_address_ids(self, ds: StoreDataset) -> set[int]:
        return {a["address_id"] for a in
                self.addresses[ds.store.store_id]["refund_seller_address_list"]}

    def _image_upload(self, ds: StoreDataset, params: Mapping[str, Any]) -> dict[str, Any]:
        issue_id = _required_int(params, "issue_id")
        for name in ("buyer_login_id", "extension"):
            if not params.get(name):
                raise _missing(name)
        data = params.get("image_bytes")
        if not isinstance(data, bytes):
            raise _missing("image_bytes")
        self.lifecycle.upload_image(ds.store.store_id, issue_id, str(params["buyer_login_id"]),
                                    str(params["extension"]), data)
        return {"result_object": True}

    # -- orders and logistics ------------------------------------------------------------
    def _order(self, ds: StoreDataset, params: Mapping[str, Any], name: str) -> dict[str, Any]:
        param = _json_param(params, name)
        try:
            order_id = int(param.get("order_id", ""))
        except (TypeError, ValueError):
            raise _missing(f"{name}.order_id") from None
        order = ds.orders.get(order_id)
        if order is None:
            raise GatewayError("15", "Remote service error", "isv.order-not-found",
                               f"order {order_id} not found for this seller")
        copied: dict[str, Any] = _copy(order)
        return copied

    def _order_info(self, ds: StoreDataset, params: Mapping[str, Any]) -> dict[str, Any]:
        order = self._order(ds, params, "param1")
        return {"result": {"data": order, "success": True, "error_code": "",
                           "error_message": ""}}

    def _find_order(self, ds: StoreDataset, params: Mapping[str, Any]) -> dict[str, Any]:
        return {"target": self._order(ds, params, "param1")}

    def _order_list(self, ds: StoreDataset, params: Mapping[str, Any]) -> dict[str, Any]:
        query = _json_param(params, "param_aeop_order_query")
        page = _int_field(query, "current_page", default=1, minimum=1)
        size = _int_field(query, "page_size", default=20, minimum=1)
        if size > 50:
            raise _invalid("param_aeop_order_query.page_size", "page_size must not exceed 50")
        orders = self._all_orders(ds)
        start_s = query.get("create_date_start")
        end_s = query.get("create_date_end")
        if start_s:
            orders = [o for o in orders if o["gmt_create"] >= start_s]
        if end_s:
            orders = [o for o in orders if o["gmt_create"] <= end_s]
        statuses = query.get("order_status_list") or (
            [query["order_status"]] if query.get("order_status") else None)
        if statuses:
            orders = [o for o in orders if o["order_status"] in statuses]
        else:  # FINISH must be asked for explicitly (reference §6.1)
            orders = [o for o in orders if o["order_status"] != "FINISH"]
        start = (page - 1) * size
        total_page = (len(orders) + size - 1) // size
        return {"result": {"total_count": len(orders), "total_page": total_page,
                           "current_page": page, "page_size": size, "success": True,
                           "error_code": "", "error_message": "",
                           "target_list": _copy(orders[start:start + size])}}

    def _all_orders(self, ds: StoreDataset) -> list[dict[str, Any]]:
        """Disputed orders plus the many that went fine, newest first, list-item shape."""
        store_id = ds.store.store_id
        if store_id not in self._quiet:  # built once: orders do not change here
            self._quiet[store_id] = order_list(ds, self.seed, self.anchor)
        return self._quiet[store_id]

    def _tracking(self, ds: StoreDataset, params: Mapping[str, Any]) -> dict[str, Any]:
        number = str(params.get("logistics_no") or "")
        for name in ("logistics_no", "out_ref", "service_name", "to_area"):
            if not params.get(name):
                raise _missing(name)
        events = ds.tracking.get(number)
        if not events:
            return {"result_success": False, "error_desc": "No tracking information found",
                    "details": []}
        return {"result_success": True, "official_website": "https://global.cainiao.com",
                "details": _copy(events)}

    def _addresses(self, ds: StoreDataset, params: Mapping[str, Any]) -> dict[str, Any]:
        raw = str(params.get("seller_address_query") or "")
        if not raw:
            raise _missing("seller_address_query")
        try:
            wanted = json.loads(raw) if raw.startswith("[") else raw.split(",")
        except json.JSONDecodeError:
            raise _invalid("seller_address_query", "a list of sender/pickup/refund") from None
        known = {"sender", "pickup", "refund"}
        if not set(wanted) <= known:
            raise _invalid("seller_address_query", f"address types are {sorted(known)}")
        lists = self.addresses[ds.store.store_id]
        return {f"{kind}_seller_address_list": _copy(lists[f"{kind}_seller_address_list"])
                for kind in wanted}

    def _extend(self, ds: StoreDataset, params: Mapping[str, Any]) -> dict[str, Any]:
        order_id = _required_int(params, "param0")
        days = _required_int(params, "param1")
        self.lifecycle.extend_protection(ds.store.store_id, order_id, days)
        return {"is_success": True, "memo": f"buyer protection extended by {days} days"}


def _rid() -> str:
    return secrets.token_hex(8)


def _copy(value: Any) -> Any:
    # Answers must not alias live state: the HTTP layer encodes after the lock is released.
    return json.loads(json.dumps(value))


def _json_param(params: Mapping[str, Any], name: str) -> dict[str, Any]:
    raw = params.get(name)
    if not raw:
        raise _missing(name)
    try:
        value: Any = json.loads(str(raw))
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


def _required_int(params: Mapping[str, Any], name: str, allow_negative: bool = False) -> int:
    value = str(params.get(name) or "")
    if not value:
        raise _missing(name)
    if not re.fullmatch(r"-?\d+" if allow_negative else r"\d+", value):
        raise _invalid(name, f"{name} must be a number")
    return int(value)
