"""The AliExpress Open Platform client (httpx), for the documented ``/sync`` protocol.

It signs every call exactly as reference §2 says, sends system parameters in the query
string and business parameters in the body (as the official Java SDK does), unwraps both
envelopes, validates each answer and turns ``error_response`` into typed exceptions.
Pointed at ``https://api-sg.aliexpress.com/sync`` with real credentials it works unchanged.

>>> client = AliExpressClient(
...     base_url="http://127.0.0.1:8765/sync",
...     credentials=Credentials(app_key="34127856", app_secret="...", access_token="..."))
>>> client.credentials  # the secrets never show in a repr, a log or a traceback
Credentials(app_key='34127856', app_secret='***', access_token='***')
>>> for summary in client.iter_issues(status="processing"):  # doctest: +SKIP
...     detail, raw = client.issue_detail(summary.issue_id, summary.buyer_login_id)
>>> client.close()
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import BaseModel
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
)

from disputekit.errors import (
    AccessTokenError,
    DisputeKitError,
    MalformedPayloadError,
    PlatformUnavailableError,
    PlatformUnreachableError,
    RateLimitedError,
    TruncatedResponseError,
)
from disputekit.wire import decoding, envelope, payloads
from disputekit.wire.signing import SignMethod, sign

log = logging.getLogger(__name__)

PARTNER_ID = "disputekit-0.1"
MAX_PAGE_SIZE = 50  # "do not exceed 50" (reference §4.1)
# The most pages one list is read to: 500,000 disputes or orders at 50 a page, far above a
# store's 120 days. A gateway reporting an absurd total_item is refused, not followed for
# days (2**31 items are 43 million pages).
MAX_PAGES = 10_000
# A call refreshes an expired token at most this often: a token refreshed for one call can
# expire again while the call waits its turn, but a token refused after three fresh ones
# is not an expiry (the store's authorisation is gone).
_REFRESHES_PER_CALL = 3


@dataclass(frozen=True)
class Credentials:
    """What a store needs to call the platform. Never logged, never written anywhere."""

    app_key: str
    app_secret: str
    access_token: str
    refresh_token: str = ""

    def __repr__(self) -> str:  # keeps secrets out of tracebacks and notebook outputs
        return f"Credentials(app_key={self.app_key!r}, app_secret='***', access_token='***')"


class RequestBudget:
    """Calls per second allowed for one app key, shared by every store syncing at once.

    The platform limits per app key, not per store (reference §3.3), so six stores synced
    in parallel must share one budget or they trip ``ApiCallLimit`` together.

    Calls leave evenly spaced at ``headroom`` (95 %) of the limit, not at the limit itself:
    a gateway counting calls in a sliding second refuses one that arrives a few
    milliseconds early, and arrival times jitter with the network and the load. Spaced
    exactly at the limit, about one call in thirty was refused (bench/sync_throughput.py),
    and each refusal costs its slot plus the ban's second of back-off: more than 5 %.
    """

    _shared: ClassVar[dict[str, RequestBudget]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, per_second: float | None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 headroom: float = 0.95) -> None:
        if not 0 < headroom <= 1:
            raise ValueError(f"headroom must be in (0, 1], not {headroom}")
        self.per_second = per_second
        self.headroom = headroom
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    @classmethod
    def for_app(cls, app_key: str, per_second: float | None) -> RequestBudget:
        with cls._shared_lock:
            budget = cls._shared.get(app_key)
            if budget is None or budget.per_second != per_second:
                budget = cls._shared[app_key] = cls(per_second)
            return budget

    def take(self) -> None:
        """Wait for the next slot (evenly spaced, so bursts never hit the gateway)."""
        if not self.per_second:
            return
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + 1.0 / (self.per_second * self.headroom)
        if slot > now:
            self._sleep(slot - now)


@dataclass(frozen=True)
class RetryPolicy:
    """Retries for transient failures only (rate limits, platform faults, network)."""

    attempts: int = 5
    base_delay: float = 1.0  # linear back-off 1 s, 2 s, ... as production ERPs do (§3.2)
    max_delay: float = 30.0

    def delay(self, attempt: int, error: BaseException | None) -> float:
        if isinstance(error, RateLimitedError):
            wait = max(error.retry_after, self.base_delay)
        else:
            wait = self.base_delay * attempt
        return min(wait, self.max_delay)


def _seconds(header: str | None) -> float:
    """A ``Retry-After`` of seconds, bounded; anything else (an HTTP date, words, ``nan``,
    ``inf``) is one second: ``float()`` raised on words, and ``sleep(nan)`` raised too."""
    try:
        seconds = float(header or 1)
    except ValueError:
        return 1.0
    return min(max(seconds, 0.0), 3600.0) if math.isfinite(seconds) else 1.0


def _is_transient(error: BaseException) -> bool:
    return isinstance(error, DisputeKitError) and bool(getattr(error, "transient", False))


def _surely_not_applied(error: BaseException) -> bool:
    """Safe to resend a call that changes something: the platform cannot have acted."""
    return isinstance(error, RateLimitedError) or (
        isinstance(error, PlatformUnreachableError) and not error.maybe_sent)


class AliExpressClient:
    """One store's connection to the gateway; several threads may call it at once.

    ``http`` lets callers (tests, a notebook with a proxy) pass their own ``httpx.Client``;
    ``clock`` returns epoch seconds and exists so the timestamp can be controlled.
    """

    def __init__(
        self,
        *,
        base_url: str,
        credentials: Credentials,
        store_id: str = "",
        sign_method: SignMethod | str = SignMethod.SHA256,
        simplify: bool = False,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        budget: RequestBudget | None = None,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        on_token_refreshed: Callable[[Credentials], None] | None = None,
    ) -> None:
        self.base_url = base_url
        self.credentials = credentials
        self.store_id = store_id
        self.budget = budget or RequestBudget(None)
        self.on_token_refreshed = on_token_refreshed
        self.sign_method = SignMethod(sign_method)
        self.simplify = simplify
        self.retry = retry or RetryPolicy()
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=timeout, headers={"Accept-Encoding": "gzip"})
        self._clock = clock
        self._sleep = sleep
        # httpx.Client is safe to share between threads; the token refresh is not.
        self._refresh_lock = threading.Lock()
        # the token each thread's last request was signed with (not the one its call began
        # with: a call waiting for the budget is signed later, maybe with a newer token)
        self._signed_with = threading.local()

    # -- plumbing -----------------------------------------------------------------------
    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> AliExpressClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _timestamp(self) -> str:
        if self.sign_method is SignMethod.SHA256:
            return str(int(self._clock() * 1000))  # IOP: epoch milliseconds
        # TOP: wall clock in GMT+8
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self._clock() + 8 * 3600))

    def _signed_request(self, method: str, business: dict[str, str],
                        files: dict[str, tuple[str, bytes]] | None = None) -> httpx.Request:
        system = {
            "app_key": self.credentials.app_key,
            "method": method,
            "timestamp": self._timestamp(),
            "sign_method": str(self.sign_method),
            "partner_id": PARTNER_ID,
            "format": "json",
            "simplify": "true" if self.simplify else "false",
            "v": "2.0",
        }
        # The token travels in the body, not the URL, so no proxy or access log keeps it.
        token = self.credentials.access_token
        self._signed_with.token = token
        body = {**business, "session": token}
        system["sign"] = sign({**system, **body}, self.credentials.app_secret,
                              self.sign_method, api_name=method)
        return self._http.build_request("POST", self.base_url, params=system, data=body,
                                        files=files)

    def _send_once(self, method: str, business: dict[str, str],
                   files: dict[str, tuple[str, bytes]] | None = None) -> dict[str, Any]:
        try:
            return self._send_unscrubbed(method, business, files)
        except DisputeKitError as exc:
            self._scrubbed(exc)
            raise

    def _scrubbed(self, exc: DisputeKitError) -> DisputeKitError:
        """``exc`` with every credential value blanked out of its message and fields.

        A gateway, proxy or error page may echo what it was sent (the body holds the access
        token); those words end up in notebook outputs, run logs and reports, so they are
        cleaned here, where the secrets are known, whatever the answer said. Terminal
        escapes and control characters the answer carried (in a message, a field's value)
        are removed too: the operator's terminal and ``sync_runs.error`` get plain text.
        """
        secrets = [v for v in (self.credentials.app_secret, self.credentials.access_token,
                               self.credentials.refresh_token) if len(v) >= 4]

        def clean(text: str) -> str:
            for secret in secrets:
                text = text.replace(secret, "***")
            return decoding.printable(text)

        exc.args = tuple(clean(a) if isinstance(a, str) else a for a in exc.args)
        for name, value in list(vars(exc).items()):
            if isinstance(value, str):
                setattr(exc, name, clean(value))
        return exc

    def _send_unscrubbed(self, method: str, business: dict[str, str],
                         files: dict[str, tuple[str, bytes]] | None = None) -> dict[str, Any]:
        self.budget.take()
        request = self._signed_request(method, business, files)
        try:
            response = self._http.send(request)
        except httpx.ConnectError as exc:
            raise PlatformUnreachableError(
                f"{method}: cannot reach {self.base_url} ({exc}); check the store's "
                "api.base_url and the network (is the simulator running?)", maybe_sent=False,
            ) from exc
        except httpx.TimeoutException as exc:
            raise PlatformUnreachableError(
                f"{method}: the gateway did not answer in time ({exc.__class__.__name__}); "
                "it will be retried, or raise the store's api.timeout_seconds",
                maybe_sent=not isinstance(exc, httpx.ConnectTimeout),
            ) from exc
        except httpx.TransportError as exc:
            raise PlatformUnreachableError(
                f"{method}: the connection to {self.base_url} broke ({exc})", maybe_sent=True,
            ) from exc
        if response.status_code >= 500:
            raise PlatformUnavailableError(
                f"{method}: the gateway answered HTTP {response.status_code}; retry later",
                method=method, code=str(response.status_code),
            )
        if response.status_code == 429:
            raise RateLimitedError(
                f"{method}: HTTP 429 from the gateway; rate limited",
                retry_after=_seconds(response.headers.get("Retry-After")),
                method=method, code="429",
            )
        try:
            # Bounded: too deep or a number too long is a MalformedPayloadError for this call.
            payload = decoding.loads(response.content, method)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            # A cut-off body is a network hiccup more often than a format change: retried,
            # and reported as malformed only if it keeps happening.
            raise TruncatedResponseError(
                f"{method}: HTTP {response.status_code} with a body that is not complete JSON "
                f"({response.text[:80]!r}…); if this persists, check that api.base_url "
                "ends in /sync"
            ) from exc
        return envelope.unwrap(method, payload)

    def call(self, method: str, business: dict[str, Any] | None = None,
             files: dict[str, tuple[str, bytes]] | None = None,
             *, idempotent: bool = True) -> dict[str, Any]:
        """Call ``method`` with business parameters; JSON-valued ones are sent as JSON text.

        Transient failures are retried with ``self.retry``. A call that changes something
        (``idempotent=False``) is resent only when the platform surely did not act on it
        (rate limited, connection refused); after a timeout it raises, and the caller reads
        the dispute before deciding. An expired token is refreshed (when a refresh token is
        known; at most ``_REFRESHES_PER_CALL`` times a call); everything else raises at
        once.
        """
        for _ in range(_REFRESHES_PER_CALL):
            try:
                return self._call_with_retries(method, business, files, idempotent)
            except AccessTokenError:
                if not self.credentials.refresh_token:
                    raise self._reauthorise(method, "no refresh token is configured") from None
                # A sync sends several calls at once: they all see the expired token, but
                # the refresh token may be single-use, so only the first refreshes; the
                # others find a new token already there and just call again. Which token
                # expired is the one the request was signed with: a call that waited its
                # turn may have gone out with a token refreshed meanwhile, expired since.
                with self._refresh_lock:
                    if self.credentials.access_token == getattr(self._signed_with, "token",
                                                                None):
                        self.refresh_access_token()
        return self._call_with_retries(method, business, files, idempotent)

    def _reauthorise(self, method: str, why: str) -> AccessTokenError:
        store = f"store {self.store_id!r}" if self.store_id else "this store"
        return AccessTokenError(
            f"{method}: the access token of {store} is invalid or expired and {why}. "
            f"Re-authorise {store} in the AliExpress console (Seller authorization) and "
            "update its token environment variable.",
            method=method, code="IllegalAccessToken",
        )

    def refresh_access_token(self) -> Credentials:
        """Exchange the refresh token for a new access token (``/auth/token/refresh``)."""
        api = "/auth/token/refresh"
        params = {
            "app_key": self.credentials.app_key,
            "refresh_token": self.credentials.refresh_token,
            "sign_method": "sha256",
            "timestamp": str(int(self._clock() * 1000)),
        }
        params["sign"] = sign(params, self.credentials.app_secret, SignMethod.SHA256, api)
        rest_url = self.base_url.rsplit("/sync", 1)[0] + "/rest" + api
        # A refresh that timed out or met a gateway error is sent again: the refresh token
        # stays valid until it expires (IOP), so a second exchange is safe, and giving up
        # here would fail the store's whole run over one hiccup (a CI run under load did).
        attempts = max(1, self.retry.attempts)
        for attempt in range(1, attempts + 1):
            try:
                response = self._http.post(rest_url, data=params)
                if response.status_code >= 500:
                    raise httpx.HTTPStatusError(f"HTTP {response.status_code}",
                                                request=response.request, response=response)
                body = decoding.loads(response.content, api)
                break
            except (httpx.HTTPError, ValueError, MalformedPayloadError) as exc:
                if attempt == attempts:
                    raise self._scrubbed(self._reauthorise(
                        api, f"the refresh call failed {attempts} times ({exc})")) from exc
                wait = self.retry.delay(attempt, None)
                log.info("%s: %s; retrying in %.1f s", api, exc.__class__.__name__, wait)
                self._sleep(wait)
        if not isinstance(body, dict) or str(body.get("code")) != "0" \
                or not body.get("access_token"):
            said = body.get("message") or body.get("code") if isinstance(body, dict) else body
            raise self._scrubbed(self._reauthorise(api, f"the refresh token was refused ({said})"))
        self.credentials = replace(self.credentials, access_token=str(body["access_token"]),
                                   refresh_token=str(body.get("refresh_token")
                                                     or self.credentials.refresh_token))
        log.warning("store %s: access token refreshed; store the new one where the store's "
                    "token variable comes from", self.store_id or "?")
        if self.on_token_refreshed:
            self.on_token_refreshed(self.credentials)
        return self.credentials

    def _call_with_retries(self, method: str, business: dict[str, Any] | None,
                           files: dict[str, tuple[str, bytes]] | None,
                           idempotent: bool) -> dict[str, Any]:
        encoded = {
            key: value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
            for key, value in (business or {}).items()
        }

        def _wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            wait = self.retry.delay(state.attempt_number, error)
            log.info("%s: %s; retrying in %.1f s", method, error.__class__.__name__, wait)
            return wait

        retrying = Retrying(
            retry=retry_if_exception(_is_transient if idempotent else _surely_not_applied),
            stop=stop_after_attempt(self.retry.attempts),
            wait=_wait,
            sleep=self._sleep,
            reraise=True,
        )
        result: dict[str, Any] = retrying(self._send_once, method, encoded, files)
        return result

    # -- dispute methods ---------------------------------------------------------------
    def issue_page(
        self, page: int, page_size: int = MAX_PAGE_SIZE, status: str | None = None,
        *, order_no: int | None = None, buyer_login_id: str | None = None,
        on_malformed: OnMalformed | None = None,
    ) -> tuple[int, list[payloads.IssueSummary]]:
        """One page of ``aliexpress.issue.issuelist.get``: (total_item, summaries).

        A malformed item raises ``MalformedPayloadError``; with ``on_malformed`` it is
        handed to that callback (with its issue id when one can be read) and left out, so
        one bad record does not hide the rest of the page.
        """
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
        query: dict[str, Any] = {"current_page": page, "page_size": page_size}
        if status:
            query["issue_status"] = status
        if order_no is not None:
            query["order_no"] = order_no
        if buyer_login_id:
            query["buyer_login_id"] = buyer_login_id
        method = "aliexpress.issue.issuelist.get"
        body = self.call(method, {"query_dto": query})
        # Tolerate the fields arriving inside a result object, as other IOP methods do.
        for wrapper in ("result_object", "result"):
            if isinstance(body.get(wrapper), dict) and "data_list" in body[wrapper]:
                body = envelope.unwrap(method, body[wrapper])
        page_data = payloads.parse(payloads.IssuePage, body, f"{method} page {page}")
        summaries = _parse_items(payloads.IssueSummary, page_data.data_list,
                                 f"{method} page {page}", "issue_id", on_malformed)
        return page_data.total_item, summaries

    def iter_issues(
        self, status: str | None = None, page_size: int = MAX_PAGE_SIZE,
        on_malformed: OnMalformed | None = None,
    ) -> Iterator[payloads.IssueSummary]:
        """Every dispute, page by page, until ``ceil(total_item / page_size)`` pages are read
        (bounded: ``page_count``, ``check_new_page``)."""
        page = 1
        seen: list[int | None] = []  # this page's unreadable items: the list goes on
        ids: set[int] = set()
        method = "aliexpress.issue.issuelist.get"

        def note(issue_id: int | None, error: MalformedPayloadError) -> None:
            seen.append(issue_id)
            assert on_malformed is not None
            on_malformed(issue_id, error)

        while True:
            seen.clear()
            total, items = self.issue_page(page, page_size, status,
                                           on_malformed=note if on_malformed else None)
            check_new_page(method, page, [i.issue_id for i in items], ids)
            yield from items
            if not (items or seen) or page >= page_count(method, total, page_size) \
                    or len(ids) >= total:
                return
            page += 1

    def issue_detail(self, issue_id: int, buyer_login_id: str) -> tuple[payloads.IssueDetail,
                                                                        dict[str, Any]]:
        """``aliexpress.issue.detail.get``: the parsed detail and its raw (simplified) JSON."""
        method = "aliexpress.issue.detail.get"
        body = self.call(method, {"issue_id": str(issue_id), "buyer_login_id": buyer_login_id})
        raw = body.get("result_object")
        if not isinstance(raw, dict):
            raise MalformedPayloadError(
                f"{method} for issue {issue_id}: no result_object in the answer"
            )
        return payloads.parse(payloads.IssueDetail, raw, f"{method} issue {issue_id}"), raw

    def order(self, order_id: int) -> tuple[payloads.OrderInfo, dict[str, Any]]:
        """``aliexpress.solution.order.info.get`` for a main (parent) order."""
        method = "aliexpress.solution.order.info.get"
        body = self.call(method, {"param1": {"order_id": order_id}})
        result = body.get("result")
        if not isinstance(result, dict) or not isinstance(result.get("data"), dict):
            error = result.get("error_message") if isinstance(result, dict) else None
            raise MalformedPayloadError(
                f"{method} for order {order_id}: no result.data in the answer"
                + (f" ({error})" if error else "")
            )
        raw = result["data"]
        return payloads.parse(payloads.OrderInfo, raw, f"{method} order {order_id}"), raw

    def tracking(
        self, logistics_no: str, *, order_id: int, service_name: str, to_area: str
    ) -> list[payloads.TrackingEvent]:
        """``aliexpress.logistics.redefining.querytrackingresult``: events, oldest first."""
        return self.tracking_details(logistics_no, order_id=order_id,
                                     service_name=service_name, to_area=to_area)[0]

    def tracking_details(
        self, logistics_no: str, *, order_id: int, service_name: str, to_area: str
    ) -> tuple[list[payloads.TrackingEvent], list[dict[str, Any]]]:
        """The parsed events (oldest first) and the raw ``details`` as sent."""
        method = "aliexpress.logistics.redefining.querytrackingresult"
        body = self.call(method, {
            "logistics_no": logistics_no,
            "out_ref": str(order_id),
            "service_name": service_name,
            "to_area": to_area,
            "origin": "ESCROW",
        })
        if str(body.get("result_success", "true")).lower() == "false":
            # No tracking known for this number is an answer, not a failure.
            log.info("%s %s: %s", method, logistics_no, body.get("error_desc", ""))
            return [], []
        details = body.get("details", [])
        if not isinstance(details, list):
            raise MalformedPayloadError(f"{method} {logistics_no}: details is not a list")
        events = [
            payloads.parse(payloads.TrackingEvent, item, f"{method} {logistics_no} event {i}")
            for i, item in enumerate(details)
        ]
        ordered = sorted(events, key=lambda e: (e.event_date is None, e.event_date))
        return ordered, [dict(item) for item in details]

    # -- acting on a dispute -------------------------------------------------------------
    def solution_agree(self, issue_id: int, buyer_login_id: str, solution_id: int,
                       return_address_id: int | None = None) -> bool:
        """Accept a buyer or platform plan (a refund address is needed for a return)."""
        params: dict[str, Any] = {"issue_id": str(issue_id), "buyer_login_id": buyer_login_id,
                                  "solution_id": str(solution_id)}
        if return_address_id is not None:
            params["return_address_id"] = str(return_address_id)
        return _result_true(self.call("aliexpress.issue.solution.agree", params, idempotent=False),
                            "aliexpress.issue.solution.agree")

    def solution_save(
        self,
        *,
        issue_id: int,
        buyer_login_id: str,
        refund_amount: Decimal,
        currency: str,
        reason: str,
        buyer_solution_id: int | None = None,
        modify_seller_solution_id: int | None = None,
        solution_type: str = "refund",
        return_address_id: int | None = None,
    ) -> bool:
        """Refuse the buyer's plan with a counter-offer (``buyer_solution_id``), or change
        our own open plan (``modify_seller_solution_id``). 0 is a full refusal."""
        if (buyer_solution_id is None) == (modify_seller_solution_id is None):
            raise ValueError("give exactly one of buyer_solution_id (new counter-offer) or "
                             "modify_seller_solution_id (change our plan)")
        dto: dict[str, Any] = {
            "add_seller_solution": buyer_solution_id is not None,
            "issue_id": issue_id,
            "buyer_login_id": buyer_login_id,
            "add_solution_type": solution_type,
            "refund_amount": f"{refund_amount:.2f}",  # currency units, not cents (§4.4)
            "refund_amount_currency": currency,
            "solution_context": reason,
        }
        if buyer_solution_id is not None:
            dto["buyer_solution_id"] = buyer_solution_id
        else:
            dto["modify_seller_solution_id"] = modify_seller_solution_id
        if return_address_id is not None:
            dto["return_good_address_id"] = return_address_id
        method = "aliexpress.issue.solution.save"
        return _result_true(self.call(method, {"param_dto": dto}, idempotent=False), method)

    def upload_image(self, issue_id: int, buyer_login_id: str, image: bytes,
                     extension: str) -> bool:
        """Evidence for a dispute; the platform takes images only (multipart, unsigned file)."""
        ext = extension.lower().lstrip(".")
        return _result_true(self.call(
            "aliexpress.issue.image.upload",
            {"issue_id": str(issue_id), "buyer_login_id": buyer_login_id, "extension": ext},
            files={"image_bytes": (f"evidence.{ext}", image)}, idempotent=False,
        ), "aliexpress.issue.image.upload")

    def extend_protection(self, order_id: int, days: int) -> bool:
        """Give the buyer more time before protection ends (``extendsbuyeracceptgoodstime``)."""
        method = "aliexpress.trade.redefining.extendsbuyeracceptgoodstime"
        body = self.call(method, {"param0": str(order_id), "param1": str(days)},
                         idempotent=False)
        result = body.get("result", body)
        return bool(isinstance(result, dict) and result.get("is_success"))

    def seller_addresses(self, kinds: tuple[str, ...] = ("refund",)
                         ) -> dict[str, list[payloads.SellerAddress]]:
        """The seller's addresses by kind (``refund`` ones are return addresses)."""
        method = "aliexpress.logistics.redefining.getlogisticsselleraddresses"
        body = self.call(method, {"seller_address_query": list(kinds)})
        found: dict[str, list[payloads.SellerAddress]] = {}
        for kind in kinds:
            items = envelope.as_list(body.get(f"{kind}_seller_address_list", []))
            if not isinstance(items, list):
                raise MalformedPayloadError(f"{method}: {kind}_seller_address_list is not a list")
            found[kind] = [payloads.parse(payloads.SellerAddress, a, f"{method} {kind} address")
                           for a in items]
        return found

    # -- orders --------------------------------------------------------------------------
    def find_order(self, order_id: int) -> tuple[payloads.OrderInfo, dict[str, Any]]:
        """``aliexpress.trade.new.redefining.findorderbyid`` (same shape as ``order``)."""
        method = "aliexpress.trade.new.redefining.findorderbyid"
        body = self.call(method, {"param1": {"order_id": order_id}})
        raw = body.get("target")
        if not isinstance(raw, dict):
            raise MalformedPayloadError(f"{method} for order {order_id}: no target in the answer")
        return payloads.parse(payloads.OrderInfo, raw, f"{method} order {order_id}"), raw

    def order_page(self, page: int, page_size: int = MAX_PAGE_SIZE, *,
                   created_from: str | None = None, created_to: str | None = None,
                   statuses: list[str] | None = None, on_malformed: OnMalformed | None = None,
                   ) -> tuple[int, list[payloads.OrderListItem]]:
        """One page of ``aliexpress.trade.seller.orderlist.get``; dates are Pacific strings."""
        method = "aliexpress.trade.seller.orderlist.get"
        query: dict[str, Any] = {"current_page": page, "page_size": page_size}
        if created_from:
            query["create_date_start"] = created_from
        if created_to:
            query["create_date_end"] = created_to
        if statuses:
            query["order_status_list"] = statuses
        body = self.call(method, {"param_aeop_order_query": query})
        result = body.get("result")
        if not isinstance(result, dict):
            raise MalformedPayloadError(f"{method}: no result in the answer")
        items = envelope.as_list(result.get("target_list", []))
        if not isinstance(items, list):
            raise MalformedPayloadError(f"{method} page {page}: target_list is not a list")
        return _count(result.get("total_count", 0), f"{method} total_count"), _parse_items(
            payloads.OrderListItem, items, f"{method} page {page}", "order_id", on_malformed)

    def iter_orders(self, on_malformed: OnMalformed | None = None,
                    **filters: Any) -> Iterator[payloads.OrderListItem]:
        page = 1
        skipped: list[int | None] = []  # this page's unreadable items: the list goes on
        ids: set[int] = set()
        method = "aliexpress.trade.seller.orderlist.get"

        def note(order_id: int | None, error: MalformedPayloadError) -> None:
            skipped.append(order_id)
            assert on_malformed is not None
            on_malformed(order_id, error)

        while True:
            skipped.clear()
            total, items = self.order_page(page, on_malformed=note if on_malformed else None,
                                           **filters)
            check_new_page(method, page, [i.order_id for i in items], ids)
            yield from items
            if not (items or skipped) or page >= page_count(method, total, MAX_PAGE_SIZE) \
                    or len(ids) >= total:
                return
            page += 1


def page_count(method: str, total: int, page_size: int) -> int:
    """Pages of a list of ``total`` items, or ``MalformedPayloadError`` past ``MAX_PAGES``."""
    pages = -(-total // page_size)
    if pages > MAX_PAGES:
        raise MalformedPayloadError(
            f"{method}: the gateway reports {total} items, {pages} pages of {page_size}: more "
            f"than the {MAX_PAGES} pages a list is read to. Such a total is not a store's; "
            "check api.base_url, or report the answer to AliExpress support")
    return pages


def check_new_page(method: str, page: int, ids: list[int], seen: set[int]) -> None:
    """Note a page's ids; a page after the first that only repeats ids already read means the
    gateway ignores ``current_page`` (it would send the same page for ever)."""
    if page > 1 and ids and seen.issuperset(ids):
        raise MalformedPayloadError(
            f"{method}: page {page} repeats items of earlier pages ({len(ids)} ids already "
            "read): the gateway ignores current_page, so the list cannot be read whole. "
            "Check api.base_url (a proxy or cache in front of the gateway?)")
    seen.update(ids)


# Told about one list item that could not be read: its id (when readable) and the error.
OnMalformed = Callable[[int | None, MalformedPayloadError], None]
Item = TypeVar("Item", bound=BaseModel)


def _parse_items(model: type[Item], items: list[Any], what: str, id_key: str,
                 on_malformed: OnMalformed | None) -> list[Item]:
    parsed: list[Item] = []
    for i, item in enumerate(items):
        try:
            parsed.append(payloads.parse(model, item, f"{what} item {i}"))
        except MalformedPayloadError as exc:
            if on_malformed is None:
                raise
            on_malformed(_readable_id(item, id_key), exc)
    return parsed


def _readable_id(item: Any, key: str) -> int | None:
    value = item.get(key) if isinstance(item, dict) else None
    try:
        number = int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError, OverflowError):  # inf parses from JSON
        return None
    return number if number is not None and -(2**63) <= number < 2**63 else None


def _count(value: Any, what: str) -> int:
    """A count the platform sends (as a number or a numeric string)."""
    try:
        count = int(value)
    except (TypeError, ValueError, OverflowError):
        raise MalformedPayloadError(f"{what} is not a number ({value!r:.40})") from None
    if not 0 <= count < 2**31:
        raise MalformedPayloadError(f"{what} is out of range ({count})")
    return count


def _result_true(body: dict[str, Any], method: str) -> bool:
    value = body.get("result_object", body.get("result"))
    if value is True or str(value).lower() == "true":
        return True
    raise MalformedPayloadError(f"{method}: the platform did not confirm ({value!r})")
